#!/usr/bin/env bash
# NAT traversal between two coatids: the seed satellite (armagnac, 198.51.100.3) sits behind
# a NAT router namespace ($rtr) that masquerades it to 192.0.2.254, its UDP to ports
# 31000-31009; the seed hub (rhum, 192.0.2.1). Both copies have `nat_traversal on` in their
# remote block; the satellite's also `dpd_delay 2` and `natt_keepalive 2 sec`. The satellite
# initiates (vpn-connect, then the ACQUIRE of its seed script's ping). Checks:
#   - NAT detected on both sides (both logs and counters: the satellite sees itself behind
#     a NAT, the hub sees its peer behind one), IKE floated to port 4500 (the router's
#     counters, both logs);
#   - quick mode agreed UDP-Tunnel on both sides (show-sa of both: the satellite's pair
#     4500-4500 to the hub, the hub's 4500 to the NAT's port; in the VM the kernel SAs'
#     encap templates and a ping that crosses the router as UDP 4500 only); the hub's
#     generated policies tunnel to the NAT's public address;
#   - the satellite sends NAT keepalives (one 0xFF byte to 4500: counted at the router and
#     in its stats);
#   - the NAT's mapping is lost (the router's conntrack table flushed, the masquerade moved
#     to ports 32000-32009): the satellite's next authenticated message comes from a new
#     port and the hub follows (its peer row and SAs name the new port) on the same ISAKMP
#     SA (the same cookies on both sides, one phase 1 in all). That message is
#       `dpd` (the default): its DPD R-U-THERE: answered there; the same pair, one quick mode;
#       `rekey`: no DPD (the satellite says at phase 1 that only a quick mode would show
#         a new mapping), its sainfo's lifetime 20 s: the quick mode of its rekey (QM1
#         from the new port, HASH(1) checked by the hub's child): the new pair is ESP in
#         UDP to the new port on the hub, mirrored on the satellite;
#       `esp` (needs ESP in the kernel: the VM bed): no DPD and no rekey: the first ESP
#         packet of a ping from the new port (the kernel's XFRM_MSG_MAPPING, sent once
#         the packet passed the inbound SA's checks): the same pair moves, the ping is
#         answered at the new port.
mode=${1:-dpd}
case $mode in dpd | rekey | esp) ;; *) echo "usage: $0 [dpd|rekey|esp]"; exit 2 ;; esac
tag=sn$$
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
if [ "$mode" = esp ] && [ "$kernel_esp" != 1 ]; then
  echo "skipped: the esp mode needs ESP in the kernel (the VM bed: vm_satellite_natt_esp)"
  exit 77
fi
t_start=$(date +%s.%N)

# The router (common.sh): the hub sees the satellite only as 192.0.2.254, its UDP on
# ports 31000-31009, and counts its keepalives (UDP to 4500, one byte 0xff).
natt_router "ip saddr 198.51.100.3 udp dport 4500 udp length 9 @th,64,8 0xff counter;"
ka_count() { # the satellite's NAT keepalives the router forwarded
  ip netns exec "$rtr" nft list chain ip lab ikecount |
    sed -n "s/.*0xff counter packets \([0-9]*\) .*/\1/p"
}
stat_of() { # stat_of SOCK GROUP KEY: a counter of `coatictl stats`, 0 if absent
  "$CTL" -s "$1" stats | awk -v g="$2" -v k="$3" '$1 == g && $2 == k { v = $3 } END { print v + 0 }'
}

seed_pair_roots
for r in "$hubroot" "$satroot"; do
  sed -i "s/^\(\s*\)initial_contact on;/&\n\1nat_traversal on;/" "$r/etc/racoon/local.conf"
  grep -q "nat_traversal on;" "$r/etc/racoon/local.conf" || fail "nat_traversal was not added in $r"
done
if [ "$mode" = dpd ]; then
  sed -i 's/^\tinitial_contact on;/&\n\tdpd_delay 2;/' "$satroot/etc/racoon/local.conf"
  grep -q "dpd_delay 2;" "$satroot/etc/racoon/local.conf" || fail "dpd_delay not written"
