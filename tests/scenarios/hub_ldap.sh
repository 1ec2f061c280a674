#!/usr/bin/env bash
# coatid as the seed hub with its logins checked by a real slapd (racoon's ldapcfg):
# auth_source ldap, group_source ldap, conf_source ldap, auth_groups "staff","contractors".
# slapd runs in the hub's LAN server; the hub binds as the directory's admin to search.
#  - alice (staff) and bob (contractors) log in with strongSwan hybrid clients: addresses
#    from the pool, show-sa names them; dave (staff) has racoon-address 192.168.201.30 in
#    the directory and gets exactly that;
#  - carol (group visitors only) is refused (auth.failed.account_denied, a reason in the
#    log); alice with a wrong password is refused (auth.failed.bad_credentials);
#  - slapd stopped: erin's login fails at once (auth.failed.backend_error); the satellite
#    (strongSwan, armagnac) and alice stay up; slapd started again: erin logs in, coatid
#    not restarted;
#  - slapd frozen (SIGSTOP) while frank logs in: his check waits, the satellite's phase 1
#    is made again meanwhile; frank's check ends at the LDAP time limit
#    (auth.timeouts); slapd thawed: frank logs in.
# Neither a user's password nor bind_pw reaches coatid's log.
. "${COATI_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/lab.sh"

lab_host hub 192.0.2.1 192.168.1.0/24 192.168.1.1
lab_host sat 198.51.100.3 192.168.3.0/24 192.168.3.1
lab_host rwalice 203.0.113.5
lab_host rwbob 203.0.113.6
lab_host rwcarol 203.0.113.7
lab_host rwbad 203.0.113.8
lab_host rwdave 203.0.113.9
lab_host rwerin 203.0.113.10
lab_host rwfrank 203.0.113.11
hub=$(lab_ip hub)

lab_slapd_start hub-lan
lab_ldap_user hub-lan alice "alice secret" staff
lab_ldap_user hub-lan bob "bob secret" contractors
lab_ldap_user hub-lan carol "carol secret" visitors
lab_ldap_user hub-lan dave "dave secret" staff
lab_ldap_user hub-lan erin "erin secret" staff
lab_ldap_user hub-lan frank "frank secret" contractors
lab_ldap_set hub-lan dave racoon-address 192.168.201.30

lab_pki rhum armagnac
root=$(lab_coatid_root hub rhum)
conf=$root/etc/racoon/local.conf
sed -i -E 's/^([[:space:]]*)auth_source pam;/\1auth_source ldap;\n\1group_source ldap;\n\1auth_groups "staff", "contractors";/;
  s/^([[:space:]]*)conf_source local;/\1conf_source ldap;/' "$conf"
lab_ldapcfg hub >>"$conf"
grep -q "auth_source ldap;" "$conf" && grep -q "conf_source ldap;" "$conf" || lab_fail "config not rebased"
lab_coatid_start hub "$root"
hublog=$(lab_coatid_log hub)
stat() { lab_coatictl hub stats | awk -v k="$1" '$1 "." $2 == k { print $3 }'; }
is() { [ "$(stat "$1")" = "$2" ]; }
grep -iE "ldap.*not implemented|ldapcfg.*ignored" "$hublog" && lab_fail "hub: LDAP still warned about"
lab_ok "coatid checks logins with slapd at $(lab_server_ip hub)"

# --- the satellite ----------------------------------------------------------------------
lab_charon_prepare sat armagnac
lab_charon_start sat
lab_swanctl_conf sat satellite REMOTE="$hub" REMOTE_HOST=rhum CHILD_EXTRA="rekey_time = 0s
        rand_time = 0s"
lab_swanctl_load sat
lab_swanctl_initiate sat lan 30 || true # no ESP here: the child's install fails
sat_isakmp() { lab_coatictl hub show-sa isakmp | grep -F "198.51.100.3" | grep established | awk '{ print $3 }'; }
lab_wait 20 sh -c "$COATI_BUILD/tools/coatictl/coatictl -s $root/var/racoon/racoon.sock show-sa isakmp | grep -F 198.51.100.3 | grep -q established" ||
  lab_fail "sat: no ISAKMP SA on the hub"
sat_before=$(sat_isakmp)
lab_ok "satellite armagnac up: $sat_before"

user_row() { lab_coatictl hub show-sa isakmp | grep -F "user=\"$1\"" | grep -qF "address=$2"; }

# --- staff and contractors ----------------------------------------------------------------
lab_rw_charon rwalice "$hub" main alice "alice secret" REMOTE_HOST=rhum
lab_rw_charon_up rwalice || lab_fail "rwalice: no IKE SA (see charon-rwalice.log)"
lab_same rwalice "virtual IP" 192.168.201.20 "$(lab_rw_charon_vip rwalice)"
user_row alice 192.168.201.20 || lab_fail "show-sa: no row for alice"
lab_rw_charon rwbob "$hub" aggressive bob "bob secret" REMOTE_HOST=rhum
lab_rw_charon_up rwbob || lab_fail "rwbob: no IKE SA (see charon-rwbob.log)"
lab_same rwbob "virtual IP" 192.168.201.21 "$(lab_rw_charon_vip rwbob)"
user_row bob 192.168.201.21 || lab_fail "show-sa: no row for bob"
is auth.ok 2 || lab_fail "auth.ok is $(stat auth.ok), expected 2"
lab_ok "alice (staff) and bob (contractors) logged in through LDAP: 192.168.201.20, .21"

