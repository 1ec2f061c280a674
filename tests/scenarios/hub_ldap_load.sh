#!/usr/bin/env bash
# 100 roadwarrior logins against a directory that answers 2 s late, and PSK negotiations
# meanwhile. coatid is the seed hub (rhum's racoon.conf, pool 230, hook scripts left out)
# with auth_source ldap, group_source ldap, auth_groups "staff"; slapd on the hub's LAN is
# reached through coati-lab-delay, which holds every request 2 s (a check is four round
# trips: service bind, user search, group search, user bind). A remote of its own,
# 198.51.100.10, negotiates main mode with a pre-shared key (a satellite's phase 1, from
# coati-load). The driver's figures are printed:
#  - baseline: 200 PSK negotiations (20 at a time) with the directory idle;
#  - 100 hybrid logins (user0 .. user99, XAuth through LDAP, Mode Config) start; once all
#    100 checks are asked and some wait on the directory (auth.in_flight >= 1), the same 200 PSK
#    negotiations again: all complete, none waited for the directory (p99 below its 2 s
#    delay), and LDAP checks were still in flight when they ended;
#  - the 100 logins all complete, each with an address of its own; each took at least the
#    directory's 2 s (the delay acted); auth.ok 100, no check timed out, busy or refused.
. "${COATI_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/lab.sh"

n=100
delay_ms=2000
pass="load secret"
psk="psk load secret"
load=$COATI_BUILD/tools/load/coati-load
relay=$COATI_BUILD/tests/lab/coati-lab-delay
[ -x "$load" ] || lab_fail "no $load (build coati-load)"
[ -x "$relay" ] || lab_fail "no $relay (build coati-lab-delay)"

lab_host hub 192.0.2.1 192.168.1.0/24 192.168.1.1
lab_host rwload 203.0.113.10
lab_host psk 198.51.100.10
hub=$(lab_ip hub)
psk_ip=$(lab_local_ip psk)

# --- the directory: 100 users in group staff, one ldapadd ---------------------------------
lab_slapd_start hub-lan
{
  members=
  for i in $(seq 0 $((n - 1))); do
    cat <<LDIF
dn: uid=user$i,ou=people,$LAB_LDAP_SUFFIX
objectClass: inetOrgPerson
objectClass: posixAccount
uid: user$i
cn: user$i
sn: user$i
uidNumber: $((30000 + i))
gidNumber: 30000
homeDirectory: /nonexistent
userPassword: $pass

LDIF
  done
  echo "dn: cn=staff,ou=groups,$LAB_LDAP_SUFFIX"
  echo "objectClass: groupOfNames"
  echo "cn: staff"
  for i in $(seq 0 $((n - 1))); do echo "member: uid=user$i,ou=people,$LAB_LDAP_SUFFIX"; done
} | lab_ldap_add hub-lan
srv=$(lab_server_ip hub)
lab_bg hub-lan relay "$relay" "$srv" 1389 "$srv" 389 "$delay_ms"
lab_wait 10 grep -q relaying "$LAB_LOGDIR/relay.log" || lab_fail "coati-lab-delay did not start"
lab_ok "slapd with $n users in group staff, behind a relay that holds each request $delay_ms ms"

# --- the hub --------------------------------------------------------------------------------
lab_pki rhum
root=$(lab_coatid_rw_hub hub 230 --no-hooks)
conf=$root/etc/racoon/local.conf
sed -i -E 's/^([[:space:]]*)auth_source pam;/\1auth_source ldap;\n\1group_source ldap;\n\1auth_groups "staff";/' "$conf"
grep -q "group_source ldap;" "$conf" || lab_fail "config not rebased on LDAP"
lab_ldapcfg hub | sed 's/port 389;/port 1389;/' >>"$conf"
cat >>"$conf" <<CONF
remote $psk_ip
{
	exchange_mode main;
	my_identifier address;
	lifetime time 8 hour;
	proposal {
		encryption_algorithm aes 128;
		hash_algorithm sha1;
		authentication_method pre_shared_key;
		dh_group modp1024;
	}
}
CONF
echo "$psk_ip $psk" >>"$root/etc/racoon/psk.txt"
chmod 600 "$root/etc/racoon/psk.txt"
lab_coatid_start hub "$root"
hublog=$(lab_coatid_log hub)
stat() { lab_coatictl hub stats | awk -v k="$1" '$1 "." $2 == k { print $3; f = 1 } END { if (!f) print 0 }'; }
[ "$(stat auth.workers)" = 64 ] || lab_fail "hub: auth.workers is $(stat auth.workers), not the 64 of LDAP"
result() { sed -n "s/^RESULT.* $2=\([0-9.]*\).*/\1/p" "$LAB_LOGDIR/$1.log"; }

