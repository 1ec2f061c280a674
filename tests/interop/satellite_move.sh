#!/usr/bin/env bash
# The satellite follows its own address (coatid as the seed's armagnac, a coatid seed hub
# rhum, the seed configs): the operator runs vpn-connect once; from then on the satellite
# keeps its tunnel up alone, without the seed's ip-up/ip-down restarts.
#   1. its public address is replaced (198.51.100.3 -> 198.51.100.7, routes re-added):
#      the netlink address events make it drop its phase 1 from the gone address (no
#      Delete) and re-initiate at once from the new one with INITIAL-CONTACT; the hub ends
#      the old ISAKMP SA of the same identity (another address) and its children: one
#      ISAKMP SA from the new address, one pair, the generated policy to the new address,
#      the old address nowhere in the hub's show-sa;
#   2. the link goes down for 3 s and comes back (the address stays): nothing is torn
#      down, no new phase 1 (the satellite's DPD, 2 s idle then 6 probes 1 s apart, is
#      answered again in time);
#   3. the link goes down for 12 s: DPD finds the hub dead, attempts find no route and
#      back off; the link comes back: the back-off is cut short, the tunnel is up again.
# Throughout: at most one phase 1 attempt in flight, few in all (printed and counted).
# The times to heal are printed (not asserted beyond a generous upper limit).
tag=sm$$
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seed_pair_roots
sed -i 's/^\tinitial_contact on;/&\n\tdpd_delay 2;\n\tdpd_retry 1;\n\tdpd_maxfail 6;/' \
  "$satroot/etc/racoon/local.conf"
sed -i 's/^\tinterval 20 sec;/\tinterval 2 sec;/; s/^\tcounter 5;/\tcounter 2;/' "$satroot/etc/racoon/racoon.conf"
grep -q "dpd_maxfail 6;" "$satroot/etc/racoon/local.conf" || fail "dpd not written"

start_coatid "$hub" "$hubroot" hub
hub_sock=$sock hub_pid=$coatid_pid
pids+=("$hub_pid")
start_seed_satellite
slog=$work/sat.log hlog=$work/hub.log
old=198.51.100.3 new=198.51.100.7
stat_of() { # stat_of SOCK GROUP NAME: a counter of `coatictl stats` (0 if absent)
  "$CTL" -s "$1" stats | awk -v g="$2" -v n="$3" '$1 == g && $2 == n { v = $3 } END { print v + 0 }'
}
inits() { stat_of "$sat_sock" ike phase1_initiated; }
since() { echo "$(date +%s.%N) - $1" | bc; }

# tunnel_from ADDR: each side holds exactly one established ISAKMP SA between the hub and
# ADDR and one IPsec pair; nothing else.
tunnel_from() {
  local a=$1 hsa ssa
  hsa=$(hubctl show-sa)
  ssa=$(satctl show-sa)
  [ "$(grep -c ' esp spi=0x[0-9a-f]* in ' <<<"$hsa")" = 1 ] || return 1
  [ "$(grep -c ' esp spi=0x[0-9a-f]* in ' <<<"$ssa")" = 1 ] || return 1
  [ "$(grep -c ' esp spi=' <<<"$hsa")" = 2 ] && [ "$(grep -c ' esp spi=' <<<"$ssa")" = 2 ] || return 1
  [ "$(grep -vc ' esp spi=' <<<"$hsa")" = 1 ] && [ "$(grep -vc ' esp spi=' <<<"$ssa")" = 1 ] || return 1
  grep -v ' esp spi=' <<<"$hsa" | grep -q "^192.0.2.1 $a\[[0-9]*\] .* established " || return 1
  grep -v ' esp spi=' <<<"$ssa" | grep -q "^$a 192.0.2.1\[[0-9]*\] .* established " || return 1
}
# check_tunnel WHAT ADDR: tunnel_from ADDR within 30 s, the policies to ADDR on both sides,
# none to another satellite address; show-sa printed.
check_tunnel() {
  local what=$1 a=$2
  wait_for 30 tunnel_from "$a" || { hubctl show-sa; satctl show-sa; fail "$what: no single tunnel from $a"; }
  hubctl show-sa
  satctl show-sa
  grep -q "tmpl src 192.0.2.1 dst $a" <<<"$(ip -n "$hub" xfrm policy)" ||
    fail "$what: the hub has no generated policy to $a"
  wait_for 10 grep -q "tmpl src $a dst 192.0.2.1" <<<"$(ip -n "$sat" xfrm policy)" ||
    fail "$what: the satellite's policies (phase1_up_cli.sh) to the hub from $a are missing"
  local other
  for other in $old $new; do
    [ "$other" = "$a" ] && continue
    ! grep -q "$other" <<<"$(hubctl show-sa)" || fail "$what: $other still in the hub's show-sa"
    ! grep -q "$other" <<<"$(ip -n "$hub" xfrm policy)" || fail "$what: a hub policy to $other is left"
    ! grep -q "$other" <<<"$(ip -n "$sat" xfrm policy)" || fail "$what: a satellite policy from $other is left"
  done
  if [ "$kernel_esp" = 1 ]; then
    ip netns exec "$sat" ping -c 2 -i 0.5 -W 3 -I 192.168.3.1 192.168.1.1 >/dev/null ||
      fail "$what: no answer through the tunnel"
  fi
  echo "ok: $what: one ISAKMP SA and one pair between the hub and $a on each side, policies to $a"
}
cookies() { satctl show-sa isakmp | awk '{ print $3 }'; }

