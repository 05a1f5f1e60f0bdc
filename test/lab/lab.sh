#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# librdpneg test lab: real RDP servers (xrdp 0.9.21, FreeRDP shadow 2.11.7) on
# loopback, scripted misbehaving responders, and a three-namespace network with
# firewall faults.  Recipes: shared/reference/real-peers.md.  See README.md.
#
#   lab.sh install   install the Debian packages the lab (and the build) needs
#   lab.sh up        start everything (or the LAB_ONLY subset), write run/env
#   lab.sh down      stop what `up` started (by recorded PID only), delete namespaces
#   lab.sh status    list instances, ports, PIDs, alive/dead
#   lab.sh smoke     one X.224 probe per instance, compared with the expected answer
#
# Environment:
#   LAB_ONLY="tls-valid,shadow-nla,silent,netns"  subset to start (default: all).
#            Tokens: an instance name, or a group: xrdp, shadow, resp, netns, all.
#   LAB_WAIT=10           seconds to wait for every listener in `up`
#   LAB_KEEP_ON_FAIL=1    leave processes running when `up` fails (debugging)
#   LAB_PYTHON            python3 to use (default /usr/bin/python3)
#   LAB_EXTRA_PACKAGES    more Debian packages for `install` (space-separated)
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN=$LAB_DIR/run
CERTS=$RUN/certs
PY=${LAB_PYTHON:-/usr/bin/python3}
[[ -x $PY ]] || PY=$(command -v python3 || echo python3)
XRDP_BIN=/usr/sbin/xrdp
WAIT_SECS=${LAB_WAIT:-10}
# xrdp opens its LogFile with O_SYNC, so that each line it logs is a
# synchronous disk write: at LogLevel=DEBUG, 30-60 ms of every connection on
# this VM's virtio disk (measured 2026-11-30: Connection Confirm after 55-69 ms
# with the log on disk, 7-17 ms with it on tmpfs), varying with the disk's
# load. The xrdp logs therefore go to a tmpfs when there is one (LAB_LOG_TMPFS,
# default /dev/shm; empty: on disk), linked from run/xrdp/NAME/xrdp.log, and
# are moved back there by `down`.
LOG_TMPFS=${LAB_LOG_TMPFS-/dev/shm}

SHADOW_USER=labuser
SHADOW_DOMAIN=LAB
SHADOW_PASSWORD='LabPass1!'

NS_CLIENT=rdpc
NS_ROUTER=rdpr
NS_SERVER=rdps
NS_SERVER_IP=10.231.2.2
NS_TLS_PORT=3390
NS_DROP_PORT=3391
NS_ICMP_PORT=3392
NS_RST_PORT=3393

# name|security_layer|cert|ssl_protocols|tls_ciphers   (real-peers.md section 2)
XRDP_INSTANCES=(
  "tls-valid|tls|valid|TLSv1.2, TLSv1.3|"
  "rdp|rdp|valid|TLSv1.2, TLSv1.3|"
  "neg-valid|negotiate|valid|TLSv1.2, TLSv1.3|"
  "neg-expired|negotiate|expired|TLSv1.2, TLSv1.3|"
  "tls-expired|tls|expired|TLSv1.2, TLSv1.3|"
  "tls-wrongname|tls|wrongname|TLSv1.2, TLSv1.3|"
  "tls-notyet|tls|notyet|TLSv1.2, TLSv1.3|"
  "tls-selfsigned|tls|selfsigned|TLSv1.2, TLSv1.3|"
  "tls-nocert|tls|missing|TLSv1.2, TLSv1.3|"
  "neg-nocert|negotiate|missing|TLSv1.2, TLSv1.3|"
  "neg-rsa1024|negotiate|rsa1024|TLSv1.2, TLSv1.3|"
  "tls-rsa1024-sec0|tls|rsa1024|TLSv1.2, TLSv1.3|DEFAULT:@SECLEVEL=0"
  "tls-tls1only|tls|valid|TLSv1|"
  "tls-tls1only-sec0|tls|valid|TLSv1|DEFAULT:@SECLEVEL=0"
  "tls-tls10-11-sec0|tls|valid|TLSv1, TLSv1.1|DEFAULT:@SECLEVEL=0"
  "tls-tls12only|tls|valid|TLSv1.2|"
  "tls-tls13only|tls|valid|TLSv1.3|"
)
# name|sec|cert   (real-peers.md section 3)
SHADOW_INSTANCES=(
  "shadow-nla|nla|valid"
  "shadow-tls|tls|valid"
  "shadow-rdp|rdp|valid"
  "shadow-nla-expired|nla|expired"
)
RESP_MODES=(silent banner close-after-cr reset-after-cr garbage-tpkt tls-reset tls-silent)

APT_PACKAGES=(meson ninja-build pkg-config gcc libmbedtls-dev libuv1-dev xrdp
  freerdp2-shadow-x11 winpr-utils xvfb openssl iproute2 nftables procps python3
  faketime nmap scdoc python3-venv python3-build python3-setuptools
  python3-wheel mypy clang libclang-rt-14-dev llvm valgrind dpkg-dev debhelper lintian)

