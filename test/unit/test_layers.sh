#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Layering of lib/: each folder includes only itself and the folders below
# it, and no source file grows past 800 lines. TAP output.
#   base < proto < core < analysis < output < uv, replay
# Public headers: rdpneg.h and rdpneg_errors.h from anywhere,
# rdpneg_taxonomy.h and rdpneg_diagnosis.h from analysis up, rdpneg_report.h
# from output up, rdpneg_uv.h
# only in uv. lib/taxonomy/*.def is data, readable from every layer.
src=${1:-$RDPNEG_SRCDIR}
cd "$src/lib" || { echo "1..0 # SKIP no lib/"; exit 0; }
rank() {
  case $1 in
  base) echo 0 ;; proto) echo 1 ;; core) echo 2 ;; analysis) echo 3 ;;
  output) echo 4 ;; uv | replay) echo 5 ;; *) echo 99 ;;
  esac
}
pub_rank() {
  case $1 in
  rdpneg.h | rdpneg_errors.h) echo 0 ;;
  rdpneg_taxonomy.h | rdpneg_diagnosis.h) echo 3 ;;
  rdpneg_report.h) echo 4 ;;
  rdpneg_uv.h | rdpneg_replay.h) echo 5 ;;
  *) echo 0 ;;
  esac
}
n=0 fail=0
for dir in base proto core analysis output uv replay; do
  r=$(rank $dir)
  bad=""
  for f in "$dir"/*.c "$dir"/*.h; do
    [ -f "$f" ] || continue
    # quoted includes: "layer/file.h" (or a sibling's bare name)
    for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
      case $inc in
      taxonomy/*.def) continue ;;
      */*) l=${inc%%/*} ;;
      *) l=$dir ;;
      esac
      [ "$(rank "$l")" -gt "$r" ] && bad="$bad $f->$inc"
    done
    for inc in $(sed -n 's/^#include <rdpneg\/\([^>]*\)>.*/\1/p' "$f"); do
      [ "$(pub_rank "$inc")" -gt "$r" ] && bad="$bad $f-><rdpneg/$inc>"
    done
  done
  n=$((n + 1))
  if [ -z "$bad" ]; then
    echo "ok $n - lib/$dir includes nothing above it"
  else
    echo "not ok $n - lib/$dir includes a layer above it:$bad"
    fail=1
  fi
done
n=$((n + 1))
stray=$(find . -maxdepth 1 -name '*.[ch]' | tr '\n' ' ')
if [ -z "$stray" ]; then
  echo "ok $n - no source file outside a layer folder"
else
  echo "not ok $n - sources outside a layer folder: $stray"
  fail=1
fi
n=$((n + 1))
big=$(find . -name '*.[ch]' | while read -r f; do
  l=$(wc -l <"$f")
  [ "$l" -gt 800 ] && printf '%s:%s ' "$f" "$l"
done)
if [ -z "$big" ]; then
  echo "ok $n - no file in lib/ over 800 lines"
else
  echo "not ok $n - files over 800 lines: $big"
  fail=1
fi
echo "1..$n"
exit $fail