elif [ "$mode" = rekey ]; then # (rekeyed at 90 %: 18 s after the quick mode)
  sed -i 's/^\tlifetime time 3 min;/\tlifetime time 20 sec;/' "$satroot/etc/racoon/local.conf"
  grep -q "lifetime time 20 sec;" "$satroot/etc/racoon/local.conf" || fail "the sainfo lifetime not written"
fi
sed -i 's/^\tphase2 15 sec;/&\n\tnatt_keepalive 2 sec;/' "$satroot/etc/racoon/racoon.conf"
grep -q "natt_keepalive 2 sec;" "$satroot/etc/racoon/racoon.conf" || fail "natt_keepalive not written"

start_coatid "$hub" "$hubroot" hub
hub_sock=$sock
pids+=("$coatid_pid")
start_seed_satellite
hlog=$work/hub.log slog=$work/sat.log

satctl vpn-connect 192.0.2.1 >/dev/null || fail "vpn-connect"
wait_for 30 grep -q "IPsec-SA established" "$slog" || fail "no IPsec-SA on the satellite"
wait_for 10 grep -q "IPsec-SA established" "$hlog" || fail "no IPsec-SA on the hub"
wait_for 5 sh -c "'$CTL' -s '$hub_sock' show-sa esp | grep -q 'esp spi='" || fail "no SA pair on the hub"

# 1. NAT detected on both sides; IKE on 4500 from MM5 on.
grep -q "NAT-T RFC 3947: NAT detected: we are behind a NAT" "$slog" || fail "the satellite did not detect its NAT"
grep -q "NAT-T RFC 3947: NAT detected: we are behind a NAT: floating to port 4500" "$slog" ||
  fail "the satellite did not float to 4500"
grep -q "NAT-T RFC 3947: NAT detected: the peer is behind a NAT: the peer floated to port 4500" "$hlog" ||
  fail "the hub did not see the peer behind a NAT float to 4500"
for s in "$hub_sock" "$sat_sock"; do
  [ "$(stat_of "$s" ike natt.nat_detected)" = 1 ] || fail "$s: stats do not count the NAT detected"
  [ "$(stat_of "$s" ike natt.floated)" = 1 ] || fail "$s: stats do not count the float"
done
[ "$(fwd_count 4500)" -ge 1 ] || fail "no IKE to port 4500 crossed the router"
echo "ok: NAT detected on both sides; IKE floated to 4500 ($(fwd_count 500) packets to 500, $(fwd_count 4500) to 4500)"

# 2. Quick mode: UDP-Tunnel on both sides; the hub's policies go to the NAT's address.
hsa=$(hubctl show-sa)
ssa=$(satctl show-sa)
echo "$hsa"
echo "$ssa"
port1=$(sed -n 's/^192\.0\.2\.1 192\.0\.2\.254\[\([0-9]*\)\] .* established .*/\1/p' <<<"$hsa")
[ -n "$port1" ] || fail "the hub's show-sa has no established ISAKMP-SA with the NAT's address"
[ "$port1" -ge 31000 ] && [ "$port1" -le 31009 ] || fail "the peer's port $port1 is not the NAT's"
grep -q "^198\.51\.100\.3 192\.0\.2\.1\[4500\] .* established " <<<"$ssa" ||
  fail "the satellite's ISAKMP-SA does not run 4500 <-> 4500"
