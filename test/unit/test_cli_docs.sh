#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A command-line tool's documentation (TAP): --version prints "NAME VERSION",
# every option its --help lists and every exit status it names are in its
# scdoc man page, and the page rendered at build time reads as a man page.
#   test_cli_docs.sh TOOL VERSION PAGE.scd [RENDERED_PAGE]
set -u
TOOL=$1
VERSION=$2
SCD=$3
RENDERED=${4:-}
NAME=$(basename "$TOOL")
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

out=$("$TOOL" --version 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ "$out" = "$NAME $VERSION" ]; then
  ok "$NAME --version prints \"$out\""
else
  notok "$NAME --version: exit $rc, printed \"$out\", expected \"$NAME $VERSION\""
fi

help=$("$TOOL" --help 2>&1)
mapfile -t opts < <(grep -oE -- '(^|[ [,])--?[a-z][a-z0-9-]*' <<<"$help" |
  sed -E 's/^[ [,]//' | sort -u)
missing=()
for o in "${opts[@]}"; do
  grep -qF -- "*$o*" "$SCD" || missing+=("$o")
done
if [ "${#opts[@]}" -gt 3 ] && [ "${#missing[@]}" -eq 0 ]; then
  ok "all ${#opts[@]} options of $NAME --help are in $(basename "$SCD")"
else
  notok "options of $NAME --help missing from $(basename "$SCD"): ${missing[*]:-(found only ${#opts[@]})}"
fi

# exit statuses named in --help ("exit: 0 healthy, 1 ..." / "Exit status: 0 found, ...")
codes=$(grep -iE '^exit( status)?:' <<<"$help" | grep -oE '\b[0-9]\b' | sort -u | tr '\n' ' ')
section=$(sed -n '/^# EXIT STATUS/,/^# [A-Z]/p' "$SCD")
missing=()
for c in $codes; do
  grep -qx "\*$c\*" <<<"$section" || missing+=("$c")
done
if [ -n "$codes" ] && [ "${#missing[@]}" -eq 0 ]; then
  ok "exit statuses $codes of $NAME are in EXIT STATUS"
else
  notok "exit statuses of $NAME (${codes:-none found}) missing from EXIT STATUS: ${missing[*]:-}"
fi

if [ -z "$RENDERED" ]; then
  echo "ok $((n += 1)) - rendered man page # SKIP scdoc not found at configure time"
elif ! head -n 20 "$RENDERED" | grep -q "^\.TH \"$NAME\" \"1\""; then
  notok "$(basename "$RENDERED") has no .TH \"$NAME\" \"1\" header"
elif command -v man >/dev/null && command -v nroff >/dev/null; then
  text=$(MANWIDTH=80 man -l -P cat "$RENDERED" 2>&1)
  if grep -q -- '--version' <<<"$text" && grep -q '^EXIT STATUS' <<<"$text"; then
    ok "$(basename "$RENDERED") renders with man ($(wc -l <<<"$text") lines)"
  else
    notok "$(basename "$RENDERED") does not render with man"
  fi
else
  ok "$(basename "$RENDERED") has its .TH header (man/nroff not installed to render it)"
fi
echo "1..$n"
[ "$fails" -eq 0 ]
