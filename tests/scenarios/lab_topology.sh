#!/usr/bin/env bash
# The lab's topology does what tests/README.md says: the seed's three sites and a
# roadwarrior behind NAT around one router; public hosts reach each other, a LAN server
# reaches its gateway, the router has no route to any LAN (so nothing leaks in clear), the
# NAT shows the roadwarrior as its public address, a shrunk MTU holds.
. "${COATI_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/lab.sh"
lab_seed_sites
lab_host rw 203.0.113.5 --nat 10.0.5.2/24
lab_host rw2 203.0.113.6 --mtu 1280

for from in hub pineau armagnac rw rw2; do
  for to in hub pineau armagnac rw2; do
    [ "$from" = "$to" ] && continue
    lab_ping "$from" "$(lab_ip "$to")" 1 >/dev/null || lab_fail "$from cannot reach $to ($(lab_ip "$to"))"
  done
done
lab_ok "public hosts reach each other through the router"
for gw in hub pineau armagnac; do
  lab_ping "$gw-lan" "$(lab_lan_ip "$gw")" 1 >/dev/null || lab_fail "$gw's LAN server cannot reach $gw"
  lab_ping "$gw" "$(lab_server_ip "$gw")" 1 >/dev/null || lab_fail "$gw cannot reach its LAN server"
done
lab_ping armagnac-lan "$(lab_server_ip hub)" 1 >/dev/null 2>&1 && lab_fail "a LAN reaches another LAN without a tunnel"
lab_ok "LAN servers reach their gateways; LANs are not routed in clear"

lab_capture_start hub nat
lab_ping rw "$(lab_ip hub)" 2 >/dev/null || lab_fail "rw (behind NAT) cannot reach the hub"
lab_sleep 0.5
lab_capture_stop nat
nat=$(lab_pcap_table nat)
n_pub=$(awk -v a="$(lab_ip rw)" '$1 == a && $3 == 1' "$nat" | wc -l)
n_priv=$(awk -v a="$(lab_local_ip rw)" '$1 == a || $2 == a' "$nat" | wc -l)
[ "$n_pub" -ge 2 ] && [ "$n_priv" = 0 ] ||
  lab_fail "the hub should see rw as $(lab_ip rw) only: $n_pub packets from it, $n_priv from $(lab_local_ip rw)"
lab_ok "NAT: the hub sees rw (10.0.5.2) as $(lab_ip rw)"

lab_exec rw2 ping -n -c 1 -W 2 -M do -s 1300 "$(lab_ip hub)" >/dev/null 2>&1 &&
  lab_fail "a 1328-byte packet left rw2 despite its 1280 MTU"
lab_exec rw2 ping -n -c 1 -W 2 -M do -s 1200 "$(lab_ip hub)" >/dev/null ||
  lab_fail "a 1228-byte packet does not cross rw2's 1280 MTU link"
lab_ok "rw2's public link has MTU 1280"
echo PASS