# a monitoring core for test/integration/test_nagios.py (the plugin mode)
APT_PACKAGES+=(nagios4-core)
# libpcap: rdpneg-replay and the capture tests read pcap/pcapng with it
APT_PACKAGES+=(libpcap-dev)

# Prometheus and its Python client for examples/rdpneg-exporter and
# test/integration/test_exporter.py (promtool ships in prometheus)
APT_PACKAGES+=(prometheus python3-prometheus-client python3-yaml)

log() { printf 'lab: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# --------------------------------------------------------------------- install

apt_retry() {
  # Runs apt-get "$@", retrying while another apt/dpkg holds the lock.
  local try out rc
  out=$(mktemp)
  for try in $(seq 1 60); do
    rc=0
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=10 "$@" 2>&1 | tee "$out" || rc=$?
    if ((rc == 0)); then
      rm -f "$out"
      return 0
    fi
    if grep -qE 'Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock' "$out"; then
      log "apt is locked by another process; retry $try/60 in 5 s"
      sleep 5
      continue
    fi
    rm -f "$out"
    return "$rc"
  done
  rm -f "$out"
  die "apt-get $*: lock still held after 60 tries"
}

is_installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]
}

cmd_install() {
  local missing=() pkg need_update=0 created_policy=0
  for pkg in "${APT_PACKAGES[@]}" ${LAB_EXTRA_PACKAGES:-}; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    log "all ${#APT_PACKAGES[@]} packages already installed"
    return 0
  fi
  log "installing: ${missing[*]}"
  # apt-get update only when the package lists are empty or lack a candidate.
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    need_update=1
  else
    for pkg in "${missing[@]}"; do
      # (no "| grep -q" under pipefail: an early exit of grep fails the pipeline)
      if ! grep -q 'Candidate: [^(]' <<<"$(apt-cache policy "$pkg" 2>/dev/null)"; then
        need_update=1
        break
      fi
    done
  fi
  ((need_update)) && apt_retry update
  # Never let a package start its service (xrdp would listen on 0.0.0.0:3389).
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  local rc=0
  apt_retry install -y --no-install-recommends "${missing[@]}" || rc=$?
  if ((rc != 0 && need_update == 0)); then
    log "install failed with the current package lists; running apt-get update and retrying"
    rc=0
    apt_retry update && apt_retry install -y --no-install-recommends "${missing[@]}" || rc=$?
  fi
  ((created_policy)) && rm -f /usr/sbin/policy-rc.d
  ((rc == 0)) || die "apt-get install failed (exit $rc)"
  log "installed: ${missing[*]}"
}

# ------------------------------------------------------------------ processes

# Start time of PID in clock ticks since boot (field 22 of /proc/PID/stat),
# used to make sure a recorded PID still is the process we started.
proc_start() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086  # word splitting wanted
  set -- $stat
  echo "${20}"
}

proc_state() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  echo "${stat%% *}"
}

# alive PID START: the recorded process exists, is not a zombie, is the same process.
alive() {
  local st
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  st=$(proc_state "$1") || return 1
  [[ $st != Z && $st != X ]] || return 1
  [[ $(proc_start "$1" 2>/dev/null) == "$2" ]]
}

# spawn NAME LOGFILE CMD...: new session/process group, PID recorded at once.
spawn() {
  local name=$1 logf=$2 pid start
  shift 2
  # 9>&-: the children must not inherit (and so hold) the run/.lock lock.
  setsid "$@" </dev/null >"$logf" 2>&1 9>&- &
  pid=$!
  start=$(proc_start "$pid" || echo gone)
  echo "$name $pid $start" >>"$RUN/pids"
  SPAWNED_PID=$pid
}

pid_of() { awk -v n="$1" '$1 == n { print $2 }' "$RUN/pids" 2>/dev/null | tail -1; }

# Live members (non-zombie) of the process groups whose ids are given.
group_members() {
  ps -e -o pid=,pgid=,stat= | awk -v list=" $* " '
    index(list, " " $2 " ") && $3 !~ /^Z/ { print $1 }'
}

