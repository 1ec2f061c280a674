#!/usr/bin/env bash
# Per-group rules on coatid as the seed hub (real PAM groups, strongSwan hybrid clients):
# the seed's `sainfo anonymous` is replaced by `sainfo address 192.168.1.0/24 any anonymous
# group "staff"` and `... 192.168.2.0/24 ... group "contractors"`, and mode_cfg gets
# `group` blocks with each group's split network and domain.
# The clients run without charon's unity plugin (LAB_RW_NO_UNITY): with it, charon always
# proposes 0.0.0.0/0 and narrows after QM2, which no group sainfo names.
#  - alice (staff): Mode Config gives staff's split network (hook environment); her quick mode for
#    192.168.1.0/24 is accepted and the hub generates policies for it; phase1_up's
#    environment has staff's SPLIT_INCLUDE and DEFAULT_DOMAIN;
#  - bob (contractors): contractors' split network only, his quick mode for 192.168.2.0/24
#    accepted;
#  - carl (contractors) asks for staff's 192.168.1.0/24: refused, counted
#    (ike.phase2_refused.group), logged with his name and groups.
# GROUPS_FROM=ldap (hub_ldap_groups): the users and their groups live in a real slapd on the
# hub's LAN (auth_source ldap, group_source ldap, racoon's ldapcfg) instead of PAM, reached
# with StartTLS (`starttls on; tls_cacert` the lab CA; slapd's log shows it); coatictl
# show-users lists each user with the directory's group; at the end coatid restarted with
# another CA in tls_cacert refuses alice: backend_error, StartTLS's reason in the log.
. "${COATI_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/lab.sh"

lab_host hub 192.0.2.1 192.168.1.0/24 192.168.1.1
lab_host rwstaff 203.0.113.5
lab_host rwcont 203.0.113.6
lab_host rwcheat 203.0.113.7
hub=$(lab_ip hub)
lab_pki rhum
from=${GROUPS_FROM:-pam}
if [ "$from" = ldap ]; then
  LAB_SLAPD_TLS=1 lab_slapd_start hub-lan
  add_user() { lab_ldap_user hub-lan "$@"; }
else
  add_user() { lab_pam_user hub "$@"; }
fi
add_user alice "alice secret" staff
add_user bob "bob secret" contractors
add_user carl "carl secret" contractors
lab_coatid_pam hub
root=$(lab_coatid_root hub rhum)
conf=$root/etc/racoon/local.conf # the seed keeps its sainfos there
if [ "$from" = ldap ]; then
  sed -i -E 's/^([[:space:]]*)auth_source pam;/\1auth_source ldap;\n\1group_source ldap;/' "$conf"
  grep -q "group_source ldap;" "$conf" || lab_fail "config not rebased on LDAP"
  cp "$LAB_PKI/ca.crt" "$root/etc/racoon/cert/ldap-ca.pem" # relative to path certificate
  lab_ldapcfg hub | sed 's|^}|\tstarttls on;\n\ttls_cacert "ldap-ca.pem";\n}|' >>"$conf"
  grep -q "starttls on;" "$conf" || lab_fail "no starttls in the ldapcfg block"
fi
# The roadwarriors' `sainfo anonymous` goes; one sainfo per group comes.
awk '/^sainfo anonymous/ { skip = 1 } skip && /^}/ { skip = 0; next } !skip' "$conf" >"$conf.new"
mv "$conf.new" "$conf"
grep -q "^sainfo anonymous" "$conf" && lab_fail "the seed's sainfo anonymous is still there"
for g in "1.0/24 staff" "2.0/24 contractors"; do
  set -- $g
  cat >>"$conf" <<CONF
sainfo address 192.168.$1 any anonymous group "$2"
{
	lifetime time 8 hour;
	encryption_algorithm 3des;
	authentication_algorithm hmac_md5;
	compression_algorithm deflate;
}
CONF
done
cat >>"$root/etc/racoon/local.conf" <<'CONF'
mode_cfg {
	group "staff" { split_network include 192.168.1.0/24; default_domain "staff.local"; }
	group "contractors" { split_network include 192.168.2.0/24; default_domain "contractors.local"; }
}
CONF
lab_coatid_start hub "$root"
hublog=$(lab_coatid_log hub)
stat() { lab_coatictl hub stats | awk -v k="$1" '$1 "." $2 == k { print $3 }'; }
grep -q "is not implemented yet: the sainfo applies to every user" "$hublog" &&
  lab_fail "hub: still warns that sainfo group is not implemented"
policy_for() { ip -n "$(lab_ns hub)" xfrm policy | grep -q "src $1 dst $2"; }

# --- alice, staff ---------------------------------------------------------------------------
# Each client asks for its group's network (without a sainfo anonymous, charon's usual
# 0.0.0.0/0 matches nothing); Mode Config's split include is read from the REPLY itself.
LAB_RW_NO_UNITY=1 lab_rw_charon rwstaff "$hub" main alice "alice secret" REMOTE_HOST=rhum REMOTE_TS=192.168.1.0/24
lab_rw_charon_up rwstaff || lab_fail "rwstaff: no IKE SA"
lab_same rwstaff "virtual IP" 192.168.201.20 "$(lab_rw_charon_vip rwstaff)"
lab_wait 10 policy_for 192.168.1.0/24 192.168.201.20/32 ||
  { ip -n "$(lab_ns hub)" xfrm policy; lab_coatictl hub stats | grep -E "ike|policy"; lab_fail "hub: no generated policy for staff's 192.168.1.0/24 <-> 192.168.201.20"; }
