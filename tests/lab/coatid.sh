# coatid in the lab (sourced by lab.sh): a seed site laid out as racoon had it, coatid on
# it in a lab host's namespace, coatictl against it, and a private PAM service for it.
# Reference: tests/README.md.

# lab_coatid_root NAME SITE: lays out the seed site SITE (rhum, armagnac) under NAME's
# folder (tests/lib/seedroot.sh, with the lab's PKI) and prints that folder (ROOT;
# racoon.conf is ROOT/etc/racoon/racoon.conf). Hook scripts record their environment in
# $LAB_LOGDIR/NAME-HOOK.env, then run the seed's own. The seed hub's hooks call nsupdate:
# NAME's processes get a resolv.conf naming their own loopback (no resolver there: refused
# at once), so no update ever leaves the lab for the host's resolver.
lab_coatid_root() {
  local name=$1 site=$2 root etc s
  root=$LAB_WORK/coatid-$name
  lab_pki "$site"
  SEED_PKI=$LAB_PKI bash "$COATI_SRC/tests/lib/seedroot.sh" "$root" "$site" >/dev/null
  etc=$root/etc/racoon
  for s in "$etc"/phase1_*.sh; do
    [ -f "$s" ] || continue
    s=$(basename "$s" .sh)
    mv "$etc/$s.sh" "$etc/$s.seed.sh"
    printf '#!/bin/sh\nenv | sort > "%s/%s-%s.env"\nexec "%s/%s.seed.sh"\n' \
      "$LAB_LOGDIR" "$name" "$s" "$etc" "$s" >"$etc/$s.sh"
    chmod +x "$etc/$s.sh"
  done
  if [ ! -f "$LAB_WORK/resolv-$name.conf" ]; then
    echo "nameserver 127.0.0.1" >"$LAB_WORK/resolv-$name.conf"
    lab_bind "$name" "$LAB_WORK/resolv-$name.conf" /etc/resolv.conf
  fi
  echo "$root"
}

# lab_coatid_pam NAME: processes of NAME get a private /etc/pam.d with the seed's
# `racoon` service, its FreeBSD `system` includes read as Debian's common-* files.
lab_coatid_pam() {
  local d=$LAB_WORK/pam.d-$1
  [ -d "$d" ] && return 0
  cp -a /etc/pam.d "$d"
  awk '/^#/ || NF == 0 { print; next }
       $2 == "include" && $3 == "system" { print $1 "\tinclude\t\tcommon-" ($1 == "auth" ? "auth" : $1 == "account" ? "account" : $1 == "session" ? "session-noninteractive" : "password"); next }
       { print }' "$COATI_SRC/tests/data/seed/rhum/pam.d-racoon" >"$d/racoon"
  lab_bind "$1" "$d" /etc/pam.d
}

# lab_coatid_rw_hub NAME POOL [--no-hooks]: the seed hub rhum laid out for NAME
# (lab_coatid_root) with its Mode Config pool grown to POOL addresses (from 192.168.201.20
# on: up to 230 stay in that /24), the seed's PAM service (lab_coatid_pam), and the hook
# scripts' nsupdate sent to NAME's own loopback (lab_coatid_root).
# --no-hooks: without the phase1_up / phase1_down scripts (load tests: hundreds of logins
# would start hundreds of nsupdate processes, which starve everything else on a small
# machine). Prints ROOT, for lab_coatid_start. Accounts: lab_pam_user(s).
lab_coatid_rw_hub() {
  local name=$1 pool=$2 root conf
  root=$(lab_coatid_root "$name" rhum)
  conf=$root/etc/racoon/local.conf
  sed -i -E "s/^([[:space:]]*pool_size)[[:space:]]+[0-9]+;/\1 $pool;/" "$conf"
  grep -q "pool_size $pool;" "$conf" || lab_fail "lab_coatid_rw_hub: no pool_size"
  if [ "${3:-}" = --no-hooks ]; then
    sed -i -E '/^[[:space:]]*script[[:space:]]/d' "$conf"
    ! grep -q '^[[:space:]]*script[[:space:]]' "$conf" || lab_fail "lab_coatid_rw_hub: hooks left"
  fi
  lab_coatid_pam "$name"
  echo "$root"
}

# lab_coatid_start NAME ROOT [ARGS...]: coatid -F on ROOT's racoon.conf in NAME's namespace
# (log coatid-NAME.log; ARGS go to coatid); returns when coatictl status answers.
# With LAB_COATID_SBIN=1 coatid and its scripts see coati-setkey as /sbin/setkey and
# ping as /sbin/ping (an overlay on /usr/sbin in its own mount namespace), as the seed
# satellite's phase1_up_cli.sh expects.
lab_coatid_start() {
  local name=$1 root=$2 wrap=()
  shift 2
  if [ "${LAB_COATID_SBIN:-0}" = 1 ]; then
    mkdir -p "$LAB_WORK/sbin"
    cp "$COATI_BUILD/tools/setkey/coati-setkey" "$LAB_WORK/sbin/setkey"
    ln -sf /usr/bin/ping "$LAB_WORK/sbin/ping"
    # shellcheck disable=SC2016
    wrap=(sh -c "mount -t overlay overlay -o lowerdir=$LAB_WORK/sbin:/usr/sbin /usr/sbin && "'exec "$0" "$@"')
  fi
  lab_bg "$name" "coatid-$name" "${wrap[@]}" "$COATI_BUILD/tools/coatid/coatid" -F \
    --config-root "$root" -f "$root/etc/racoon/racoon.conf" "$@"
  echo "$LAB_PID" >"$root/coatid.pid"
  echo "$root/var/racoon/racoon.sock" >"$LAB_WORK/coatid-$name.sock"
  lab_wait 20 lab_coatictl "$name" status >/dev/null 2>&1 ||
    lab_fail "coatid in $name did not start (see coatid-$name.log)"
}

# lab_coatictl NAME ARGS...: coatictl against NAME's coatid.
lab_coatictl() {
  local name=$1
  shift
  "$COATI_BUILD/tools/coatictl/coatictl" -s "$(cat "$LAB_WORK/coatid-$name.sock")" "$@"
}

# lab_coatid_log NAME: its log file.
lab_coatid_log() { echo "$LAB_LOGDIR/coatid-$1.log"; }

# lab_coatid_stop NAME ROOT: SIGTERM, then waits (10 s) for coatid to end; fails when it
# does not exit 0.
lab_coatid_stop() {
  local pid rc=0
  pid=$(cat "$2/coatid.pid")
  kill -TERM "$pid"
  lab_wait 10 bash -c "! kill -0 $pid 2>/dev/null" || lab_fail "coatid in $1 did not stop"
  wait "$pid" 2>/dev/null || rc=$?
  [ "$rc" = 0 ] || lab_fail "coatid in $1 exited with $rc on SIGTERM"
}
