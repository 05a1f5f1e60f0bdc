# SPDX-License-Identifier: Apache-2.0
"""Generated tables: up to date with the headers, and equal to the library."""

import os
import re
import subprocess
import sys
import unittest

import _support
import rdpneg
from rdpneg import _errors, _ffi


class GeneratedTest(unittest.TestCase):
    def test_generated_files_up_to_date(self):
        gen = os.path.join(_support.REPO, "bindings", "gen", "gen_bindings.py")
        r = subprocess.run([sys.executable, gen, "--check"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0,
                         "generated binding files are stale:\n" + r.stderr)

    def test_error_rows_match_library(self):
        for value, name, _cat, msg in _errors.ERRORS:
            with self.subTest(name=name):
                self.assertEqual(rdpneg.err_name(value), "RDPNEG_ERR_" + name)
                self.assertEqual(rdpneg.strerror(value), msg)
                self.assertEqual(getattr(_errors, name), value)

    def test_library_has_no_code_the_table_lacks(self):
        known = {v for v, _, _, _ in _errors.ERRORS}
        extra = [(c, rdpneg.err_name(c)) for c in range(-999, 0)
                 if rdpneg.err_name(c) is not None and c not in known]
        self.assertEqual(extra, [], "library codes missing from _errors.py "
                         "(regenerate with bindings/gen/gen_bindings.py)")

    def test_unknown_code_has_no_name(self):
        self.assertIsNone(rdpneg.err_name(-199))
        self.assertIsNone(rdpneg.err_name(0))
        self.assertEqual(rdpneg.strerror(-199), "unknown error")

    def test_version(self):
        v = rdpneg.library_version()
        self.assertRegex(v, r"^\d+\.\d+\.\d+")
        self.assertGreaterEqual(_ffi._version_tuple(v), _ffi.MIN_VERSION)
        # rdpneg_version_number() and the string agree
        self.assertEqual(_ffi.loaded_version(), _ffi._version_tuple(v))

    def test_package_version_is_the_projects(self):
        # pyproject.toml reads rdpneg/_version.py; meson.build has the
        # library's version: one release, one number
        with open(os.path.join(_support.REPO, "meson.build"),
                  encoding="utf-8") as f:
            head = f.read(2000)
        m = re.search(r"project\(\s*'librdpneg'.*?version:\s*'([^']+)'",
                      head, re.S)
        self.assertIsNotNone(m)
        self.assertEqual(rdpneg.__version__, m.group(1))
        self.assertEqual(rdpneg.__version__, rdpneg.library_version())

    def test_enum_values_match_accessor_names(self):
        self.assertEqual(rdpneg.protocol_name(rdpneg.Protocol.HYBRID_EX),
                         "HYBRID_EX")
        for p in rdpneg.Protocol:
            self.assertEqual(rdpneg.protocol_name(p), p.name)
        for f in rdpneg.NegFailure:
            self.assertEqual(rdpneg.failure_name(f), f.name)
        self.assertIsNone(rdpneg.failure_name(99))


if __name__ == "__main__":
    unittest.main()
