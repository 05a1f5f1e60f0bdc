# SPDX-License-Identifier: Apache-2.0
"""The wheel as a user gets it: build_wheel.sh builds it (the libraries from
this tree, with meson, offline), it is installed into a fresh venv in a
temporary directory (pip --no-index: nothing from the network) and used
there with no RDPNEG_* variable: a probe of a lab server through
``python -m rdpneg --json``, the evidence mode, mypy over code using the
installed package. The venv and the wheel are removed afterwards.

RDPNEG_WHEEL_BUILD_DIR (see setup.py) keeps the meson build between runs."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

import _support
from _support import LAB, LAB_SKIP, MSEC
import rdpneg
from test_loader import _system_librdpneg

BUILD_WHEEL = os.path.join(_support.PKG_ROOT, "build_wheel.sh")
USER_CODE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "typing", "user_code.py")


def clean_env(**extra):
    """The environment of a user who only installed the wheel."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RDPNEG_", "PYTHON", "PIP_")) and
           k not in ("LD_LIBRARY_PATH", "LD_PRELOAD", "VIRTUAL_ENV")}
    env.update(extra)
    return env


class WheelTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rdpneg-wheel-test-")
        dist = os.path.join(cls.tmp, "dist")
        env = dict(os.environ)
        p = subprocess.run(["bash", BUILD_WHEEL, dist], env=env,
                           capture_output=True, text=True, timeout=1800)
        if p.returncode != 0:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise AssertionError("build_wheel.sh failed (%d):\n%s" % (
                p.returncode, p.stderr[-3000:]))
        cls.wheel = p.stdout.strip().splitlines()[-1]
        cls.venv = os.path.join(cls.tmp, "venv")
        subprocess.run([sys.executable, "-m", "venv", cls.venv], check=True,
                       env=clean_env(), timeout=300)
        cls.python = os.path.join(cls.venv, "bin", "python")
        p = subprocess.run([cls.python, "-m", "pip", "install", "--no-index",
                            "--disable-pip-version-check", "--quiet",
                            cls.wheel], env=clean_env(), capture_output=True,
                           text=True, timeout=300)
        if p.returncode != 0:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise AssertionError("pip install failed:\n" + p.stderr[-3000:])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if os.path.exists(cls.tmp):
            raise AssertionError("%s not removed" % cls.tmp)

    def run_py(self, args, stdin=None):
        return subprocess.run([self.python] + args, input=stdin,
                              capture_output=True, text=True, cwd=self.tmp,
                              env=clean_env(), timeout=120)

    def test_wheel_name_and_contents(self):
        name = os.path.basename(self.wheel)
        self.assertEqual(name, "rdpneg-%s-py3-none-linux_x86_64.whl"
                         % rdpneg.__version__)
        with zipfile.ZipFile(self.wheel) as z:
            infos = {i.filename: i.file_size for i in z.infolist()}
            meta = z.read("rdpneg-%s.dist-info/METADATA"
                          % rdpneg.__version__).decode()
            wheel = z.read("rdpneg-%s.dist-info/WHEEL"
                           % rdpneg.__version__).decode()
            info = json.loads(z.read("rdpneg/_native/build-info.json"))
        sys.stderr.write("\nwheel %s: %d bytes\n%s\n" % (
            name, os.path.getsize(self.wheel), "\n".join(
                "  %9d  %s" % (size, f) for f, size in sorted(infos.items()))))
        for f in ("rdpneg/__init__.py", "rdpneg/__main__.py",
                  "rdpneg/cli.py", "rdpneg/py.typed",
                  "rdpneg/_native/librdpneg.so.0",
                  "rdpneg/_native/librdpneg-uv.so.0",
                  "rdpneg-%s.dist-info/LICENSE" % rdpneg.__version__):
            self.assertIn(f, infos)
        self.assertFalse([f for f in infos if "tests" in f or
                          "__pycache__" in f])
        self.assertIn("Root-Is-Purelib: false", wheel)
        self.assertIn("Tag: py3-none-linux_x86_64", wheel)
        self.assertIn("Name: rdpneg", meta)
        self.assertIn("License: Apache-2.0", meta)
        self.assertIn("Version: %s" % rdpneg.__version__, meta)
        # mbedTLS linked in, libuv from the system; nothing else outside libc
        self.assertEqual(info["version"], rdpneg.library_version())
        self.assertEqual(sorted(info["needed"]["librdpneg.so.0"]),
                         ["libc.so.6", "libm.so.6"])
        self.assertEqual(sorted(info["needed"]["librdpneg-uv.so.0"]),
                         ["libc.so.6", "librdpneg.so.0", "libuv.so.1"])
        self.assertLess(os.path.getsize(self.wheel), 4 << 20)

    def test_imports_the_bundled_library_without_environment(self):
        p = self.run_py(["-c", "import json, rdpneg; print(json.dumps(["
                         "rdpneg.__file__, rdpneg.library_source(), "
                         "rdpneg.library_path, rdpneg.library_version()]))"])
        self.assertEqual(p.returncode, 0, p.stderr)
        path, source, lib, version = json.loads(p.stdout)
        self.assertTrue(path.startswith(self.venv), path)
        if source == "system" and _system_librdpneg():
            self.skipTest("a newer system-wide librdpneg was preferred")
        self.assertEqual(source, "bundled")
        self.assertTrue(lib.startswith(self.venv + os.sep), lib)
        self.assertEqual(version, rdpneg.library_version())

    def test_evidence_mode(self):
        with rdpneg.Session("192.0.2.1", 3389) as s:
            s.start(0)
            s.tcp_result(rdpneg.TcpStatus.REFUSED, "192.0.2.1", -111, MSEC)
            doc = s.report().raw_json
        p = self.run_py(["-m", "rdpneg", "--evidence", "-", "--json"],
                        stdin=doc)
        self.assertEqual(p.returncode, 2, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(out["verdict"], "failing")
        self.assertEqual(out["diagnosis"][0]["cause"], "PORT_CLOSED")

    @unittest.skipIf(LAB is None, LAB_SKIP)
    def test_probe_a_lab_server(self):
        port = _support.lab_port("LAB_XRDP_TLS_VALID")
        if port is None:
            self.skipTest("LAB_XRDP_TLS_VALID not in the lab env")
        host = LAB.get("LAB_HOST", "127.0.0.1")
        p = self.run_py(["-m", "rdpneg", "--json", "--timeout", "3000",
                         "--ca-file", LAB["LAB_CA"], "--sni", "localhost",
                         "%s:%d" % (host, port)])
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout[:500])
        doc = json.loads(p.stdout)
        self.assertEqual(doc["schema"], "rdpneg.probe/1")
        self.assertEqual(doc["library"], rdpneg.library_version())
        self.assertEqual(doc["source"], "probe")
        self.assertEqual(doc["target"]["port"], port)
        self.assertEqual([ph["status"] for ph in doc["phases"]],
                         ["ok", "ok", "ok", "skipped"])
        self.assertEqual(doc["x224"]["selected"], "SSL")
        self.assertEqual(doc["tls"]["status"], "ok")
        self.assertIs(doc["tls"]["certificate"]["trusted"], True)
        self.assertEqual(doc["verdict"], "healthy")
        self.assertEqual(doc["diagnosis"], [])

    def test_installed_package_is_typed(self):
        mypy = shutil.which("mypy")
        if mypy is None:
            self.skipTest("mypy not installed (apt-get install mypy)")
        with tempfile.TemporaryDirectory() as cache:
            p = subprocess.run([mypy, "--strict", "--cache-dir", cache,
                                "--python-executable", self.python,
                                USER_CODE], cwd=self.tmp, env=clean_env(),
                               capture_output=True, text=True, timeout=600)
        # without py.typed mypy would refuse the import ("missing library
        # stubs or py.typed marker")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
