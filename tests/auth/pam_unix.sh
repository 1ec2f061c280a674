#!/bin/bash
# pam_unix.so checks real passwords against a private /etc/passwd, /etc/shadow and
# /etc/group: copies with test users added, bind-mounted over the originals inside a
# mount namespace of this test's own (unshare -m, private propagation), the way
# lab_pam_user does it. The host's files and /etc/pam.d are never written or read by PAM:
# the PAM service comes from a private folder (pam_start_confdir).
# Needs root (unshare, mount); exits 77 (skipped) otherwise.
set -euo pipefail
: "${COATI_BUILD:?COATI_BUILD must name the build folder}"
bin=$COATI_BUILD/tests/auth/test_auth_pam_unix
if [ "$(id -u)" != 0 ]; then
  echo "skipped: needs root for unshare -m and bind mounts"
  exit 77
fi
work=$(mktemp -d /tmp/coati-pam-unix.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp /etc/passwd /etc/shadow /etc/group "$work/"
chmod 640 "$work/shadow"
mkdir "$work/pam.d"
printf 'auth required pam_unix.so\naccount required pam_unix.so\n' >"$work/pam.d/coati-unix"

# add_user USER PASSWORD SHADOW_TAIL [GROUP...]: SHADOW_TAIL is shadow's fields 3..9.
add_user() {
  local user=$1 pass=$2 tail=$3 uid=20000 gid g
  shift 3
  while cut -d: -f3 "$work/passwd" "$work/group" | grep -qx "$uid"; do uid=$((uid + 1)); done
  echo "$user:x:$uid:$uid:coati pam test:/nonexistent:/usr/sbin/nologin" >>"$work/passwd"
  echo "$user:$(openssl passwd -6 "$pass"):$tail" >>"$work/shadow"
  echo "$user:x:$uid:" >>"$work/group"
  for g in "$@"; do
    if ! grep -q "^$g:" "$work/group"; then
      gid=30000
      while cut -d: -f3 "$work/group" | grep -qx "$gid"; do gid=$((gid + 1)); done
      echo "$g:x:$gid:" >>"$work/group"
    fi
    sed -i -E "s/^($g:[^:]*:[^:]*:)(.*)$/\1\2,$user/; s/^($g:[^:]*:[^:]*:),/\1/" "$work/group"
  done
}
today=$(($(date +%s) / 86400))
add_user coati-alice 'alice pw 1' "$today:0:99999:7:::" coati-vpn coati-staff
add_user coati-expired 'expired pw' "$today:0:99999:7::1:"   # account expired 1970-01-02
add_user coati-oldpw 'old pw' "1000:0:30:7:::"               # password older than 30 days

# shellcheck disable=SC2016
unshare -m --propagation private bash -c '
  for f in passwd shadow group; do mount --bind "$1/$f" "/etc/$f"; done
  shift
  exec "$@"' coati-pam-unix "$work" \
  env COATI_PAM_CONFDIR="$work/pam.d" "$bin" --log_level=test_suite --report_level=short
