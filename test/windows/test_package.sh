#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks of the win-x64 output directory (TAP), run under wine:
#   test_package.sh OUT_DIR [LINUX_BUILD_DIR]
# OUT_DIR is build-win/out from test/windows/build.sh. The programs run with
# only OUT_DIR/bin on WINEPATH (what the NuGet package ships). With a Linux
# build, the DLLs must export exactly the symbols the Linux .so files export.
# RDPNEG_CLOSED_PORT: a loopback port where nothing listens (default 1).
set -u
OUT=$(cd "$1" && pwd)
LINUX=${2:-}
HOST=x86_64-w64-mingw32
CC="$HOST-gcc-win32"
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN="$SRC/test/windows/wine-run.sh"
PORT=${RDPNEG_CLOSED_PORT:-1}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rdpneg-winpkg.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export WINEPATH="Z:${OUT//\//\\}\\bin"
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() {
  local name=$1
  shift
  if "$@" >"$TMP/out" 2>&1; then ok "$name"; else
    sed 's/^/# /' "$TMP/out" | head -n 20
    notok "$name"
  fi
}
imports() { $HOST-objdump -p "$1" | sed -n 's/^\tDLL Name: //p'; }
exports() { # names in the export table
  $HOST-objdump -p "$1" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' |
    sed -nE 's/^\s*\[\s*[0-9]+\] (\S+)$/\1/p' | sort
}

files_present() {
  local f
  for f in bin/rdpneg-0.dll bin/rdpneg-uv-0.dll bin/libuv.dll bin/rdpneg-probe.exe \
    bin/rdpneg-explain.exe lib/rdpneg.dll.a lib/rdpneg-uv.dll.a lib/librdpneg.a \
    lib/librdpneg-uv.a include/rdpneg/rdpneg.h include/rdpneg/rdpneg_uv.h include/uv.h; do
    [ -s "$OUT/$f" ] || { echo "missing $f"; return 1; }
  done
}
check "output directory complete" files_present

only_system_imports() {
  local f bad=0 dll
  for f in "$OUT"/bin/*.dll "$OUT"/bin/*.exe; do
    for dll in $(imports "$f"); do
      case ${dll,,} in
        kernel32.dll | msvcrt.dll | advapi32.dll | ws2_32.dll | iphlpapi.dll | user32.dll | \
          userenv.dll | psapi.dll | bcrypt.dll | rdpneg-0.dll | rdpneg-uv-0.dll | libuv.dll) ;;
        *) echo "$(basename "$f") imports $dll" && bad=1 ;;
      esac
    done
  done
  imports "$OUT/bin/rdpneg-0.dll" | grep -qi ws2_32 && { echo "core imports ws2_32 (sockets)" && bad=1; }
  return $bad
}
check "DLLs import only Windows system DLLs and each other (no libgcc_s, no winpthread; the core no ws2_32)" only_system_imports

exports "$OUT/bin/rdpneg-0.dll" >"$TMP/core.exp"
exports "$OUT/bin/rdpneg-uv-0.dll" >"$TMP/uv.exp"
count=$(wc -l <"$TMP/core.exp")
check "rdpneg-0.dll exports only rdpneg_ functions ($count), internals hidden" \
  sh -c "[ $count -gt 50 ] && ! grep -v '^rdpneg_' '$TMP/core.exp' && ! grep -x rdpneg_x224_decode '$TMP/core.exp'"
check "rdpneg-uv-0.dll exports only the driver's functions" \
  sh -c "[ -s '$TMP/uv.exp' ] && ! grep -vE '^rdpneg_(uv_|probe_|batch_)' '$TMP/uv.exp'"
if [ -n "$LINUX" ] && [ -e "$LINUX/lib/librdpneg.so.0" ]; then
  nm -D --defined-only "$LINUX/lib/librdpneg.so.0" | awk '$2 == "T" {sub(/@.*/, "", $3); print $3}' | sort >"$TMP/core.so"
  nm -D --defined-only "$LINUX/lib/uv/librdpneg-uv.so.0" | awk '$2 == "T" {sub(/@.*/, "", $3); print $3}' | sort >"$TMP/uv.so"
  check "exports equal to the Linux build's ($(wc -l <"$TMP/core.so") + $(wc -l <"$TMP/uv.so"))" \
    sh -c "diff '$TMP/core.so' '$TMP/core.exp' && diff '$TMP/uv.so' '$TMP/uv.exp'"
else
  n=$((n + 1))
  echo "ok $n - exports equal to the Linux build's # SKIP no Linux build given"
fi

