#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Packaging checks (TAP): `meson install` into a staging dir, the pkg-config
# files, a core example and the README's C example compiled and linked
# against the installed tree (pkg-config --static for a static-only build),
# exported symbols limited to the rdpneg_ prefix, the public headers
# compiling as C++ and as pedantic C99, the tools and their man pages.
# Follows the build's configuration: default_library shared/static/both,
# with or without the libuv driver and the tools.
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

opt() { # option name -> value
  meson introspect "$BUILD" --buildoptions |
    python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]==sys.argv[1]][0])' "$1"
}
PREFIX=$(opt prefix)
MANDIR=$(opt mandir)
LIBKIND=$(opt default_library)
TARGETS=$(meson introspect "$BUILD" --targets |
  python3 -c 'import json,sys; print(" ".join(sorted({t["name"] for t in json.load(sys.stdin)})))')
has_target() { grep -qw -- "$1" <<<" $TARGETS "; }
UV=0
has_target rdpneg-uv && UV=1
SHARED=1 STATIC=1
[ "$LIBKIND" = static ] && SHARED=0
[ "$LIBKIND" = shared ] && STATIC=0
echo "# default_library=$LIBKIND, libuv driver: $UV"

check "meson install" meson install -C "$BUILD" --destdir "$STAGE/root" --no-rebuild
ROOT=$STAGE/root$PREFIX
LIBDIR=$(dirname "$(find "$ROOT" -name 'librdpneg.so.0' -o -name 'librdpneg.a' | head -n 1)")
PCDIR=$(dirname "$(find "$ROOT" -name 'librdpneg.pc' | head -n 1)")
hdrs=(rdpneg.h rdpneg_errors.h rdpneg_taxonomy.h rdpneg_diagnosis.h rdpneg_report.h)
((UV)) && hdrs+=(rdpneg_uv.h)
missing=""
for h in "${hdrs[@]}"; do [ -f "$ROOT/include/rdpneg/$h" ] || missing="$missing $h"; done
if [ -z "$missing" ]; then ok "${#hdrs[@]} headers installed"; else notok "headers missing:$missing"; fi
if ((!UV)); then
  check "no libuv driver header without the driver" test ! -e "$ROOT/include/rdpneg/rdpneg_uv.h"
fi
if ((SHARED)); then
  if ((UV)); then
    check "sonames" test -e "$LIBDIR/librdpneg.so.0" -a -e "$LIBDIR/librdpneg-uv.so.0"
  else
    check "soname" test -e "$LIBDIR/librdpneg.so.0" -a ! -e "$LIBDIR/librdpneg-uv.so.0"
  fi
fi
if ((STATIC)); then
  if ((UV)); then
    check "static archives" test -f "$LIBDIR/librdpneg.a" -a -f "$LIBDIR/librdpneg-uv.a"
  else
    check "static archive" test -f "$LIBDIR/librdpneg.a"
  fi
fi
if ((UV)); then
  check "pkg-config files" test -f "$PCDIR/librdpneg.pc" -a -f "$PCDIR/librdpneg-uv.pc"
else
  check "pkg-config file" test -f "$PCDIR/librdpneg.pc" -a ! -e "$PCDIR/librdpneg-uv.pc"
fi

# static-only: pkg-config --static adds mbedTLS and libuv
PCSTATIC=""
((SHARED)) || PCSTATIC=--static
pc() { PKG_CONFIG_SYSROOT_DIR=$STAGE/root PKG_CONFIG_PATH=$PCDIR pkg-config $PCSTATIC "$@"; }
VERSION=$(sed -nE 's/^#define RDPNEG_VERSION "(.*)"/\1/p' "$SRC/include/rdpneg/rdpneg.h")

# the core alone, through pkg-config librdpneg
printf '#include <rdpneg/rdpneg_taxonomy.h>\n#include <stdio.h>\nint main(void) {\n  printf("%%s %%d\\n", rdpneg_version(), rdpneg_cause_count() > 0);\n  return 0;\n}\n' >"$STAGE/core.c"
# shellcheck disable=SC2046
# Link the examples the way this build links its own programs: in a
# sanitizer build (test/sanitize.sh) the installed libraries need the
# compiler's sanitizer runtime.
read -r XCC XSAN <<<"$(meson introspect "$BUILD" --targets --buildoptions | python3 -c '
import json, sys
d = json.load(sys.stdin)
cc = [s["compiler"][0] for t in d["targets"] for s in t["target_sources"] if s.get("language") == "c"]
san = [o["value"] for o in d["buildoptions"] if o["name"] == "b_sanitize"]
print(cc[0] if cc else "cc", san[0] if san else "none")')"
[ "$XSAN" = none ] && XSAN= || XSAN=-fsanitize=$XSAN