# psk_run LOG: 200 PSK main mode negotiations, 20 at a time; waits; prints the figures.
psk_run() {
  local rc=0
  lab_bg psk "$1" "$load" "$hub" --from "$psk_ip" --psk "$psk" -n 200 --window 20 --timeout 60
  wait "$LAB_PID" || rc=$?
  cat "$LAB_LOGDIR/$1.log"
  [ "$rc" = 0 ] || lab_fail "coati-load ($1) exited with $rc"
  [ "$(result "$1" completed)" = 200 ] || lab_fail "$1: $(result "$1" completed) of 200 completed"
}

# --- baseline: PSK with the directory idle --------------------------------------------------
psk_run psk-idle
lab_ok "PSK, directory idle: $(result psk-idle per_second)/s, p50 $(result psk-idle p50_ms) ms, p99 $(result psk-idle p99_ms) ms"

# --- 100 logins through the slow directory, PSK meanwhile -----------------------------------
lab_bg rwload load-ldap "$load" "$hub" --from "$(lab_local_ip rwload)" --hybrid \
  --ca "$LAB_PKI/ca.crt" --users user --password "$pass" -n "$n" --timeout 150 \
  --logins "$LAB_LOGDIR/logins.txt"
logins=$LAB_PID
# Every login past its phase 1 (all 100 checks asked for), checks waiting on the directory.
waiting() { [ "$(stat auth.requests)" -ge "$n" ] && [ "$(stat auth.in_flight)" -ge 1 ]; }
lab_wait 30 waiting || lab_fail "not all $n checks are waiting on the directory"
psk_run psk-busy
in_flight=$(stat auth.in_flight)
[ "$in_flight" -ge 1 ] || lab_fail "the LDAP checks ended before the PSK run: nothing overlapped"
p99=$(result psk-busy p99_ms)
awk -v p="$p99" -v d="$delay_ms" 'BEGIN { exit !(p < d) }' ||
  lab_fail "PSK p99 $p99 ms during the LDAP logins: some waited for the directory ($delay_ms ms)"
lab_ok "PSK, $in_flight LDAP checks in flight: $(result psk-busy per_second)/s, p50 $(result psk-busy p50_ms) ms, p99 $p99 ms (idle: $(result psk-idle per_second)/s, p99 $(result psk-idle p99_ms) ms)"

rc=0
wait "$logins" || rc=$?
cat "$LAB_LOGDIR/load-ldap.log"
[ "$rc" = 0 ] || lab_fail "coati-load ($n LDAP logins) exited with $rc"
[ "$(result load-ldap completed)" = "$n" ] || lab_fail "$(result load-ldap completed) of $n logins completed"
[ "$(result load-ldap addresses)" = "$n" ] || lab_fail "$(result load-ldap addresses) distinct addresses for $n users"
f=$LAB_LOGDIR/logins.txt
[ "$(awk '$4 == "ok"' "$f" | wc -l)" = "$n" ] || lab_fail "not $n ok lines in $f"
fastest=$(awk 'NR == 1 || $7 < m { m = $7 } END { print m }' "$f")
awk -v m="$fastest" -v d="$delay_ms" 'BEGIN { exit !(m >= d) }' ||
  lab_fail "a login took $fastest ms, less than the directory's delay: the relay was not in the way"
[ "$(stat auth.ok)" = "$n" ] || lab_fail "auth.ok is $(stat auth.ok), expected $n"
for k in auth.timeouts auth.busy auth.late auth.failed.backend_error auth.failed.account_denied \
  auth.failed.bad_credentials; do
  [ "$(stat $k)" = 0 ] || lab_fail "$k is $(stat $k)"
done
lab_ok "$n LDAP logins complete: $(result load-ldap per_second)/s, fastest $fastest ms, p50 $(result load-ldap p50_ms) ms, p99 $(result load-ldap p99_ms) ms; auth.ok $n, none timed out"
users=$(lab_coatictl hub show-users | grep -c 'groups=staff ')
[ "$users" = "$n" ] || lab_fail "show-users lists $users users of group staff, expected $n"
lab_coatictl hub stats >"$LAB_LOGDIR/stats.txt"
echo PASS
