#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The C unit and integration suites once more under AddressSanitizer +
# UndefinedBehaviorSanitizer (clang): build-asan/ is configured with
#   CC=clang meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
# and every sanitizer report of every process the tests start (probes run
# by the Python tests included) is written to build-asan/sanitizer-logs/:
# any report counts as a failure, whatever the test said.
#
#   test/sanitize.sh            (set ASAN_BUILD to use another directory)
#
# The integration suite needs the lab (test/lab/lab.sh up, as test/run.sh
# does): its ports come from the environment, else from test/lab/run/env;
# without a lab only the unit suite runs. With the lab, the bytefaults suite
# too (faults at every byte offset of real answers). Last line:
# "N passed, N failed, N skipped"; exit 0 only when nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${ASAN_BUILD:-$ROOT/build-asan}
pass=0 fail=0 skip=0

add() { # "p f s" label
  local p f s
  read -r p f s <<<"$1"
  pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
  echo "== sanitize $2: $p passed, $f failed, $s skipped"
}

finish() {
  echo "$pass passed, $fail failed, $skip skipped"
  [ "$fail" -eq 0 ]
  exit
}

command -v clang >/dev/null || { echo "clang missing: ./test/lab/lab.sh install"; fail=1; finish; }
if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang meson setup "$BUILD" -Db_sanitize=address,undefined \
    -Db_lundef=false >"$BUILD.setup.log" 2>&1 ||
    { cat "$BUILD.setup.log"; fail=1; finish; }
fi
ninja -C "$BUILD" >"$BUILD/ninja.log" 2>&1 ||
  { tail -n 30 "$BUILD/ninja.log"; echo "sanitizer build failed"; fail=1; finish; }

LOGS=$BUILD/sanitizer-logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
export ASAN_OPTIONS="detect_leaks=1:log_path=$LOGS/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$LOGS/ubsan"

reports() { # prints the start of each report file; returns the count
  local f
  nrep=0
  for f in "$LOGS"/*; do
    [ -f "$f" ] || continue
    nrep=$((nrep + 1))
    echo "# sanitizer report $f:"
    sed -n '1,25p' "$f" | sed 's/^/#   /'
  done
}

suite() { # name
  rm -f "$LOGS"/*
  meson test -C "$BUILD" --no-rebuild --suite "$1" --logbase "$1" \
    --print-errorlogs >"$BUILD/$1.out" 2>&1
  grep -E '^ *[0-9]+/[0-9]+ ' "$BUILD/$1.out" | grep -vE ' (OK|SKIP|EXPECTEDFAIL) ' |
    sort -u | sed 's/^ */# failed: /'
  reports
  add "$(python3 test/tally.py --meson "$BUILD/meson-logs/$1.json")" "$1"
  if [ "$nrep" -gt 0 ]; then
    add "0 $nrep 0" "$1: $nrep sanitizer reports"
  fi
}

suite unit
if [ -z "${LAB_HOST:-}" ] && [ -f test/lab/run/env ]; then
  set -a
  # shellcheck disable=SC1091
  . test/lab/run/env
  set +a
fi
if [ -n "${LAB_HOST:-}" ]; then
  suite integration
  # faults after every byte of the lab servers' answers
  # (test/integration/test_bytefaults.py): here only, under the sanitizers
  suite bytefaults
else
  echo "== sanitize integration: no lab (test/lab/lab.sh up): skipped"
  skip=$((skip + 1))
fi
finish
