#!/usr/bin/env bash
# Smoke test of lab_pam_user: a throwaway account exists for the processes of one lab
# host only (private /etc/passwd, shadow, group), PAM (pamtester, service "other" =
# common-auth, pam_unix) accepts its password and refuses a wrong one, `id -G` lists its
# groups, and the host's own account files never see it.
. "${COATI_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/lab.sh"
lab_host hub 192.0.2.1
user=lab-$LAB_PREFIX
sums=$(md5sum /etc/passwd /etc/shadow /etc/group)
lab_pam_user hub "$user" "tr0ub4dor&3" vpnusers staff
echo "tr0ub4dor&3" | lab_exec hub pamtester other "$user" authenticate >"$LAB_LOGDIR/pam-good.log" 2>&1 ||
  { cat "$LAB_LOGDIR/pam-good.log"; lab_fail "PAM refused the right password"; }
echo "wrong" | lab_exec hub pamtester other "$user" authenticate >"$LAB_LOGDIR/pam-bad.log" 2>&1 &&
  lab_fail "PAM accepted a wrong password"
lab_ok "PAM: $user authenticates with its password, not with a wrong one"
groups=$(lab_exec hub id -Gn "$user")
[[ " $groups " == *" vpnusers "* && " $groups " == *" staff "* ]] || lab_fail "id -Gn $user: $groups"
lab_ok "id -Gn $user: $groups"
getent passwd "$user" >/dev/null && lab_fail "$user is visible outside the lab host"
[ "$(md5sum /etc/passwd /etc/shadow /etc/group)" = "$sums" ] || lab_fail "the host's account files changed"
lab_ok "the host's /etc/passwd, shadow and group are untouched"
echo PASS
