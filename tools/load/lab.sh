# The load lab (sourced by tests/integration/concurrency.sh and tools/bench/load.sh):
# a hub namespace (192.0.2.1) running coatid with a small pre-shared-key racoon.conf, a
# driver namespace (198.51.100.10 .. 198.51.100.13) for coati-load, joined by a veth pair;
# everything removed on any exit. Set `tag` (short, unique) before sourcing; it sets
# hub, drv, work, root, sock, from (the driver's addresses, comma separated).
set -euo pipefail
: "${COATI_BUILD:?}" "${COATI_SRC:?}" "${tag:?}"
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; exit 77; }
COATID=$COATI_BUILD/tools/coatid/coatid
CTL=$COATI_BUILD/tools/coatictl/coatictl
LOAD=$COATI_BUILD/tools/load/coati-load
hub=$tag-h drv=$tag-d
work=$(mktemp -d /tmp/coati-$tag.XXXXXX)
root=$work/root
sock=$root/var/racoon/racoon.sock
from=198.51.100.10,198.51.100.11,198.51.100.12,198.51.100.13
psk=load-test-secret
coatid_pid=
load_pid=
lab_cleanup() {
  for p in $load_pid $coatid_pid; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 50); do
    [ -n "$coatid_pid" ] && kill -0 "$coatid_pid" 2>/dev/null || break
    sleep 0.1
  done
  for p in $load_pid $coatid_pid; do kill -9 "$p" 2>/dev/null || true; done
  ip netns del "$hub" 2>/dev/null || true
  ip netns del "$drv" 2>/dev/null || true
  if [ "${keep:-0}" = 1 ]; then echo "logs kept in $work"; else rm -rf "$work"; fi
}
trap lab_cleanup EXIT INT TERM
fail() {
  echo "FAIL: $*" >&2
  keep=1
  for f in "$work"/coatid-*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; }; done
  exit 1
}
ctl() { "$CTL" -s "$sock" "$@"; }
# wait_for SECONDS COMMAND...: polls every 0.1 s until COMMAND succeeds.
wait_for() {
  local n=$(( $1 * 10 ))
  shift
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
# stat_value KEY: one counter of `coatictl stats` (0 when absent).
stat_value() {
  ctl stats | awk -v k="$1" '{ if ($1 "." $2 == k) { print $3; found = 1 } } END { if (!found) print 0 }'
}

ip netns add "$hub"
ip netns add "$drv"
ip link add h0 netns "$hub" type veth peer name d0 netns "$drv"
ip -n "$hub" link set lo up
ip -n "$drv" link set lo up
ip -n "$hub" addr add 192.0.2.1/24 dev h0
for a in ${from//,/ }; do ip -n "$drv" addr add "$a/24" dev d0; done
ip -n "$hub" link set h0 up
ip -n "$drv" link set d0 up
ip -n "$hub" route add 198.51.100.0/24 dev h0
ip -n "$drv" route add 192.0.2.0/24 dev d0

mkdir -p "$root/etc/racoon" "$root/var/racoon"
cat > "$root/etc/racoon/racoon.conf" <<'EOF'
# The load lab's hub: anyone with the pre-shared key, main mode, passive.
path pre_shared_key "/etc/racoon/psk.txt";
log warning;
listen
{
	adminsock "/var/racoon/racoon.sock";
}
timer
{
	counter 5;
	interval 10 sec;
	persend 1;
	phase1 180 sec;
	phase2 60 sec;
}
remote anonymous
{
	exchange_mode main;
	passive on;
	my_identifier address;
	initial_contact off;
	proposal_check obey;
	lifetime time 8 hour;
	proposal {
		encryption_algorithm aes 128;
		hash_algorithm sha1;
		authentication_method pre_shared_key;
		dh_group modp1024;
	}
	proposal {
		encryption_algorithm 3des;
		hash_algorithm sha1;
		authentication_method pre_shared_key;
		dh_group modp1024;
	}
}
sainfo anonymous
{
	lifetime time 1 hour;
	encryption_algorithm aes 128, 3des;
	authentication_algorithm hmac_sha1, hmac_md5;
	compression_algorithm deflate;
}
EOF
for a in ${from//,/ }; do echo "$a $psk"; done > "$root/etc/racoon/psk.txt"
chmod 600 "$root/etc/racoon/psk.txt"

# start_coatid NAME: coatid (test hooks on) in the hub namespace, log $work/coatid-NAME.log.
start_coatid() {
  COATI_TEST_HOOKS=1 ip netns exec "$hub" "$COATID" -F --config-root "$root" \
    -f "$root/etc/racoon/racoon.conf" 2> "$work/coatid-$1.log" &
  coatid_pid=$!
  wait_for 20 ctl status || fail "coatid did not start"
}
# stop_coatid: SIGTERM; coatid must end with status 0.
stop_coatid() {
  local rc=0
  kill -TERM "$coatid_pid"
  wait "$coatid_pid" || rc=$?
  [ "$rc" = 0 ] || fail "coatid ended with status $rc after SIGTERM"
  coatid_pid=
}
# run_load ARGS...: coati-load in the driver namespace against the hub, output on stdout.
run_load() {
  ip netns exec "$drv" "$LOAD" 192.0.2.1 --from "$from" --psk "$psk" "$@"
}
