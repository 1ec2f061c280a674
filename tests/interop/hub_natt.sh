#!/usr/bin/env bash
# NAT traversal: coatid as the seed hub (rhum, `nat_traversal on` added to its remote
# block) accepts a strongSwan charon satellite (armagnac, 198.51.100.3) that sits behind
# a NAT router namespace ($rtr): nftables masquerades the satellite to the router's public
# address 192.0.2.254, its UDP on ports 31000-31009. Checks:
#   - NAT detected on both sides (coatid's log and counters, charon's log), IKE floated to
#     port 4500 (the router's counters see IKE to 4500; phase1_up says LOCAL_PORT=4500 and
#     REMOTE_ADDR/PORT = the NAT's public address and port);
#   - quick mode agreed UDP-Tunnel: the hub's SA pair carries ESP-in-UDP 4500 <-> the NAT's
#     port (show-sa; in the VM `ip xfrm state` shows the encap template and a ping crosses
#     as UDP 4500 only; on this host, without ESP, the pair stays larval as in hub_charon);
#     the generated policies tunnel to the NAT's public address;
#   - the NAT's mapping is lost mid-tunnel (the router's conntrack table is flushed, and the
#     masquerade moves to ports 32000-32009): charon's next DPD R-U-THERE comes from a new
#     port and the hub follows: its peer row, SAs (and in the VM the kernel SAs'
#     encap port) name the new port, charon's R-U-THEREs are answered there.
tag=hn$$
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The router (common.sh): the hub sees the satellite only as 192.0.2.254, its UDP on
# ports 31000-31009.
natt_router

root=$work/root
SEED_PKI=$pki bash "$COATI_SRC/tests/lib/seedroot.sh" "$root" rhum >/dev/null
etc=$root/etc/racoon
sed -i "s/^\(\s*\)generate_policy on;/&\n\1nat_traversal on;/" "$etc/local.conf"
grep -q "nat_traversal on;" "$etc/local.conf" || fail "nat_traversal was not added to the hub's remote"
record_hooks "$etc" phase1_up phase1_down

start_charon "$sat" armagnac
swan_load_satellite 3des-md5-modp1024 3des-md5-modp1024 "dpd_delay = 2s"
start_coatid "$hub" "$root" coatid
ip -n "$hub" xfrm monitor > "$work/xfrm-monitor.log" 2>&1 & # (for the log of a failure)
pids+=($!)
log=$work/coatid.log
swanctl --initiate --child lan --timeout 30 > "$work/initiate.log" 2>&1 || true
grep -q "IKE_SA hub\[[0-9]*\] established" "$d/charon.log" || fail "charon did not establish its IKE SA"
for _ in $(seq 50); do grep -q "esp spi=" <<<"$(ctl show-sa esp)" && break; sleep 0.1; done

# 1. NAT detected on both sides; IKE on 4500 from MM5 on.
grep -q "local host is behind NAT" "$d/charon.log" || fail "charon did not detect its NAT"
grep -q "NAT-T RFC 3947: NAT detected: the peer is behind a NAT" "$log" || fail "coatid did not detect the NAT"
grep -q "NAT-T RFC 3947: NAT detected: the peer is behind a NAT: the peer floated to port 4500" "$log" ||
  fail "coatid did not log the float to 4500"
stat_of() { # stat_of GROUP KEY: a counter of `coatictl stats`, 0 if absent
  ctl stats | awk -v g="$1" -v k="$2" '$1 == g && $2 == k { print $3; f = 1 } END { if (!f) print 0 }'
}
[ "$(stat_of ike natt.nat_detected)" = 1 ] || fail "stats do not count the NAT detected"
[ "$(stat_of ike natt.floated)" = 1 ] || fail "stats do not count the float"
[ "$(fwd_count 4500)" -ge 1 ] || fail "no IKE to port 4500 crossed the router"
echo "ok: NAT detected on both sides; IKE floated to 4500 ($(fwd_count 500) packets to 500, $(fwd_count 4500) to 4500)"
sa=$(ctl show-sa)
echo "$sa"
port1=$(sed -n 's/^192\.0\.2\.1 192\.0\.2\.254\[\([0-9]*\)\] .* established .*/\1/p' <<<"$sa")
[ -n "$port1" ] || fail "show-sa has no established ISAKMP-SA with the NAT's address"
[ "$port1" -ge 31000 ] && [ "$port1" -le 31009 ] || fail "the peer's port $port1 is not the NAT's"
wait_for 5 test -f "$work/phase1_up.env" || fail "phase1_up did not run"
for kv in LOCAL_PORT=4500 REMOTE_ADDR=192.0.2.254 REMOTE_PORT=$port1; do
  grep -qx "$kv" "$work/phase1_up.env" || fail "phase1_up's environment lacks $kv"
done
echo "ok: the hub talks to the NAT's 192.0.2.254[$port1] from port 4500"

