#!/usr/bin/env bash
# NAT traversal for roadwarriors: coatid as the seed hub (rhum, `nat_traversal on` added to
# its remote block) and three hybrid + XAuth (PAM) + Mode Config clients behind the lab
# router's NAT (nftables snat: rwmain 10.0.5.2 -> 203.0.113.5, its UDP to ports
# 31000-31009; rwaggr 10.0.6.2 -> 203.0.113.6, 31020-31029; rwvpnc 10.0.7.2 -> 203.0.113.7,
# 31010-31019):
#  - rwmain: strongSwan charon, main mode, user alice, DPD every 2 s;
#  - rwaggr: strongSwan charon, aggressive mode, user bob (its AM3 NAT-D name the 4500 ports);
#  - rwvpnc: vpnc, aggressive mode, user carol (its AM3 NAT-D name AM1's ports).
# Aggressive mode: RFC 3947 §4, NAT-D in AM2 and AM3, AM3 already from port 4500.
# For each: NAT detected on both sides (coatid's log and counters; charon's "local host is
# behind NAT", vpnc's "this end behind NAT? YES"), IKE floated to 4500 (the router counts
# the client's IKE to 4500; phase1_up says LOCAL_PORT=4500 and the NAT's address and
# port), the Mode Config address, the hub's SA pair ESP-in-UDP 4500 <-> the NAT's port and
# its policies for the lease through the NAT's address. With ESP in the kernel (the VM) a
# ping from the client's Mode Config address crosses the tunnel, as UDP 4500 only on the
# hub's wire. Then rwmain's NAT mapping is lost (the router's conntrack flushed, its snat
# moved to ports 32000-32009): charon's next DPD comes from a new port and the hub follows
# (peer row, SAs, in the VM the kernel SAs and a second ping).
. "${COATI_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/lab.sh"
t0=$SECONDS

lab_host hub 192.0.2.1 192.168.1.0/24 192.168.1.1
lab_host rwmain 203.0.113.5 --nat 10.0.5.2/24
lab_host rwaggr 203.0.113.6 --nat 10.0.6.2/24
lab_host rwvpnc 203.0.113.7 --nat 10.0.7.2/24
if lab_has_esp; then esp=1; else esp=0; fi
echo "bed $LAB_BED, kernel with ESP: $esp"
hub=$(lab_ip hub)
rns=$(lab_ns router)
# nat_rules BASE: the router's NAT; rwmain's UDP to ports BASE..BASE+9 (rwvpnc's to
# 31010-31019, rwaggr's to 31020-31029), anything else to the public address as it comes;
# the clients' IKE packets counted by destination port. One nft transaction: no packet
# crosses un-NATed while the rules change.
nat_rules() {
  ip netns exec "$rns" nft -f - <<NFT
flush chain ip lab post
add rule ip lab post ip saddr 10.0.5.2 oifname != "r-rwmain" meta l4proto udp snat to 203.0.113.5:$1-$(($1 + 9))
add rule ip lab post ip saddr 10.0.5.2 oifname != "r-rwmain" snat to 203.0.113.5
add rule ip lab post ip saddr 10.0.7.2 oifname != "r-rwvpnc" meta l4proto udp snat to 203.0.113.7:31010-31019
add rule ip lab post ip saddr 10.0.7.2 oifname != "r-rwvpnc" snat to 203.0.113.7
add rule ip lab post ip saddr 10.0.6.2 oifname != "r-rwaggr" meta l4proto udp snat to 203.0.113.6:31020-31029
add rule ip lab post ip saddr 10.0.6.2 oifname != "r-rwaggr" snat to 203.0.113.6
NFT
}
nat_rules 31000
ip netns exec "$rns" nft -f - <<'NFT'
table ip ikecount {
  chain counts {
    type filter hook forward priority 0; policy accept;
    ip saddr 10.0.5.2 udp dport 500 counter;
    ip saddr 10.0.5.2 udp dport 4500 counter;
    ip saddr 10.0.7.2 udp dport 500 counter;
    ip saddr 10.0.7.2 udp dport 4500 counter;
    ip saddr 10.0.6.2 udp dport 500 counter;
    ip saddr 10.0.6.2 udp dport 4500 counter;
  }
}
NFT
fwd_count() { # fwd_count PRIVATE_IP PORT: that client's IKE packets to PORT the router forwarded
  ip netns exec "$rns" nft list chain ip ikecount counts |
    sed -n "s/.*ip saddr $1 udp dport $2 counter packets \([0-9]*\) .*/\1/p"
}
# ct_flush: the router forgets every NAT mapping (tests/lib/ct_flush.py).
ct_flush() { ip netns exec "$rns" python3 "$COATI_SRC/tests/lib/ct_flush.py"; }

