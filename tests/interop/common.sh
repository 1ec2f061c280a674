# Shared by the coatid <-> charon interop tests: two namespaces (hub 192.0.2.1 with LAN
# 192.168.1.1/24, satellite 198.51.100.3 with LAN 192.168.3.1/24) joined by a veth pair,
# a charon in one of them, coatid in the other, and clean-up on any exit.
# Source it after setting `tag` (short, unique); it sets hub, sat, work, esp.
set -euo pipefail
: "${COATI_BUILD:?}" "${COATI_SRC:?}" "${tag:?}"
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; exit 77; }
COATID=$COATI_BUILD/tools/coatid/coatid
CTL=$COATI_BUILD/tools/coatictl/coatictl
hub=$tag-h sat=$tag-s

# Leftovers of earlier runs that died without cleaning up (kill -9, a lost machine):
# namespaces are named <letters><pid of the test>-<x>; one whose test process is gone
# is removed with every process in it, and its work folder too.
reap_stale() {
  local ns owner p
  for ns in $(ip netns list | awk '{print $1}'); do
    [[ "$ns" =~ ^[a-z]+([0-9]+)-[a-z]+$ ]] || continue
    owner=${BASH_REMATCH[1]}
    [ -d "/proc/$owner" ] && continue
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null && echo "removed namespace $ns left by dead test $owner"
    rm -rf /tmp/coati-[a-z]*"$owner".* 2>/dev/null || true
  done
}
reap_stale
work=$(mktemp -d /tmp/coati-$tag.XXXXXX)
pids=()
coatid_pid=
cleanup() {
  local ns
  trap - INT TERM
  for p in "${pids[@]}" $coatid_pid; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 30); do
    [ -n "$coatid_pid" ] && kill -0 "$coatid_pid" 2>/dev/null || break
    sleep 0.1
  done
  sleep 0.3
  for p in "${pids[@]}" $coatid_pid; do kill -9 "$p" 2>/dev/null || true; done
  for ns in "$hub" "$sat" ${rtr:-} ${flooder:-}; do # anything still running inside (tcpdump, ping, scripts)
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ "${keep:-0}" = 1 ]; then echo "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'echo "interrupted: cleaning up" >&2; exit 130' INT
trap 'echo "terminated: cleaning up" >&2; exit 143' TERM
fail() {
  echo "FAIL: $*" >&2
  keep=1
  for f in "$work"/*.log "$work"/*/charon.log; do
    [ -f "$f" ] && { echo "--- $f"; tail -n 60 "$f"; }
  done
  exit 1
}

# Can this kernel hold an ESP SA with the seed's algorithms? (tried in a scratch namespace)
has_esp() {
  local ns=$tag-probe ok=1
  ip netns add "$ns"
  ip -n "$ns" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 mode tunnel \
    enc 'cbc(des3_ede)' 0x0123456789abcdef0123456789abcdef0123456789abcdef \
    auth-trunc 'hmac(md5)' 0x0123456789abcdef0123456789abcdef 96 2>/dev/null || ok=0
  ip netns del "$ns"
  [ "$ok" = 1 ]
}
kernel_esp=0
has_esp && kernel_esp=1
echo "kernel with ESP: $kernel_esp"

ip netns add "$hub"
ip netns add "$sat"
ip link add h0 netns "$hub" type veth peer name s0 netns "$sat"
ip -n "$hub" addr add 192.0.2.1/24 dev h0
ip -n "$sat" addr add 198.51.100.3/24 dev s0
for ns in "$hub" "$sat"; do
  ip -n "$ns" link set lo up
  ip -n "$ns" link add lan0 type veth peer name lan1
done
ip -n "$hub" link set h0 up
ip -n "$sat" link set s0 up
ip -n "$hub" addr add 192.168.1.1/24 dev lan0
ip -n "$sat" addr add 192.168.3.1/24 dev lan0
for ns in "$hub" "$sat"; do ip -n "$ns" link set lan0 up; ip -n "$ns" link set lan1 up; done
ip -n "$hub" route add 198.51.100.0/24 dev h0
ip -n "$sat" route add 192.0.2.0/24 dev s0
# Traffic between the LANs leaves by the public link, from the LAN address.
ip -n "$hub" route add 192.168.3.0/24 dev h0 src 192.168.1.1
ip -n "$sat" route add 192.168.0.0/16 dev s0 src 192.168.3.1

