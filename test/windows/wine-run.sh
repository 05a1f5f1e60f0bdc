#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# wine-run.sh PROGRAM.exe [ARGS...]: runs a Windows program under Debian 12's
# wine 8 (64-bit loader /usr/lib/wine/wine64, not on PATH) for the tests; the
# exe_wrapper of the Windows build (build-win/deps/paths.ini).
#   - WINEDEBUG=-all, and a timeout against hangs (RDPNEG_WINE_TIMEOUT,
#     default 600 s; meson's test timeouts are shorter);
#   - stdout's CR LF (Windows text mode) becomes LF, so scripts compare lines;
#   - when no wineserver runs for the prefix yet, it starts one (exits 60 s
#     after the last program) and wine's own services (wineboot) with no
#     inherited output: started by the first program, they would hold its
#     stdout open, and the caller would wait for them;
#   - wine makes its sockets in the wineserver process, so a program started
#     inside another network namespace (ip netns exec) needs a wineserver
#     started there too: it gets a copy of $WINEPREFIX per namespace.
# The exit status is the program's (124 on timeout).
set -o pipefail
WINE=${RDPNEG_WINE:-/usr/lib/wine/wine64}
WINESERVER=$(dirname "$WINE")/wineserver
export WINEDEBUG=${WINEDEBUG:--all}
# The prefix records the namespace it was first used in (.rdpneg-netns).
ns=$(readlink /proc/self/ns/net 2>/dev/null)
if [ -n "${WINEPREFIX:-}" ] && [ -d "$WINEPREFIX" ] && [ -n "$ns" ] &&
  [ ! -f "$WINEPREFIX/.rdpneg-netns" ]; then
  echo "$ns" >"$WINEPREFIX/.rdpneg-netns"
fi
if [ -n "${WINEPREFIX:-}" ] && [ -f "$WINEPREFIX/.rdpneg-netns" ] && [ -n "$ns" ] &&
  [ "$ns" != "$(cat "$WINEPREFIX/.rdpneg-netns")" ]; then
  nsprefix="$WINEPREFIX-netns-${ns//[^0-9]/}"
  if [ ! -d "$nsprefix" ]; then
    cp -a "$WINEPREFIX" "$nsprefix.$$" || exit 125
    echo "$ns" >"$nsprefix.$$/.rdpneg-netns"
    mv -T "$nsprefix.$$" "$nsprefix" 2>/dev/null || rm -rf "$nsprefix.$$"
  fi
  export WINEPREFIX=$nsprefix
fi
{
  flock -w 300 9 # programs started in parallel wait for the first one's boot
  # (9>&-: the daemons must not keep the lock)
  if "$WINESERVER" -p60 </dev/null >/dev/null 2>&1 9>&-; then # none ran yet
    WINEDLLOVERRIDES="mscoree,mshtml=" timeout 300 "$WINE" wineboot </dev/null >/dev/null 2>&1 9>&-
  fi
} 9>"${WINEPREFIX:-$HOME/.wine}.lock"
timeout -k 5 "${RDPNEG_WINE_TIMEOUT:-600}" "$WINE" "$@" | tr -d '\r'