# --- the hub ------------------------------------------------------------------------------
lab_pki rhum
lab_pam_user hub alice "alice secret" vpnusers
lab_pam_user hub bob "bob secret" vpnusers
lab_pam_user hub carol "carol secret" vpnusers
lab_coatid_pam hub
root=$(lab_coatid_root hub rhum)
conf=$root/etc/racoon/local.conf
sed -i "s/^\(\s*\)generate_policy on;/&\n\1nat_traversal on;/" "$conf"
grep -q "nat_traversal on;" "$conf" || lab_fail "nat_traversal was not added to the hub's remote"
lab_coatid_start hub "$root"
hublog=$(lab_coatid_log hub)
grep -q "nat_traversal" "$hublog" && lab_fail "coatid warns about nat_traversal: $(grep nat_traversal "$hublog")"
stat_of() { # stat_of GROUP KEY: a counter of `coatictl stats`, 0 if absent
  lab_coatictl hub stats | awk -v g="$1" -v k="$2" '$1 == g && $2 == k { print $3; f = 1 } END { if (!f) print 0 }'
}
# isakmp_port PUBLIC_IP: the NAT's port of that client's established ISAKMP SA on the hub.
isakmp_port() {
  local out
  out=$(lab_coatictl hub show-sa isakmp)
  sed -n "s/^$hub ${1//./\\.}\[\([0-9]*\)\] .* established .*/\1/p" <<<"$out" | awk 'NR == 1'
}
# check_up NAME PUBLIC_IP PRIVATE_IP USER LEASE LO HI N MODE: the hub's side of a client
# that came up through the NAT in MODE (main | aggressive), the Nth to float; sets port.
check_up() {
  local name=$1 pub=$2 priv=$3 user=$4 lease=$5 lo=$6 hi=$7 n=$8 mode=$9 env sa pol xs
  lab_wait 10 grep -q "NAT detected: the peer is behind a NAT: the peer floated to port 4500" "$hublog" ||
    lab_fail "$name: coatid did not log the NAT and the float to 4500"
  [ "$(grep -c "NAT detected: the peer is behind a NAT: the peer floated to port 4500" "$hublog")" = "$n" ] ||
    lab_fail "$name: coatid logged $n floats"
  [ "$(stat_of ike natt.nat_detected)" = "$n" ] || lab_fail "$name: stats do not count the NAT detected"
  [ "$(stat_of ike natt.floated)" = "$n" ] || lab_fail "$name: stats do not count the float"
  [ "$(fwd_count "$priv" 4500)" -ge 1 ] || lab_fail "$name: no IKE to port 4500 crossed the router"
  grep -q "respond new phase 1 negotiation ($mode mode): $hub\[500\]<=>$pub\[" "$hublog" ||
    lab_fail "$name: the hub did not answer a $mode mode phase 1 from $pub"
  port=$(isakmp_port "$pub")
  [ -n "$port" ] || { lab_coatictl hub show-sa isakmp; lab_fail "$name: no established ISAKMP SA from $pub"; }
  [ "$port" -ge "$lo" ] && [ "$port" -le "$hi" ] || lab_fail "$name: the peer's port $port is not the NAT's"
  # (whole outputs in variables: under pipefail a `grep -q` that stops reading early could
  # fail its pipeline with SIGPIPE)
  sa=$(lab_coatictl hub show-sa isakmp)
  grep -F "$pub[$port]" <<<"$sa" | grep -F "user=\"$user\"" |
    grep -F "address=$lease" >/dev/null || lab_fail "$name: show-sa has no row for $user at $lease"
  env=$LAB_LOGDIR/hub-phase1_up.env
  lab_wait 10 grep -qsx "XAUTH_USER=$user" "$env" || lab_fail "$name: phase1_up did not run for $user"
  for kv in LOCAL_PORT=4500 REMOTE_ADDR=$pub REMOTE_PORT=$port INTERNAL_ADDR4=$lease; do
    grep -qx "$kv" "$env" || { cat "$env"; lab_fail "$name: phase1_up's environment lacks $kv"; }
  done
  lab_wait 20 sh -c "'$COATI_BUILD/tools/coatictl/coatictl' -s '$(cat "$LAB_WORK/coatid-hub.sock")' show-sa esp |
    grep -F '$pub' | grep -qF 'encap=udp:4500-$port'" ||
    { lab_coatictl hub show-sa esp; lab_fail "$name: the hub's SA pair is not ESP in UDP 4500-$port"; }
  sa=$(lab_coatictl hub show-sa esp | grep -F "$pub")
  echo "$sa"
  [ "$(grep -c "encap=udp:4500-$port" <<<"$sa")" -ge 2 ] || lab_fail "$name: not both SAs are ESP in UDP"
  pol=$(ip -n "$(lab_ns hub)" xfrm policy)
  grep -q "dst $lease/32" <<<"$pol" || lab_fail "$name: no generated policy for $lease/32"
  grep -q "tmpl src $hub dst $pub" <<<"$pol" || lab_fail "$name: the out policy does not tunnel to the NAT ($pub)"
  grep -q "tmpl src $pub dst $hub" <<<"$pol" || lab_fail "$name: the in policy does not come from the NAT ($pub)"
  if [ "$esp" = 1 ]; then
    lab_wait 10 sh -c "ip -n $(lab_ns hub) xfrm state | grep -q 'encap type espinudp sport 4500 dport $port'" ||
      lab_fail "$name: the hub's outbound kernel SA lacks the encap template 4500 -> $port"
    xs=$(ip -n "$(lab_ns hub)" xfrm state)
    grep -q "encap type espinudp sport $port dport 4500" <<<"$xs" ||
      lab_fail "$name: the hub's inbound kernel SA lacks the encap template $port -> 4500"
  fi
  lab_ok "$name: NAT detected, floated to 4500 ($(fwd_count "$priv" 500) IKE packets to 500, $(fwd_count "$priv" 4500) to 4500), $user at $lease, SAs ESP in UDP 4500 <-> $pub[$port], policies through the NAT"
}
# ping_natt NAME PUBLIC_IP COMMAND...: (ESP only) COMMAND, a ping from the client's lease,
# is answered; on the hub's wire the client's traffic is ESP in UDP 4500, no bare ESP, no
# clear ICMP.
ping_natt() {
  local name=$1 pub=$2 t
  shift 2
  lab_capture_start hub "$name"
  "$@" >"$LAB_LOGDIR/$name.ping.log" 2>&1 || { cat "$LAB_LOGDIR/$name.ping.log"; lab_fail "$name: no answer through the tunnel"; }
  lab_sleep 0.5
  lab_capture_stop "$name"
  t=$(lab_pcap_table "$name")
  local udp bare icmp
  udp=$(awk -v a="$pub" '($1 == a || $2 == a) && $3 == 17 && $4 == "ESP"' "$t" | wc -l)
  bare=$(awk -v a="$pub" '($1 == a || $2 == a) && $3 == 50' "$t" | wc -l)
  icmp=$(awk '$3 == 1' "$t" | wc -l)
  [ "$udp" -ge 4 ] || lab_fail "$name: $udp ESP-in-UDP packets on the hub's wire (6 expected)"
  [ "$bare" = 0 ] && [ "$icmp" = 0 ] || lab_fail "$name: $bare bare ESP and $icmp clear ICMP packets on the hub's wire"
  lab_ok "$name: ping through the tunnel; $udp ESP-in-UDP packets on the hub's wire, no bare ESP, no clear ICMP"
}

