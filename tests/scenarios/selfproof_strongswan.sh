#!/usr/bin/env bash
# The test bed proves itself with strongSwan on both ends, no coati involved: a charon hub
# (192.0.2.1, LAN 192.168.1.0/24, server 192.168.1.10) and a charon satellite (armagnac,
# 198.51.100.3, LAN 192.168.3.0/24, server 192.168.3.10), joined by the lab's router, with
# the seed's algorithms: IKEv1 main mode, RSA signatures, 3DES/MD5/modp1024; ESP
# 3DES/HMAC-MD5 with PFS modp1024, tunnel 192.168.3.0/24 <-> 192.168.0.0/16 (the seed's
# star).
#  - kernel with ESP (the VM): the satellite's LAN server pings the hub's LAN server
#    through the tunnel, the ESP byte counters grow on both gateways, and tshark on the
#    public link sees ESP between the gateways and no ICMP in clear;
#  - kernel without ESP (this host): phase 1 and quick mode come up on both sides and
#    charon reports the SA install failure the kernel causes.
. "${COATI_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/lab.sh"

lab_host hub 192.0.2.1 192.168.1.0/24 192.168.1.1
lab_host armagnac 198.51.100.3 192.168.3.0/24 192.168.3.1
if lab_has_esp; then esp=1; else esp=0; fi
echo "bed $LAB_BED, kernel with ESP: $esp"

lab_charon_prepare hub rhum
lab_charon_start hub
lab_swanctl_conf hub hub REMOTE_HOST=armagnac REMOTE_TS=192.168.3.0/24
lab_swanctl_load hub
lab_charon_prepare armagnac
lab_charon_start armagnac
lab_swanctl_conf armagnac satellite REMOTE="$(lab_ip hub)" REMOTE_HOST=rhum
lab_swanctl_load armagnac
lab_ok "two charons up, configurations loaded"

[ "$esp" = 1 ] && lab_capture_start hub wire
lab_swanctl_initiate armagnac lan 60 || true
for side in hub armagnac; do
  log=$(lab_charon_log "$side")
  lab_wait_log "$log" 'IKE_SA [a-z]+\[[0-9]+\] established between' 20 ||
    lab_fail "$side: phase 1 did not come up"
  grep -q "selected proposal: IKE:3DES_CBC/HMAC_MD5_96/PRF_HMAC_MD5/MODP_1024" "$log" ||
    lab_fail "$side: phase 1 did not use the seed's 3des/md5/modp1024"
  lab_wait_log "$log" "selected proposal: ESP:3DES_CBC/HMAC_MD5_96/MODP_1024" 20 ||
    lab_fail "$side: quick mode did not agree on the seed's ESP proposal (with PFS)"
done
lab_ok "phase 1 (main mode, RSA signatures, 3des/md5/modp1024) and quick mode (3des/hmac_md5, PFS modp1024) up on both sides"

if [ "$esp" = 0 ]; then
  lab_wait_log "$(lab_charon_log armagnac)" \
    "unable to install inbound and outbound IPsec SA \(SAD\) in kernel" 20 ||
    lab_fail "the satellite did not report the SA install failure this kernel causes"
  grep -m 1 "unable to add SAD entry" "$(lab_charon_log armagnac)" || true
  lab_ok "no ESP in this kernel: the SA install failure is reported, as expected"
  echo PASS
  exit 0
fi

lab_wait_sa hub lan 20 || lab_fail "the hub did not install the child SA"
lab_wait_sa armagnac lan 20 || lab_fail "the satellite did not install the child SA"
hub0=$(lab_esp_bytes hub) sat0=$(lab_esp_bytes armagnac)
src=$(lab_server_ip armagnac) dst=$(lab_server_ip hub)
lab_exec armagnac-lan ping -n -c 4 -i 0.5 -W 3 "$dst" >"$LAB_LOGDIR/ping.log" 2>&1 ||
  { cat "$LAB_LOGDIR/ping.log"; lab_fail "$src -> $dst: no answer through the tunnel"; }
tail -n 2 "$LAB_LOGDIR/ping.log"
lab_sleep 0.5
lab_capture_stop wire
hub1=$(lab_esp_bytes hub) sat1=$(lab_esp_bytes armagnac)
[ "$hub1" -gt "$hub0" ] || lab_fail "the hub's ESP counters did not grow ($hub0 -> $hub1)"
[ "$sat1" -gt "$sat0" ] || lab_fail "the satellite's ESP counters did not grow ($sat0 -> $sat1)"
ip -n "$(lab_ns hub)" -s xfrm state >"$LAB_LOGDIR/xfrm-hub.txt"
ip -n "$(lab_ns armagnac)" -s xfrm state >"$LAB_LOGDIR/xfrm-armagnac.txt"
wire=$(lab_pcap_table wire)
n_esp=$(awk -v a="$(lab_ip hub)" -v b="$(lab_ip armagnac)" \
  '$3 == 50 && (($1 == a && $2 == b) || ($1 == b && $2 == a))' "$wire" | wc -l)
n_icmp=$(awk '$3 == 1' "$wire" | wc -l)
[ "$n_esp" -ge 8 ] || lab_fail "$n_esp ESP packets between the gateways on the wire (8 expected)"
[ "$n_icmp" = 0 ] || lab_fail "$n_icmp ICMP packets in clear on the public link"
lab_ok "ping $src -> $dst through the tunnel; ESP bytes hub $hub0 -> $hub1, satellite $sat0 -> $sat1; on the wire $n_esp ESP packets, no clear ICMP"
echo PASS
