#!/usr/bin/env bash
# Packaging checks (TAP): `meson install` into a staging dir, the pkg-config
# files, the README's C example compiled and linked against the installed
# tree, exported symbols limited to the rdpneg_ prefix, and the public
# headers compiling as C++ and as pedantic C99.
#   test_install.sh BUILD_DIR SOURCE_DIR
set -u
BUILD=$1
SRC=$2
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { local name=$1; shift; if "$@" >"$STAGE/out" 2>&1; then ok "$name"; else sed 's/^/# /' "$STAGE/out"; notok "$name"; fi; }

check "meson install" meson install -C "$BUILD" --destdir "$STAGE/root" --no-rebuild
PREFIX=$(meson introspect "$BUILD" --buildoptions |
  python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
ROOT=$STAGE/root$PREFIX
LIBDIR=$(dirname "$(find "$ROOT" -name 'librdpneg.so.0' | head -n 1)")
PCDIR=$(dirname "$(find "$ROOT" -name 'librdpneg.pc' | head -n 1)")
check "headers installed" test -f "$ROOT/include/rdpneg/rdpneg.h" -a -f "$ROOT/include/rdpneg/rdpneg_uv.h" -a -f "$ROOT/include/rdpneg/rdpneg_taxonomy.h" -a -f "$ROOT/include/rdpneg/rdpneg_diagnosis.h"
check "sonames" test -e "$LIBDIR/librdpneg.so.0" -a -e "$LIBDIR/librdpneg-uv.so.0"
check "pkg-config files" test -f "$PCDIR/librdpneg.pc" -a -f "$PCDIR/librdpneg-uv.pc"

# the README example, verbatim
python3 - "$SRC/README.md" "$STAGE/example.c" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"### A probe from C with the libuv driver\s+```c\n(.*?)```", text, re.S)
open(sys.argv[2], "w").write(m.group(1) if m else "")
PY
CFLAGS=$(PKG_CONFIG_SYSROOT_DIR=$STAGE/root PKG_CONFIG_PATH=$PCDIR pkg-config --cflags librdpneg-uv)
LIBS=$(PKG_CONFIG_SYSROOT_DIR=$STAGE/root PKG_CONFIG_PATH=$PCDIR pkg-config --libs librdpneg-uv)
# Link the example the way this build links its own programs: in a sanitizer
# build (test/sanitize.sh) the installed libraries need the compiler's
# sanitizer runtime.
read -r XCC XSAN <<<"$(meson introspect "$BUILD" --targets --buildoptions | python3 -c '
import json, sys
d = json.load(sys.stdin)
cc = [s["compiler"][0] for t in d["targets"] for s in t["target_sources"] if s.get("language") == "c"]
san = [o["value"] for o in d["buildoptions"] if o["name"] == "b_sanitize"]
print(cc[0] if cc else "cc", san[0] if san else "none")')"
[ "$XSAN" = none ] && XSAN= || XSAN=-fsanitize=$XSAN
check "README example builds with pkg-config" "$XCC" $XSAN -Wall -Wextra -Werror -Wno-unused-parameter $CFLAGS "$STAGE/example.c" -o "$STAGE/example" $LIBS -Wl,-rpath-link,"$LIBDIR"

bad=$(nm -D --defined-only "$LIBDIR/librdpneg.so.0" "$LIBDIR/librdpneg-uv.so.0" | awk 'NF==3 && $2 ~ /[TDBR]/ {print $3}' | grep -v '^rdpneg_' | grep -v '^RDPNEG' || true)
if [ -z "$bad" ]; then ok "only rdpneg_ symbols exported"; else echo "# $bad" | head -5; notok "only rdpneg_ symbols exported"; fi
count=$(nm -D --defined-only "$LIBDIR/librdpneg.so.0" | grep -c ' T rdpneg_')
if nm -D --defined-only "$LIBDIR/librdpneg.so.0" | grep -q ' T rdpneg_x224_decode$'; then notok "internals hidden ($count exported)"; else ok "internals hidden ($count exported)"; fi

printf '#include <rdpneg/rdpneg.h>\n#include <rdpneg/rdpneg_uv.h>\n#include <rdpneg/rdpneg_taxonomy.h>\n#include <rdpneg/rdpneg_diagnosis.h>\nint main(void) { return rdpneg_version() == 0; }\n' >"$STAGE/h.c"
cp "$STAGE/h.c" "$STAGE/h.cc"
check "headers compile as C++" c++ -Wall -Wextra -Werror -I"$SRC/include" -fsyntax-only "$STAGE/h.cc"
# libuv's own uv.h needs POSIX feature macros under a strict -std
check "headers compile as pedantic C99" cc -std=c99 -D_DEFAULT_SOURCE -pedantic-errors -Wall -Wextra -Werror -I"$SRC/include" -fsyntax-only "$STAGE/h.c"
echo "1..$n"
[ "$fails" -eq 0 ]
