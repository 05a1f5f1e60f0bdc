# SPDX-License-Identifier: Apache-2.0
"""The package's type hints: mypy --strict (Debian's mypy) over the whole
package and over code written against its public API."""

import os
import shutil
import subprocess
import tempfile
import unittest

import _support

MYPY = shutil.which("mypy")
USER_CODE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "typing", "user_code.py")


def run_mypy(*args, cwd=None):
    """(exit code, output) of mypy --strict |args| with a throw-away cache."""
    with tempfile.TemporaryDirectory(prefix="rdpneg-mypy-") as cache:
        p = subprocess.run([MYPY, "--strict", "--cache-dir", cache,
                            "--no-error-summary"] + list(args),
                           cwd=cwd, capture_output=True, text=True,
                           timeout=600)
    return p.returncode, (p.stdout + p.stderr).strip()


@unittest.skipIf(MYPY is None, "mypy not installed (apt-get install mypy)")
class TypingTest(unittest.TestCase):
    def test_package_is_strictly_typed(self):
        code, out = run_mypy("--config-file", "pyproject.toml", "rdpneg",
                             cwd=_support.PKG_ROOT)
        self.assertEqual(code, 0, "mypy --strict rdpneg:\n" + out)
        self.assertEqual(out, "")

    def test_user_code_type_checks(self):
        code, out = run_mypy("--config-file", "pyproject.toml", USER_CODE,
                             cwd=_support.PKG_ROOT)
        self.assertEqual(code, 0, out)

    def test_mypy_catches_misuse(self):
        # the hints are not all Any: a wrong use is an error
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.py")
            with open(bad, "w", encoding="utf-8") as f:
                f.write("import rdpneg\n"
                        "rep = rdpneg.probe('h', 3389)\n"
                        "n: int = rep.verdict\n"
                        "rdpneg.probe(3389)\n"
                        "rdpneg.Config().timeout_ms = 'x'\n")
            code, out = run_mypy("--config-file", "pyproject.toml", bad,
                                 cwd=_support.PKG_ROOT)
        self.assertEqual(code, 1, out)
        self.assertIn("bad.py:3: error", out)
        self.assertIn("bad.py:4: error", out)
        self.assertIn("bad.py:5: error", out)

    def test_py_typed_marker(self):
        self.assertTrue(os.path.isfile(os.path.join(
            _support.PKG_ROOT, "rdpneg", "py.typed")))


if __name__ == "__main__":
    unittest.main()
