# SPDX-License-Identifier: Apache-2.0
"""The build step of the rdpneg wheel (metadata: pyproject.toml).

build_py builds librdpneg and librdpneg-uv from this source tree with meson
into a temporary directory and copies them into rdpneg/_native/ of the
build, with build-info.json (version, how mbedTLS and libuv are linked,
the libraries the copies need). The wheel is then tagged for this platform
(py3-none-linux_x86_64): the Python code is pure, the libraries are not.

mbedTLS is linked statically into librdpneg (meson's prefer_static finds
Debian's libmbedtls.a, which is position-independent): the wheel works
where libmbedtls14 (mbedTLS 2.28, Debian 12 only; newer distributions ship
mbedTLS 3, which librdpneg does not build against) is not installed, and no
mbedTLS symbol is exported (librdpneg's version script), so it cannot clash
with another mbedTLS in the process. The price: an mbedTLS fix needs a new
wheel (a system-wide librdpneg newer than the bundled one is preferred, see
rdpneg/_loader.py).

libuv stays a shared dependency of librdpneg-uv on the system's libuv.so.1
(Debian libuv1): Debian's static libuv (libuv_a.a) is not compiled
position-independent and cannot go into a shared library, and libuv.so.1
has kept its soname since 2014 on every distribution. Only rdpneg.probe()
needs librdpneg-uv; rdpneg.aio, the taxonomy and the evidence API do not,
and ``python -m rdpneg`` falls back to the asyncio driver without it.

Environment:
  RDPNEG_SOURCE_DIR       the librdpneg source tree (default: ../..)
  RDPNEG_NATIVE_DIR       take librdpneg.so.0 and librdpneg-uv.so.0 from
                          this directory (or meson build tree) instead of
                          building them
  RDPNEG_WHEEL_BUILD_DIR  meson build directory to use and keep (default: a
                          temporary one, removed afterwards)
  RDPNEG_WHEEL_STATIC     1 (default): link mbedTLS statically; 0: depend
                          on the system's libmbedtls14 too
  MESON, NINJA            the tools (default: meson, ninja)
"""

import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:
    from wheel.bdist_wheel import bdist_wheel
except ImportError:  # pragma: no cover - sdist-only builds
    bdist_wheel = None

HERE = os.path.dirname(os.path.abspath(__file__))
LIBS = ("librdpneg.so.0", "librdpneg-uv.so.0")


def log(msg):
    print("rdpneg build: %s" % msg, file=sys.stderr, flush=True)


def source_dir():
    root = os.environ.get("RDPNEG_SOURCE_DIR") or os.path.join(HERE, "..",
                                                               "..")
    root = os.path.abspath(root)
    try:
        with open(os.path.join(root, "meson.build"), encoding="utf-8") as f:
            head = f.read(4096)
    except OSError:
        head = ""
    if "project('librdpneg'" not in head:
        raise SystemExit(
            "rdpneg build: %s is not the librdpneg source tree (set "
            "RDPNEG_SOURCE_DIR, or RDPNEG_NATIVE_DIR to prebuilt "
            "libraries)" % root)
    return root


def run(cmd, **kw):
    log("$ " + " ".join(cmd))
    # meson's and ninja's chatter goes to stderr: stdout stays the caller's
    subprocess.run(cmd, check=True, stdout=sys.stderr, **kw)


