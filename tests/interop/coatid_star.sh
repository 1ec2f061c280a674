#!/usr/bin/env bash
# coatid <-> coatid, the seed's star: one hub (rhum) and two satellites (armagnac, LAN
# 192.168.3.0/24, and pineau, LAN 192.168.2.0/24, made from armagnac's files) at once,
# each in its namespace behind a router namespace. Each satellite: vpn-connect, phase 1
# up, its unchanged phase1_up_cli.sh (through coati-setkey) installs policies and pings
# the hub's LAN: ACQUIRE, quick mode with the seed's algorithms (ESP only, as the policy asks). The hub:
# two ISAKMP-SAs, each satellite's pair, and generated policies for both LANs. Then one
# satellite stops: it tells the hub (Delete), whose entries for it go; the other
# satellite's SAs and policies stay untouched.
set -euo pipefail
: "${COATI_BUILD:?}" "${COATI_SRC:?}"
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; exit 77; }
COATID=$COATI_BUILD/tools/coatid/coatid
CTL=$COATI_BUILD/tools/coatictl/coatictl
tag=cs$$
rt=$tag-r hub=$tag-h s1=$tag-a s2=$tag-p
work=$(mktemp -d /tmp/coati-$tag.XXXXXX)
declare -A pid=()
cleanup() {
  for p in "${pid[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for ns in "$rt" "$hub" "$s1" "$s2"; do ip netns del "$ns" 2>/dev/null || true; done
  if [ "${keep:-0}" = 1 ]; then echo "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM
fail() {
  echo "FAIL: $*" >&2
  keep=1
  for f in "$work"/*.log; do echo "--- $f"; tail -n 40 "$f"; done
  exit 1
}
wait_for() {
  local n=$(( $1 * 10 ))
  shift
  for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
  return 1
}

# Router with one link per site; each site has a LAN address on a veth of its own.
ip netns add "$rt"
ip netns exec "$rt" sysctl -qw net.ipv4.ip_forward=1
ip -n "$rt" link set lo up
site() { # site NS PUBLIC/PFX ROUTER_IP/PFX LAN_IP/PFX
  local ns=$1 pub=$2 rip=$3 lan=$4 n=$5
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip link add "p$n" netns "$ns" type veth peer name "r$n" netns "$rt"
  ip -n "$ns" addr add "$pub" dev "p$n"
  ip -n "$rt" addr add "$rip" dev "r$n"
  ip -n "$ns" link set "p$n" up
  ip -n "$rt" link set "r$n" up
  ip -n "$ns" route add default via "${rip%/*}" src "${pub%/*}"
  ip -n "$ns" link add lan0 type veth peer name lan1
  ip -n "$ns" addr add "$lan" dev lan0
  ip -n "$ns" link set lan0 up
  ip -n "$ns" link set lan1 up
  # LAN-to-LAN traffic leaves from the LAN address (the policies select it).
  ip -n "$ns" route add 192.168.0.0/16 via "${rip%/*}" src "${lan%/*}"
}
site "$hub" 192.0.2.1/24 192.0.2.254/24 192.168.1.1/24 0
site "$s1" 198.51.100.3/25 198.51.100.126/25 192.168.3.1/24 1
site "$s2" 198.51.100.200/25 198.51.100.254/25 192.168.2.1/24 2

# One PKI; the hub's seed; two satellite roots (pineau = armagnac's files, its own LAN).
pki=$work/pki
bash "$COATI_SRC/tests/lib/mkpki.sh" "$pki" rhum armagnac pineau >/dev/null
SEED_PKI=$pki bash "$COATI_SRC/tests/lib/seedroot.sh" "$work/hub" rhum >/dev/null
for s in armagnac pineau; do
  SEED_PKI=$pki bash "$COATI_SRC/tests/lib/seedroot.sh" "$work/$s" armagnac >/dev/null
  sed -i 's/^remote 10\.1\.2\.3$/remote 192.0.2.1/' "$work/$s/etc/racoon/local.conf"
done
cp "$pki/pineau.crt" "$pki/pineau.pem" "$work/pineau/etc/racoon/cert/"
sed -i 's/armagnac\.crt/pineau.crt/; s/armagnac\.pem/pineau.pem/; s/192\.168\.3\./192.168.2./g' \
  "$work/pineau/etc/racoon/local.conf"
sed -i 's/192\.168\.3\./192.168.2./g' "$work/pineau/etc/racoon/phase1_up_cli.sh" \
  "$work/pineau/etc/racoon/phase1_down_cli.sh"
mkdir -p "$work/sbin"
cp "$COATI_BUILD/tools/setkey/coati-setkey" "$work/sbin/setkey"
ln -s /usr/bin/ping "$work/sbin/ping"

start() { # start NAME NS
  local root=$work/$1
  ip netns exec "$2" sh -c "mount -t overlay overlay -o lowerdir=$work/sbin:/usr/sbin /usr/sbin && exec \"\$0\" \"\$@\"" \
    "$COATID" -F --config-root "$root" -f "$root/etc/racoon/racoon.conf" 2> "$work/$1.log" &
  pid[$1]=$!
  wait_for 10 "$CTL" -s "$root/var/racoon/racoon.sock" status >/dev/null 2>&1 || fail "$1 did not start"
}
ctl() { local n=$1; shift; "$CTL" -s "$work/$n/var/racoon/racoon.sock" "$@"; }
start hub "$hub"
start armagnac "$s1"
start pineau "$s2"

ctl armagnac vpn-connect 192.0.2.1 >/dev/null || fail "armagnac: vpn-connect"
ctl pineau vpn-connect 192.0.2.1 >/dev/null || fail "pineau: vpn-connect"
for s in armagnac pineau; do
  wait_for 20 grep -q "IPsec-SA established" "$work/$s.log" || fail "$s: no IPsec-SA"
done
wait_for 10 sh -c "[ \$('$CTL' -s '$work/hub/var/racoon/racoon.sock' show-sa esp | grep -c 'state=mature') = 4 ]" \
  || fail "the hub does not hold both satellites' pairs"
hubsa=$(ctl hub show-sa)
echo "$hubsa"
[ "$(grep -c 'responder established' <<<"$hubsa")" = 2 ] || fail "the hub does not hold two ISAKMP-SAs"
for s in armagnac pineau; do
  sa=$(ctl $s show-sa esp)
  in=$(sed -n 's/.* esp spi=0x\([0-9a-f]*\) in .*/\1/p' <<<"$sa")
  out=$(sed -n 's/.* esp spi=0x\([0-9a-f]*\) out .*/\1/p' <<<"$sa")
  [ -n "$in" ] && [ -n "$out" ] || fail "$s: no SPIs in show-sa"
  # The satellite's inbound SPI is the hub's outbound one and the other way round.
  grep -q "esp spi=0x$in out" <<<"$hubsa" || fail "$s: inbound SPI $in is not the hub's outbound"
  grep -q "esp spi=0x$out in" <<<"$hubsa" || fail "$s: outbound SPI $out is not the hub's inbound"
  # The seed's policies (phase1_up_cli.sh) ask for ESP only: like racoon, no IPComp is
  # proposed for them, whatever the sainfo's compression_algorithm says.
  grep -q "enc=3des auth=hmac_md5 pfs=2 ipcomp=no" <<<"$sa" || fail "$s: not the seed's algorithms"
  eval "spi_${s}_in=$in spi_${s}_out=$out"
done
pol=$(ip -n "$hub" xfrm policy)
grep -q "src 192.168.0.0/16 dst 192.168.3.0/24" <<<"$pol" || fail "hub: no policy for armagnac's LAN"
grep -q "src 192.168.0.0/16 dst 192.168.2.0/24" <<<"$pol" || fail "hub: no policy for pineau's LAN"
grep -q "tmpl src 192.0.2.1 dst 198.51.100.3" <<<"$pol" || fail "hub: armagnac's tunnel template"
grep -q "tmpl src 192.0.2.1 dst 198.51.100.200" <<<"$pol" || fail "hub: pineau's tunnel template"
echo "ok: two satellites and the hub: both pairs agreed, generated policies for both LANs"

# armagnac goes away (SIGTERM): it says so to the hub, which drops exactly its entries.
kill -TERM "${pid[armagnac]}"
wait "${pid[armagnac]}" || fail "armagnac did not stop cleanly"
unset 'pid[armagnac]'
wait_for 10 sh -c "! ip -n $hub xfrm policy | grep -q 'dst 192.168.3.0/24'" \
  || fail "hub: armagnac's policies stayed after it left"
hubsa=$(ctl hub show-sa)
echo "$hubsa"
! grep -q "198.51.100.3" <<<"$hubsa" || fail "hub: armagnac's SAs stayed after it left"
grep -q "esp spi=0x$spi_pineau_in out" <<<"$hubsa" || fail "hub: pineau's pair was touched"
grep -q "esp spi=0x$spi_pineau_out in" <<<"$hubsa" || fail "hub: pineau's pair was touched"
grep -q "src 192.168.0.0/16 dst 192.168.2.0/24" <<<"$(ip -n "$hub" xfrm policy)" \
  || fail "hub: pineau's policies were touched"
grep -q "initiator established" <<<"$(ctl pineau show-sa isakmp)" || fail "pineau's ISAKMP-SA went away"
echo "ok: armagnac left: its SAs and policies gone from the hub, pineau's untouched"
echo PASS