# --- rwmain: charon, hybrid, main mode, behind the NAT ------------------------------------
# Without ESP in the kernel (this host) charon could not install its pair, would not
# complete the quick mode, and the hub's pair would end with the phase2 timer before the
# NAT's mapping is flushed: charon then does ESP in userland (kernel-libipsec, which takes
# ESP in UDP only). The hub's own SA add still fails here (show-sa says kernel=failed).
libipsec=""
[ "$esp" = 1 ] || libipsec=kernel-libipsec
LAB_CHARON_PLUGINS=$libipsec lab_rw_charon rwmain "$hub" main alice "alice secret" REMOTE_HOST=rhum \
  EXTRA="dpd_delay = 2s"
lab_rw_charon_up rwmain || lab_fail "rwmain: no IKE SA (see charon-rwmain.log)"
clog=$(lab_charon_log rwmain)
grep -q "local host is behind NAT" "$clog" || lab_fail "rwmain: charon did not detect its NAT"
grep -q "remote host is behind NAT" "$clog" && lab_fail "rwmain: charon thinks the hub is behind a NAT"
lab_same rwmain "virtual IP" 192.168.201.20 "$(lab_rw_charon_vip rwmain)"
check_up rwmain 203.0.113.5 10.0.5.2 alice 192.168.201.20 31000 31009 1 main
port1=$port
if [ "$esp" = 1 ]; then
  ping_natt rwmain 203.0.113.5 lab_exec rwmain ping -n -c 3 -i 0.5 -W 3 -I 192.168.201.20 "$(lab_server_ip hub)"
