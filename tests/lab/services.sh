# Services for later roadwarrior scenarios (sourced by lab.sh): a local PAM account, slapd
# and bind9's named, each private to the lab (own configuration, state and sockets under
# the run's state folder, listening only inside a namespace). Reference: tests/README.md.

# --- a PAM test account ---------------------------------------------------------------
# _lab_private_etc NAME: NAME's private copies of passwd, shadow and group (made and bound
# over /etc the first time); prints their folder.
_lab_private_etc() {
  local d=$LAB_WORK/etc-$1 f
  if [ ! -d "$d" ]; then
    mkdir -p "$d"
    cp /etc/passwd /etc/shadow /etc/group "$d/"
    chmod 640 "$d/shadow"
    for f in passwd shadow group; do lab_bind "$1" "$d/$f" "/etc/$f"; done
  fi
  echo "$d"
}

# lab_pam_user NAME USER PASSWORD [GROUP...]: USER (with PASSWORD, and in each GROUP)
# exists for every process later started in NAME (lab_exec, lab_bg): NAME gets private
# copies of /etc/passwd, /etc/shadow and /etc/group with USER added, bind-mounted over the
# originals in those processes' own mount namespace. The host's files are never written,
# so a killed test cannot leave a stray account, and it works on the VM's read-only root.
lab_pam_user() {
  local name=$1 user=$2 pass=$3 d uid g gid
  shift 3
  d=$(_lab_private_etc "$name")
  grep -q "^$user:" "$d/passwd" && lab_fail "lab_pam_user: $user exists already"
  uid=20000
  while cut -d: -f3 "$d/passwd" "$d/group" | grep -qx "$uid"; do uid=$((uid + 1)); done
  echo "$user:x:$uid:$uid:lab test user:/nonexistent:/usr/sbin/nologin" >>"$d/passwd"
  echo "$user:$(openssl passwd -6 "$pass"):19000:0:99999:7:::" >>"$d/shadow"
  echo "$user:x:$uid:" >>"$d/group"
  for g in "$@"; do
    if grep -q "^$g:" "$d/group"; then
      sed -i -E "s/^($g:[^:]*:[^:]*:)(.*)$/\1\2,$user/; s/^($g:[^:]*:[^:]*:),/\1/" "$d/group"
    else
      gid=30000
      while cut -d: -f3 "$d/group" | grep -qx "$gid"; do gid=$((gid + 1)); done
      echo "$g:x:$gid:$user" >>"$d/group"
    fi
  done
}

# lab_pam_users NAME PREFIX COUNT PASSWORD: users PREFIX0 .. PREFIX<COUNT-1>, all with
# PASSWORD, for NAME's processes (as lab_pam_user, written at once: one hash for all, one
# file write per file, so hundreds take a second). Fails when one of them exists already.
lab_pam_users() {
  local name=$1 prefix=$2 count=$3 pass=$4 d uid hash
  d=$(_lab_private_etc "$name")
  grep -Eq "^$prefix[0-9]+:" "$d/passwd" && lab_fail "lab_pam_users: $prefix* users exist already"
  uid=$(cut -d: -f3 "$d/passwd" "$d/group" | sort -n | tail -n 1)
  uid=$((uid < 20000 ? 20000 : uid + 1))
  hash=$(openssl passwd -6 "$pass")
  awk -v p="$prefix" -v n="$count" -v u="$uid" -v d="$d" -v h="$hash" 'BEGIN {
    for (i = 0; i < n; i++) {
      printf "%s%d:x:%d:%d:lab test user:/nonexistent:/usr/sbin/nologin\n", p, i, u + i, u + i >>(d "/passwd")
      printf "%s%d:%s:19000:0:99999:7:::\n", p, i, h >>(d "/shadow")
      printf "%s%d:x:%d:\n", p, i, u + i >>(d "/group")
    } }'
}

# --- slapd ----------------------------------------------------------------------------
LAB_LDAP_SUFFIX="dc=coati,dc=test"
LAB_LDAP_ROOTDN="cn=admin,dc=coati,dc=test"
LAB_LDAP_ROOTPW="lab admin"

