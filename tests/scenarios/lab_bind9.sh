#!/usr/bin/env bash
# Smoke test of the lab's named: authoritative for vpn.local and 201.168.192.in-addr.arpa
# in the hub's LAN server; the hub adds an A and a PTR record with nsupdate signed with
# the TSIG key, dig sees both; an unsigned update is refused; named stops at clean-up.
. "${COATI_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/lab.sh"
lab_host hub 192.0.2.1 192.168.1.0/24 192.168.1.1
lab_named_start hub-lan vpn.local 201.168.192.in-addr.arpa
dns=$(lab_server_ip hub)
lab_nsupdate hub hub-lan <<'UPD' || lab_fail "signed nsupdate refused"
zone vpn.local
update add alice-vpn.vpn.local 300 A 192.168.201.20
send
zone 201.168.192.in-addr.arpa
update add 20.201.168.192.in-addr.arpa 300 PTR alice-vpn.vpn.local.
UPD
a=$(lab_exec hub dig +short @"$dns" alice-vpn.vpn.local A)
ptr=$(lab_exec hub dig +short @"$dns" -x 192.168.201.20)
[ "$a" = 192.168.201.20 ] || lab_fail "A record: '$a'"
[ "$ptr" = alice-vpn.vpn.local. ] || lab_fail "PTR record: '$ptr'"
lab_ok "nsupdate with TSIG: alice-vpn.vpn.local A $a, PTR $ptr"
printf 'server %s\nzone vpn.local\nupdate add mallory.vpn.local 300 A 192.0.2.66\nsend\n' "$dns" |
  lab_exec hub nsupdate >"$LAB_LOGDIR/unsigned.log" 2>&1 && lab_fail "an unsigned update was accepted"
[ -z "$(lab_exec hub dig +short @"$dns" mallory.vpn.local A)" ] || lab_fail "the unsigned record is there"
lab_ok "an unsigned update is refused"
echo PASS
