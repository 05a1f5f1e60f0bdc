"""Find and load librdpneg and librdpneg-uv (python-magic's loader model).

Order, for each of the two libraries:

1. ``RDPNEG_LIBRARY`` / ``RDPNEG_UV_LIBRARY``: the full path of the file.
2. ``RDPNEG_LIBRARY_DIR``: one or more directories (``os.pathsep``
   separated); each is tried as given, then its ``uv``, ``lib`` and
   ``lib/uv`` subdirectories, so both a meson build tree (``build``) and
   its ``build/lib`` work (librdpneg-uv lives in ``build/lib/uv``).
3. ``ctypes.util.find_library('rdpneg')`` / ``('rdpneg-uv')``.
4. The platform file names: ``librdpneg.so.0`` (Linux and other ELF
   systems), ``librdpneg.0.dylib`` (macOS), ``rdpneg-0.dll`` /
   ``librdpneg-0.dll`` / ``rdpneg.dll`` (Windows: MSVC and MinGW builds
   of meson name the DLL differently), loaded through the system's search.

The core is always loaded first, so that librdpneg-uv binds to the same
copy of it (both use the soname ``librdpneg.so.0``). When nothing loads,
ImportError lists every candidate tried with the reason it failed.
"""

import ctypes
import ctypes.util
import os
import sys

CORE = "rdpneg"
UV = "rdpneg-uv"

_ENV_FILE = {CORE: "RDPNEG_LIBRARY", UV: "RDPNEG_UV_LIBRARY"}
_ENV_DIR = "RDPNEG_LIBRARY_DIR"


def platform_names(name, platform=None):
    """File names a build of library |name| can have on |platform|."""
    platform = platform or sys.platform
    if platform.startswith("win") or platform == "cygwin":
        return ["%s-0.dll" % name, "lib%s-0.dll" % name, "%s.dll" % name,
                "lib%s.dll" % name]
    if platform == "darwin":
        return ["lib%s.0.dylib" % name, "lib%s.dylib" % name]
    return ["lib%s.so.0" % name, "lib%s.so" % name]


def candidates(name, environ=None, platform=None):
    """The (description, path-or-name) pairs tried for |name|, in order."""
    environ = os.environ if environ is None else environ
    out = []
    env_file = environ.get(_ENV_FILE[name])
    if env_file:
        out.append(("$%s" % _ENV_FILE[name], env_file))
    dirs = [d for d in environ.get(_ENV_DIR, "").split(os.pathsep) if d]
    for d in dirs:
        for sub in (d, os.path.join(d, "uv"), os.path.join(d, "lib"),
                    os.path.join(d, "lib", "uv")):
            for fname in platform_names(name, platform):
                out.append(("$%s" % _ENV_DIR, os.path.join(sub, fname)))
    found = ctypes.util.find_library(name)
    if found:
        out.append(("find_library", found))
    for fname in platform_names(name, platform):
        out.append(("system search", fname))
    # keep order, drop repeats
    seen, uniq = set(), []
    for desc, path in out:
        if path not in seen:
            seen.add(path)
            uniq.append((desc, path))
    return uniq


def _add_dll_dirs():
    """Windows: let a DLL loaded from RDPNEG_LIBRARY_DIR find its siblings."""
    if not hasattr(os, "add_dll_directory"):
        return
    for d in os.environ.get(_ENV_DIR, "").split(os.pathsep):
        if d and os.path.isdir(d):
            try:
                os.add_dll_directory(os.path.abspath(d))
            except OSError:
                pass


def load(name):
    """Loads library |name| (CORE or UV) or raises ImportError."""
    if sys.platform.startswith("win"):
        _add_dll_dirs()
    tried, missing_in_dirs = [], []
    for desc, path in candidates(name):
        if desc.startswith("$") and not os.path.exists(path):
            if desc == "$" + _ENV_DIR:
                missing_in_dirs.append(path)
            else:
                tried.append("%s (%s): no such file" % (path, desc))
            continue
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s): %s" % (path, desc, e))
    if missing_in_dirs:
        tried.insert(0, "$%s: none of %s exists" %
                     (_ENV_DIR, ", ".join(missing_in_dirs)))
    raise ImportError(
        "librdpneg binding: could not load lib%s. Tried:\n  %s\n"
        "Set %s to the library file, or %s to the directory holding it "
        "(for a meson build tree: <build>/lib)." %
        (name, "\n  ".join(tried), _ENV_FILE[name], _ENV_DIR))