check "public headers compile with mingw-w64 as pedantic C99" \
  sh -c "printf '#include <rdpneg/rdpneg.h>\n#include <rdpneg/rdpneg_uv.h>\n#include <rdpneg/rdpneg_taxonomy.h>\n#include <rdpneg/rdpneg_diagnosis.h>\nint main(void) { return rdpneg_version() == 0; }\n' >'$TMP/h.c' &&
    $CC -std=c99 -pedantic-errors -Wall -Wextra -Werror -I'$OUT/include' -fsyntax-only '$TMP/h.c'"

# The README's C example (its own libuv loop, the driver DLL, libuv.dll),
# pointed at a closed loopback port: verdict 2 (failing), PORT_CLOSED.
python3 - "$SRC/README.md" "$TMP/example.c" "$PORT" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"### A probe from C with the libuv driver\s+```c\n(.*?)```", text, re.S)
src = m.group(1) if m else ""
open(sys.argv[2], "w").write(src.replace('"rdp.example.org", 3389', '"127.0.0.1", ' + sys.argv[3]))
PY
check "README example links against the import libraries" \
  $CC -Wall -Wextra -Werror -Wno-unused-parameter -I"$OUT/include" "$TMP/example.c" \
  -o "$TMP/example.exe" -L"$OUT/lib" -lrdpneg-uv -lrdpneg -luv
"$RUN" "$TMP/example.exe" >"$TMP/example.json" 2>"$TMP/example.err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q '"cause": "PORT_CLOSED"' "$TMP/example.json"; then
  ok "README example runs with only bin/ (3 DLLs): verdict 2, PORT_CLOSED on 127.0.0.1:$PORT"
else
  echo "# exit $rc"
  head -n 5 "$TMP/example.json" "$TMP/example.err" | sed 's/^/# /'
  notok "README example runs with only bin/ (3 DLLs)"
fi

# Static libraries: the two programs linked without the DLLs.
check "rdpneg-explain links statically (librdpneg.a, mbedTLS)" \
  $CC -DRDPNEG_STATICLIB -I"$OUT/include" "$SRC/examples/rdpneg-explain.c" "$SRC/examples/scan_json.c" -o "$TMP/explain-static.exe" \
  -L"$OUT/lib" -l:librdpneg.a -lmbedtls -lmbedx509 -lmbedcrypto -lbcrypt -static-libgcc
"$RUN" "$OUT/bin/rdpneg-explain.exe" --json 0x904 0x7 >"$TMP/dll.json" 2>&1
"$RUN" "$TMP/explain-static.exe" --json 0x904 0x7 >"$TMP/static.json" 2>&1
if imports "$TMP/explain-static.exe" | grep -qi rdpneg; then
  notok "static rdpneg-explain.exe imports no rdpneg DLL"
elif [ -s "$TMP/dll.json" ] && cmp -s "$TMP/dll.json" "$TMP/static.json"; then
  ok "static rdpneg-explain.exe prints what the DLL build prints ($(wc -c <"$TMP/static.json") bytes)"
else
  diff "$TMP/dll.json" "$TMP/static.json" | head -n 10 | sed 's/^/# /'
  notok "static rdpneg-explain.exe prints what the DLL build prints"
fi
# rdpneg-probe's sources as the meson build beside OUT (build.sh's
# BUILD_WIN/meson) lists them (rdpneg-probe.c, nagios.c, ...)
mapfile -t probe_srcs < <(meson introspect --targets "$OUT/../meson" 2>/dev/null | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["name"] == "rdpneg-probe":
        for ts in t["target_sources"]:
            print("\n".join(s for s in ts.get("sources", []) if s.endswith(".c")))' 2>/dev/null)
[ "${#probe_srcs[@]}" -gt 0 ] || probe_srcs=("$SRC/examples/rdpneg-probe.c")
check "rdpneg-probe links statically (librdpneg-uv.a, libuv.a; ${#probe_srcs[@]} sources)" \
  $CC -DRDPNEG_STATICLIB -I"$OUT/include" "${probe_srcs[@]}" -o "$TMP/probe-static.exe" \
  -L"$OUT/lib" -l:librdpneg-uv.a -l:librdpneg.a -l:libuv.a -lmbedtls -lmbedx509 -lmbedcrypto -lbcrypt \
  -lpsapi -luser32 -ladvapi32 -liphlpapi -luserenv -lws2_32 -static-libgcc
"$RUN" "$TMP/probe-static.exe" --json "127.0.0.1:$PORT" >"$TMP/probe.json" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q '"cause": "PORT_CLOSED"' "$TMP/probe.json" &&
  ! imports "$TMP/probe-static.exe" | grep -qiE 'rdpneg|libuv'; then
  ok "static rdpneg-probe.exe: verdict 2, PORT_CLOSED, no rdpneg/libuv DLL imported"
else
  echo "# exit $rc"
  head -n 5 "$TMP/probe.json" | sed 's/^/# /'
  notok "static rdpneg-probe.exe works without the DLLs"
fi
echo "1..$n"
[ "$fails" -eq 0 ]