def pkgconfig(*args):
    try:
        out = subprocess.run(["pkg-config"] + list(args), check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.strip()


def build_libraries(work):
    """Builds the two libraries with meson under |work|; returns the
    directory holding them and what build-info.json says about linking."""
    root = source_dir()
    static = os.environ.get("RDPNEG_WHEEL_STATIC", "1") != "0"
    meson = os.environ.get("MESON", "meson")
    ninja = os.environ.get("NINJA", "ninja")
    build = os.path.join(work, "build")
    env = dict(os.environ)
    info = {"mbedtls": "static (libmbedtls.a, meson prefer_static)"
                       if static else "shared (libmbedtls.so.14)",
            "libuv": "shared (libuv.so.1: the system's libuv1)"}
    if not os.path.isfile(os.path.join(build, "build.ninja")):
        run([meson, "setup", build, root, "--buildtype=release",
             "--prefix=/usr", "--libdir=lib", "-Dtests=false",
             "-Dexamples=false", "-Dman=disabled", "-Duv=enabled",
             "-Dinstall=true", "-Dprefer_static=%s" %
             ("true" if static else "false")], env=env)
    run([ninja, "-C", build], env=env)
    dest = os.path.join(work, "dest")
    shutil.rmtree(dest, ignore_errors=True)
    run([meson, "install", "-C", build, "--no-rebuild", "--strip",
         "--quiet", "--destdir", dest], env=env)
    return os.path.join(dest, "usr", "lib"), info


def find_prebuilt(d):
    """The directory of |d| (a lib dir or a meson build tree) that holds
    each library."""
    out = {}
    for name in LIBS:
        for sub in ("", "uv", "lib", os.path.join("lib", "uv")):
            path = os.path.join(d, sub, name)
            if os.path.isfile(path):
                out[name] = path
                break
        else:
            raise SystemExit("rdpneg build: %s not found under %s" % (name,
                                                                      d))
    return out


def needed(path):
    """The DT_NEEDED entries of an ELF file (objdump), or None."""
    try:
        out = subprocess.run(["objdump", "-p", path], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return re.findall(r"^\s*NEEDED\s+(\S+)", out, re.M)


def version_of(core):
    """(version string, 0xMMmmpp) of the built core, read through ctypes."""
    lib = ctypes.CDLL(core)
    lib.rdpneg_version.restype = ctypes.c_char_p
    text = lib.rdpneg_version().decode("ascii")
    fn = getattr(lib, "rdpneg_version_number", None)
    if fn is not None:
        fn.restype = ctypes.c_uint32
        return text, int(fn())
    major, minor, patch = (list(map(int, re.findall(r"\d+", text))) +
                           [0, 0, 0])[:3]
    return text, (major << 16) | (minor << 8) | patch


def build_native(native):
    """Fills |native| (rdpneg/_native of the build) with the libraries."""
    os.makedirs(native, exist_ok=True)
    prebuilt = os.environ.get("RDPNEG_NATIVE_DIR")
    keep = os.environ.get("RDPNEG_WHEEL_BUILD_DIR")
    work = None
    try:
        if prebuilt:
            paths = find_prebuilt(prebuilt)
            info = {"mbedtls": "as built in %s" % prebuilt,
                    "libuv": "as built in %s" % prebuilt}
        else:
            if keep:
                os.makedirs(keep, exist_ok=True)
                work = os.path.abspath(keep)
            else:
                work = tempfile.mkdtemp(prefix="rdpneg-wheel-")
            libdir, info = build_libraries(work)
            paths = find_prebuilt(libdir)
        for name in LIBS:
            target = os.path.join(native, name)
            shutil.copyfile(paths[name], target)  # follows the symlinks
            os.chmod(target, 0o755)
        text, number = version_of(os.path.join(native, LIBS[0]))
        info.update({
            "version": text, "version_number": number,
            "needed": {name: needed(os.path.join(native, name))
                       for name in LIBS},
        })
        with open(os.path.join(native, "build-info.json"), "w",
                  encoding="utf-8") as f:
            json.dump(info, f, indent=1, sort_keys=True)
            f.write("\n")
        log("bundled librdpneg %s in %s (mbedTLS %s, libuv %s)" % (
            text, native, info["mbedtls"], info["libuv"]))
    finally:
        if work and not keep:
            shutil.rmtree(work, ignore_errors=True)


class BuildPyWithNative(build_py):
    """build_py, then the native libraries into rdpneg/_native."""

    def run(self):
        super().run()
        build_native(os.path.join(self.build_lib, "rdpneg", "_native"))


class NativeDistribution(Distribution):
    """Not pure: the package goes to platlib, the wheel's root."""

    def has_ext_modules(self):
        return True


cmdclass = {"build_py": BuildPyWithNative}

if bdist_wheel is not None:
    class PlatformWheel(bdist_wheel):
        """Not pure (it carries ELF libraries), but Python-version and
        ABI independent (they are loaded with ctypes): py3-none-<plat>."""

        def get_tag(self):
            _python, _abi, plat = super().get_tag()
            return "py3", "none", plat

    cmdclass["bdist_wheel"] = PlatformWheel

setup(cmdclass=cmdclass, distclass=NativeDistribution)
