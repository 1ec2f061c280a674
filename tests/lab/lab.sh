# The lab: network namespaces that stand for the seed's sites, and the peers that run in
# them. A scenario (tests/scenarios/NAME.sh) sources this file, builds its topology, runs
# its checks and exits 0 for a pass. Everything it makes is removed when it exits, on a
# failure, on SIGINT and SIGTERM; leftovers of runs that died are removed first.
#
# Environment (tests/lab/run.sh sets it; when a scenario runs alone, defaults apply):
#   COATI_SRC, COATI_BUILD   the source tree and a build folder (default $COATI_SRC/build)
#   LAB_PREFIX               the run's name, [a-z0-9]+ (default s<PID>): in every name
#   LAB_LOGDIR               where every log goes (default a new /tmp/coati-lab-P-logs.XXXXXX,
#                            removed after a pass)
#   LAB_BED                  host or vm (informative; lab_has_esp is what decides)
# Writes only to /tmp, /run and LAB_LOGDIR: in the VM everything else is read-only.
# Function reference: tests/README.md.
set -euo pipefail
: "${COATI_SRC:?COATI_SRC must name the source tree}"
COATI_BUILD=${COATI_BUILD:-$COATI_SRC/build}
if [ "$(id -u)" != 0 ]; then
  echo "lab: needs root (network namespaces)" >&2
  exit 77
fi
LAB_LIB=$COATI_SRC/tests/lab
# shellcheck source=tests/lab/reap.sh
. "$LAB_LIB/reap.sh"

LAB_BED=${LAB_BED:-host}
LAB_PREFIX=${LAB_PREFIX:-s$$}
[[ "$LAB_PREFIX" =~ ^[a-z0-9]+$ ]] || { echo "lab: LAB_PREFIX must be [a-z0-9]+" >&2; exit 2; }
export COATI_SRC COATI_BUILD LAB_BED LAB_PREFIX
LAB_STATE=$LAB_RUNDIR/$LAB_PREFIX
if [ -z "${LAB_OWNER:-}" ]; then
  # Run alone (not by run.sh): this shell owns the run.
  lab_reap_stale || true
  if [ -f "$LAB_STATE/owner" ] && lab_alive "$(cat "$LAB_STATE/owner")"; then
    echo "lab: prefix $LAB_PREFIX is in use by a running test" >&2
    exit 2
  fi
  LAB_OWNER="$$ $(lab_proc_start $$)"
fi
mkdir -p "$LAB_STATE"
[ -s "$LAB_STATE/owner" ] || echo "$LAB_OWNER" >"$LAB_STATE/owner"
LAB_OWN_LOGDIR=0
if [ -z "${LAB_LOGDIR:-}" ]; then # (removed after a pass, kept after a failure)
  LAB_LOGDIR=$(mktemp -d "/tmp/coati-lab-$LAB_PREFIX-logs.XXXXXX")
  LAB_OWN_LOGDIR=1
fi
mkdir -p "$LAB_LOGDIR"
export LAB_LOGDIR
# The run's working folder (configurations, keys, sockets; not under /run, which daemons
# get a private copy of).
LAB_WORK=$(mktemp -d "/tmp/coati-lab-$LAB_PREFIX.XXXXXX")
echo "$LAB_WORK" >>"$LAB_STATE/tmpdirs"

# --- clean-up -------------------------------------------------------------------------
lab_teardown() {
  local f
  set +e
  for f in "${LAB_AT_EXIT[@]}"; do eval "$f"; done
  LAB_AT_EXIT=()
  lab_reap "$LAB_PREFIX" || true
}
_lab_on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  [ "$rc" != 0 ] && echo "lab: exit code $rc, logs in $LAB_LOGDIR" >&2
  lab_teardown
  [ "$rc" = 0 ] && [ "$LAB_OWN_LOGDIR" = 1 ] && rm -rf "$LAB_LOGDIR"
  exit "$rc"
}
LAB_AT_EXIT=()
trap _lab_on_exit EXIT
trap 'echo "lab: interrupted, cleaning up" >&2; exit 130' INT
trap 'echo "lab: terminated, cleaning up" >&2; exit 143' TERM

# lab_at_exit COMMAND: runs COMMAND (a string) at clean-up, before the processes are killed.
lab_at_exit() { LAB_AT_EXIT+=("$1"); }

# lab_fail MESSAGE: the scenario fails with MESSAGE (the runner prints the logs' tails).
lab_fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# lab_ok MESSAGE: one line of progress (with the seconds since the scenario started).
lab_ok() { echo "ok [${SECONDS}s]: $*"; }