cookies() { awk '/ established / { print $3 }' <<<"$1"; }
hck=$(cookies "$hsa") sck=$(cookies "$ssa")
echo "ISAKMP-SA cookies: hub $hck, satellite $sck"
[ -n "$hck" ] && [ "$hck" = "$sck" ] || fail "the two sides do not name the same ISAKMP-SA"
grep -q "encap=udp:4500-$port1" <<<"$hsa" || fail "the hub's SA pair is not ESP in UDP 4500-$port1"
[ "$(grep -c "encap=udp:4500-4500" <<<"$ssa")" = 2 ] || fail "the satellite's SA pair is not ESP in UDP 4500-4500"
in=$(sed -n 's/.* esp spi=0x\([0-9a-f]*\) in .*/\1/p' <<<"$ssa")
out=$(sed -n 's/.* esp spi=0x\([0-9a-f]*\) out .*/\1/p' <<<"$ssa")
grep -q "esp spi=0x$in out" <<<"$hsa" || fail "the satellite's inbound SPI is not the hub's outbound"
grep -q "esp spi=0x$out in" <<<"$hsa" || fail "the satellite's outbound SPI is not the hub's inbound"
pol=$(ip -n "$hub" xfrm policy)
grep -q "tmpl src 192.0.2.1 dst 192.0.2.254" <<<"$pol" || fail "the hub's out policy does not tunnel to the NAT"
grep -q "tmpl src 192.0.2.254 dst 192.0.2.1" <<<"$pol" || fail "the hub's in policy does not come from the NAT"
ping_natt() { # ping_natt NAME: the satellite's LAN pings the hub's; only UDP 4500 crosses
  ip netns exec "$rtr" tcpdump -i rh -n -U -w "$work/$1.pcap" 2> "$work/$1.tcpdump.log" &
  local cap=$!
  wait_for 10 grep -q "listening on" "$work/$1.tcpdump.log" || fail "$1: tcpdump did not start"
  ip netns exec "$sat" ping -c 4 -i 0.5 -W 3 -I 192.168.3.1 192.168.1.1 > "$work/$1.ping.log" 2>&1 ||
    { cat "$work/$1.ping.log"; fail "$1: no answer through the tunnel"; }
  sleep 0.5
  kill -INT "$cap"
  wait "$cap" 2>/dev/null || true
  local udp esp icmp
  udp=$(tshark -n -r "$work/$1.pcap" -Y "udp.port == 4500 && esp" 2>/dev/null | wc -l)
  esp=$(tshark -n -r "$work/$1.pcap" -Y "ip.proto == 50" 2>/dev/null | wc -l)
  # (ICMP errors aside: after a remap, the router answers a reply sent to the old port so)
  icmp=$(tshark -n -r "$work/$1.pcap" -Y "icmp.type == 0 || icmp.type == 8" 2>/dev/null | wc -l)
  [ "$udp" -ge 6 ] || fail "$1: $udp ESP-in-UDP packets on the public link (8 expected)"
  [ "$esp" = 0 ] && [ "$icmp" = 0 ] || fail "$1: $esp bare ESP and $icmp ICMP echo packets on the public link"
  echo "ok: $1: ping through the tunnel; $udp ESP-in-UDP packets on 4500, no bare ESP, no clear ICMP"
}
if [ "$kernel_esp" = 1 ]; then
  wait_for 5 grep -q "kernel=installed" <<<"$(hubctl show-sa esp)" || fail "the hub's pair is not installed"
  grep -q "kernel=installed" <<<"$(satctl show-sa esp)" || fail "the satellite's pair is not installed"
  xs=$(ip -n "$hub" xfrm state)
  echo "$xs"
  [ "$(grep -c "encap type espinudp sport 4500 dport $port1" <<<"$xs")" = 1 ] ||
    fail "the hub's outbound SA lacks the encap template 4500 -> $port1"
  xs=$(ip -n "$sat" xfrm state)
  echo "$xs"
  [ "$(grep -c "encap type espinudp sport 4500 dport 4500" <<<"$xs")" = 2 ] ||
    fail "the satellite's SAs lack the encap template 4500 <-> 4500"
  ping_natt before
else
  grep -q "kernel=failed" <<<"$ssa" || fail "the satellite does not report the SA add failure"
fi
echo "ok: quick mode agreed ESP in UDP on both sides (hub 4500 <-> $port1, satellite 4500 <-> 4500); the hub's policies tunnel to the NAT"

# 3. The satellite is behind the NAT: it sends keepalives (every 2 s in this test).
wait_for 10 sh -c "[ \$(ip netns exec '$rtr' nft list chain ip lab ikecount | sed -n 's/.*0xff counter packets \([0-9]*\) .*/\1/p') -ge 2 ]" ||
  fail "the router saw $(ka_count) NAT keepalives from the satellite"