# lab_slapd_start NAME: slapd in NAME's namespace with a private slapd.conf and mdb
# database (suffix $LAB_LDAP_SUFFIX, root $LAB_LDAP_ROOTDN / $LAB_LDAP_ROOTPW), listening
# on ldap://<NAME's address>/ and on an ldapi socket (lab_ldapi NAME). Seeds
# ou=people and ou=groups. Besides the usual schemas, racoon's attributes racoon-address
# and racoon-netmask (auxiliary class racoon-user; lab_ldap_set). Log slapd-NAME.log.
# With LAB_SLAPD_TLS=1: StartTLS offered, with a certificate from the lab CA ($LAB_PKI/ca.crt)
# whose subjectAltName is NAME's address.
lab_slapd_start() {
  local name=$1 d s
  d=$LAB_WORK/slapd-$name
  mkdir -p "$d/db"
  if [ "${LAB_SLAPD_TLS:-0}" = 1 ]; then
    [ -f "$LAB_PKI/ca.crt" ] || bash "$COATI_SRC/tests/lib/mkpki.sh" "$LAB_PKI" >/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout "$d/tls.key" -out "$d/tls.csr" \
      -subj "/C=FR/O=coati test/CN=$(lab_local_ip "$name")" 2>/dev/null
    printf 'subjectAltName = IP:%s\n' "$(lab_local_ip "$name")" >"$d/tls.ext"
    openssl x509 -req -in "$d/tls.csr" -CA "$LAB_PKI/ca.crt" -CAkey "$LAB_PKI/ca.key" \
      -CAcreateserial -out "$d/tls.crt" -days 30 -sha256 -extfile "$d/tls.ext" 2>/dev/null ||
      lab_fail "slapd: no TLS certificate"
  fi
  # OIDs under OpenLDAP's experimental arc (1.3.6.1.4.1.4203.666): for tests only.
  cat >"$d/racoon.schema" <<'SCHEMA'
attributetype ( 1.3.6.1.4.1.4203.666.11.77.1 NAME 'racoon-address'
  DESC 'Mode Config IPv4 address of a roadwarrior' EQUALITY caseIgnoreIA5Match
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.26 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.4203.666.11.77.2 NAME 'racoon-netmask'
  DESC 'Mode Config IPv4 netmask of a roadwarrior' EQUALITY caseIgnoreIA5Match
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.26 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.4203.666.11.77.3 NAME 'racoon-user' SUP top AUXILIARY
  MAY ( racoon-address $ racoon-netmask ) )
SCHEMA
  for s in core cosine nis inetorgperson; do echo "include /etc/ldap/schema/$s.schema"; done >"$d/slapd.conf"
  echo "include $d/racoon.schema" >>"$d/slapd.conf"
  cat >>"$d/slapd.conf" <<CONF
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $d/slapd.pid
argsfile $d/slapd.args
database mdb
maxsize 16777216
suffix "$LAB_LDAP_SUFFIX"
rootdn "$LAB_LDAP_ROOTDN"
rootpw "$LAB_LDAP_ROOTPW"
directory $d/db
CONF
  if [ "${LAB_SLAPD_TLS:-0}" = 1 ]; then
    # Global directives: before the database section.
    sed -i "/^modulepath/i TLSCACertificateFile $LAB_PKI/ca.crt\nTLSCertificateFile $d/tls.crt\nTLSCertificateKeyFile $d/tls.key" "$d/slapd.conf"
  fi
  lab_slapd_run "$name"
  lab_ldap_add "$name" <<LDIF
dn: $LAB_LDAP_SUFFIX
objectClass: dcObject
objectClass: organization
dc: coati
o: coati test

dn: ou=people,$LAB_LDAP_SUFFIX
objectClass: organizationalUnit
ou: people

dn: ou=groups,$LAB_LDAP_SUFFIX
objectClass: organizationalUnit
ou: groups
LDIF
}
# lab_slapd_run NAME: (re)starts NAME's slapd on its configuration and database (made by
# lab_slapd_start); returns when it answers. Log slapd-NAME.log (appended).
lab_slapd_run() {
  local name=$1 d=$LAB_WORK/slapd-$1
  _lab_argv "$name" slapd -d stats -f "$d/slapd.conf" \
    -h "ldap://$(lab_local_ip "$name")/ $(lab_ldapi "$name")"
  { exec "${LAB_ARGV[@]}"; } </dev/null >>"$LAB_LOGDIR/slapd-$name.log" 2>&1 &
  LAB_PID=$!
  lab_track "$LAB_PID"
  lab_wait 20 ldapsearch -x -H "$(lab_ldapi "$name")" -s base -b "" namingContexts >/dev/null 2>&1 ||
    lab_fail "slapd in $name did not start"
}
# lab_slapd_pid NAME: the PID of NAME's slapd (its pid file).
lab_slapd_pid() { cat "$LAB_WORK/slapd-$1/slapd.pid"; }
# lab_slapd_stop NAME: SIGTERM to NAME's slapd; returns when it has ended (10 s).
lab_slapd_stop() {
  local pid
  pid=$(lab_slapd_pid "$1")
  kill -TERM "$pid"
  lab_wait 10 sh -c "! kill -0 $pid 2>/dev/null" || lab_fail "slapd in $1 did not stop"
}
# lab_ldap_set NAME USER ATTR VALUE: sets ATTR of uid=USER,ou=people (adds the auxiliary
# class racoon-user first, for racoon-address / racoon-netmask).
lab_ldap_set() {
  ldapmodify -x -H "$(lab_ldapi "$1")" -D "$LAB_LDAP_ROOTDN" -w "$LAB_LDAP_ROOTPW" \
    >>"$LAB_LOGDIR/ldapadd-$1.log" 2>&1 <<LDIF || lab_fail "ldapmodify of $2 in $1"
dn: uid=$2,ou=people,$LAB_LDAP_SUFFIX
changetype: modify
add: objectClass
objectClass: racoon-user
-
replace: $3
$3: $4
LDIF
}
# lab_ldapcfg HOST: racoon's ldapcfg block for the slapd on HOST's LAN server (lab host
# HOST; slapd started with lab_slapd_start HOST-lan), bound as the directory's admin.
lab_ldapcfg() {
  cat <<CONF
ldapcfg {
	version 3;
	host "$(lab_server_ip "$1")";
	port 389;
	base "$LAB_LDAP_SUFFIX";
	subtree on;
	bind_dn "$LAB_LDAP_ROOTDN";
	bind_pw "$LAB_LDAP_ROOTPW";
	attr_user "uid";
	attr_addr "racoon-address";
	attr_mask "racoon-netmask";
	attr_group "cn";
	attr_member "member";
}
CONF
}
# lab_ldapi NAME: the ldapi:// URL of NAME's slapd (usable from outside the namespace).
lab_ldapi() {
  local p=$LAB_WORK/slapd-$1/ldapi
  echo "ldapi://${p//\//%2F}"
}
# lab_ldap_add NAME < LDIF: adds entries as the root DN.
lab_ldap_add() {
  ldapadd -x -H "$(lab_ldapi "$1")" -D "$LAB_LDAP_ROOTDN" -w "$LAB_LDAP_ROOTPW" \
    >>"$LAB_LOGDIR/ldapadd-$1.log" 2>&1 || lab_fail "ldapadd in $1 (see ldapadd-$1.log)"
}
# lab_ldap_user NAME USER PASSWORD [GROUP...]: adds uid=USER,ou=people (inetOrgPerson +
# posixAccount, userPassword PASSWORD) and makes it a member of each GROUP
# (cn=GROUP,ou=groups, groupOfNames; created when missing).
lab_ldap_user() {
  local name=$1 user=$2 pass=$3 g dn
  shift 3
  dn="uid=$user,ou=people,$LAB_LDAP_SUFFIX"
  lab_ldap_add "$name" <<LDIF
dn: $dn
objectClass: inetOrgPerson
objectClass: posixAccount
uid: $user
cn: $user
sn: $user
uidNumber: 20000
gidNumber: 20000
homeDirectory: /nonexistent
userPassword: $pass
LDIF
  for g in "$@"; do
    if ldapsearch -x -H "$(lab_ldapi "$name")" -b "ou=groups,$LAB_LDAP_SUFFIX" "(cn=$g)" dn |
      grep -q "^dn:"; then
      ldapmodify -x -H "$(lab_ldapi "$name")" -D "$LAB_LDAP_ROOTDN" -w "$LAB_LDAP_ROOTPW" \
        >>"$LAB_LOGDIR/ldapadd-$name.log" 2>&1 <<LDIF || lab_fail "ldapmodify in $name"
dn: cn=$g,ou=groups,$LAB_LDAP_SUFFIX
changetype: modify
add: member
member: $dn
LDIF
    else
      lab_ldap_add "$name" <<LDIF
dn: cn=$g,ou=groups,$LAB_LDAP_SUFFIX
objectClass: groupOfNames
cn: $g
member: $dn
LDIF
    fi
  done
}

