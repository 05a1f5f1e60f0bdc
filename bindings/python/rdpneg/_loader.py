# SPDX-License-Identifier: Apache-2.0
"""Find and load librdpneg and librdpneg-uv.

Order, for each of the two libraries:

1. ``RDPNEG_LIBRARY`` / ``RDPNEG_UV_LIBRARY``: the full path of the file.
2. ``RDPNEG_LIBRARY_DIR``: one or more directories (``os.pathsep``
   separated); each is tried as given, then its ``uv``, ``lib`` and
   ``lib/uv`` subdirectories, so both a meson build tree (``build``) and
   its ``build/lib`` work (librdpneg-uv lives in ``build/lib/uv``).
3. The system's copy and the copy bundled in the wheel (``rdpneg/_native``,
   built from the same source tree as this package): the system's copy
   (``ctypes.util.find_library('rdpneg')``, then the platform file names
   ``librdpneg.so.0``, ``librdpneg.0.dylib``, ``rdpneg-0.dll``, ... through
   the system's search) is used when it is newer than the bundled one
   (``rdpneg_version_number()`` against ``_native/build-info.json``),
   else the bundled one. Without a bundled copy (a source checkout), the
   system's. librdpneg-uv comes from where the core came from when it is
   there, else from the other place.

The core is always loaded first, so that librdpneg-uv binds to the same
copy of it (both use the soname ``librdpneg.so.0``; a system copy that
lost is unloaded again before the bundled one is loaded). When nothing
loads, ImportError lists every candidate tried with the reason it failed.
``source(name)`` says where a loaded library came from.

This module imports nothing of the package (the tests load it on its own).
"""

import ctypes
import ctypes.util
import json
import os
import sys
from typing import Dict, List, Mapping, Optional, Tuple

CORE = "rdpneg"
UV = "rdpneg-uv"

_ENV_FILE = {CORE: "RDPNEG_LIBRARY", UV: "RDPNEG_UV_LIBRARY"}
_ENV_DIR = "RDPNEG_LIBRARY_DIR"

#: Where the wheel keeps its own copies of the libraries.
NATIVE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "_native")
BUILD_INFO = "build-info.json"

# where each loaded library came from: name -> (source, path)
_loaded: Dict[str, Tuple[str, str]] = {}


def platform_names(name: str, platform: Optional[str] = None) -> List[str]:
    """File names a build of library |name| can have on |platform|."""
    platform = platform or sys.platform
    if platform.startswith("win") or platform == "cygwin":
        return ["%s-0.dll" % name, "lib%s-0.dll" % name, "%s.dll" % name,
                "lib%s.dll" % name]
    if platform == "darwin":
        return ["lib%s.0.dylib" % name, "lib%s.dylib" % name]
    return ["lib%s.so.0" % name, "lib%s.so" % name]


def env_candidates(name: str, environ: Optional[Mapping[str, str]] = None,
                   platform: Optional[str] = None) -> List[Tuple[str, str]]:
    """The (description, path) pairs the environment names for |name|."""
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
    return out


def system_candidates(name: str, platform: Optional[str] = None
                      ) -> List[Tuple[str, str]]:
    """The (description, name) pairs of the system's search for |name|."""
    out = []
    found = ctypes.util.find_library(name)
    if found:
        out.append(("find_library", found))
    for fname in platform_names(name, platform):
        out.append(("system search", fname))
    return out