sent=$(stat_of "$sat_sock" ike natt.keepalives_sent)
[ "$sent" -ge 2 ] || fail "the satellite counts $sent keepalives sent"
# (the hub's kernel swallows them: its port 4500 socket has UDP_ENCAP, RFC 3948 §2.3).
# The hub is not behind a NAT: it sends none. Keepalives prove nothing: without DPD the
# satellite says that the hub would learn a new mapping only from its next quick mode.
[ "$(stat_of "$hub_sock" ike natt.keepalives_sent)" = 0 ] || fail "the hub sends NAT keepalives"
if [ "$mode" = dpd ]; then
  ! grep -q "send no DPD probes" "$slog" || fail "the satellite warns about DPD although it probes"
else
  grep -q "NAT-T: we are behind a NAT and send no DPD probes" "$slog" || fail "the satellite does not say it has no DPD"
  [ "$(stat_of "$sat_sock" ike natt.behind_nat_without_dpd)" = 1 ] || fail "natt.behind_nat_without_dpd not counted"
fi
echo "ok: NAT keepalives: the satellite sent $sent, the router forwarded $(ka_count)"

# 4. The NAT loses its mappings (conntrack flushed, as a NAT box that restarts) and now
# masquerades to other ports: the satellite's next R-U-THERE (dpd) or QM1 (rekey) comes
# from a new one.
acks0=$(stat_of "$sat_sock" ike dpd.acks)
t0=$(date +%s.%N)
natt_remap || fail "could not remap the router (nft, conntrack flush)"
# esp: a ping's ESP is the first packet from the new port (its first answer may go to the
# old port and be lost; the others come back).
[ "$mode" != esp ] || ping_natt moved
wait_for 25 grep -q "NAT-T: the peer moved from 192.0.2.254\[$port1\] to 192.0.2.254\[320" "$hlog" ||
  fail "the hub did not follow the satellite to its new port"
t1=$(date +%s.%N)
echo "the hub followed the new mapping $(echo "$t1 - $t0" | bc) s after the flush"
hsa=$(hubctl show-sa)
echo "$hsa"
port2=$(sed -n 's/^192\.0\.2\.1 192\.0\.2\.254\[\([0-9]*\)\] .* established .*/\1/p' <<<"$hsa")
[ -n "$port2" ] && [ "$port2" -ge 32000 ] && [ "$port2" -le 32009 ] || fail "the hub's peer row does not name the new port ($port2)"
[ "$(stat_of "$hub_sock" ike natt.peer_moved)" -ge 1 ] || fail "the hub's stats do not count the move"
wait_for 5 sh -c "'$CTL' -s '$hub_sock' show-sa esp | grep -q 'encap=udp:4500-$port2'" ||
  fail "the hub's SAs did not move to port $port2"
! grep -q "encap=udp:4500-$port1" <<<"$(hubctl show-sa esp)" || fail "a hub SA still names the old port $port1"
grep -q "tmpl src 192.0.2.1 dst 192.0.2.254" <<<"$(ip -n "$hub" xfrm policy)" || fail "the hub's policies are gone after the move"
hsa=$(hubctl show-sa) ssa=$(satctl show-sa)
[ "$(cookies "$hsa")" = "$hck" ] && [ "$(cookies "$ssa")" = "$hck" ] || fail "the ISAKMP-SA changed: $hsa / $ssa"
[ "$(stat_of "$sat_sock" ike phase1_initiated)" = 1 ] || fail "the satellite negotiated phase 1 again"
if [ "$mode" = esp ]; then
  # The hub's child saw its inbound SA's ESP from the new port; the same pair, one quick mode.
  grep -q "quick mode [0-9]*: an authenticated ESP packet (SPI 0x$out) from 192.0.2.254\[$port2\]" "$hlog" ||
    fail "the hub's child did not follow its inbound SA's ESP from the new port"
  [ "$(stat_of "$hub_sock" kernel mappings_passed)" -ge 1 ] || fail "the hub's kernel actor passed on no MAPPING"
  [ "$(stat_of "$hub_sock" listener mappings)" -ge 1 ] || fail "the hub's listener routed no MAPPING"
  [ "$(stat_of "$hub_sock" kernel sa_moved)" = 2 ] || fail "the hub's kernel actor did not move the SA pair"
  grep -q "esp spi=0x$in in" <<<"$ssa" && grep -q "esp spi=0x$out out" <<<"$ssa" || fail "the satellite's pair changed"
  grep -q "esp spi=0x$in out" <<<"$hsa" && grep -q "esp spi=0x$out in" <<<"$hsa" || fail "the hub's pair changed"
  [ "$(grep -c "IPsec-SA established" "$slog")" = 1 ] || fail "the satellite negotiated quick mode again"
  [ "$(stat_of "$sat_sock" ike dpd.probes_sent)" = 0 ] || fail "the satellite sent DPD probes"
  how="ESP from the new port (XFRM MAPPING); same pair $in/$out"
