#!/usr/bin/env bash
# Smoke test of the lab's slapd: started in the hub's LAN server, seeded with a user in
# two groups; the hub finds the user and its groups with ldapsearch over the LAN, binds
# as the user with its password (and not with a wrong one); slapd stops at clean-up.
. "${COATI_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/lab.sh"
lab_host hub 192.0.2.1 192.168.1.0/24 192.168.1.1
lab_slapd_start hub-lan
lab_ldap_user hub-lan alice "alice secret" vpnusers admins
lab_ldap_user hub-lan bob "bob secret" vpnusers
uri=ldap://$(lab_server_ip hub)
base=$LAB_LDAP_SUFFIX
lab_exec hub ldapsearch -x -LLL -H "$uri" -b "ou=people,$base" "(uid=alice)" uid >"$LAB_LOGDIR/search.txt" ||
  lab_fail "ldapsearch from the hub"
grep -q "^uid: alice" "$LAB_LOGDIR/search.txt" || lab_fail "alice not found: $(cat "$LAB_LOGDIR/search.txt")"
n=$(lab_exec hub ldapsearch -x -LLL -H "$uri" -b "ou=groups,$base" \
  "(member=uid=alice,ou=people,$base)" cn | grep -c "^cn:")
[ "$n" = 2 ] || lab_fail "alice is in $n groups (2 expected)"
lab_exec hub ldapwhoami -x -H "$uri" -D "uid=alice,ou=people,$base" -w "alice secret" ||
  lab_fail "alice cannot bind with her password"
lab_exec hub ldapwhoami -x -H "$uri" -D "uid=alice,ou=people,$base" -w wrong >/dev/null 2>&1 &&
  lab_fail "alice binds with a wrong password"
lab_ok "slapd on $uri: alice found, in 2 groups, binds with her password only"
echo PASS