stop_recorded() {
  local name pid start pgid groups=() singles=() deadline
  [[ -f $RUN/pids ]] || return 0
  while read -r name pid start; do
    [[ -n ${pid:-} ]] || continue
    if ! alive "$pid" "$start"; then
      # Leader gone; forked children (xrdp) may still hold its group id, which
      # the kernel does not reuse while the group exists.
      [[ $pid =~ ^[0-9]+$ && -n $(group_members "$pid") ]] && groups+=("$pid")
      continue
    fi
    pgid=$(ps -o pgid= -p "$pid" | tr -d ' ')
    if [[ $pgid == "$pid" ]]; then groups+=("$pid"); else singles+=("$pid"); fi
  done <"$RUN/pids"
  ((${#groups[@]} + ${#singles[@]})) || return 0
  for pid in "${groups[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${singles[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + 3))
  while ((SECONDS < deadline)); do
    remaining "${groups[@]}" -- "${singles[@]}" || return 0
    sleep 0.05
  done
  log "still running after TERM, sending KILL"
  for pid in "${groups[@]}"; do
    if [[ -n $(group_members "$pid") ]]; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
  done
  for pid in "${singles[@]}"; do
    if [[ $(proc_state "$pid" 2>/dev/null || echo Z) != Z ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  deadline=$((SECONDS + 2))
  while ((SECONDS < deadline)); do
    remaining "${groups[@]}" -- "${singles[@]}" || return 0
    sleep 0.05
  done
  log "warning: some processes did not exit: $(group_members "${groups[@]}") ${singles[*]}"
}

# remaining GROUPS... -- PIDS...: true while any of them has a live process.
remaining() {
  local g=() s=() seen=0 p st
  for p in "$@"; do
    if [[ $p == -- ]]; then seen=1; elif ((seen)); then s+=("$p"); else g+=("$p"); fi
  done
  ((${#g[@]})) && [[ -n $(group_members "${g[@]}") ]] && return 0
  for p in "${s[@]}"; do
    st=$(proc_state "$p" 2>/dev/null) || continue
    [[ $st == Z ]] || return 0
  done
  return 1
}

# ----------------------------------------------------------------------- certs

make_certs() {
  [[ -f $CERTS/.complete ]] && return 0
  log "generating certificates in $CERTS"
  rm -rf "$CERTS"
  mkdir -p "$CERTS/newcerts"
  local now_minus now_plus
  now_minus=$(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)
  now_plus=$(date -u -d '825 days' +%Y%m%d%H%M%SZ)
  : >"$CERTS/index.txt"
  echo "unique_subject = no" >"$CERTS/index.txt.attr"
  openssl rand -hex 16 >"$CERTS/serial"
  cat >"$CERTS/ca.cnf" <<EOF
# librdpneg lab CA (written by test/lab/lab.sh)
[ ca ]
default_ca = lab_ca

[ lab_ca ]
dir             = $CERTS
database        = \$dir/index.txt
new_certs_dir   = \$dir/newcerts
serial          = \$dir/serial
certificate     = \$dir/ca.crt
private_key     = \$dir/ca.key
default_md      = sha256
default_days    = 825
policy          = policy_any
copy_extensions = copy
unique_subject  = no
x509_extensions = server_ext

[ policy_any ]
commonName = supplied

[ server_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer

[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
CN = unused

[ v3_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
  local cnf=$CERTS/ca.cnf q=(-batch -notext)
  openssl req -config "$cnf" -x509 -extensions v3_ca -newkey rsa:2048 -nodes -days 3650 \
    -subj "/CN=librdpneg lab CA" -keyout "$CERTS/ca.key" -out "$CERTS/ca.crt" 2>/dev/null

  # leaf NAME BITS CN SAN START END [selfsign]
  leaf() {
    local name=$1 bits=$2 cn=$3 san=$4 start=$5 end=$6
    openssl req -config "$cnf" -new -newkey "rsa:$bits" -nodes -subj "/CN=$cn" \
      -addext "subjectAltName=$san" -keyout "$CERTS/$name.key" -out "$CERTS/$name.csr" 2>/dev/null
    if [[ ${7:-} == selfsign ]]; then
      openssl ca -config "$cnf" "${q[@]}" -selfsign -keyfile "$CERTS/$name.key" \
        -in "$CERTS/$name.csr" -out "$CERTS/$name.crt" -startdate "$start" -enddate "$end" 2>/dev/null
    else
      openssl ca -config "$cnf" "${q[@]}" -in "$CERTS/$name.csr" -out "$CERTS/$name.crt" \
        -startdate "$start" -enddate "$end" 2>/dev/null
    fi
    rm -f "$CERTS/$name.csr"
  }
  local local_san="DNS:localhost,IP:127.0.0.1,IP:::1"
  leaf valid 2048 localhost "$local_san" "$now_minus" "$now_plus"
  leaf expired 2048 localhost "$local_san" 20200101000000Z 20201231235959Z
  leaf wrongname 2048 wrong.example.invalid "DNS:wrong.example.invalid" "$now_minus" "$now_plus"
  leaf notyet 2048 localhost "$local_san" 20300101000000Z 20311231235959Z
  leaf rsa1024 1024 localhost "$local_san" "$now_minus" "$now_plus"
  leaf selfsigned 2048 localhost "$local_san" "$now_minus" "$now_plus" selfsign
  leaf selfsigned-expired 2048 localhost "$local_san" 20200101000000Z 20200131000000Z selfsign
  chmod 0644 "$CERTS"/*.key "$CERTS"/*.crt
  touch "$CERTS/.complete"
}

# ----------------------------------------------------------------------- ports

# pick_ports N: N distinct TCP ports, free on 127.0.0.1 and ::1, below the
# ephemeral range (so no outgoing connection grabs them meanwhile).
pick_ports() {
  "$PY" - "$1" <<'EOF'
import errno, random, socket, sys
n = int(sys.argv[1]); rng = random.SystemRandom(); out = []; tried = set()
with open("/proc/sys/net/ipv4/ip_local_port_range") as fh:
    eph_lo = int(fh.read().split()[0])
lo, hi = 20000, min(32000, eph_lo)
while len(out) < n:
    if len(tried) >= hi - lo:
        sys.exit("no free ports")
    p = rng.randrange(lo, hi)
    if p in tried:
        continue
    tried.add(p)
    ok = True
    for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            s.bind((addr, p))
        except OSError as e:
            if not (fam == socket.AF_INET6 and e.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT)):
                ok = False
        finally:
            s.close()
    if ok:
        out.append(p)
print(" ".join(map(str, out)))
EOF
}

have_ipv6_lo() {
  "$PY" -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null
}

# ------------------------------------------------------------------- selection

# selected KIND NAME: is this instance part of LAB_ONLY (default all)?
selected() {
  local kind=$1 name=$2 tok toks
  [[ -z ${LAB_ONLY:-} ]] && return 0
  IFS=', ' read -r -a toks <<<"$LAB_ONLY"
  for tok in "${toks[@]}"; do
    case $tok in
      all | "$kind" | "$name" | "$kind-$name") return 0 ;;
    esac
  done
  return 1
}

envname() {
  local upper=${1^^}
  echo "${upper//-/_}"
}

# ---------------------------------------------------------------------- xrdp

# write_xrdp_ini DIR PORTSPEC SECURITY_LAYER CERT SSL_PROTOCOLS TLS_CIPHERS
write_xrdp_ini() {
  local dir=$1 portspec=$2 sec=$3 cert=$4 protos=$5 ciphers=$6 crt key
  crt=$CERTS/$cert.crt
  key=$CERTS/$cert.key
  {
    cat <<EOF
[Globals]
ini_version=1
fork=true
port=$portspec
use_vsock=false
tcp_nodelay=true
tcp_keepalive=true
security_layer=$sec
crypt_level=high
certificate=$crt
key_file=$key
ssl_protocols=$protos
EOF
    [[ -n $ciphers ]] && echo "tls_ciphers=$ciphers"
    cat <<EOF
autorun=
allow_channels=true
allow_multimon=true
bitmap_cache=true
bitmap_compression=true
bulk_compression=true
max_bpp=32
new_cursors=true
use_fastpath=both

[Logging]
LogFile=$(xrdp_log_file "$dir")
LogLevel=DEBUG
EnableSyslog=false
EnableConsole=true
ConsoleLevel=DEBUG

[Channels]
rdpdr=true
rdpsnd=true
drdynvc=true
cliprdr=true
rail=true
xrdpvr=true
tcutils=true

[Xorg]
name=Xorg
lib=libxup.so
username=ask
password=ask
ip=127.0.0.1
port=-1
code=20
EOF
  } >"$dir/xrdp.ini"
}

# The tmpfs directory of this lab's xrdp logs (one per run directory), or
# nothing when LOG_TMPFS is not a writable tmpfs.
log_tmpfs_dir() {
  [[ -n $LOG_TMPFS && -d $LOG_TMPFS && -w $LOG_TMPFS ]] || return 0
  [[ $(stat -f -c %T "$LOG_TMPFS" 2>/dev/null) == tmpfs ]] || return 0
  echo "$LOG_TMPFS/rdpneg-lab-$(id -u)-$(cksum <<<"$RUN" | cut -d' ' -f1)"
}

# Prints the LogFile for the xrdp instance in DIR: on the tmpfs when there is
# one (DIR/xrdp.log a link to it), else DIR/xrdp.log.
xrdp_log_file() {
  local dir=$1 t
  t=$(log_tmpfs_dir)
  if [[ -z $t ]]; then
    echo "$dir/xrdp.log"
    return 0
  fi
  mkdir -p "$t/${dir##*/}"
  : >"$t/${dir##*/}/xrdp.log"
  ln -sfn "$t/${dir##*/}/xrdp.log" "$dir/xrdp.log"
  echo "$t/${dir##*/}/xrdp.log"
}

# Moves the xrdp logs from the tmpfs back into run/xrdp/NAME/ (after the
# servers stopped), so that they outlive the lab as the other logs do.
logs_home() {
  local t f
  t=$(log_tmpfs_dir)
  [[ -n $t && -d $t ]] || return 0
  for f in "$RUN"/xrdp/*/xrdp.log; do
    [[ -L $f ]] || continue
    if [[ -f $(readlink "$f") ]]; then
      cp -- "$(readlink "$f")" "$f.tmp" && mv -f -- "$f.tmp" "$f"
    else
      rm -f -- "$f"
    fi
  done
  rm -rf -- "$t"
}

# Records what `wait_listeners` must see: PROCNAME PORT NETNS(or -)
expect_listener() { echo "$1 $2 ${3:--}" >>"$RUN/listeners"; }

# instances file: KIND NAME HOST PORT PROBE_NETNS LOG PROCNAME
add_instance() { echo "$*" >>"$RUN/instances"; }

start_xrdp() {
  local name=$1 port=$2 sec=$3 cert=$4 protos=$5 ciphers=$6 dir portspec
  dir=$RUN/xrdp/$name
  mkdir -p "$dir"
  portspec="tcp://.:$port"
  ((HAVE_V6)) && portspec+=" tcp6://.:$port"
  write_xrdp_ini "$dir" "$portspec" "$sec" "$cert" "$protos" "$ciphers"
  spawn "xrdp-$name" "$dir/console.log" "$XRDP_BIN" --nodaemon --config "$dir/xrdp.ini"
  expect_listener "xrdp-$name" "$port"
  add_instance xrdp "$name" 127.0.0.1 "$port" - "$dir/xrdp.log" "xrdp-$name"
  ENV_LINES+=("LAB_XRDP_$(envname "$name")=$port")
}

# -------------------------------------------------------------------- shadow

start_xvfb() {
  local n dir=$RUN/xvfb
  mkdir -p "$dir"
  local xsockets
  xsockets=$(ss -xlH 2>/dev/null || true)
  for n in $(seq 99 199); do
    [[ -e /tmp/.X$n-lock || -e /tmp/.X11-unix/X$n ]] && continue
    grep -q "@/tmp/.X11-unix/X$n " <<<"$xsockets" && continue
    spawn xvfb "$dir/console.log" Xvfb ":$n" -screen 0 1024x768x24 -nolisten tcp -ac -noreset
    XVFB_PID=$SPAWNED_PID
    XVFB_DISPLAY=":$n"
    return 0
  done
  die "no free X display number in 99..199"
}

wait_xvfb() {
  local n=${XVFB_DISPLAY#:} deadline=$((SECONDS + WAIT_SECS))
  while ((SECONDS < deadline)); do
    [[ -S /tmp/.X11-unix/X$n ]] && return 0
    if ! kill -0 "$XVFB_PID" 2>/dev/null || [[ $(proc_state "$XVFB_PID" || echo Z) == Z ]]; then
      tail -n 20 "$RUN/xvfb/console.log" >&2 || true
      die "Xvfb $XVFB_DISPLAY exited"
    fi
    sleep 0.05
  done
  tail -n 20 "$RUN/xvfb/console.log" >&2 || true
  die "Xvfb $XVFB_DISPLAY did not create its socket within ${WAIT_SECS}s"
}

make_sam() {
  local sam=$RUN/shadow/sam
  mkdir -p "$RUN/shadow"
  {
    winpr-hash -u "$SHADOW_USER" -p "$SHADOW_PASSWORD" -f sam
    winpr-hash -u "$SHADOW_USER" -p "$SHADOW_PASSWORD" -d "$SHADOW_DOMAIN" -f sam
  } >"$sam"
  grep -q "^$SHADOW_USER:" "$sam" || die "winpr-hash produced no SAM entry"
}

start_shadow() {
  local name=$1 port=$2 sec=$3 cert=$4 dir
  dir=$RUN/shadow/$name
  mkdir -p "$dir/home" "$dir/config/freerdp/shadow"
  cp "$CERTS/$cert.crt" "$dir/config/freerdp/shadow/shadow.crt"
  cp "$CERTS/$cert.key" "$dir/config/freerdp/shadow/shadow.key"
  spawn "$name" "$dir/console.log" env DISPLAY="$XVFB_DISPLAY" HOME="$dir/home" \
    XDG_CONFIG_HOME="$dir/config" freerdp-shadow-cli "/port:$port" /bind-address:127.0.0.1 \
    "/sec:$sec" "/sam-file:$RUN/shadow/sam"
  expect_listener "$name" "$port"
  add_instance shadow "$name" 127.0.0.1 "$port" - "$dir/console.log" "$name"
  ENV_LINES+=("LAB_$(envname "$name")=$port")
}

# ---------------------------------------------------------------- responders

start_responder() {
  local mode=$1 port=$2 dir=$RUN/resp
  mkdir -p "$dir"
  spawn "resp-$mode" "$dir/$mode.log" "$PY" -u "$LAB_DIR/responder.py" "$mode" "$port"
  expect_listener "resp-$mode" "$port"
  add_instance resp "$mode" 127.0.0.1 "$port" - "$dir/$mode.log" "resp-$mode"
  ENV_LINES+=("LAB_RESP_$(envname "$mode")=$port")
}

# ------------------------------------------------------------------- waiting

# Waits until every listener recorded in run/listeners is bound by its own
# process; fails at once if one of them exits.
wait_listeners() {
  local file=$1 deadline=$((SECONDS + WAIT_SECS)) pending name port ns pid start out
  declare -A ssout
  while :; do
    pending=0
    ssout=()
    while read -r name port ns; do
      read -r pid start < <(awk -v n="$name" '$1 == n { print $2, $3 }' "$RUN/pids" | tail -1) || true
      if ! alive "$pid" "$start"; then
        log "$name (pid $pid) exited before listening on port $port; log tail:"
        tail_log "$name" >&2
        return 1
      fi
      if [[ -z ${ssout[$ns]+x} ]]; then
        if [[ $ns == - ]]; then out=$(ss -ltnpH); else out=$(ss -N "$ns" -ltnpH); fi
        ssout[$ns]=$out
      fi
      grep -qE "[]:.]${port}[[:space:]].*pid=$pid," <<<"${ssout[$ns]}" || pending=$((pending + 1))
    done <"$file"
    ((pending == 0)) && return 0
    if ((SECONDS >= deadline)); then
      while read -r name port ns; do
        pid=$(pid_of "$name")
        if [[ $ns == - ]]; then out=$(ss -ltnpH); else out=$(ss -N "$ns" -ltnpH); fi
        if ! grep -qE "[]:.]${port}[[:space:]].*pid=$pid," <<<"$out"; then
          log "$name (pid $pid) is not listening on port $port after ${WAIT_SECS}s; log tail:"
          tail_log "$name" >&2
        fi
      done <"$file"
      return 1
    fi
    sleep 0.05
  done
}

tail_log() {
  local name=$1 f
  for f in "$RUN/xrdp/${name#xrdp-}/xrdp.log" "$RUN/xrdp/${name#xrdp-}/console.log" \
    "$RUN/shadow/$name/console.log" "$RUN/resp/${name#resp-}.log" "$RUN/xvfb/console.log"; do
    [[ $name == xvfb || $f != */xvfb/* ]] || continue
    [[ $f == */xrdp/*/console.log && -s ${f%/*}/xrdp.log ]] && continue
    [[ -s $f ]] && { echo "--- $f"; tail -n 15 "$f"; }
  done
  return 0
}

# ------------------------------------------------------------------- netns

ns_exists() { [[ -e /run/netns/$1 ]] || grep -qx "$1" <<<"$(ip netns list 2>/dev/null | awk '{print $1}')"; }

# Runs as a separate process (lab.sh __ns-up) so that set -e applies; its exit
# status tells whether the namespace part came up.
cmd_ns_up() {
  local ns busy=0 dir
  for ns in "$NS_CLIENT" "$NS_ROUTER" "$NS_SERVER"; do
    ns_exists "$ns" || continue
    if [[ -n $(ip netns pids "$ns" 2>/dev/null) ]]; then busy=1; fi
  done
  if ((busy)); then
    log "namespaces $NS_CLIENT/$NS_ROUTER/$NS_SERVER exist with processes in them (not ours): skipping netns"
    return 1
  fi
  # Left over, empty namespaces of an earlier lab that was not stopped: reuse the names.
  for ns in "$NS_CLIENT" "$NS_ROUTER" "$NS_SERVER"; do
    ns_exists "$ns" && ip netns del "$ns"
  done
  for ns in "$NS_CLIENT" "$NS_ROUTER" "$NS_SERVER"; do
    ip netns add "$ns"
    echo "$ns" >>"$RUN/netns"
    ip -n "$ns" link set lo up
  done
  ip link add c0 netns "$NS_CLIENT" type veth peer name r0 netns "$NS_ROUTER"
  ip link add r1 netns "$NS_ROUTER" type veth peer name s0 netns "$NS_SERVER"
  ip -n "$NS_CLIENT" addr add 10.231.1.2/24 dev c0
  ip -n "$NS_ROUTER" addr add 10.231.1.1/24 dev r0
  ip -n "$NS_ROUTER" addr add 10.231.2.1/24 dev r1
  ip -n "$NS_SERVER" addr add "$NS_SERVER_IP/24" dev s0
  ip -n "$NS_CLIENT" link set c0 up
  ip -n "$NS_ROUTER" link set r0 up
  ip -n "$NS_ROUTER" link set r1 up
  ip -n "$NS_SERVER" link set s0 up
  ip -n "$NS_CLIENT" route add 10.231.0.0/16 via 10.231.1.1
  ip -n "$NS_SERVER" route add 10.231.0.0/16 via 10.231.2.1
  ip netns exec "$NS_ROUTER" sysctl -qw net.ipv4.ip_forward=1
  ip netns exec "$NS_ROUTER" nft -f - <<EOF
table inet lab {
  chain fw {
    type filter hook forward priority 0; policy accept;
    ip daddr $NS_SERVER_IP tcp dport $NS_DROP_PORT tcp flags & (syn | ack) == syn drop
    ip daddr $NS_SERVER_IP tcp dport $NS_ICMP_PORT reject with icmp type admin-prohibited
    ip daddr $NS_SERVER_IP tcp dport $NS_RST_PORT reject with tcp reset
  }
}
EOF
  dir=$RUN/xrdp/ns-tls
  mkdir -p "$dir"
  write_xrdp_ini "$dir" "tcp://$NS_SERVER_IP:$NS_TLS_PORT" tls valid "TLSv1.2, TLSv1.3" ""
  spawn xrdp-ns-tls "$dir/console.log" ip netns exec "$NS_SERVER" "$XRDP_BIN" --nodaemon \
    --config "$dir/xrdp.ini"
  echo "xrdp-ns-tls $NS_TLS_PORT $NS_SERVER" >"$RUN/listeners.ns"
  wait_listeners "$RUN/listeners.ns"
  add_instance ns ns-tls "$NS_SERVER_IP" "$NS_TLS_PORT" "$NS_CLIENT" "$dir/xrdp.log" xrdp-ns-tls
  add_instance ns ns-drop "$NS_SERVER_IP" "$NS_DROP_PORT" "$NS_CLIENT" - -
  add_instance ns ns-icmp "$NS_SERVER_IP" "$NS_ICMP_PORT" "$NS_CLIENT" - -
  add_instance ns ns-rst "$NS_SERVER_IP" "$NS_RST_PORT" "$NS_CLIENT" - -
}

ns_down() {
  local ns
  [[ -f $RUN/netns ]] || return 0
  while read -r ns; do
    [[ -n $ns ]] || continue
    ns_exists "$ns" && { ip netns del "$ns" || log "warning: could not delete namespace $ns"; }
  done <"$RUN/netns"
  rm -f "$RUN/netns"
}

# ------------------------------------------------------------------ commands

lock_run() {
  mkdir -p "$RUN"
  exec 9>"$RUN/.lock"
  flock -w 120 9 || die "another lab.sh holds $RUN/.lock"
}

cmd_down() {
  stop_recorded
  ns_down
  logs_home
  rm -f "$RUN/pids" "$RUN/env" "$RUN/instances" "$RUN/listeners" "$RUN/listeners.ns"
}

UP_DONE=0
NS_CHILD=""
on_up_exit() {
  local rc=$?
  ((UP_DONE)) && return 0
  # Let the namespace helper finish first, so that everything it starts is recorded.
  if [[ -n $NS_CHILD ]]; then wait "$NS_CHILD" 2>/dev/null || true; fi
  if [[ ${LAB_KEEP_ON_FAIL:-0} == 1 ]]; then
    log "up failed (exit $rc); LAB_KEEP_ON_FAIL=1, leaving processes running (lab.sh down stops them)"
  else
    log "up failed (exit $rc); stopping what was started"
    cmd_down || true
  fi
  exit 1
}

cmd_up() {
  local t0=$EPOCHREALTIME spec name sec cert protos ciphers mode port i=0 ports=() n_ports
  local want_shadow=0 want_ns=0 netns_ok=0
  if [[ -f $RUN/pids ]]; then
    log "run/pids exists: stopping the previous lab first"
    cmd_down
  fi
  trap on_up_exit EXIT
  rm -rf "$RUN/xrdp" "$RUN/shadow" "$RUN/resp" "$RUN/xvfb" "$(log_tmpfs_dir)"
  : >"$RUN/pids"
  : >"$RUN/instances"
  : >"$RUN/listeners"
  make_certs
  ENV_LINES=()
  HAVE_V6=0
  have_ipv6_lo && HAVE_V6=1

  local xrdp_sel=() shadow_sel=() resp_sel=()
  for spec in "${XRDP_INSTANCES[@]}"; do
    selected xrdp "${spec%%|*}" && xrdp_sel+=("$spec")
  done
  for spec in "${SHADOW_INSTANCES[@]}"; do
    selected shadow "${spec%%|*}" && shadow_sel+=("$spec")
  done
  for mode in "${RESP_MODES[@]}"; do
    selected resp "$mode" && resp_sel+=("$mode")
  done
  selected netns netns && want_ns=1
  ((${#shadow_sel[@]})) && want_shadow=1
  n_ports=$((${#xrdp_sel[@]} + ${#shadow_sel[@]} + ${#resp_sel[@]} + 1))
  read -r -a ports <<<"$(pick_ports "$n_ports")"
  ((${#ports[@]} == n_ports)) || die "could not pick $n_ports free ports"

  ((want_shadow)) && {
    start_xvfb
    make_sam
  }
  if ((want_ns)); then
    "${BASH_SOURCE[0]}" __ns-up &
    NS_CHILD=$!
  fi
  for spec in "${xrdp_sel[@]}"; do
    IFS='|' read -r name sec cert protos ciphers <<<"$spec"
    start_xrdp "$name" "${ports[i]}" "$sec" "$cert" "$protos" "$ciphers"
    i=$((i + 1))
  done
  for mode in "${resp_sel[@]}"; do
    start_responder "$mode" "${ports[i]}"
    i=$((i + 1))
  done
  if ((want_shadow)); then
    wait_xvfb
    add_instance xvfb xvfb - "$XVFB_DISPLAY" - "$RUN/xvfb/console.log" xvfb
    for spec in "${shadow_sel[@]}"; do
      IFS='|' read -r name sec cert <<<"$spec"
      start_shadow "$name" "${ports[i]}" "$sec" "$cert"
      i=$((i + 1))
    done
  fi
  local closed=${ports[i]}
  add_instance closed closed 127.0.0.1 "$closed" - - -

  wait_listeners "$RUN/listeners" || die "not every server came up"

  if [[ -n $NS_CHILD ]]; then
    local ns_rc=0
    wait "$NS_CHILD" || ns_rc=$?
    NS_CHILD=""
    if ((ns_rc == 0)); then
      netns_ok=1
    else
      log "warning: network namespaces did not come up; LAB_NETNS=0"
      # Stop the namespace xrdp if it was started, delete the namespaces.
      local nspid nsstart
      read -r nspid nsstart < <(awk '$1 == "xrdp-ns-tls" { print $2, $3 }' "$RUN/pids" | tail -1) || true
      if [[ -n ${nspid:-} ]] && alive "$nspid" "$nsstart"; then kill -TERM -- "-$nspid" 2>/dev/null || true; fi
      ns_down
      sed -i '/^ns /d' "$RUN/instances"
    fi
  fi

  {
    echo "# librdpneg test lab, written by test/lab/lab.sh up on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "LAB_RUN=$RUN"
    echo "LAB_CERTS=$CERTS"
    echo "LAB_CA=$CERTS/ca.crt"
    echo "LAB_HOST=127.0.0.1"
    ((want_shadow)) && echo "LAB_DISPLAY=$XVFB_DISPLAY"
    printf '%s\n' "${ENV_LINES[@]}"
    echo "LAB_CLOSED_PORT=$closed"
    echo "LAB_SHADOW_USER=$SHADOW_USER"
    echo "LAB_SHADOW_DOMAIN=$SHADOW_DOMAIN"
    echo "LAB_SHADOW_PASSWORD_ENV=LAB_SHADOW_PASSWORD"
    echo "LAB_SHADOW_PASSWORD='$SHADOW_PASSWORD'"
    echo "LAB_NETNS=$netns_ok"
    if ((netns_ok)); then
      echo "LAB_NS_CLIENT=$NS_CLIENT"
      echo "LAB_NS_SERVER_IP=$NS_SERVER_IP"
      echo "LAB_NS_TLS_PORT=$NS_TLS_PORT"
      echo "LAB_NS_DROP_PORT=$NS_DROP_PORT"
      echo "LAB_NS_ICMP_PORT=$NS_ICMP_PORT"
      echo "LAB_NS_RST_PORT=$NS_RST_PORT"
    fi
  } >"$RUN/env.tmp"
  mv "$RUN/env.tmp" "$RUN/env"
  # Stable order for status/smoke (the namespace part appended concurrently).
  awk 'BEGIN { r["xvfb"] = 0; r["xrdp"] = 1; r["shadow"] = 2; r["resp"] = 3; r["closed"] = 4; r["ns"] = 5 }
       { print r[$1] "\t" NR "\t" $0 }' "$RUN/instances" | sort -t "$(printf '\t')" -k1,1n -k2,2n |
    cut -f3- >"$RUN/instances.tmp"
  mv "$RUN/instances.tmp" "$RUN/instances"
  UP_DONE=1
  trap - EXIT
  local count
  count=$(awk '$1 != "xvfb" && $1 != "closed" && $7 != "-"' "$RUN/instances" | wc -l)
  log "up: $count servers (netns=$netns_ok) in $(awk -v a="$t0" -v b="$EPOCHREALTIME" \
    'BEGIN { printf "%.2f", b - a }') s; env: $RUN/env"
}

cmd_status() {
  local kind name host port netns logf proc pid start state where rc=0
  if [[ ! -f $RUN/instances ]]; then
    echo "lab is down"
    return 3
  fi
  printf '%-7s %-20s %-20s %-8s %s\n' KIND NAME PORT PID STATE
  while read -r kind name host port netns logf proc; do
    where=$port
    [[ $kind == ns ]] && where=$host:$port
    if [[ $proc == - ]]; then
      state=-
      pid=-
      [[ $kind == ns ]] && state=fault-rule
      [[ $kind == closed ]] && state=closed
    else
      read -r pid start < <(awk -v n="$proc" '$1 == n { print $2, $3 }' "$RUN/pids" | tail -1) || true
      if alive "$pid" "$start"; then state=alive; else
        state=dead
        rc=1
      fi
    fi
    printf '%-7s %-20s %-20s %-8s %s\n' "$kind" "$name" "$where" "$pid" "$state"
    : "$netns" "$logf"
  done <"$RUN/instances"
  return "$rc"
}

cmd_smoke() {
  [[ -f $RUN/instances ]] || die "lab is down (run lab.sh up first)"
  "$PY" "$LAB_DIR/labcheck.py" smoke "$RUN"
}

main() {
  local cmd=${1:-}
  case $cmd in
    install) cmd_install ;;
    up)
      ((EUID == 0)) || log "warning: not root; namespaces will be skipped"
      lock_run
      cmd_up
      ;;
    down)
      lock_run
      cmd_down
      log "down"
      ;;
    status) cmd_status ;;
    smoke) cmd_smoke ;;
    __ns-up) cmd_ns_up ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