# --- conf_source ldap: the directory's address --------------------------------------------
lab_rw_charon rwdave "$hub" main dave "dave secret" REMOTE_HOST=rhum
lab_rw_charon_up rwdave || lab_fail "rwdave: no IKE SA (see charon-rwdave.log)"
lab_same rwdave "virtual IP" 192.168.201.30 "$(lab_rw_charon_vip rwdave)"
user_row dave 192.168.201.30 || lab_fail "show-sa: no row for dave at 192.168.201.30"
is pool.fixed 1 || lab_fail "pool.fixed is $(stat pool.fixed)"
lab_ok "dave: racoon-address 192.168.201.30 from the directory, exactly"

# --- refusals -------------------------------------------------------------------------------
lab_rw_charon rwcarol "$hub" main carol "carol secret" REMOTE_HOST=rhum
! lab_rw_charon_up rwcarol 20 || lab_fail "rwcarol: an IKE SA for a user in no allowed group"
lab_wait 10 is auth.failed.account_denied 1 || lab_fail "auth.failed.account_denied is $(stat auth.failed.account_denied)"
grep -q "user carol .*refused (account_denied): in none of the auth_groups (the user's groups: visitors)" "$hublog" ||
  lab_fail "hub: no reason for carol's refusal in the log"
lab_rw_charon rwbad "$hub" main alice "not alice's" REMOTE_HOST=rhum
! lab_rw_charon_up rwbad 20 || lab_fail "rwbad: an IKE SA with a wrong password"
lab_wait 10 is auth.failed.bad_credentials 1 || lab_fail "auth.failed.bad_credentials is $(stat auth.failed.bad_credentials)"
grep -q "user alice .*refused (bad_credentials): the directory refused the password" "$hublog" ||
  lab_fail "hub: no reason for the wrong password in the log"
lab_ok "carol (visitors) refused: account_denied; a wrong password refused: bad_credentials"

# --- slapd stopped ----------------------------------------------------------------------------
lab_slapd_stop hub-lan
lab_rw_charon rwerin "$hub" main erin "erin secret" REMOTE_HOST=rhum
! lab_rw_charon_up rwerin 20 || lab_fail "rwerin: logged in with slapd stopped"
lab_wait 10 is auth.failed.backend_error 1 || lab_fail "auth.failed.backend_error is $(stat auth.failed.backend_error)"
grep -q "user erin .*refused (backend_error): .*unreachable" "$hublog" ||
  lab_fail "hub: no clear reason for erin's refusal"
[ "$(sat_isakmp)" = "$sat_before" ] || lab_fail "sat: its ISAKMP SA changed while slapd was down"
user_row alice 192.168.201.20 || lab_fail "alice lost her SA while slapd was down"
lab_ok "slapd stopped: erin refused at once (backend_error, unreachable), satellite and alice untouched"
lab_slapd_run hub-lan
lab_rw_charon_up rwerin || lab_fail "rwerin: no login after slapd restarted"
user_row erin 192.168.201.22 || lab_fail "show-sa: no row for erin"
lab_ok "slapd started again: erin logs in, coatid not restarted"

# --- slapd frozen ---------------------------------------------------------------------------
pid=$(lab_slapd_pid hub-lan)
kill -STOP "$pid"
lab_at_exit "kill -CONT $pid 2>/dev/null"
lab_rw_charon rwfrank "$hub" main frank "frank secret" REMOTE_HOST=rhum
lab_swanctl rwfrank --initiate --child lan --timeout 30 >"$LAB_LOGDIR/swanctl-frank.log" 2>&1 &
swan=$!
waiting() { [ "$(stat auth.in_flight)" -ge 1 ]; }
lab_wait 10 waiting ||
  lab_fail "frank's check is not waiting on slapd"
lab_swanctl sat --terminate --ike peer >/dev/null 2>&1 || true
lab_wait 10 sh -c "! $COATI_BUILD/tools/coatictl/coatictl -s $root/var/racoon/racoon.sock show-sa isakmp | grep -F 198.51.100.3 | grep -q established" ||
  lab_fail "sat: its ISAKMP SA did not end"
lab_swanctl_initiate sat lan 30 || true
lab_wait 10 sh -c "$COATI_BUILD/tools/coatictl/coatictl -s $root/var/racoon/racoon.sock show-sa isakmp | grep -F 198.51.100.3 | grep -q established" ||
  lab_fail "sat: no new phase 1 while slapd is frozen"
waiting && [ "$(ps -o state= -p "$pid")" = T ] ||
  lab_fail "frank's check ended before the satellite came back: nothing shown"
lab_ok "slapd frozen: frank's check waits, the satellite made a new phase 1 meanwhile"
lab_wait 20 is auth.timeouts 1 || lab_fail "auth.timeouts is $(stat auth.timeouts)"
grep -q "user frank .*refused (timeout): .*no answer within 5000 ms" "$hublog" ||
  lab_fail "hub: no clear reason for frank's timeout"
wait "$swan" || true
kill -CONT "$pid"
lab_rw_charon_up rwfrank || lab_fail "rwfrank: no login after slapd was thawed"
user_row frank 192.168.201.23 || lab_fail "show-sa: no row for frank"
user_row alice 192.168.201.20 || lab_fail "alice lost her SA"
lab_ok "frank refused at the LDAP time limit (timeout, counted); slapd thawed: frank logs in"

for secret in "alice secret" "not alice's" "erin secret" "frank secret" "$LAB_LDAP_ROOTPW"; do
  grep -qF "$secret" "$hublog" && lab_fail "hub: a password reached the log"
done
lab_coatictl hub stats >"$LAB_LOGDIR/stats.txt"
lab_ok "no password and no bind_pw in coatid's log"
echo PASS