echo "== 0. vpn-connect once"
satctl vpn-connect 192.0.2.1 >/dev/null || fail "vpn-connect"
check_tunnel start $old
n0=$(inits)

echo "== 1. the satellite's public address changes: $old -> $new"
t0=$(date +%s.%N)
ip -n "$sat" addr del $old/24 dev s0
ip -n "$sat" addr add $new/24 dev s0
ip -n "$sat" route replace 192.0.2.0/24 dev s0
ip -n "$sat" route replace 192.168.0.0/16 dev s0 src 192.168.3.1
wait_for 60 tunnel_from $new || { hubctl show-sa; satctl show-sa; fail "the tunnel did not come back from $new"; }
t=$(since "$t0")
check_tunnel "after the move" $new
grep -q "keeper: our address $old is gone" "$slog" || fail "the satellite did not say its address went"
grep -q "INITIAL-CONTACT from $new .*the peer moved; removing its ISAKMP-SA with $old" "$hlog" ||
  fail "the hub did not end the moved peer's old ISAKMP SA on its INITIAL-CONTACT"
n1=$(inits)
[ "$(stat_of "$sat_sock" listener keeper.address_gone)" = 1 ] || fail "keeper.address_gone not counted once"
[ "$(stat_of "$hub_sock" listener initial_contact_moved)" = 1 ] || fail "initial_contact_moved not counted once"
echo "healed after the address change in $t s, $((n1 - n0)) phase 1 initiation(s)"
[ "$((n1 - n0))" = 1 ] || fail "$((n1 - n0)) initiations for one address change"
awk -v t="$t" 'BEGIN { exit !(t < 30) }' || fail "took $t s (limit 30 s)"

echo "== 2. the link goes down for 3 s (the address stays)"
c0=$(cookies)
ip -n "$sat" link set s0 down
sleep 3
ip -n "$sat" link set s0 up
ip -n "$sat" route replace 192.0.2.0/24 dev s0
ip -n "$sat" route replace 192.168.0.0/16 dev s0 src 192.168.3.1
sleep 4 # DPD probes answered again
check_tunnel "after a 3 s outage" $new
[ "$(cookies)" = "$c0" ] || fail "the ISAKMP SA changed over a short outage: $c0 -> $(cookies)"
[ "$(inits)" = "$n1" ] || fail "a phase 1 was started over a short outage"
[ "$(stat_of "$sat_sock" listener net.link_down)" -ge 1 ] || fail "link down not counted"
echo "ok: the same ISAKMP SA ($c0) before and after, no new phase 1"

echo "== 3. the link goes down for 12 s"
down=$(date +%s)
ip -n "$sat" link set s0 down
wait_for 12 grep -q "DPD: remote 192.0.2.1\[500\] .* seems to be dead" "$slog" ||
  fail "the satellite's DPD did not find the hub gone"
rest=$((12 - ($(date +%s) - down)))
[ "$rest" -le 0 ] || sleep "$rest"
t0=$(date +%s.%N)
ip -n "$sat" link set s0 up
ip -n "$sat" route replace 192.0.2.0/24 dev s0
ip -n "$sat" route replace 192.168.0.0/16 dev s0 src 192.168.3.1
wait_for 60 tunnel_from $new || { hubctl show-sa; satctl show-sa; fail "the tunnel did not come back after the outage"; }
t=$(since "$t0")
check_tunnel "after a 12 s outage" $new
[ "$(stat_of "$sat_sock" listener keeper.cut_short)" -ge 1 ] || fail "the back-off was not cut short"
grep -q "keeper: the network is back: re-initiating with 192.0.2.1" "$slog" || fail "no re-initiation on link up"
n2=$(inits)
echo "healed $t s after the link came back, $((n2 - n1)) phase 1 initiation(s) over the outage"
[ "$((n2 - n1))" -le 2 ] || fail "$((n2 - n1)) initiations: a storm"

echo "== no storm"
started=$(grep -c "initiate new phase 1 negotiation" "$slog" || true)
echo "the satellite started $started phase 1 negotiations (ike.phase1_initiated $n2); attempts with no route: $(stat_of "$sat_sock" listener keeper.failed) failed"
maxflight=$(awk '/initiate new phase 1 negotiation/ { n++; if (n > m) m = n }
  /ISAKMP-SA established/ || /phase 1 with .* failed/ { if (n > 0) n-- } END { print m + 0 }' "$slog")
[ "$maxflight" = 1 ] || fail "$maxflight phase 1 negotiations were in flight at once"
"$CTL" -s "$sat_sock" stats | awk '($1 == "listener" && $2 ~ /^(net|keeper)\./) || ($1 == "kernel" && $2 ~ /^net_/)'
echo PASS