# lab_tmpdir: a new folder under /tmp, removed at clean-up; prints its path.
lab_tmpdir() {
  local d
  d=$(mktemp -d "/tmp/coati-lab-$LAB_PREFIX.XXXXXX")
  echo "$d" >>"$LAB_STATE/tmpdirs"
  echo "$d"
}

# lab_track PID: PID is killed at clean-up (SIGTERM, then SIGKILL).
lab_track() { echo "$1 $(lab_proc_start "$1")" >>"$LAB_STATE/pids"; }

# lab_sleep SECONDS: a sleep that SIGINT/SIGTERM interrupt at once.
lab_sleep() {
  sleep "$1" &
  wait $! || true
}

# lab_wait SECONDS COMMAND...: polls every 0.2 s until COMMAND succeeds; 1 on timeout.
lab_wait() {
  local end=$((SECONDS + $1))
  shift
  while :; do
    "$@" && return 0
    ((SECONDS >= end)) && return 1
    sleep 0.2
  done
}

# lab_wait_log FILE REGEX [SECONDS]: waits until FILE has a line matching REGEX (grep -E).
lab_wait_log() { lab_wait "${3:-30}" grep -Eqs -- "$2" "$1"; }

# --- namespaces and topology ----------------------------------------------------------
declare -gA LAB_PUB=() LAB_LOCAL=() LAB_LAN=() LAB_LANIP=() LAB_SRV=()
LAB_NAT_RULES=0

# lab_ns NAME: the namespace of lab host NAME.
lab_ns() { echo "lab-$LAB_PREFIX-$1"; }

# lab_ip NAME: NAME's public address (as the others see it: the NAT's address behind NAT).
lab_ip() { echo "${LAB_PUB[$1]}"; }
# lab_local_ip NAME: the address on NAME's own public interface (pub0).
lab_local_ip() { echo "${LAB_LOCAL[$1]}"; }
# lab_lan_ip NAME: gateway NAME's address on its LAN.
lab_lan_ip() { echo "${LAB_LANIP[$1]}"; }
# lab_lan_net NAME: NAME's LAN (CIDR).
lab_lan_net() { echo "${LAB_LAN[$1]}"; }
# lab_server_ip NAME: the address of the LAN server behind gateway NAME (lab host NAME-lan).
lab_server_ip() { echo "${LAB_SRV[$1]}"; }

# lab_netns NAME: a bare namespace (loopback up, forwarding on, no rp_filter).
lab_netns() {
  local ns
  ns=$(lab_ns "$1")
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
    net.ipv4.conf.default.rp_filter=0
}

# _lab_mounts NS: bind mounts every process started in NS gets (see lab_exec).
_lab_mounts() {
  local f=$LAB_STATE/mounts-$1
  [ -f "$f" ] && cat "$f"
  return 0
}

# lab_bind NAME SOURCE TARGET: processes later started in NAME (lab_exec, lab_bg, charon...)
# see SOURCE at TARGET (a bind mount in their private mount namespace; the host's files
# are never touched).
lab_bind() { printf '%s %s\n' "$2" "$3" >>"$LAB_STATE/mounts-$1"; }

