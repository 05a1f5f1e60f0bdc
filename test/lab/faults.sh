#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# librdpneg fault lab: RDP servers and services that are not RDP behind a
# router namespace whose nftables/tc/MTU faults are switched per scenario.
# Recipes: shared/reference/real-peers.md section 6.  Scenarios: faults.md.
#
#   faults.sh up              create fc/fr/fs, start the servers, write run/faults/env
#                             (idempotent: a lab that is up and healthy is left as it is)
#   faults.sh down            stop what `up` started (recorded PID + start time), delete the namespaces
#   faults.sh status          servers, PIDs, alive/dead, the active scenario
#   faults.sh set SCENARIO [ARG]   clear, then switch on one fault (list: faults.sh scenarios)
#   faults.sh clear           remove every fault (rules, qdisc, MTU, route caches)
#   faults.sh scenarios       list the scenarios
#
# Environment:
#   FAULTS_RUN      state directory (default test/lab/run/faults, gitignored)
#   FAULTS_PREFIX   namespace prefix (default "f": fc client, fr router, fs server)
#   FAULTS_NET      first two octets of the lab subnets (default 10.232)
#   FAULTS_SHADOW=0 do not start FreeRDP shadow (and Xvfb)
#   FAULTS_WAIT     seconds to wait for the listeners (default 10)
#   LAB_PYTHON      python3 to use (default /usr/bin/python3)
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN=${FAULTS_RUN:-$LAB_DIR/run/faults}
PFX=${FAULTS_PREFIX:-f}
NET=${FAULTS_NET:-10.232}
PY=${LAB_PYTHON:-/usr/bin/python3}
[[ -x $PY ]] || PY=$(command -v python3 || echo python3)
WAIT_SECS=${FAULTS_WAIT:-10}
XRDP_BIN=/usr/sbin/xrdp

NS_C=${PFX}c
NS_R=${PFX}r
NS_S=${PFX}s
C_IP=$NET.1.2
R0_IP=$NET.1.1
R1_IP=$NET.2.1
S_IP=$NET.2.2
# Interfaces: client side fc0 <-> fr0 (the router's client-facing link,
# where MTU and rate faults apply), server side fr1 <-> fs0.
IF_C=${PFX}c0
IF_R0=${PFX}r0
IF_R1=${PFX}r1
IF_S=${PFX}s0

PORT_SHADOW=3389 # FreeRDP shadow /sec:nla
PORT_XRDP=3390   # xrdp security_layer=tls
PORT_CLOSED=3393 # nothing listens
PORT_SILENT=3394 # accepts, never answers
PORT_BACKLOG=3395 # listen backlog 2, accepts slowly, relays to xrdp
PORT_HTTP=3396   # python3 -m http.server
PORT_SSH=3397    # SSH banner
PORT_HTTPS=3398  # openssl s_server -www
PORT_CLOSE=3401  # relay to shadow: close (FIN) after CUT_BYTES server bytes (inside NLA)
PORT_RESET=3402  # relay to shadow: reset after CUT_BYTES server bytes
PORT_STALL=3403  # relay to xrdp: stall after STALL_BYTES server bytes
PORT_TRICKLE=3404 # relay to xrdp: 128 bytes every 50 ms
CUT_BYTES=1600
STALL_BYTES=1000

SHADOW_USER=labuser
SHADOW_PASSWORD='LabPass1!'

SCENARIOS=(
  "none|no fault"
  "loss [PCT]|drop PCT % (default 30) of the packets to and from the server, at random (nft numgen)"
  "syn-drop|drop every SYN to the server (a filtering firewall)"
  "hello-reset|answer every TLS ClientHello (payload 16 03) to the server with a TCP reset"
  "hello-reset-shape HEX|reset only ClientHellos whose first bytes are HEX (a DPI rule for one fingerprint)"
  "hello-drop|drop every TLS ClientHello to the server"
  "cc-drop|drop the server's X.224 Connection Confirm (payload 03 00 from ports 3389/3390)"
  "mtu-blackhole|fr0 MTU 576, ICMP frag-needed dropped (forward and output hooks): a PMTU black hole"
  "mtu-ok|fr0 MTU 576, ICMP allowed (PMTU discovery works)"
  "rate|tbf 8 kbit/s, burst 1600 on the router's client-facing link"
  "cut-reset [N]|reset the client once the server has sent N bytes (default 2000, nft ct bytes)"
)