fi

# --- rwaggr: charon, hybrid, aggressive mode, behind the NAT ------------------------------
lab_rw_charon rwaggr "$hub" aggressive bob "bob secret" REMOTE_HOST=rhum
lab_rw_charon_up rwaggr || lab_fail "rwaggr: no IKE SA (see charon-rwaggr.log)"
alog=$(lab_charon_log rwaggr)
grep -q "local host is behind NAT" "$alog" || lab_fail "rwaggr: charon did not detect its NAT"
grep -q "remote host is behind NAT" "$alog" && lab_fail "rwaggr: charon thinks the hub is behind a NAT"
grep -Eq "parsed AGGRESSIVE response 0 \[.* NAT-D NAT-D" "$alog" || lab_fail "rwaggr: no NAT-D in AM2"
grep -Eq "sending packet: from 10\.0\.6\.2\[4500\] to $hub\[4500\]" "$alog" ||
  lab_fail "rwaggr: charon did not send AM3 from 4500"
lab_same rwaggr "virtual IP" 192.168.201.21 "$(lab_rw_charon_vip rwaggr)"
check_up rwaggr 203.0.113.6 10.0.6.2 bob 192.168.201.21 31020 31029 2 aggressive

# --- rwvpnc: vpnc, hybrid, aggressive mode, behind the NAT --------------------------------
lab_vpnc_hybrid rwvpnc "$hub" labgroup carol "carol secret"
lab_vpnc_wait rwvpnc 30 || lab_fail "rwvpnc: vpnc's script was not called with connect"
grep -q "this end behind NAT? YES -- remote end behind NAT? no" "$LAB_LOGDIR/vpnc-rwvpnc.log" ||
  lab_fail "rwvpnc: vpnc did not see its NAT (and only its own)"
lab_same rwvpnc INTERNAL_IP4_ADDRESS 192.168.201.22 "$(lab_vpnc_env rwvpnc INTERNAL_IP4_ADDRESS)"
check_up rwvpnc 203.0.113.7 10.0.7.2 carol 192.168.201.22 31010 31019 3 aggressive
if [ "$esp" = 1 ]; then
  lab_exec rwvpnc ip route add "$(lab_lan_net hub)" dev tun0 src 192.168.201.22
  ping_natt rwvpnc 203.0.113.7 lab_exec rwvpnc ping -n -c 3 -i 0.5 -W 3 "$(lab_server_ip hub)"