def _uniq(pairs: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    seen, uniq = set(), []
    for desc, path in pairs:
        if path not in seen:
            seen.add(path)
            uniq.append((desc, path))
    return uniq


def candidates(name: str, environ: Optional[Mapping[str, str]] = None,
               platform: Optional[str] = None) -> List[Tuple[str, str]]:
    """The (description, path-or-name) pairs tried for |name| before the
    bundled copy is weighed against the system's: the environment's, then
    the system's search."""
    return _uniq(env_candidates(name, environ, platform) +
                 system_candidates(name, platform))


def bundled_path(name: str, native_dir: Optional[str] = None,
                 platform: Optional[str] = None) -> Optional[str]:
    """The bundled copy of |name| in |native_dir| (default: the package's
    _native folder), or None."""
    d = NATIVE_DIR if native_dir is None else native_dir
    for fname in platform_names(name, platform):
        path = os.path.join(d, fname)
        if os.path.isfile(path):
            return path
    return None


def bundled_info(native_dir: Optional[str] = None) -> Dict[str, object]:
    """The build information the wheel's build step wrote next to the
    bundled libraries ({} when there is none)."""
    d = NATIVE_DIR if native_dir is None else native_dir
    try:
        with open(os.path.join(d, BUILD_INFO), encoding="utf-8") as f:
            info = json.load(f)
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def parse_version(text: str) -> int:
    """0xMMmmpp for a version string "M.m.p[-suffix]"."""
    parts = []
    for p in text.split("-")[0].split(".")[:3]:
        digits = "".join(ch for ch in p if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    parts = (parts + [0, 0, 0])[:3]
    return (min(parts[0], 255) << 16) | (min(parts[1], 255) << 8) | \
        min(parts[2], 255)


def version_number(lib: ctypes.CDLL) -> int:
    """0xMMmmpp of a loaded librdpneg: rdpneg_version_number() when it has
    it, else parsed from rdpneg_version(); 0 when neither is there."""
    try:
        fn = lib.rdpneg_version_number
    except AttributeError:
        fn = None
    if fn is not None:
        fn.restype, fn.argtypes = ctypes.c_uint32, []
        return int(fn())
    try:
        vfn = lib.rdpneg_version
    except AttributeError:
        return 0
    vfn.restype, vfn.argtypes = ctypes.c_char_p, []
    raw = vfn()
    return parse_version(raw.decode("ascii", "replace")) if raw else 0


def bundled_version(native_dir: Optional[str] = None) -> int:
    """0xMMmmpp of the bundled librdpneg (from build-info.json; 0 when
    unknown)."""
    info = bundled_info(native_dir)
    num = info.get("version_number")
    if isinstance(num, int):
        return num
    text = info.get("version")
    return parse_version(text) if isinstance(text, str) else 0


def newer(system: int, bundled: int) -> bool:
    """Whether the system's copy (version |system|) wins over the bundled
    one (|bundled|): only when strictly newer."""
    return system > bundled


def _unload(lib: ctypes.CDLL) -> None:
    """Drops a library loaded only to read its version (so that the
    bundled copy, same soname, is the one librdpneg-uv binds to)."""
    try:
        import _ctypes
        if sys.platform.startswith("win"):
            free = getattr(_ctypes, "FreeLibrary", None)
        else:
            free = getattr(_ctypes, "dlclose", None)
        if free is not None:
            free(lib._handle)
    except (ImportError, OSError):
        pass


def _add_dll_dirs() -> None:
    """Windows: let a DLL loaded from RDPNEG_LIBRARY_DIR or the bundled
    folder find its siblings."""
    add = getattr(os, "add_dll_directory", None)
    if add is None:
        return
    dirs = os.environ.get(_ENV_DIR, "").split(os.pathsep) + [NATIVE_DIR]
    for d in dirs:
        if d and os.path.isdir(d):
            try:
                add(os.path.abspath(d))
            except OSError:
                pass


def _try(pairs: List[Tuple[str, str]], tried: List[str],
         missing_in_dirs: List[str]) -> Optional[Tuple[str, ctypes.CDLL]]:
    for desc, path in pairs:
        if desc.startswith("$") and not os.path.exists(path):
            if desc == "$" + _ENV_DIR:
                missing_in_dirs.append(path)
            else:
                tried.append("%s (%s): no such file" % (path, desc))
            continue
        try:
            return desc, ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s): %s" % (path, desc, e))
    return None


def load(name: str, environ: Optional[Mapping[str, str]] = None,
         native_dir: Optional[str] = None) -> ctypes.CDLL:
    """Loads library |name| (CORE or UV) or raises ImportError."""
    environ = os.environ if environ is None else environ
    if sys.platform.startswith("win"):
        _add_dll_dirs()
    tried: List[str] = []
    missing_in_dirs: List[str] = []
    got = _try(_uniq(env_candidates(name, environ)), tried, missing_in_dirs)
    if got is not None:
        return _done(name, got[0], got[1])
    bundled = bundled_path(name, native_dir)
    system = [c for c in system_candidates(name)
              if c[1] != bundled]
    if name == UV and _loaded.get(CORE, ("", ""))[0] == "bundled" and \
            bundled is not None:
        # the core is the bundled one: so is its driver
        got = _try([("bundled", bundled)], tried, missing_in_dirs)
        if got is not None:
            return _done(name, "bundled", got[1])
    got = _try(system, tried, missing_in_dirs)
    if got is not None and bundled is not None and name == CORE:
        sysver = version_number(got[1])
        bver = bundled_version(native_dir)
        if not newer(sysver, bver):
            tried.append("%s (%s): version 0x%06x, not newer than the "
                         "bundled 0x%06x" % (got[1]._name, got[0], sysver,
                                             bver))
            _unload(got[1])
            got = None
    if got is None and bundled is not None:
        got = _try([("bundled", bundled)], tried, missing_in_dirs)
        if got is not None:
            return _done(name, "bundled", got[1])
    if got is not None:
        return _done(name, "system", got[1])
    if missing_in_dirs:
        tried.insert(0, "$%s: none of %s exists" %
                     (_ENV_DIR, ", ".join(missing_in_dirs)))
    if bundled is None:
        tried.append("%s: no bundled copy (a wheel carries one)" %
                     (native_dir or NATIVE_DIR))
    raise ImportError(
        "librdpneg binding: could not load lib%s. Tried:\n  %s\n"
        "Set %s to the library file, or %s to the directory holding it "
        "(for a meson build tree: <build>/lib), or install the wheel "
        "(bindings/python/build_wheel.sh)." %
        (name, "\n  ".join(tried), _ENV_FILE[name], _ENV_DIR))


def _done(name: str, source: str, lib: ctypes.CDLL) -> ctypes.CDLL:
    _loaded[name] = (source, str(lib._name))
    return lib


def source(name: str = CORE) -> Optional[str]:
    """Where library |name| was loaded from: "$RDPNEG_LIBRARY",
    "$RDPNEG_LIBRARY_DIR", "$RDPNEG_UV_LIBRARY", "system" or "bundled";
    None when it is not loaded."""
    got = _loaded.get(name)
    return got[0] if got else None
