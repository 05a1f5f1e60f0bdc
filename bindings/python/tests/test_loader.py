# SPDX-License-Identifier: Apache-2.0
"""Library discovery."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import _support
import rdpneg
from rdpneg import _loader


class LoaderTest(unittest.TestCase):
    def test_platform_names(self):
        self.assertEqual(_loader.platform_names("rdpneg", "linux")[0],
                         "librdpneg.so.0")
        self.assertEqual(_loader.platform_names("rdpneg-uv", "linux")[0],
                         "librdpneg-uv.so.0")
        self.assertEqual(_loader.platform_names("rdpneg", "darwin")[0],
                         "librdpneg.0.dylib")
        win = _loader.platform_names("rdpneg", "win32")
        self.assertIn("rdpneg-0.dll", win)
        self.assertIn("librdpneg-0.dll", win)
        self.assertIn("rdpneg-uv-0.dll",
                      _loader.platform_names("rdpneg-uv", "win32"))

    def test_candidate_order(self):
        env = {"RDPNEG_LIBRARY": "/x/librdpneg.so.0",
               "RDPNEG_LIBRARY_DIR": os.pathsep.join(["/a", "/b"])}
        cands = [p for _, p in _loader.candidates("rdpneg", env, "linux")]
        self.assertEqual(cands[0], "/x/librdpneg.so.0")
        self.assertEqual(cands[1], "/a/librdpneg.so.0")
        self.assertIn("/a/uv/librdpneg.so.0", cands)
        self.assertIn("/a/lib/librdpneg.so.0", cands)
        self.assertIn("/a/lib/uv/librdpneg.so.0", cands)
        self.assertIn("/b/librdpneg.so.0", cands)
        self.assertLess(cands.index("/a/librdpneg.so.0"),
                        cands.index("/b/librdpneg.so.0"))
        self.assertEqual(cands[-2:], ["librdpneg.so.0", "librdpneg.so"])
        uv = [p for _, p in _loader.candidates(
            "rdpneg-uv", {"RDPNEG_UV_LIBRARY": "/y/uv.so"}, "linux")]
        self.assertEqual(uv[0], "/y/uv.so")

    def test_loaded_from_library_dir(self):
        d = os.environ.get("RDPNEG_LIBRARY_DIR")
        if not d or os.environ.get("RDPNEG_LIBRARY"):
            self.skipTest("RDPNEG_LIBRARY_DIR not set (run_tests.sh sets it)")
        dirs = [os.path.realpath(x) for x in d.split(os.pathsep) if x]
        here = os.path.realpath(os.path.dirname(rdpneg.library_path))
        self.assertTrue(any(here == x or here.startswith(x + os.sep)
                            for x in dirs), (here, dirs))
        from rdpneg import _ffi
        uv = os.path.realpath(_ffi.uv()._name)
        self.assertTrue(any(uv.startswith(x + os.sep) for x in dirs),
                        (uv, dirs))

    def test_clear_import_error(self):
        env = dict(os.environ)
        env.pop("RDPNEG_LIBRARY_DIR", None)
        env.pop("LD_LIBRARY_PATH", None)
        env["RDPNEG_LIBRARY"] = "/nonexistent/librdpneg.so.0"
        code = ("import sys; sys.path.insert(0, %r)\n"
                "import ctypes.util\n"
                "if ctypes.util.find_library('rdpneg'): sys.exit(77)\n"
                "try:\n"
                "    ctypes.CDLL('librdpneg.so.0'); sys.exit(77)\n"
                "except OSError: pass\n"
                "try:\n"
                "    import rdpneg\n"
                "except ImportError as e:\n"
                "    print(e); sys.exit(0)\n"
                "sys.exit(1)\n" % _support.PKG_ROOT)
        r = subprocess.run([sys.executable, "-c", code], env=env,
                           capture_output=True, text=True)
        if r.returncode == 77:
            self.skipTest("a system-wide librdpneg is installed")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("could not load librdpneg", r.stdout)
        self.assertIn("/nonexistent/librdpneg.so.0", r.stdout)
        self.assertIn("RDPNEG_LIBRARY_DIR", r.stdout)
        self.assertIn("librdpneg.so.0 (system search)", r.stdout)


FAKE_C = """
unsigned rdpneg_version_number(void) { return VERSION; }
const char *rdpneg_version(void) { return "fake"; }
"""

# Loads rdpneg/_loader.py on its own (no package import, so nothing else is
# loaded first) and reports what load() chose.
PROBE_LOADER = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("rdpneg_loader", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
native = sys.argv[2]
out = {}
try:
    lib = m.load(m.CORE, environ={}, native_dir=native)
    out.update(source=m.source(m.CORE), path=lib._name,
               version=m.version_number(lib))
    if len(sys.argv) > 3:
        uv = m.load(m.UV, environ={}, native_dir=native)
        out.update(uv_source=m.source(m.UV), uv_path=uv._name)
except ImportError as e:
    out["error"] = str(e)
with open("/proc/self/maps") as f:
    out["maps"] = sorted({l.split()[-1] for l in f
                          if "librdpneg" in l and "/" in l})
print(json.dumps(out))
"""


def real_library(name):
    """A real build's library (from RDPNEG_LIBRARY_DIR), or None."""
    for d in os.environ.get("RDPNEG_LIBRARY_DIR", "").split(os.pathsep):
        for sub in ("", "lib", "uv", os.path.join("lib", "uv")):
            path = os.path.join(d, sub, name)
            if d and os.path.isfile(path):
                return path
    return None


