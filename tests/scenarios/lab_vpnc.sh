#!/usr/bin/env bash
# Smoke test of lab_vpnc_start: vpnc (the Cisco-style client) in a roadwarrior's
# namespace against a charon hub doing aggressive mode with a group PSK, XAuth and Mode
# Config (pool 192.168.201.20-192.168.201.200), the seed's weak algorithms. Both sides
# see XAuth succeed and the pool's first address handed out; vpnc's script gets it in its
# environment. With ESP in the kernel (the VM) the roadwarrior also pings the hub's LAN
# server through the tunnel; vpnc stops at clean-up.
. "${COATI_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/lab.sh"
lab_host hub 192.0.2.1 192.168.1.0/24 192.168.1.1
lab_host rw 203.0.113.5
lab_charon_prepare hub rhum
lab_charon_start hub
lab_swanctl_conf hub hub AUTH=xauth-psk MODE=aggressive PSK="group secret" \
  XAUTH_USER=alice XAUTH_PASS="alice secret" POOL=192.168.201.20-192.168.201.200 \
  LOCAL_TS=0.0.0.0/0 REMOTE_TS=dynamic CHILD_EXTRA="rekey_time = 0s
        rand_time = 0s"
lab_swanctl_load hub
lab_vpnc_start rw "$(lab_ip hub)" labgroup "group secret" alice "alice secret" \
  "IKE DH Group dh2" "Perfect Forward Secrecy dh2"
hublog=$(lab_charon_log hub)
lab_wait_log "$hublog" "XAuth authentication of 'alice' successful" 30 ||
  lab_fail "the hub did not see alice's XAuth succeed"
lab_wait_log "$hublog" "assigning virtual IP 192.168.201.20 to peer" 20 ||
  lab_fail "the hub did not hand out 192.168.201.20"
lab_wait_log "$hublog" "selected proposal: ESP:3DES_CBC/HMAC_MD5_96/MODP_1024" 20 ||
  lab_fail "quick mode did not agree on 3des/hmac_md5 with PFS"
lab_wait 20 grep -qs "INTERNAL_IP4_ADDRESS=192.168.201.20" "$LAB_LOGDIR/vpnc-rw.connect.env" ||
  lab_fail "vpnc's script did not get 192.168.201.20"
lab_ok "vpnc -> charon hub: aggressive mode PSK, XAuth alice, Mode Config 192.168.201.20 (in vpnc's script too), quick mode"
if lab_has_esp; then
  lab_exec rw ip route add "$(lab_lan_net hub)" dev tun0 src 192.168.201.20
  lab_exec rw ping -n -c 3 -i 0.5 -W 3 "$(lab_server_ip hub)" >"$LAB_LOGDIR/ping.log" 2>&1 ||
    { cat "$LAB_LOGDIR/ping.log"; lab_fail "no answer through vpnc's tunnel"; }
  lab_ok "ping 192.168.201.20 -> $(lab_server_ip hub) through vpnc's tunnel"
else
  lab_wait_log "$hublog" "unable to install inbound and outbound IPsec SA \(SAD\) in kernel" 20 ||
    lab_fail "the hub did not report the SA install failure this kernel causes"
  lab_ok "no ESP in this kernel: the hub reports the SA install failure, as expected"
fi
lab_vpnc_stop rw
echo PASS
