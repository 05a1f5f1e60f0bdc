#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Diagnosis over evidence, against the whole lab matrix: every document a
# live probe writes, read back with `rdpneg-probe --evidence` (and the same
# --reported code), gives the same document and exit code. TAP.
src=$1 probe=$2
if [ ! -f "$src/test/lab/run/env" ]; then
  echo "1..0 # SKIP lab not running"
  exit 0
fi
if [ -n "${RDPNEG_DOCS_DIR:-}" ]; then # kept for the browser test
  dir=$RDPNEG_DOCS_DIR
  rm -rf "$dir" && mkdir -p "$dir"
else
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
fi
echo "1..2"
if python3 "$src/test/lab/docs_matrix.py" collect "$dir" --probe "$probe" >"$dir/collect.log" 2>&1; then
  echo "ok 1 - $(tail -n 1 "$dir/collect.log")"
else
  echo "not ok 1 - collect failed"; sed 's/^/# /' "$dir/collect.log"
fi
if python3 "$src/test/lab/docs_matrix.py" evidence "$dir" --probe "$probe" >"$dir/ev.log" 2>&1; then
  echo "ok 2 - $(tail -n 1 "$dir/ev.log")"
else
  echo "not ok 2 - $(tail -n 1 "$dir/ev.log")"; sed 's/^/# /' "$dir/ev.log" | head -40
fi