@unittest.skipIf(not sys.platform.startswith("linux"), "ELF loader test")
@unittest.skipIf(shutil.which("gcc") is None, "gcc not installed")
class BundledOrSystemTest(unittest.TestCase):
    """The wheel's bundled copy against a system-wide one: the system's
    wins only when newer (rdpneg_version_number())."""

    @classmethod
    def setUpClass(cls):
        cls.core = real_library("librdpneg.so.0")
        cls.uv = real_library("librdpneg-uv.so.0")
        if not cls.core:
            raise unittest.SkipTest("RDPNEG_LIBRARY_DIR has no librdpneg")
        cls.tmp = tempfile.mkdtemp(prefix="rdpneg-loader-")
        src = os.path.join(cls.tmp, "fake.c")
        with open(src, "w") as f:
            f.write(FAKE_C)
        cls.system = {}
        for label, version in (("newer", 0x090000), ("older", 0x000001),
                               ("same", 0x000100)):
            d = os.path.join(cls.tmp, "system-" + label)
            os.mkdir(d)
            subprocess.run(["gcc", "-shared", "-fPIC", "-o",
                            os.path.join(d, "librdpneg.so.0"),
                            "-Wl,-soname,librdpneg.so.0",
                            "-DVERSION=%#x" % version, src], check=True)
            cls.system[label] = d
        cls.empty = os.path.join(cls.tmp, "empty")
        os.mkdir(cls.empty)
        cls.native = os.path.join(cls.tmp, "native")
        os.mkdir(cls.native)
        shutil.copyfile(cls.core, os.path.join(cls.native, "librdpneg.so.0"))
        if cls.uv:
            shutil.copyfile(cls.uv,
                            os.path.join(cls.native, "librdpneg-uv.so.0"))
        with open(os.path.join(cls.native, "build-info.json"), "w") as f:
            json.dump({"version": "0.1.0", "version_number": 0x000100}, f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def choose(self, system_dir, native_dir, uv=False):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("RDPNEG_")}
        env["LD_LIBRARY_PATH"] = system_dir or self.empty
        args = [sys.executable, "-c", PROBE_LOADER, _loader.__file__,
                native_dir] + (["uv"] if uv else [])
        p = subprocess.run(args, env=env, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def fake(self, label):
        return os.path.join(self.system[label], "librdpneg.so.0")

    def bundled(self):
        return os.path.join(self.native, "librdpneg.so.0")

    def test_newer_system_library_wins(self):
        got = self.choose(self.system["newer"], self.native)
        self.assertEqual(got.get("source"), "system", got)
        self.assertEqual(got["version"], 0x090000)
        self.assertEqual(os.path.realpath(got["maps"][0]),
                         os.path.realpath(self.fake("newer")))

    def test_older_or_equal_system_library_loses(self):
        for label in ("older", "same"):
            with self.subTest(system=label):
                got = self.choose(self.system[label], self.native)
                self.assertEqual(got.get("source"), "bundled", got)
                self.assertEqual(got["path"], self.bundled())
                # the system copy read for its version was unloaded again
                self.assertEqual(got["maps"], [self.bundled()])

    def test_system_library_without_a_bundled_one(self):
        got = self.choose(self.system["older"], self.empty)
        self.assertEqual(got.get("source"), "system", got)
        self.assertEqual(got["version"], 1)

    def test_bundled_without_a_system_library(self):
        if _system_librdpneg():
            self.skipTest("a system-wide librdpneg is installed")
        got = self.choose(None, self.native)
        self.assertEqual(got.get("source"), "bundled", got)

    def test_neither(self):
        if _system_librdpneg():
            self.skipTest("a system-wide librdpneg is installed")
        got = self.choose(None, self.empty)
        self.assertIn("could not load librdpneg", got.get("error", ""))
        self.assertIn("no bundled copy", got["error"])

    def test_driver_comes_with_the_bundled_core(self):
        if not self.uv:
            self.skipTest("no librdpneg-uv in RDPNEG_LIBRARY_DIR")
        got = self.choose(self.system["older"], self.native, uv=True)
        self.assertEqual(got.get("uv_source"), "bundled", got)
        self.assertEqual(got["uv_path"],
                         os.path.join(self.native, "librdpneg-uv.so.0"))
        # one librdpneg in the process: the driver bound to the bundled one
        self.assertNotIn(self.fake("older"), got["maps"])
        self.assertIn(self.bundled(), got["maps"])

    def test_decision_rule(self):
        self.assertTrue(_loader.newer(0x000200, 0x000100))
        self.assertFalse(_loader.newer(0x000100, 0x000100))
        self.assertFalse(_loader.newer(0x000009, 0x000100))
        self.assertEqual(_loader.parse_version("1.2.3-rc1"), 0x010203)
        self.assertEqual(_loader.parse_version("0.1"), 0x000100)


def _system_librdpneg():
    """Whether the system's search finds a librdpneg (outside the test)."""
    import ctypes.util
    if ctypes.util.find_library("rdpneg"):
        return True
    code = "import ctypes; ctypes.CDLL('librdpneg.so.0')"
    env = {k: v for k, v in os.environ.items()
           if k != "LD_LIBRARY_PATH" and not k.startswith("RDPNEG_")}
    return subprocess.run([sys.executable, "-c", code], env=env,
                          capture_output=True).returncode == 0


if __name__ == "__main__":
    unittest.main()