# --- bind9's named --------------------------------------------------------------------
# lab_named_start NAME ZONE...: named in NAME's namespace, authoritative for each ZONE
# (forward or reverse, e.g. vpn.local 201.168.192.in-addr.arpa), listening on NAME's
# address; every zone accepts dynamic updates signed with the TSIG key in
# lab_named_key NAME (hmac-sha256, name "lab-key"). Log named-NAME.log.
lab_named_start() {
  local name=$1 d ip z first
  shift
  d=$LAB_WORK/named-$name
  ip=$(lab_local_ip "$name")
  first=$1
  mkdir -p "$d"
  tsig-keygen -a hmac-sha256 lab-key >"$d/key.conf"
  cat >"$d/named.conf" <<CONF
include "$d/key.conf";
options {
  directory "$d";
  pid-file "$d/named.pid";
  session-keyfile "$d/session.key";
  managed-keys-directory "$d";
  listen-on { $ip; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
};
controls { };
CONF
  for z in "$@"; do
    cat >>"$d/named.conf" <<CONF
zone "$z" { type primary; file "$d/$z.db"; allow-update { key lab-key; }; };
CONF
    cat >"$d/$z.db" <<ZONE
\$TTL 300
@ IN SOA ns.$first. hostmaster.$first. 1 3600 600 86400 300
@ IN NS ns.$first.
ZONE
    [ "$z" = "$first" ] && echo "ns IN A $ip" >>"$d/$z.db"
  done
  cp "$d/named.conf" "$LAB_LOGDIR/named-$name.conf"
  echo "$@" >"$d/zones"
  _lab_named_run "$name"
}
_lab_named_run() { # NAME: named with NAME's conf (zones and key kept), waits for answers
  local d=$LAB_WORK/named-$1
  lab_bg "$1" "named-$1" named -4 -g -c "$d/named.conf"
  echo "$LAB_PID" >"$d/run.pid"
  for z in $(cat "$d/zones"); do
    lab_wait 30 _lab_named_answers "$1" "$(lab_local_ip "$1")" "$z" ||
      lab_fail "named in $1 does not serve $z"
  done
}
# lab_named_stop NAME: stops NAME's named (its zone files, journals and key stay).
lab_named_stop() {
  local pid
  pid=$(cat "$LAB_WORK/named-$1/run.pid")
  kill -TERM "$pid" 2>/dev/null || true
  lab_wait 10 bash -c "! kill -0 $pid 2>/dev/null" || lab_fail "named in $1 did not stop"
}
# lab_named_restart NAME: starts NAME's named again after lab_named_stop (same key, zones).
lab_named_restart() { _lab_named_run "$1"; }
_lab_named_answers() { # NAME ADDRESS ZONE: named answers the zone's SOA
  [ -n "$(lab_exec "$1" dig +short +time=1 +tries=1 @"$2" "$3" SOA 2>/dev/null)" ]
}
# lab_named_key NAME: the TSIG key file of NAME's named (for nsupdate -k).
lab_named_key() { echo "$LAB_WORK/named-$1/key.conf"; }
# lab_nsupdate FROM SERVER_NAME < COMMANDS: nsupdate in FROM's namespace against
# SERVER_NAME's named, signed with its key ("server" is added, and a last "send"; one
# update message covers one zone, so put a "send" between zones).
lab_nsupdate() {
  { echo "server $(lab_local_ip "$2")"; cat; echo send; } |
    lab_exec "$1" nsupdate -k "$(lab_named_key "$2")"
}