fi

# --- rwmain's NAT mapping is lost: charon's next R-U-THERE comes from a new port ---------
nat_rules 32000
ct_flush || lab_fail "could not flush the router's conntrack table"
lab_wait 15 grep -q "NAT-T: the peer moved from 203.0.113.5\[$port1\] to 203.0.113.5\[320" "$hublog" ||
  lab_fail "the hub did not follow rwmain to its new port"
port2=$(isakmp_port 203.0.113.5)
[ -n "$port2" ] && [ "$port2" -ge 32000 ] && [ "$port2" -le 32009 ] ||
  lab_fail "rwmain's peer row does not name the new port ($port2)"
[ "$(stat_of ike natt.peer_moved)" -ge 1 ] || lab_fail "stats do not count the move"
lab_wait 5 sh -c "'$COATI_BUILD/tools/coatictl/coatictl' -s '$(cat "$LAB_WORK/coatid-hub.sock")' show-sa esp |
  grep -qF 'encap=udp:4500-$port2'" || lab_fail "rwmain's SAs did not move to port $port2"
grep -qF "encap=udp:4500-$port1" <<<"$(lab_coatictl hub show-sa esp)" && lab_fail "an SA still names the old port $port1"
grep -F "203.0.113.5[$port2]" <<<"$(lab_coatictl hub show-sa isakmp)" | grep -F 'user="alice"' >/dev/null ||
  lab_fail "alice's row lost its user after the move"
n0=$(grep -c "N(DPD_ACK)" "$clog" || true)
lab_wait 10 sh -c "[ \$(grep -c 'N(DPD_ACK)' '$clog') -gt $n0 ]" || lab_fail "rwmain gets no R-U-THERE-ACK after the move"
if [ "$esp" = 1 ]; then
  xs=$(ip -n "$(lab_ns hub)" xfrm state)
  grep -q "encap type espinudp sport 4500 dport $port2" <<<"$xs" || lab_fail "the kernel's outbound SA was not moved to $port2"
  grep -q "dport $port1" <<<"$xs" && lab_fail "a kernel SA still names the old port $port1"
  for _ in $(seq 25); do [ "$(stat_of kernel sa_moved)" -ge 2 ] && break; lab_sleep 0.2; done
  moved=$(stat_of kernel sa_moved)
  [ "$moved" -ge 2 ] || lab_fail "the kernel actor moved $moved SAs, not rwmain's pair"
  # The data path after the move: the client's ESP in UDP from the new port is taken, the
  # answers go back encrypted to it, and charon takes them: the moved SAs kept their replay
  # state (an outbound SA re-added from sequence number 1 would be dropped as replays).
  lab_capture_start hub rwmain-moved
  lab_exec rwmain ping -n -c 3 -i 0.5 -W 3 -I 192.168.201.20 "$(lab_server_ip hub)" \
    >"$LAB_LOGDIR/rwmain-moved.ping.log" 2>&1 || lab_fail "rwmain-moved: no answer through the tunnel"
  lab_sleep 0.5
  lab_capture_stop rwmain-moved
  n_in=$(lab_pcap_count rwmain-moved "ip.src == 203.0.113.5 && udp.srcport == $port2 && udp.dstport == 4500 && esp")
  n_out=$(lab_pcap_count rwmain-moved "ip.dst == 203.0.113.5 && udp.dstport == $port2 && udp.srcport == 4500 && esp")
  [ "$n_in" -ge 2 ] && [ "$n_out" -ge 2 ] ||
    lab_fail "rwmain-moved: ESP in UDP on the hub's wire: $n_in from port $port2, $n_out to it"
  lab_ok "rwmain-moved: ping through the tunnel; ESP in UDP from $port2: $n_in in, $n_out answers out to $port2"
fi
lab_ok "rwmain's NAT mapping moved from $port1 to $port2: the hub followed (peer row, SAs, DPD answers)"
lab_vpnc_stop rwvpnc
lab_coatid_stop hub "$root"
echo "run time: $((SECONDS - t0)) s"
echo PASS