elif [ "$mode" = dpd ]; then
  # The satellite's R-U-THEREs are answered at the new port; the same pair, one quick mode.
  wait_for 10 sh -c "[ \$('$CTL' -s '$sat_sock' stats | awk '\$2 == \"dpd.acks\" { print \$3 }') -gt $acks0 ]" ||
    fail "the satellite gets no R-U-THERE-ACK after the move"
  grep -q "esp spi=0x$in in" <<<"$ssa" && grep -q "esp spi=0x$out out" <<<"$ssa" || fail "the satellite's pair changed"
  grep -q "esp spi=0x$in out" <<<"$hsa" && grep -q "esp spi=0x$out in" <<<"$hsa" || fail "the hub's pair changed"
  [ "$(grep -c "IPsec-SA established" "$slog")" = 1 ] || fail "the satellite negotiated quick mode again"
  how="DPD answers at the new port; same pair $in/$out"
else
  # The rekey's quick mode moved the hub (its child checked QM1) and came up there.
  grep -q "quick mode [0-9]*: an authenticated message from 192.0.2.254\[$port2\]" "$hlog" ||
    fail "the hub's child did not follow QM1 from the new port"
  wait_for 10 sh -c "[ \$(grep -c 'IPsec-SA established' '$hlog') -ge 2 ] && [ \$(grep -c 'IPsec-SA established' '$slog') -ge 2 ]" ||
    fail "the rekey's pair did not come up on both sides"
  ssa=$(satctl show-sa esp) hsa=$(hubctl show-sa esp)
  echo "$ssa"
  in2=$(grep -v "spi=0x$in " <<<"$ssa" | sed -n 's/.* esp spi=0x\([0-9a-f]*\) in .*/\1/p' | head -1)
  out2=$(grep -v "spi=0x$out " <<<"$ssa" | sed -n 's/.* esp spi=0x\([0-9a-f]*\) out .*/\1/p' | head -1)
  [ -n "$in2" ] && [ -n "$out2" ] || fail "no new pair on the satellite"
  grep -q "esp spi=0x$in2 out .*encap=udp:4500-$port2" <<<"$hsa" || fail "the hub's new outbound SA is not ESP in UDP to $port2"
  grep -q "esp spi=0x$out2 in .*encap=udp:4500-$port2" <<<"$hsa" || fail "the hub's new inbound SA is not ESP in UDP from $port2"
  grep -q "esp spi=0x$in2 in .*encap=udp:4500-4500" <<<"$ssa" || fail "the satellite's new pair is not ESP in UDP"
  how="the rekey's quick mode from the new port; new pair $in2/$out2"
fi
if [ "$kernel_esp" = 1 ]; then
  xs=$(ip -n "$hub" xfrm state)
  echo "$xs"
  grep -q "encap type espinudp sport 4500 dport $port2" <<<"$xs" || fail "the hub's kernel outbound SA was not moved to $port2"
  ! grep -q "dport $port1" <<<"$xs" || fail "a hub kernel SA still names the old port $port1"
  ping_natt after
fi
echo "ok: the NAT mapping moved from $port1 to $port2: the hub followed (peer row, SAs) on the same ISAKMP-SA $hck: $how"
echo "run time $(echo "$(date +%s.%N) - $t_start" | bc) s"
echo PASS