check "core example builds with pkg-config librdpneg" "$XCC" $XSAN -Wall -Wextra -Werror $(pc --cflags librdpneg) "$STAGE/core.c" -o "$STAGE/core" $(pc --libs librdpneg)
out=$(LD_LIBRARY_PATH=$LIBDIR "$STAGE/core" 2>&1)
if [ "$out" = "$VERSION 1" ]; then ok "core example runs: $out"; else notok "core example printed \"$out\", expected \"$VERSION 1\""; fi
if ((!SHARED)); then
  if readelf -d "$STAGE/core" | grep -q 'NEEDED.*librdpneg'; then notok "core example linked statically"; else ok "core example linked statically"; fi
fi


# the README's plan driver over poll(), verbatim: the core alone, no libuv
python3 - "$SRC/README.md" "$STAGE/drive.c" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"### Driving a plan from another event loop.*?```c\n(.*?)```", text, re.S)
open(sys.argv[2], "w").write(m.group(1) if m else "")
PY
# shellcheck disable=SC2046
check "README plan driver builds with pkg-config librdpneg" "$XCC" $XSAN -Wall -Wextra -Werror -Wno-unused-parameter $(pc --cflags librdpneg) "$STAGE/drive.c" -o "$STAGE/drive" $(pc --libs librdpneg) -Wl,-rpath-link,"$LIBDIR"

if ((UV)); then
  # the README example, verbatim
  python3 - "$SRC/README.md" "$STAGE/example.c" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"### A probe from C with the libuv driver\s+```c\n(.*?)```", text, re.S)
open(sys.argv[2], "w").write(m.group(1) if m else "")
PY
  # shellcheck disable=SC2046
  check "README example builds with pkg-config" "$XCC" $XSAN -Wall -Wextra -Werror -Wno-unused-parameter $(pc --cflags librdpneg-uv) "$STAGE/example.c" -o "$STAGE/example" $(pc --libs librdpneg-uv) -Wl,-rpath-link,"$LIBDIR"
fi

if ((SHARED)); then
  libs=("$LIBDIR/librdpneg.so.0")
  ((UV)) && libs+=("$LIBDIR/librdpneg-uv.so.0")
  bad=$(nm -D --defined-only "${libs[@]}" | awk 'NF==3 && $2 ~ /[TDBR]/ {print $3}' | grep -v '^rdpneg_' | grep -v '^RDPNEG' || true)
  if [ -z "$bad" ]; then ok "only rdpneg_ symbols exported"; else echo "# $bad" | head -5; notok "only rdpneg_ symbols exported"; fi
  count=$(nm -D --defined-only "$LIBDIR/librdpneg.so.0" | grep -c ' T rdpneg_')
  if nm -D --defined-only "$LIBDIR/librdpneg.so.0" | grep -q ' T rdpneg_x224_decode$'; then notok "internals hidden ($count exported)"; else ok "internals hidden ($count exported)"; fi
fi
if ((STATIC)); then
  # a static archive cannot hide internals, but its global names must not
  # collide with the application's: every defined global is rdpneg_-prefixed
  bad=$(nm -g --defined-only "$LIBDIR/librdpneg.a" | awk 'NF==3 {print $3}' | grep -v '^rdpneg_' | sort -u || true)
  nglob=$(nm -g --defined-only "$LIBDIR/librdpneg.a" | awk 'NF==3' | wc -l)
  if [ -z "$bad" ]; then ok "librdpneg.a defines only rdpneg_ globals ($nglob)"; else echo "# $(echo $bad | head -c 300)"; notok "librdpneg.a defines only rdpneg_ globals"; fi
fi

{
  printf '#include <rdpneg/rdpneg.h>\n'
  ((UV)) && printf '#include <rdpneg/rdpneg_uv.h>\n'
  printf '#include <rdpneg/rdpneg_taxonomy.h>\n#include <rdpneg/rdpneg_diagnosis.h>\nint main(void) { return rdpneg_version() == 0; }\n'
} >"$STAGE/h.c"
cp "$STAGE/h.c" "$STAGE/h.cc"
check "headers compile as C++" c++ -Wall -Wextra -Werror -I"$SRC/include" -fsyntax-only "$STAGE/h.cc"
# libuv's own uv.h needs POSIX feature macros under a strict -std
check "headers compile as pedantic C99" cc -std=c99 -D_DEFAULT_SOURCE -pedantic-errors -Wall -Wextra -Werror -I"$SRC/include" -fsyntax-only "$STAGE/h.c"

# the tools, their --version and their man pages (when scdoc rendered them)
for tool in rdpneg-explain rdpneg-probe; do
  has_target "$tool" || continue
  out=$(LD_LIBRARY_PATH=$LIBDIR "$ROOT/bin/$tool" --version 2>&1)
  if [ "$out" = "$tool $VERSION" ]; then ok "installed $tool --version: $out"; else notok "installed $tool --version printed \"$out\""; fi
  if has_target "$tool.1"; then
    case $MANDIR in /*) mdir=$STAGE/root$MANDIR ;; *) mdir=$ROOT/$MANDIR ;; esac
    check "man page $tool.1 installed" test -s "$mdir/man1/$tool.1"
  fi
done
echo "1..$n"
[ "$fails" -eq 0 ]
