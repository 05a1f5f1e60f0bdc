#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Library bugs the fuzzers found that are not fixed yet: their inputs are
# regress/<target>/known-*. The regression run passes them (the check that
# catches the bug is skipped unless RDPNEG_FUZZ_STRICT=1); this test runs
# each with RDPNEG_FUZZ_STRICT=1, where it must still fail. Once it passes,
# the bug is fixed: drop the "known-" prefix and the guard in the target.
#   known.sh REGRESS_DIR TARGET_EXE...   (TAP)
regress=$1
shift
n=0 bad=0
for exe in "$@"; do
  t=$(basename "$exe")
  t=${t#fuzz_}
  for f in "$regress/$t"/known-*; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    if RDPNEG_FUZZ_STRICT=1 "$exe" "$f" >/dev/null 2>&1; then
      bad=$((bad + 1))
      echo "not ok $n - $t/$(basename "$f") passes with RDPNEG_FUZZ_STRICT=1: fixed? rename it without known- and remove the guard"
    else
      echo "ok $n - $t/$(basename "$f") # SKIP known bug, still present"
    fi
  done
done
echo "1..$n"
[ $bad -eq 0 ]
