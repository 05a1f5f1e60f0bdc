#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the Python binding tests (stdlib unittest) against the meson build's
# library. Last line: "N passed, N failed, N skipped"; exit 0 only when
# nothing failed.
#
#   RDPNEG_LIBRARY_DIR where the libraries are (a meson build tree or its
#                      lib directory); when unset, the build below is used
#   RDPNEG_BUILD_DIR   meson build directory (default: <repo>/build); it is
#                      set up and built when its libraries are missing, and
#                      rebuilt with RDPNEG_REBUILD=1
#   PYTHON             interpreter (default: python3; 3.9+)
#   RDPNEG_LAB_ENV     the lab's env file (default: <repo>/test/lab/run/env);
#                      lab tests, driver parity included, skip without it
#   RDPNEG_PROBE       rdpneg-probe for the parity and CLI tests (default:
#                      found in the build next to the libraries); likewise
#                      RDPNEG_EXPLAIN for rdpneg-explain
#   RDPNEG_WHEEL_BUILD_DIR  keeps the wheel test's meson build between runs
#                      (test_wheel builds the wheel with build_wheel.sh,
#                      installs it into a temporary venv and probes the lab
#                      from there with no RDPNEG_* variable)
#   extra arguments    unittest name patterns, e.g. test_session
#
# test_typing and test_wheel need Debian's mypy, python3-build,
# python3-setuptools, python3-wheel and python3-venv (test/lab/lab.sh
# install puts them on the machine).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${RDPNEG_BUILD_DIR:-$ROOT/build}
PY=${PYTHON:-python3}

summary_fail() {
  echo "run_tests: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

if [[ -n ${RDPNEG_LIBRARY_DIR:-} ]]; then
  : # the caller says where the libraries are (test/run.sh passes the build)
elif [[ ! -e $BUILD/lib/librdpneg.so.0 || ! -e $BUILD/lib/uv/librdpneg-uv.so.0 ||
  ${RDPNEG_REBUILD:-0} == 1 ]]; then
  if [[ ! -f $BUILD/build.ninja ]]; then
    meson setup "$BUILD" "$ROOT" >&2 || summary_fail "meson setup $BUILD failed"
  fi
  ninja -C "$BUILD" >&2 || summary_fail "ninja -C $BUILD failed"
fi

export RDPNEG_LIBRARY_DIR=${RDPNEG_LIBRARY_DIR:-$BUILD/lib}
echo "run_tests: RDPNEG_LIBRARY_DIR=$RDPNEG_LIBRARY_DIR" >&2
export PYTHONDONTWRITEBYTECODE=1
cd "$HERE/tests" || exit 1
"$PY" -u - "$@" <<'PYEOF'
import sys
import unittest

loader = unittest.TestLoader()
if len(sys.argv) > 1:
    suite = unittest.TestSuite()
    for name in sys.argv[1:]:
        suite.addTests(loader.loadTestsFromName(name))
else:
    suite = loader.discover(".", pattern="test_*.py", top_level_dir=".")
result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
failed = len(result.failures) + len(result.errors) + \
    len(result.unexpectedSuccesses)
skipped = len(result.skipped)
passed = result.testsRun - failed - skipped - len(result.expectedFailures)
if skipped:
    reasons = {}
    for _, why in result.skipped:
        reasons[why] = reasons.get(why, 0) + 1
    print("skipped:")
    for why, n in sorted(reasons.items()):
        print("  %3d  %s" % (n, why))
print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
sys.exit(1 if failed or result.testsRun == 0 else 0)
PYEOF