log() { printf 'faults: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

# ------------------------------------------------------------------ processes
# (the same PID bookkeeping as lab.sh: a PID is only signalled while its
# start time matches the one recorded when it was spawned)

# (builtins only: the machine may be loaded, and a fork per check adds up)
# proc_stat PID: sets STAT_STATE and STAT_START (field 22, clock ticks since boot).
proc_stat() {
  local stat f
  [[ -r /proc/$1/stat ]] || return 1
  read -r stat <"/proc/$1/stat" 2>/dev/null || return 1
  stat=${stat##*) }
  read -r -a f <<<"$stat"
  STAT_STATE=${f[0]}
  STAT_START=${f[19]}
}
alive() {
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  proc_stat "$1" || return 1
  [[ $STAT_STATE != Z && $STAT_STATE != X && $STAT_START == "$2" ]]
}
group_members() {
  ps -e -o pid=,pgid=,stat= | awk -v list=" $* " 'index(list, " " $2 " ") && $3 !~ /^Z/ { print $1 }'
}

# spawn NAME LOGFILE CMD...: own session and process group, PID recorded at once.
spawn() {
  local name=$1 logf=$2 pid start
  shift 2
  setsid "$@" </dev/null >"$logf" 2>&1 9>&- &
  pid=$!
  start=gone
  proc_stat "$pid" && start=$STAT_START
  echo "$name $pid $start" >>"$RUN/pids"
}

stop_recorded() {
  local name pid start groups=() deadline
  [[ -f $RUN/pids ]] || return 0
  while read -r name pid start; do
    [[ $pid =~ ^[0-9]+$ ]] || continue
    # Every process was started as a group leader (setsid); the group outlives
    # its leader while forked children (xrdp) remain.
    if alive "$pid" "$start" || [[ -n $(group_members "$pid") ]]; then groups+=("$pid"); fi
  done <"$RUN/pids"
  ((${#groups[@]})) || return 0
  for pid in "${groups[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + 3))
  while ((SECONDS < deadline)); do
    [[ -z $(group_members "${groups[@]}") ]] && return 0
    sleep 0.05
  done
  local slow=()
  for pid in "${groups[@]}"; do
    if [[ -n $(group_members "$pid") ]]; then
      slow+=("$(awk -v p="$pid" '$2 == p { print $1 }' "$RUN/pids")($pid)")
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  done
  log "still running 3 s after TERM, sent KILL: ${slow[*]}"
  sleep 0.2
}

# ------------------------------------------------------------------- helpers

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }
nsx() {
  local ns=$1
  shift
  ip netns exec "$ns" "$@"
}

make_certs() {
  local d=$RUN/certs
  [[ -f $d/.complete ]] && return 0
  rm -rf "$d"
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=librdpneg fault lab CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -new -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
    "subjectAltName=DNS:localhost,IP:$S_IP,IP:$R0_IP" >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 825 -sha256 -extfile "$d/server.ext" -out "$d/server.crt" 2>/dev/null
  rm -f "$d/server.csr"
  chmod 0644 "$d"/*.key "$d"/*.crt
  touch "$d/.complete"
}

write_xrdp_ini() {
  local dir=$1
  cat >"$dir/xrdp.ini" <<EOF
[Globals]
ini_version=1
fork=true
port=tcp://$S_IP:$PORT_XRDP
use_vsock=false
tcp_nodelay=true
tcp_keepalive=true
security_layer=tls
crypt_level=high
certificate=$RUN/certs/server.crt
key_file=$RUN/certs/server.key
ssl_protocols=TLSv1.2, TLSv1.3
autorun=
allow_channels=true
max_bpp=32
new_cursors=true
use_fastpath=both

[Logging]
LogFile=$dir/xrdp.log
LogLevel=INFO
EnableSyslog=false
EnableConsole=false

[Channels]
rdpdr=true
rdpsnd=true
drdynvc=true
cliprdr=true

[Xorg]
name=Xorg
lib=libxup.so
username=ask
password=ask
ip=127.0.0.1
port=-1
code=20
EOF
}

start_xvfb() {
  local n xsockets
  xsockets=$(ss -xlH 2>/dev/null || true)
  for n in $(seq 150 199); do
    [[ -e /tmp/.X$n-lock || -e /tmp/.X11-unix/X$n ]] && continue
    grep -q "@/tmp/.X11-unix/X$n " <<<"$xsockets" && continue
    spawn xvfb "$RUN/xvfb.log" Xvfb ":$n" -screen 0 1024x768x24 -nolisten tcp -ac -noreset
    XVFB_DISPLAY=":$n"
    local deadline=$((SECONDS + WAIT_SECS))
    while ((SECONDS < deadline)); do
      [[ -S /tmp/.X11-unix/X$n ]] && return 0
      sleep 0.05
    done
    return 1
  done
  return 1
}

start_shadow() {
  local dir=$RUN/shadow
  mkdir -p "$dir/home" "$dir/config/freerdp/shadow"
  cp "$RUN/certs/server.crt" "$dir/config/freerdp/shadow/shadow.crt"
  cp "$RUN/certs/server.key" "$dir/config/freerdp/shadow/shadow.key"
  {
    winpr-hash -u "$SHADOW_USER" -p "$SHADOW_PASSWORD" -f sam
  } >"$dir/sam"
  # Xvfb's filesystem socket is reachable from the server namespace.
  spawn shadow "$dir/console.log" ip netns exec "$NS_S" env DISPLAY="$XVFB_DISPLAY" \
    HOME="$dir/home" XDG_CONFIG_HOME="$dir/config" freerdp-shadow-cli "/port:$PORT_SHADOW" \
    "/bind-address:$S_IP" /sec:nla "/sam-file:$dir/sam"
  echo "shadow $PORT_SHADOW" >>"$RUN/listeners"
}

# start_in_server NAME PORT CMD...: a server inside the server namespace.
start_in_server() {
  local name=$1 port=$2
  shift 2
  spawn "$name" "$RUN/$name.log" ip netns exec "$NS_S" "$@"
  echo "$name $port" >>"$RUN/listeners"
}

wait_listeners() {
  local deadline=$((SECONDS + WAIT_SECS)) name port pending out pid start
  local -A pids=() starts=()
  while read -r name pid start; do
    pids[$name]=$pid
    starts[$name]=$start
  done <"$RUN/pids"
  while :; do
    pending=()
    out=$(ss -N "$NS_S" -ltnH 2>/dev/null || true)
    while read -r name port; do
      if ! alive "${pids[$name]:-x}" "${starts[$name]:-x}"; then
        log "$name exited before listening on port $port; log tail:"
        tail -n 15 "$RUN/$name.log" "$RUN/$name/console.log" "$RUN/$name/xrdp.log" 2>/dev/null >&2 || true
        return 1
      fi
      [[ $out =~ [:.]$port[[:space:]] ]] || pending+=("$name:$port")
    done <"$RUN/listeners"
    ((${#pending[@]} == 0)) && return 0
    if ((SECONDS >= deadline)); then
      log "not listening after ${WAIT_SECS}s: ${pending[*]}"
      return 1
    fi
    sleep 0.05
  done
}

# --------------------------------------------------------------------- faults

nft_r() { nsx "$NS_R" nft "$@"; }

flush_caches() {
  local ns
  for ns in "$NS_C" "$NS_R" "$NS_S"; do
    ip -n "$ns" route flush cache 2>/dev/null || true
    ip -n "$ns" tcp_metrics flush all 2>/dev/null || true
  done
}

cmd_clear() {
  ns_exists "$NS_R" || die "fault lab is down (faults.sh up)"
  nft_r flush chain inet faults fw
  nft_r flush chain inet faults out
  tc -n "$NS_R" qdisc del dev "$IF_R0" root 2>/dev/null || true
  ip -n "$NS_R" link set "$IF_R0" mtu 1500
  flush_caches
  # Sockets of earlier probes that still retransmit (FIN_WAIT, orphans) would
  # carry an old fault into the next scenario: kill them where the kernel can.
  nsx "$NS_C" ss -K dst "$S_IP" >/dev/null 2>&1 || true
  echo none >"$RUN/scenario"
}

cmd_set() {
  local sc=${1:-} arg=${2:-}
  [[ -n $sc ]] || die "usage: faults.sh set SCENARIO [ARG]"
  cmd_clear
  case $sc in
    none) ;;
    loss)
      arg=${arg:-30}
      [[ $arg =~ ^[0-9]+$ ]] || die "loss PCT: a number"
      nft_r add rule inet faults fw ip daddr "$S_IP" meta l4proto tcp numgen random mod 100 "<" "$arg" drop
      nft_r add rule inet faults fw ip saddr "$S_IP" meta l4proto tcp numgen random mod 100 "<" "$arg" drop
      ;;
    syn-drop)
      nft_r add rule inet faults fw ip daddr "$S_IP" tcp flags "&" "(syn|ack)" == syn drop
      ;;
    hello-reset)
      nft_r add rule inet faults fw ip daddr "$S_IP" meta l4proto tcp @ih,0,16 0x1603 reject with tcp reset
      ;;
    hello-reset-shape)
      [[ $arg =~ ^[0-9a-fA-F]+$ && $((${#arg} % 2)) == 0 && ${#arg} -le 32 ]] ||
        die "hello-reset-shape HEX: 2..32 hex digits (the first bytes of the ClientHello record)"
      nft_r add rule inet faults fw ip daddr "$S_IP" meta l4proto tcp "@ih,0,$((${#arg} * 4))" "0x$arg" \
        reject with tcp reset
      ;;
    hello-drop)
      nft_r add rule inet faults fw ip daddr "$S_IP" meta l4proto tcp @ih,0,16 0x1603 drop
      ;;
    cc-drop)
      nft_r add rule inet faults fw ip saddr "$S_IP" tcp sport "{ $PORT_SHADOW, $PORT_XRDP }" @ih,0,16 0x0300 drop
      ;;
    mtu-blackhole | mtu-ok)
      ip -n "$NS_R" link set "$IF_R0" mtu 576
      if [[ $sc == mtu-blackhole ]]; then
        # The router's own "fragmentation needed" leaves through its output
        # hook; the forward hook would only see ICMP from elsewhere.
        nft_r add rule inet faults fw icmp type destination-unreachable icmp code frag-needed drop
        nft_r add rule inet faults out icmp type destination-unreachable icmp code frag-needed drop
      fi
      flush_caches
      ;;
    rate)
      tc -n "$NS_R" qdisc add dev "$IF_R0" root tbf rate 8kbit burst 1600 latency 10s
      ;;
    cut-reset)
      arg=${arg:-2000}
      [[ $arg =~ ^[0-9]+$ ]] || die "cut-reset N: a number"
      # ct reply bytes counts IP packets (headers included) from the server.
      nft_r add rule inet faults fw ip saddr "$S_IP" ct reply bytes ">" "$arg" drop
      nft_r add rule inet faults fw ip daddr "$S_IP" ct reply bytes ">" "$arg" reject with tcp reset
      ;;
    *) die "unknown scenario '$sc' (faults.sh scenarios)" ;;
  esac
  echo "$sc${arg:+ $arg}" >"$RUN/scenario"
  log "scenario: $sc${arg:+ $arg}"
}

cmd_scenarios() {
  local s
  for s in "${SCENARIOS[@]}"; do printf '  %-24s %s\n' "${s%%|*}" "${s#*|}"; done
}

# ------------------------------------------------------------------ up/down

ns_up() {
  local ns
  for ns in "$NS_C" "$NS_R" "$NS_S"; do
    if ns_exists "$ns"; then
      [[ -z $(ip netns pids "$ns" 2>/dev/null) ]] || die "namespace $ns exists with processes in it (not ours?)"
      ip netns del "$ns"
    fi
  done
  for ns in "$NS_C" "$NS_R" "$NS_S"; do
    ip netns add "$ns"
    echo "$ns" >>"$RUN/netns"
    ip -n "$ns" link set lo up
  done
  ip link add "$IF_C" netns "$NS_C" type veth peer name "$IF_R0" netns "$NS_R"
  ip link add "$IF_R1" netns "$NS_R" type veth peer name "$IF_S" netns "$NS_S"
  ip -n "$NS_C" addr add "$C_IP/24" dev "$IF_C"
  ip -n "$NS_R" addr add "$R0_IP/24" dev "$IF_R0"
  ip -n "$NS_R" addr add "$R1_IP/24" dev "$IF_R1"
  ip -n "$NS_S" addr add "$S_IP/24" dev "$IF_S"
  ip -n "$NS_C" link set "$IF_C" up
  ip -n "$NS_R" link set "$IF_R0" up
  ip -n "$NS_R" link set "$IF_R1" up
  ip -n "$NS_S" link set "$IF_S" up
  ip -n "$NS_C" route add "$NET.0.0/16" via "$R0_IP"
  ip -n "$NS_S" route add "$NET.0.0/16" via "$R1_IP"
  nsx "$NS_R" sysctl -qw net.ipv4.ip_forward=1
  nsx "$NS_R" sysctl -qw net.netfilter.nf_conntrack_acct=1 2>/dev/null || true
  nsx "$NS_R" nft -f - <<EOF
table inet faults {
  chain fw { type filter hook forward priority 0; policy accept; }
  chain out { type filter hook output priority 0; policy accept; }
}
EOF
}

ns_down() {
  local ns
  [[ -f $RUN/netns ]] || return 0
  while read -r ns; do
    [[ -n $ns ]] && ns_exists "$ns" && { ip netns del "$ns" || log "warning: could not delete $ns"; }
  done <"$RUN/netns"
  rm -f "$RUN/netns"
}

healthy() {
  local name pid start
  [[ -f $RUN/env && -f $RUN/pids ]] || return 1
  ns_exists "$NS_C" && ns_exists "$NS_R" && ns_exists "$NS_S" || return 1
  while read -r name pid start; do
    alive "$pid" "$start" || return 1
  done <"$RUN/pids"
}

cmd_down() {
  stop_recorded
  ns_down
  rm -f "$RUN/pids" "$RUN/env" "$RUN/listeners" "$RUN/scenario"
}

UP_DONE=0
on_up_exit() {
  local rc=$?
  ((UP_DONE)) && return 0
  log "up failed (exit $rc); stopping what was started"
  cmd_down || true
  exit 1
}

cmd_up() {
  ((EUID == 0)) || die "needs root (network namespaces)"
  local t0=$EPOCHREALTIME tool shadow_ok=0
  for tool in ip nft tc openssl "$XRDP_BIN" "$PY"; do
    command -v "$tool" >/dev/null || die "$tool not found"
  done
  if healthy; then
    log "already up (env: $RUN/env)"
    return 0
  fi
  [[ -f $RUN/pids || -f $RUN/netns ]] && {
    log "a previous fault lab is partly up: stopping it first"
    cmd_down
  }
  trap on_up_exit EXIT
  mkdir -p "$RUN"
  : >"$RUN/pids"
  : >"$RUN/listeners"
  make_certs
  ns_up

  mkdir -p "$RUN/xrdp" "$RUN/www"
  write_xrdp_ini "$RUN/xrdp"
  spawn xrdp "$RUN/xrdp/console.log" ip netns exec "$NS_S" "$XRDP_BIN" --nodaemon --config "$RUN/xrdp/xrdp.ini"
  echo "xrdp $PORT_XRDP" >>"$RUN/listeners"
  echo "fault lab" >"$RUN/www/index.html"
  start_in_server http "$PORT_HTTP" "$PY" -m http.server --bind "$S_IP" --directory "$RUN/www" "$PORT_HTTP"
  start_in_server https "$PORT_HTTPS" openssl s_server -quiet -www -accept "$S_IP:$PORT_HTTPS" \
    -cert "$RUN/certs/server.crt" -key "$RUN/certs/server.key"
  start_in_server ssh "$PORT_SSH" "$PY" -u "$LAB_DIR/responder.py" banner "$PORT_SSH" "$S_IP"
  start_in_server silent "$PORT_SILENT" "$PY" -u "$LAB_DIR/responder.py" silent "$PORT_SILENT" "$S_IP"
  local relay=("$PY" -u "$LAB_DIR/faultrelay.py")
  start_in_server backlog "$PORT_BACKLOG" "${relay[@]}" pass "$S_IP:$PORT_BACKLOG" "$S_IP:$PORT_XRDP" \
    --backlog 2 --accept-delay 0.1
  start_in_server trickle "$PORT_TRICKLE" "${relay[@]}" trickle "$S_IP:$PORT_TRICKLE" "$S_IP:$PORT_XRDP" \
    --chunk 128 --interval 0.05
  start_in_server stall "$PORT_STALL" "${relay[@]}" stall "$S_IP:$PORT_STALL" "$S_IP:$PORT_XRDP" \
    --after "$STALL_BYTES" --idle 30
  if [[ ${FAULTS_SHADOW:-1} != 0 ]] && command -v freerdp-shadow-cli >/dev/null &&
    command -v Xvfb >/dev/null && command -v winpr-hash >/dev/null; then
    if start_xvfb; then
      start_shadow
      shadow_ok=1
    else
      log "warning: Xvfb did not start: no shadow (NLA) server"
    fi
  else
    log "shadow disabled or not installed: no NLA server"
  fi
  local upstream=$PORT_SHADOW
  ((shadow_ok)) || upstream=$PORT_XRDP
  start_in_server close "$PORT_CLOSE" "${relay[@]}" close "$S_IP:$PORT_CLOSE" "$S_IP:$upstream" \
    --after "$CUT_BYTES"
  start_in_server reset "$PORT_RESET" "${relay[@]}" reset "$S_IP:$PORT_RESET" "$S_IP:$upstream" \
    --after "$CUT_BYTES"
  wait_listeners || die "not every server came up"
  {
    echo "# librdpneg fault lab, written by test/lab/faults.sh up on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "FAULTS_RUN=$RUN"
    echo "FAULTS_SCRIPT=$LAB_DIR/faults.sh"
    echo "FAULTS_NS_CLIENT=$NS_C"
    echo "FAULTS_NS_ROUTER=$NS_R"
    echo "FAULTS_NS_SERVER=$NS_S"
    echo "FAULTS_CLIENT_IP=$C_IP"
    echo "FAULTS_SERVER_IP=$S_IP"
    echo "FAULTS_CA=$RUN/certs/ca.crt"
    echo "FAULTS_SHADOW=$shadow_ok"
    echo "FAULTS_PORT_SHADOW=$PORT_SHADOW"
    echo "FAULTS_PORT_XRDP=$PORT_XRDP"
    echo "FAULTS_PORT_CLOSED=$PORT_CLOSED"
    echo "FAULTS_PORT_SILENT=$PORT_SILENT"
    echo "FAULTS_PORT_BACKLOG=$PORT_BACKLOG"
    echo "FAULTS_PORT_HTTP=$PORT_HTTP"
    echo "FAULTS_PORT_SSH=$PORT_SSH"
    echo "FAULTS_PORT_HTTPS=$PORT_HTTPS"
    echo "FAULTS_PORT_CLOSE=$PORT_CLOSE"
    echo "FAULTS_PORT_RESET=$PORT_RESET"
    echo "FAULTS_PORT_STALL=$PORT_STALL"
    echo "FAULTS_PORT_TRICKLE=$PORT_TRICKLE"
    echo "FAULTS_CUT_BYTES=$CUT_BYTES"
    echo "FAULTS_STALL_BYTES=$STALL_BYTES"
    echo "FAULTS_CUT_UPSTREAM=$upstream"
  } >"$RUN/env.tmp"
  mv "$RUN/env.tmp" "$RUN/env"
  echo none >"$RUN/scenario"
  UP_DONE=1
  trap - EXIT
  log "up in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s" \
    "(shadow=$shadow_ok); env: $RUN/env"
}

cmd_status() {
  local name pid start rc=0
  if [[ ! -f $RUN/pids ]]; then
    echo "fault lab is down"
    return 3
  fi
  printf '%-10s %-8s %s\n' NAME PID STATE
  while read -r name pid start; do
    if alive "$pid" "$start"; then
      printf '%-10s %-8s %s\n' "$name" "$pid" alive
    else
      printf '%-10s %-8s %s\n' "$name" "$pid" dead
      rc=1
    fi
  done <"$RUN/pids"
  echo "scenario: $(cat "$RUN/scenario" 2>/dev/null || echo '?')"
  return "$rc"
}

lock_run() {
  mkdir -p "$RUN"
  exec 9>"$RUN/.lock"
  flock -w 60 9 || die "another faults.sh holds $RUN/.lock"
}

main() {
  case ${1:-} in
    up) lock_run && cmd_up ;;
    down) lock_run && cmd_down && log down ;;
    status) cmd_status ;;
    set)
      lock_run
      shift
      cmd_set "$@"
      ;;
    clear) lock_run && cmd_clear && log "cleared" ;;
    scenarios) cmd_scenarios ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
