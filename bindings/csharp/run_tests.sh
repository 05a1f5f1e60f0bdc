#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the C# binding tests (xunit, dotnet test) against the meson build's
# libraries. Last line: "N passed, N failed, N skipped" taken from dotnet
# test's summary; exit 0 only when nothing failed.
#
#   RDPNEG_LIBRARY_DIR where the libraries are (a meson build tree or its
#                      lib directory); when unset, the build below is used
#   RDPNEG_BUILD_DIR   meson build directory (default: <repo>/build); set up
#                      and built when its libraries are missing, rebuilt with
#                      RDPNEG_REBUILD=1
#   extra arguments    passed to dotnet test (e.g. --filter FullyQualifiedName~Session)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${RDPNEG_BUILD_DIR:-$ROOT/build}

summary_fail() {
  echo "run_tests: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

command -v dotnet >/dev/null || summary_fail "dotnet not found"
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
export RDPNEG_SOURCE_DIR=$ROOT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

LOG=$(mktemp)
RESULTS=$(mktemp -d)
trap 'rm -rf "$LOG" "$RESULTS"' EXIT

dotnet test "$HERE/Rdpneg.Tests/Rdpneg.Tests.csproj" \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=rdpneg.trx" \
  --results-directory "$RESULTS" "$@" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}

# Minimal console summary:
#   "Passed!  - Failed:     0, Passed:    79, Skipped:     6, Total:    85, ..."
# normal verbosity:
#   "Total tests: 85" / "     Passed: 79" / "     Failed: 0" / "    Skipped: 6"
# and the TRX counters as the last resort.
passed="" failed="" skipped=""
line=$(grep -E '(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+' "$LOG" | tail -1)
if [[ -n $line ]]; then
  failed=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$line")
  passed=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$line")
  skipped=$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$line")
elif grep -qE '^Total tests: +[0-9]+' "$LOG"; then
  block=$(sed -n '/^Total tests:/,/Total time:/p' "$LOG" | tail -n +1)
  count() { grep -E "^ *$1: +[0-9]+" <<<"$block" | head -1 | grep -oE '[0-9]+' || echo 0; }
  passed=$(count Passed)
  failed=$(count Failed)
  skipped=$(count Skipped)
elif trx=$(find "$RESULTS" -name '*.trx' | head -1) && [[ -n $trx ]]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  attr() { sed -E "s/.* $1=\"([0-9]+)\".*/\1/" <<<"$counters"; }
  passed=$(attr passed)
  failed=$(($(attr failed) + $(attr error) + $(attr timeout) + $(attr aborted)))
  skipped=$(($(attr total) - $(attr executed)))
else
  summary_fail "no test summary (build or restore failed, dotnet test exit $rc)"
fi

if [[ $skipped -gt 0 ]]; then
  echo "skipped:"
  # xunit prints "<test> [SKIP]" and the reason on the next line
  awk '/\[SKIP\]$/ { if ((getline r) > 0) { sub(/^\[xUnit\.net [^]]*\] +/, "", r); print r } }' "$LOG" |
    sort | uniq -c | sed -E 's/^ *([0-9]+) /  \1  /' 
fi
if [[ $rc -ne 0 && $failed -eq 0 ]]; then
  failed=1 # dotnet test failed without a failing test (crash, abort)
fi
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 && $passed -gt 0 ]]