env=$LAB_LOGDIR/hub-phase1_up.env
lab_wait 10 grep -qs "XAUTH_USER=alice" "$env" || lab_fail "phase1_up: no XAUTH_USER=alice"
for kv in "SPLIT_INCLUDE_CIDR=192.168.1.0/24" DEFAULT_DOMAIN=staff.local; do
  grep -qxF "$kv" "$env" || { cat "$env"; lab_fail "phase1_up for alice: no $kv"; }
done
grep -q 'user "alice" has 192.168.201.20 (the values of mode_cfg group "staff")' "$hublog" ||
  lab_fail "hub: no log line for alice's group values"
lab_ok "alice (staff): split 192.168.1.0/24, quick mode accepted, policies generated, hook env"
if [ "$from" = ldap ]; then
  lab_coatictl hub show-users | grep -q '^user="alice" groups=staff address=192\.168\.201\.20 ' ||
    { lab_coatictl hub show-users; lab_fail "show-users: alice not listed with the directory's group staff"; }
  [ "$(stat auth.ok)" = 1 ] || lab_fail "auth.ok is $(stat auth.ok): alice was not checked by LDAP"
  slog=$LAB_LOGDIR/slapd-hub-lan.log
  grep -q 'EXT oid=1.3.6.1.4.1.1466.20037' "$slog" || lab_fail "slapd: coatid sent no StartTLS"
  grep -q 'TLS established' "$slog" || lab_fail "slapd: no TLS session established"
  lab_ok "coatid reached slapd with StartTLS (slapd: $(grep -c 'TLS established' "$slog") TLS session(s))"
fi

# --- bob, contractors -----------------------------------------------------------------------
LAB_RW_NO_UNITY=1 lab_rw_charon rwcont "$hub" main bob "bob secret" REMOTE_HOST=rhum REMOTE_TS=192.168.2.0/24
lab_rw_charon_up rwcont || lab_fail "rwcont: no IKE SA"
lab_wait 10 policy_for 192.168.2.0/24 192.168.201.21/32 ||
  lab_fail "hub: no generated policy for contractors' 192.168.2.0/24 <-> 192.168.201.21"
policy_for 192.168.1.0/24 192.168.201.21/32 && lab_fail "hub: bob got a policy for staff's network"
lab_wait 10 grep -qs "XAUTH_USER=bob" "$env" || lab_fail "phase1_up: no XAUTH_USER=bob"
grep -qxF "SPLIT_INCLUDE_CIDR=192.168.2.0/24" "$env" || { cat "$env"; lab_fail "phase1_up for bob: not contractors' split"; }
lab_ok "bob (contractors): split 192.168.2.0/24 only, quick mode accepted, policies generated"
if [ "$from" = ldap ]; then
  lab_coatictl hub show-users | grep -q '^user="bob" groups=contractors address=192\.168\.201\.21 ' ||
    { lab_coatictl hub show-users; lab_fail "show-users: bob not listed with the directory's group contractors"; }
fi

# --- carl, contractors, asks for staff's network ---------------------------------------------
LAB_RW_NO_UNITY=1 lab_rw_charon rwcheat "$hub" main carl "carl secret" REMOTE_HOST=rhum REMOTE_TS=192.168.1.0/24
lab_rw_charon_up rwcheat || lab_fail "rwcheat: no IKE SA (XAuth should pass)"
refused() { [ "$(stat ike.phase2_refused.group)" -ge 1 ] 2>/dev/null; } # charon retries
lab_wait 20 refused ||
  lab_fail "hub: ike.phase2_refused.group is '$(stat ike.phase2_refused.group)', expected 1 or more"
grep -qE 'refused: user "carl" \(groups: [^)]*contractors[^)]*\) is not in group "staff"' "$hublog" ||
  lab_fail "hub: no log line naming carl and the group"
policy_for 192.168.1.0/24 192.168.201.22/32 && lab_fail "hub: carl got a policy for staff's network"
lab_ok "carl (contractors) asking for 192.168.1.0/24: refused, counted, logged with user and group"

if [ "$from" = ldap ]; then
  # --- another CA in tls_cacert: StartTLS fails, the login is refused with the reason ------
  other=$(lab_tmpdir)
  PKI_CA_NAME="another CA" bash "$COATI_SRC/tests/lib/mkpki.sh" "$other" >/dev/null
  lab_coatid_stop hub "$root"
  cp "$other/ca.crt" "$root/etc/racoon/cert/other-ca.pem"
  sed -i 's|tls_cacert "ldap-ca.pem"|tls_cacert "other-ca.pem"|' "$conf"
  grep -qF '"other-ca.pem"' "$conf" || lab_fail "tls_cacert not replaced"
  lab_coatid_start hub "$root"
  hublog=$(lab_coatid_log hub)
  ! lab_rw_charon_up rwstaff 20 || lab_fail "rwstaff: logged in although the directory's certificate is not the CA's"
  backend_error() { [ "$(stat auth.failed.backend_error)" -ge 1 ] 2>/dev/null; }
  lab_wait 10 backend_error ||
    lab_fail "auth.failed.backend_error is '$(stat auth.failed.backend_error)'"
  grep -q "user alice .*refused (backend_error): StartTLS with LDAP server ldap://.* failed" "$hublog" ||
    { grep -i "alice\|tls" "$hublog" | tail -5; lab_fail "hub: no StartTLS reason for alice's refusal"; }
  lab_ok "tls_cacert of another CA: alice refused (backend_error): $(grep -o 'StartTLS with LDAP server.*' "$hublog" | head -1)"
fi
echo PASS
