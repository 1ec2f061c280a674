#!/usr/bin/env bash
# coatid registers roadwarriors in DNS itself (the ddns block, RFC 2136 + TSIG) against a
# real bind9 on the hub's LAN (zones local and 201.168.192.in-addr.arpa, key lab-key):
#  - alice logs in (strongSwan hybrid, PAM): alice-vpn.local A 192.168.201.20 and its PTR;
#  - coatictl show-users lists alice: her group, address, DNS name (published), since when;
#  - alice logs out (coatictl logout-user): both records are gone, show-users is empty;
#  - named stopped, alice logs in, named started again 30 s later: the records appear with no new
#    login (the retry queue; `retry 2` keeps this short, the default is 30 s);
#  - coatid with a wrong TSIG secret: a clear error in its log, counted, nothing added.
. "${COATI_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/lab.sh"

lab_host hub 192.0.2.1 192.168.1.0/24 192.168.1.1
lab_host rw 203.0.113.5
hub=$(lab_ip hub)
lab_named_start hub-lan local 201.168.192.in-addr.arpa
dns=$(lab_server_ip hub)
lab_pki rhum
lab_pam_user hub alice "alice secret" vpnusers
lab_coatid_pam hub
root=$(lab_coatid_root hub rhum)
mkdir -p "$root/etc/coati"
cp "$(lab_named_key hub-lan)" "$root/etc/coati/ddns.key"
ddns_block() { # KEYFILE
  cat <<CONF

ddns {
	server $dns;
	zone "local";
	reverse_zone "201.168.192.in-addr.arpa";
	name "%u-vpn";
	ttl 300;
	key "$1";
	timeout 2;
	retry 2;
}
CONF
}
ddns_block /etc/coati/ddns.key >>"$root/etc/racoon/racoon.conf"
lab_coatid_start hub "$root"
hublog=$(lab_coatid_log hub)
stat() { lab_coatictl hub stats | awk -v k="$1" '$1 "." $2 == k { print $3 }'; }
a_rec() { lab_exec hub dig +short +time=1 +tries=1 @"$dns" alice-vpn.local A; }
ptr_rec() { lab_exec hub dig +short +time=1 +tries=1 @"$dns" -x 192.168.201.20; }
registered() { [ "$(a_rec)" = 192.168.201.20 ] && [ "$(ptr_rec)" = alice-vpn.local. ]; }
gone() { [ -z "$(a_rec)" ] && [ -z "$(ptr_rec)" ]; }

# --- login: A and PTR -------------------------------------------------------------------
gone || lab_fail "alice-vpn.local is in the zone before any login"
lab_rw_charon rw "$hub" main alice "alice secret" REMOTE_HOST=rhum
lab_rw_charon_up rw || lab_fail "rw: no IKE SA (see charon-rw.log)"
lab_same rw "virtual IP" 192.168.201.20 "$(lab_rw_charon_vip rw)"
lab_wait 20 registered || lab_fail "no A/PTR after the login: A '$(a_rec)' PTR '$(ptr_rec)'"
lab_ok "after alice's login: alice-vpn.local A $(a_rec), PTR $(ptr_rec)"
users=$(lab_coatictl hub show-users) || lab_fail "show-users failed"
echo "$users"
echo "$users" | grep -E '^user="alice" groups=alice,vpnusers address=192\.168\.201\.20 dns=alice-vpn\.local dns_state=published since=[0-9-]+T[0-9:]+Z seconds=[0-9]+ sessions=1$' >/dev/null ||
  lab_fail "show-users: no row for alice with her group, address and DNS name"
[ "$(echo "$users" | wc -l)" = 1 ] || lab_fail "show-users: more than alice's row"
lab_ok "show-users: alice, groups alice,vpnusers, 192.168.201.20, alice-vpn.local published"

# --- logout: both gone ------------------------------------------------------------------
lab_coatictl hub logout-user alice >/dev/null || lab_fail "logout-user alice failed"
lab_wait 20 gone || lab_fail "records still there after logout: A '$(a_rec)' PTR '$(ptr_rec)'"
lab_ok "after logout: no A, no PTR"
[ -z "$(lab_coatictl hub show-users)" ] || lab_fail "show-users still lists someone after the logout"
lab_same hub "ddns.removed" 1 "$(stat ddns.removed)"

# --- named down at login, up later: the queue delivers ----------------------------------
lab_named_stop hub-lan
lab_rw_charon_up rw || lab_fail "rw: no IKE SA for the second login"
login_at=$(date +%s)
failed() { [ "$(stat ddns.failures)" -ge 1 ] 2>/dev/null; }
lab_wait 20 failed || lab_fail "no failed UPDATE counted while named is down"
[ "$(stat ddns.pending)" = 1 ] || lab_fail "ddns.pending is '$(stat ddns.pending)', expected 1"
lab_coatictl hub show-users | grep -q '^user="alice" .* dns=alice-vpn\.local dns_state=pending ' ||
  lab_fail "show-users: alice's name not shown pending while named is down"
lab_ok "named down: $(stat ddns.failures) failed UPDATE(s), alice pending"
wait_s=$((login_at + 30 - $(date +%s))) # named comes back 30 s after the login
[ "$wait_s" -le 0 ] || sleep "$wait_s"
lab_named_restart hub-lan
lab_wait 60 registered || lab_fail "no A/PTR after named came back"
lab_ok "named back: alice-vpn.local A $(a_rec), PTR $(ptr_rec), with no new login"
lab_same hub "ddns.pending" 0 "$(stat ddns.pending)"

# --- a wrong TSIG key: a clear error, counted ---------------------------------------------
lab_coatictl hub logout-user alice >/dev/null
lab_wait 20 gone || lab_fail "records still there after the second logout"
lab_coatid_stop hub "$root"
sed 's/secret ".*"/secret "d3Jvbmctc2VjcmV0LWZvci10aGUtY29hdGktdGVzdCE="/' \
  "$(lab_named_key hub-lan)" >"$root/etc/coati/ddns.key"
lab_coatid_start hub "$root"
hublog=$(lab_coatid_log hub)
lab_rw_charon_up rw || lab_fail "rw: no IKE SA for the third login"
lab_wait 20 grep -q "BADSIG" "$hublog" || lab_fail "no BADSIG error in coatid's log"
grep "ddns" "$hublog" | grep -m1 BADSIG
bad=$(( $(stat ddns.failed.badsig) + 0 ))
[ "$bad" -ge 1 ] || lab_fail "ddns.failed.badsig is '$bad'"
grep -q "d3Jvbmc" "$hublog" && lab_fail "the secret is in the log"
gone || lab_fail "a record was added with the wrong key"
lab_ok "wrong key: error logged, ddns.failed.badsig $bad, nothing added"
echo PASS