# 2. Quick mode: UDP-Tunnel; the SAs carry ESP in UDP to the NAT's port; policies to the NAT.
grep -q "encap=udp:4500-$port1" <<<"$sa" || fail "the hub's SA pair is not ESP in UDP 4500-$port1"
pol=$(ip -n "$hub" xfrm policy)
grep -q "tmpl src 192.0.2.1 dst 192.0.2.254" <<<"$pol" || fail "the out policy does not tunnel to the NAT"
grep -q "tmpl src 192.0.2.254 dst 192.0.2.1" <<<"$pol" || fail "the in policy does not come from the NAT"
if [ "$kernel_esp" = 1 ]; then
  for _ in $(seq 50); do grep -q "state=mature" <<<"$(ctl show-sa esp)" && break; sleep 0.1; done
  xs=$(ip -n "$hub" xfrm state)
  echo "$xs"
  [ "$(grep -c "encap type espinudp sport 4500 dport $port1" <<<"$xs")" = 1 ] ||
    fail "the hub's outbound SA lacks the encap template 4500 -> $port1"
  [ "$(grep -c "encap type espinudp sport $port1 dport 4500" <<<"$xs")" = 1 ] ||
    fail "the hub's inbound SA lacks the encap template $port1 -> 4500"
  ping_natt() { # ping_natt NAME: the satellite's LAN pings the hub's; only UDP 4500 crosses
    ip netns exec "$rtr" tcpdump -i rh -n -U -w "$work/$1.pcap" 2> "$work/$1.tcpdump.log" &
    local cap=$!
    ip netns exec "$rtr" tcpdump -i rs -n -U -w "$work/$1.inside.pcap" 2> "$work/$1.inside.log" &
    local cap2=$!
    wait_for 10 grep -q "listening on" "$work/$1.tcpdump.log" || fail "$1: tcpdump did not start"
    wait_for 10 grep -q "listening on" "$work/$1.inside.log" || fail "$1: tcpdump did not start"
    local rc=0
    ip netns exec "$sat" ping -c 4 -i 0.5 -W 3 -I 192.168.3.1 192.168.1.1 > "$work/$1.ping.log" 2>&1 || rc=1
    sleep 0.5
    kill -INT "$cap" "$cap2"
    wait "$cap" "$cap2" 2>/dev/null || true
    if [ "$rc" != 0 ]; then
      cat "$work/$1.ping.log"
      echo "--- the router's public link"; tshark -n -r "$work/$1.pcap" 2>&1 | tail -20
      echo "--- the router's inside link"; tshark -n -r "$work/$1.inside.pcap" 2>&1 | tail -20
      natt_dump
      fail "$1: no answer through the tunnel"
    fi
    local udp esp icmp
    udp=$(tshark -n -r "$work/$1.pcap" -Y "udp.port == 4500 && esp" 2>/dev/null | wc -l)
    esp=$(tshark -n -r "$work/$1.pcap" -Y "ip.proto == 50" 2>/dev/null | wc -l)
    icmp=$(tshark -n -r "$work/$1.pcap" -Y "icmp" 2>/dev/null | wc -l)
    [ "$udp" -ge 6 ] || fail "$1: $udp ESP-in-UDP packets on the public link (8 expected)"
    [ "$esp" = 0 ] && [ "$icmp" = 0 ] || fail "$1: $esp bare ESP and $icmp ICMP packets on the public link"
    echo "ok: $1: ping through the tunnel; $udp ESP-in-UDP packets on 4500, no bare ESP, no clear ICMP"
  }
  ping_natt before
else
  grep -q "state=larval" <<<"$sa" || fail "show-sa does not say the pair waits for QM3"
fi
echo "ok: quick mode agreed ESP in UDP 4500 <-> $port1; the policies tunnel to the NAT's address"

# 3. The NAT loses its mappings (conntrack flushed, as a NAT box that restarts) and now
# masquerades to other ports: charon's next R-U-THERE comes from a new one.
natt_remap || fail "could not remap the router (nft, conntrack flush)"
wait_for 15 grep -q "NAT-T: the peer moved from 192.0.2.254\[$port1\] to 192.0.2.254\[320" "$log" ||
  fail "the hub did not follow the peer to its new port"
sa=$(ctl show-sa)
echo "$sa"
port2=$(sed -n 's/^192\.0\.2\.1 192\.0\.2\.254\[\([0-9]*\)\] .* established .*/\1/p' <<<"$sa")
[ -n "$port2" ] && [ "$port2" -ge 32000 ] && [ "$port2" -le 32009 ] || fail "the peer row does not name the new port ($port2)"
[ "$(stat_of ike natt.peer_moved)" -ge 1 ] || fail "stats do not count the move"
wait_for 5 sh -c "'$CTL' -s '$sock' show-sa esp | grep -q 'encap=udp:4500-$port2'" ||
  fail "the hub's SAs did not move to port $port2"
! grep -q "encap=udp:4500-$port1" <<<"$(ctl show-sa esp)" || fail "an SA still names the old port $port1"
grep -q "tmpl src 192.0.2.1 dst 192.0.2.254" <<<"$(ip -n "$hub" xfrm policy)" || fail "the policies are gone after the move"
# charon's R-U-THEREs are answered at the new port.
n0=$(grep -c "N(DPD_ACK)" "$d/charon.log" || true)
wait_for 10 sh -c "[ \$(grep -c 'N(DPD_ACK)' '$d/charon.log') -gt $n0 ]" ||
  fail "charon gets no R-U-THERE-ACK after the move"
if [ "$kernel_esp" = 1 ]; then
  xs=$(ip -n "$hub" xfrm state)
  echo "$xs"
  grep -q "encap type espinudp sport 4500 dport $port2" <<<"$xs" || fail "the kernel's outbound SA was not moved to $port2"
  ! grep -q "dport $port1" <<<"$xs" || fail "a kernel SA still names the old port $port1"
  for _ in $(seq 25); do [ "$(stat_of kernel sa_moved)" -ge 2 ] && break; sleep 0.2; done
  [ "$(stat_of kernel sa_moved)" = 2 ] || fail "the kernel actor moved $(stat_of kernel sa_moved) SAs, not the pair"
  ping_natt after
fi
echo "ok: the NAT mapping moved from $port1 to $port2: the hub followed (peer row, SAs, DPD answers)"
stop_coatid
echo PASS