# The test PKI (racoon's layout for coatid, copied into swanctl's for charon).
pki=$work/pki
bash "$COATI_SRC/tests/lib/mkpki.sh" "$pki" rhum armagnac >/dev/null

# start_charon NS HOST [NAME]: charon with its own strongswan.conf, vici socket, /run,
# swanctl dir and HOST's certificate, in $work/NAME (default "charon"); `swan` then talks
# to it (`swan_at NAME` to another one). Its log is $work/NAME/charon.log; $d is its dir.
# Lines in $charon_extra go into its `charon { }` block.
start_charon() {
  local ns=$1 host=$2
  d=$work/${3:-charon}
  mkdir -p "$d/run" "$d/swanctl/x509" "$d/swanctl/x509ca" "$d/swanctl/private"
  cp "$pki/$host.crt" "$d/swanctl/x509/"
  cp "$pki/ca.crt" "$d/swanctl/x509ca/"
  cp "$pki/$host.pem" "$d/swanctl/private/"
  cat > "$d/strongswan.conf" <<CONF
charon {
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey revocation constraints kernel-netlink socket-default vici
  install_routes = no
  retransmit_tries = 3
  i_dont_care_about_security_and_use_aggressive_mode_psk = yes
  ${charon_extra:-}
  plugins { vici { socket = unix://$d/charon.vici } }
  filelog {
    log {
      path = $d/charon.log
      flush_line = yes
      default = 1
      ike = 2
      knl = 2
      cfg = 2
    }
  }
  syslog { daemon { default = -1 } }
}
swanctl { socket = unix://$d/charon.vici }
CONF
  export STRONGSWAN_CONF=$d/strongswan.conf SWANCTL_DIR=$d/swanctl
  ip netns exec "$ns" sh -c "mount --bind $d/run /run && exec /usr/lib/ipsec/charon" \
    > "$work/charon.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do [ -S "$d/charon.vici" ] && return 0; sleep 0.1; done
  fail "charon did not start"
}
swan() { swanctl "$@"; }
swan_at() { # swan_at NAME ARGS...: swanctl for the charon started as NAME
  local at=$work/$1
  shift
  STRONGSWAN_CONF=$at/strongswan.conf SWANCTL_DIR=$at/swanctl swanctl "$@"
}
# swan_load CONF_TEXT: writes swanctl.conf and loads it.
swan_load() {
  printf '%s\n' "$1" > "$d/swanctl/swanctl.conf"
  swan --load-all --noprompt > "$work/load.log" 2>&1 || fail "swanctl --load-all: $(cat "$work/load.log")"
}

# swan_load_satellite IKE ESP [LINE]: loads connection `hub` with child `lan` for the
# armagnac satellite (198.51.100.3, its certificate, LAN 192.168.3.0/24) of the rhum hub
# (192.0.2.1, 192.168.0.0/16), no rekeying; LINE (e.g. "dpd_delay = 2s") goes into `hub`.
swan_load_satellite() {
  swan_load "connections {
  hub {
    version = 1
    local_addrs = 198.51.100.3
    remote_addrs = 192.0.2.1
    proposals = $1
    rekey_time = 0s
    ${3:-}
    local { auth = pubkey
      certs = armagnac.crt
      id = \"C=FR, O=coati test, OU=armagnac, CN=armagnac\" }
    remote { auth = pubkey
      id = \"C=FR, O=coati test, OU=rhum, CN=rhum\" }
    children {
      lan {
        local_ts = 192.168.3.0/24
        remote_ts = 192.168.0.0/16
        esp_proposals = $2
        rekey_time = 0s
        rand_time = 0s
        mode = tunnel
      }
    }
  }
}"
}

# seed_pair_roots: the test's copies of the seed hub (rhum, in $hubroot) and the seed
# satellite (armagnac, in $satroot, its hub's address rewritten to 192.0.2.1), and
# $work/sbin with coati-setkey as `setkey` for the satellite's seed scripts.
seed_pair_roots() {
  hubroot=$work/hub satroot=$work/sat
  SEED_PKI=$pki bash "$COATI_SRC/tests/lib/seedroot.sh" "$hubroot" rhum >/dev/null
  SEED_PKI=$pki bash "$COATI_SRC/tests/lib/seedroot.sh" "$satroot" armagnac >/dev/null
  sed -i 's/^remote 10\.1\.2\.3$/remote 192.0.2.1/' "$satroot/etc/racoon/local.conf"
  mkdir -p "$work/sbin"
  cp "$COATI_BUILD/tools/setkey/coati-setkey" "$work/sbin/setkey"
  ln -s /usr/bin/ping "$work/sbin/ping"
}
# start_seed_satellite: coatid on $satroot in $sat (log sat.log), with $work/sbin over
# /usr/sbin; sets sat_sock. satctl/hubctl talk to $sat_sock/$hub_sock.
start_seed_satellite() {
  start_coatid "$sat" "$satroot" sat sh -c \
    "mount -t overlay overlay -o lowerdir=$work/sbin:/usr/sbin /usr/sbin && exec \"\$0\" \"\$@\""
  sat_sock=$sock
}
hubctl() { "$CTL" -s "$hub_sock" "$@"; }
satctl() { "$CTL" -s "$sat_sock" "$@"; }

# probe_responder LOG ARGS...: coati's ike/ state machines (tests/interop/ike_probe) as
# the responder at 192.0.2.1 in the hub namespace, in the background ($probe_pid), given
# half a second to bind.
probe_responder() {
  local log=$1
  shift
  ip netns exec "$hub" "$COATI_BUILD/tests/interop/ike_probe" responder 192.0.2.1 198.51.100.3 \
    "$@" > "$log" 2>&1 &
  probe_pid=$!
  pids+=($probe_pid)
  sleep 0.5
}

# start_coatid NS ROOT LOGNAME [PREFIX_COMMAND...]: coatid on ROOT's racoon.conf in NS.
start_coatid() {
  local ns=$1 root=$2 name=$3
  shift 3
  sock=$root/var/racoon/racoon.sock
  ip netns exec "$ns" "$@" "$COATID" -F --config-root "$root" -f "$root/etc/racoon/racoon.conf" \
    2> "$work/$name.log" &
  coatid_pid=$!
  for _ in $(seq 100); do [ -S "$sock" ] && ctl status >/dev/null 2>&1 && return 0; sleep 0.1; done
  fail "coatid did not start"
}
ctl() { "$CTL" -s "$sock" "$@"; }
stop_coatid() {
  kill -TERM "$coatid_pid"
  local rc=0
  wait "$coatid_pid" || rc=$?
  coatid_pid=
  [ "$rc" = 0 ] || fail "coatid exited with $rc on SIGTERM"
}
# wait_for SECONDS COMMAND...: polls every 0.1 s until COMMAND succeeds.
wait_for() {
  local n=$(( $1 * 10 ))
  shift
  for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
  return 1
}
# record_hooks ETC NAME...: hook scripts NAME.sh record their environment in
# $work/NAME.env, then run the seed's own.
record_hooks() {
  local etc=$1 s
  shift
  for s in "$@"; do
    mv "$etc/$s.sh" "$etc/$s.seed.sh"
    printf '#!/bin/sh\nenv | sort > "%s/%s.env"\nexec "%s/%s.seed.sh"\n' "$work" "$s" "$etc" "$s" > "$etc/$s.sh"
    chmod +x "$etc/$s.sh"
  done
}

# esp_bytes NS: total bytes the ESP SAs of NS have carried (ip -s xfrm state).
esp_bytes() {
  ip -n "$1" -s xfrm state | awk '/proto esp/ { esp = 1 } /lifetime current:/ { if (esp) { getline; n += $1 }; esp = 0 } END { print n + 0 }'
}
# check_data_path NAME: (kernels with ESP only) the satellite's LAN address pings the
# hub's LAN address through the tunnel: answered; the ESP byte counters grow on both
# gateways; what the two gateways put on the public link is ESP and no ICMP. (Each
# gateway's outgoing packets are captured: together they are the whole veth wire. An
# incoming capture would also show the packets the kernel decrypted, re-injected on the
# same interface.)
check_data_path() {
  local name=$1 hub0 sat0 caps=() ns dev
  hub0=$(esp_bytes "$hub")
  sat0=$(esp_bytes "$sat")
  for ns in "$hub" "$sat"; do
    dev=h0
    [ "$ns" = "$sat" ] && dev=s0
    ip netns exec "$ns" tcpdump -i "$dev" -Q out -n -U -w "$work/$name.$dev.pcap" \
      2> "$work/$name.$dev.tcpdump.log" &
    caps+=($!)
    wait_for 10 grep -q "listening on" "$work/$name.$dev.tcpdump.log" || fail "$name: tcpdump did not start"
  done
  ip netns exec "$sat" ping -c 4 -i 0.5 -W 3 -I 192.168.3.1 192.168.1.1 > "$work/$name.ping.log" 2>&1 ||
    { cat "$work/$name.ping.log"; fail "$name: no answer through the tunnel"; }
  sleep 0.5
  kill -INT "${caps[@]}"
  wait "${caps[@]}" 2>/dev/null || true
  tail -n 2 "$work/$name.ping.log"
  local hub1 sat1
  hub1=$(esp_bytes "$hub")
  sat1=$(esp_bytes "$sat")
  [ "$hub1" -gt "$hub0" ] || fail "$name: the hub's ESP counters did not grow ($hub0 -> $hub1)"
  [ "$sat1" -gt "$sat0" ] || fail "$name: the satellite's ESP counters did not grow ($sat0 -> $sat1)"
  local esp_n=0 icmp_n=0 f n
  for f in "$work/$name".h0.pcap "$work/$name".s0.pcap; do
    n=$(tshark -n -r "$f" -Y "esp && ip.addr == 192.0.2.1 && ip.addr == 198.51.100.3" 2>/dev/null | wc -l)
    # (one packet may fall just outside the capture window)
    [ "$n" -ge 3 ] || fail "$name: $(basename "$f"): $n ESP packets on the public link (4 expected)"
    esp_n=$((esp_n + n))
    icmp_n=$((icmp_n + $(tshark -n -r "$f" -Y "icmp" 2>/dev/null | wc -l)))
  done
  [ "$icmp_n" = 0 ] || fail "$name: $icmp_n ICMP packets in clear on the public link"
  echo "ok: $name: ping through the tunnel; ESP bytes hub $hub0 -> $hub1, satellite $sat0 -> $sat1; $esp_n ESP packets and no clear ICMP on the public link"
}

# via_router MTU: the hub and the satellite talk through a router namespace ($rtr,
# 192.0.2.254 / 198.51.100.254) instead of their direct link; every link on the path has
# MTU bytes, and the router drops IP fragments (nftables, before any reassembly; counted
# in its table `lab`, chain `frags`: `frags_dropped` gives the count).
via_router() {
  local mtu=$1
  rtr=$tag-r
  ip -n "$hub" link del h0
  ip netns add "$rtr"
  ip -n "$rtr" link set lo up
  ip link add h0 netns "$hub" mtu "$mtu" type veth peer name rh netns "$rtr" mtu "$mtu"
  ip link add s0 netns "$sat" mtu "$mtu" type veth peer name rs netns "$rtr" mtu "$mtu"
  ip -n "$rtr" addr add 192.0.2.254/24 dev rh
  ip -n "$rtr" addr add 198.51.100.254/24 dev rs
  ip -n "$hub" addr add 192.0.2.1/24 dev h0
  ip -n "$sat" addr add 198.51.100.3/24 dev s0
  ip -n "$rtr" link set rh up
  ip -n "$rtr" link set rs up
  ip -n "$hub" link set h0 up
  ip -n "$sat" link set s0 up
  ip netns exec "$rtr" sysctl -qw net.ipv4.ip_forward=1
  ip -n "$hub" route add 198.51.100.0/24 via 192.0.2.254
  ip -n "$sat" route add 192.0.2.0/24 via 198.51.100.254
  ip -n "$hub" route add 192.168.3.0/24 via 192.0.2.254 src 192.168.1.1
  ip -n "$sat" route add 192.168.0.0/16 via 198.51.100.254 src 192.168.3.1
  # Priority -450: before the kernel's defragmentation (-400) would put them together.
  ip netns exec "$rtr" nft -f - <<NFT
table ip lab {
  chain frags {
    type filter hook prerouting priority -450; policy accept;
    ip frag-off & 0x3fff != 0 counter drop
  }
}
NFT
}
frags_dropped() {
  ip netns exec "$rtr" nft list chain ip lab frags | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'
}

# natt_router [RULE]: puts the satellite behind a NAT router namespace ($rtr): the hub sees
# it only as the router's public 192.0.2.254; nftables masquerades the satellite's UDP to
# ports 31000-31009 (the rest as it comes) and counts its IKE packets by destination port
# in chain `ikecount` (plus RULE, another counting rule, if given).
natt_router() {
  rtr=$tag-r
  ip -n "$hub" link del h0 # (and its peer s0)
  ip netns add "$rtr"
  ip -n "$rtr" link set lo up
  ip link add h0 netns "$hub" type veth peer name rh netns "$rtr"
  ip link add s0 netns "$sat" type veth peer name rs netns "$rtr"
  ip -n "$rtr" addr add 192.0.2.254/24 dev rh
  ip -n "$rtr" addr add 198.51.100.254/24 dev rs
  ip -n "$hub" addr add 192.0.2.1/24 dev h0
  ip -n "$sat" addr add 198.51.100.3/24 dev s0
  for l in "$rtr rh" "$rtr rs" "$hub h0" "$sat s0"; do ip -n ${l% *} link set ${l#* } up; done
  ip netns exec "$rtr" sysctl -qw net.ipv4.ip_forward=1
  ip -n "$sat" route add 192.0.2.0/24 via 198.51.100.254
  ip -n "$sat" route add 192.168.0.0/16 via 198.51.100.254 src 192.168.3.1
  ip -n "$hub" route add 192.168.3.0/24 dev h0 src 192.168.1.1
  ip netns exec "$rtr" nft -f - <<NFT
table ip lab {
  chain ikecount {
    type filter hook forward priority 0; policy accept;
    ip saddr 198.51.100.3 udp dport 500 counter;
    ip saddr 198.51.100.3 udp dport 4500 counter;
    ${1:-}
  }
  chain masq {
    type nat hook postrouting priority 100; policy accept;
    oifname "rh" ip saddr 198.51.100.0/24 meta l4proto udp masquerade to :31000-31009;
    oifname "rh" ip saddr 198.51.100.0/24 masquerade;
  }
}
NFT
}
# ct_flush: the NAT router forgets every mapping (tests/lib/ct_flush.py).
ct_flush() { ip netns exec "$rtr" python3 "$COATI_SRC/tests/lib/ct_flush.py"; }
# natt_remap: the NAT box restarts: its masquerade moves to ports 32000-32009 in one nft
# transaction (no packet crosses un-NATed meanwhile), then it forgets every mapping.
natt_remap() {
  ip netns exec "$rtr" nft -f - <<NFT || return 1
flush chain ip lab masq
add rule ip lab masq oifname "rh" ip saddr 198.51.100.0/24 meta l4proto udp masquerade to :32000-32009
add rule ip lab masq oifname "rh" ip saddr 198.51.100.0/24 masquerade
NFT
  ct_flush
}
# natt_dump: what the router, hub and satellite hold (for a failing NAT test's log).
natt_dump() {
  echo "--- router conntrack"; ip netns exec "$rtr" cat /proc/net/nf_conntrack 2>&1 || true
  echo "--- router nft"; ip netns exec "$rtr" nft list ruleset 2>&1 || true
  echo "--- hub xfrm"; ip -n "$hub" -s xfrm state 2>&1 || true
  echo "--- satellite xfrm"; ip -n "$sat" -s xfrm state 2>&1 || true
  echo "--- hub's kernel counters"; ctl stats 2>&1 | grep -i kernel || true
}
fwd_count() { # fwd_count PORT: the satellite's IKE packets to PORT the router forwarded
  ip netns exec "$rtr" nft list chain ip lab ikecount |
    sed -n "s/.*udp dport $1 counter packets \([0-9]*\) .*/\1/p"
}
