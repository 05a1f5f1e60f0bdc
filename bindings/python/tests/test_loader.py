"""Library discovery."""

import os
import subprocess
import sys
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


if __name__ == "__main__":
    unittest.main()