# lab_exec NAME COMMAND...: runs COMMAND in NAME's namespace (with NAME's bind mounts).
lab_exec() {
  _lab_argv "$@"
  "${LAB_ARGV[@]}"
}
# _lab_argv NAME COMMAND...: sets LAB_ARGV to the command line that runs COMMAND in
# NAME's namespace, after NAME's bind mounts (ip netns exec gives it a private mount
# namespace; a caller may add "SRC DST" lines in LAB_EXTRA_MOUNTS); every step execs
# the next, so its PID is COMMAND's.
_lab_argv() {
  local ns mounts
  ns=$(lab_ns "$1")
  mounts=$(_lab_mounts "$1")${LAB_EXTRA_MOUNTS:+$'\n'$LAB_EXTRA_MOUNTS}
  mounts=${mounts#$'\n'}
  shift
  if [ -z "$mounts" ]; then
    LAB_ARGV=(ip netns exec "$ns" "$@")
  else
    # shellcheck disable=SC2016
    LAB_ARGV=(ip netns exec "$ns" bash -c 'while read -r s t; do mount --bind "$s" "$t" || exit 1; done <<<"$1"
shift
exec "$@"' lab-exec "$mounts" "$@")
  fi
}

# lab_bg NAME LOG COMMAND...: starts COMMAND in NAME's namespace in the background,
# output to $LAB_LOGDIR/LOG.log; killed at clean-up. Sets LAB_PID (COMMAND's PID).
lab_bg() {
  local name=$1 log=$2
  shift 2
  _lab_argv "$name" "$@"
  { exec "${LAB_ARGV[@]}"; } </dev/null >"$LAB_LOGDIR/$log.log" 2>&1 &
  LAB_PID=$!
  lab_track "$LAB_PID"
}

_lab_router() {
  [ -e "/run/netns/$(lab_ns router)" ] && return 0
  lab_netns router
}

# lab_host NAME PUBLIC_IP [LAN_CIDR LAN_IP] [--nat PRIVATE_IP/LEN] [--mtu N]
# A host on the public side, linked to the router (which has .254 of PUBLIC_IP's /24 and
# routes between all hosts). With a LAN: NAME is its gateway (LAN_IP on lan0) and a LAN
# server NAME-lan gets .10 of the LAN (default route via NAME). With --nat the host has
# PRIVATE_IP on its link and the router translates it to PUBLIC_IP (nftables snat, ports
# kept when free), as a home router would. --mtu shrinks the MTU of NAME's public link.
lab_host() {
  local name=$1 pub=$2 lan="" lanip="" nat="" mtu="" ns rns r
  shift 2
  if (($#)) && [[ "$1" != --* ]]; then
    lan=$1 lanip=$2
    shift 2
  fi
  while (($#)); do
    case "$1" in
      --nat) nat=$2; shift 2 ;;
      --mtu) mtu=$2; shift 2 ;;
      *) lab_fail "lab_host: unknown option $1" ;;
    esac
  done
  ((${#name} <= 13)) || lab_fail "lab_host: name $name longer than 13"
  _lab_router
  lab_netns "$name"
  ns=$(lab_ns "$name") rns=$(lab_ns router) r=r-$name
  ip link add pub0 netns "$ns" type veth peer name "$r" netns "$rns"
  LAB_PUB[$name]=$pub
  if [ -z "$nat" ]; then
    LAB_LOCAL[$name]=$pub
    ip -n "$ns" addr add "$pub/24" dev pub0
    ip -n "$rns" addr add "${pub%.*}.254/32" dev "$r"
    ip -n "$ns" link set pub0 up
    ip -n "$rns" link set "$r" up
    ip -n "$rns" route add "$pub/32" dev "$r"
    ip netns exec "$rns" sysctl -q -w "net.ipv4.conf.$r.proxy_arp=1"
    ip -n "$ns" route add default via "${pub%.*}.254"
  else
    local priv=${nat%/*} len=${nat#*/} gw
    [ "$len" = "$nat" ] && len=24
    gw=${priv%.*}.1
    [ "$gw" = "$priv" ] && gw=${priv%.*}.254
    LAB_LOCAL[$name]=$priv
    ip -n "$ns" addr add "$priv/$len" dev pub0
    ip -n "$rns" addr add "$gw/$len" dev "$r"
    ip -n "$rns" addr add "$pub/32" dev lo
    ip -n "$ns" link set pub0 up
    ip -n "$rns" link set "$r" up
    ip -n "$ns" route add default via "$gw"
    if [ "$LAB_NAT_RULES" = 0 ]; then
      ip netns exec "$rns" nft add table ip lab
      ip netns exec "$rns" nft add chain ip lab post '{ type nat hook postrouting priority srcnat; }'
      LAB_NAT_RULES=1
    fi
    ip netns exec "$rns" nft add rule ip lab post ip saddr "$priv" oifname != "$r" snat to "$pub"
  fi
  [ -n "$mtu" ] && lab_mtu "$name" "$mtu"
  if [ -n "$lan" ]; then
    local srv=$name-lan plen=${lan#*/}
    lab_netns "$srv"
    ip link add lan0 netns "$ns" type veth peer name eth0 netns "$(lab_ns "$srv")"
    LAB_LAN[$name]=$lan LAB_LANIP[$name]=$lanip LAB_SRV[$name]=${lanip%.*}.10
    ip -n "$ns" addr add "$lanip/$plen" dev lan0
    ip -n "$ns" link set lan0 up
    ip -n "$(lab_ns "$srv")" addr add "${LAB_SRV[$name]}/$plen" dev eth0
    ip -n "$(lab_ns "$srv")" link set eth0 up
    ip -n "$(lab_ns "$srv")" route add default via "$lanip"
    LAB_PUB[$srv]="" LAB_LOCAL[$srv]=${LAB_SRV[$name]}
  fi
}

# lab_mtu NAME MTU: shrinks the MTU of NAME's public link (both ends).
lab_mtu() {
  ip -n "$(lab_ns "$1")" link set pub0 mtu "$2"
  ip -n "$(lab_ns router)" link set "r-$1" mtu "$2"
}

# lab_seed_sites: the seed's three sites as lab hosts (no daemons yet):
#   hub 192.0.2.1, LAN 192.168.1.0/24 (server 192.168.1.10)
#   pineau 198.51.100.2, LAN 192.168.2.0/24; armagnac 198.51.100.3, LAN 192.168.3.0/24
lab_seed_sites() {
  lab_host hub 192.0.2.1 192.168.1.0/24 192.168.1.1
  lab_host pineau 198.51.100.2 192.168.2.0/24 192.168.2.1
  lab_host armagnac 198.51.100.3 192.168.3.0/24 192.168.3.1
}

# lab_has_esp: 0 when this kernel can hold an ESP SA with the seed's algorithms
# (3des-cbc + hmac-md5; tried once in a scratch namespace). Here on the host it cannot;
# in the VM it can.
lab_has_esp() {
  if [ ! -f "$LAB_STATE/has_esp" ]; then
    local ns=espprobe ok=0
    lab_netns "$ns"
    ip -n "$(lab_ns "$ns")" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 \
      mode tunnel enc 'cbc(des3_ede)' 0x0123456789abcdef0123456789abcdef0123456789abcdef \
      auth-trunc 'hmac(md5)' 0x0123456789abcdef0123456789abcdef 96 2>/dev/null && ok=1
    ip netns del "$(lab_ns "$ns")"
    echo "$ok" >"$LAB_STATE/has_esp"
  fi
  [ "$(cat "$LAB_STATE/has_esp")" = 1 ]
}

# lab_esp_bytes NAME: bytes carried so far by all ESP SAs in NAME (ip -s xfrm state).
lab_esp_bytes() {
  ip -n "$(lab_ns "$1")" -s xfrm state | awk '/proto esp/ { esp = 1 }
    /lifetime current:/ { if (esp) { getline; n += $1 }; esp = 0 } END { print n + 0 }'
}

# lab_capture_start NAME FILE: captures (dumpcap, tshark's capture engine: it starts in
# a fraction of tshark's time) on the router's end of NAME's public link into
# $LAB_LOGDIR/FILE.pcap: everything NAME sends and receives, as on the wire.
lab_capture_start() {
  local f=$LAB_LOGDIR/$2
  lab_bg router "$2.dumpcap" dumpcap -q -n -i "r-$1" -w "$f.pcap"
  echo "$LAB_PID" >"$LAB_STATE/capture-$2"
  lab_wait 60 grep -qs "Capturing on" "$LAB_LOGDIR/$2.dumpcap.log" ||
    lab_fail "dumpcap did not start on r-$1"
}
# lab_capture_stop FILE: stops that capture (the pcap is complete afterwards).
lab_capture_stop() {
  local pid
  pid=$(cat "$LAB_STATE/capture-$1")
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
# lab_pcap_count FILE FILTER: how many packets of $LAB_LOGDIR/FILE.pcap match the tshark
# display FILTER.
lab_pcap_count() { tshark -n -r "$LAB_LOGDIR/$1.pcap" -Y "$2" 2>/dev/null | wc -l; }
# lab_pcap_table FILE: decodes $LAB_LOGDIR/FILE.pcap once with tshark into FILE.txt, one
# packet a line: "SOURCE DESTINATION IP-PROTOCOL PROTOCOL-NAME" (ESP is 50, ICMP 1), and
# prints its path; count with awk (one tshark start instead of one a question: each
# takes long in the VM).
lab_pcap_table() {
  local t=$LAB_LOGDIR/$1.txt
  tshark -n -r "$LAB_LOGDIR/$1.pcap" -T fields -e ip.src -e ip.dst -e ip.proto \
    -e _ws.col.Protocol >"$t" 2>/dev/null
  echo "$t"
}

# lab_ping FROM TO [COUNT]: FROM's namespace pings address TO; 0 when answered.
lab_ping() {
  lab_exec "$1" ping -n -c "${3:-3}" -i 0.3 -W 2 "$2"
}

# shellcheck source=tests/lab/peers.sh
. "$LAB_LIB/peers.sh"
# shellcheck source=tests/lab/services.sh
. "$LAB_LIB/services.sh"
# shellcheck source=tests/lab/coatid.sh
. "$LAB_LIB/coatid.sh"
