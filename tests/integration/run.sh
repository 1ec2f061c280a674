#!/usr/bin/env bash
# coatid running as the seed hub in a network namespace: UDP 500/4500 bound, a
# non-ISAKMP datagram from a second namespace counted as dropped, SIGHUP with a broken
# then a valid file, a crashed listener restarted while the others keep answering,
# SIGTERM exits 0 and leaves nothing behind.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; exit 77; }

tag=crun$$
hub=coati_run_${tag}_hub
cli=coati_run_${tag}_cli
work=$(mktemp -d /tmp/coati-run.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  ip netns del "$hub" 2>/dev/null || true
  ip netns del "$cli" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Two namespaces joined by a veth pair: hub 192.0.2.1, client 192.0.2.2.
ip netns add "$hub"
ip netns add "$cli"
ip link add "h$tag" netns "$hub" type veth peer name "c$tag" netns "$cli"
ip -n "$hub" link set lo up
ip -n "$cli" link set lo up
ip -n "$hub" addr add 192.0.2.1/24 dev "h$tag"
ip -n "$cli" addr add 192.0.2.2/24 dev "c$tag"
ip -n "$hub" link set "h$tag" up
ip -n "$cli" link set "c$tag" up

root=$work/root
bash "$SEEDROOT" "$root" rhum >/dev/null
conf=$root/etc/racoon/racoon.conf
sock=$root/var/racoon/racoon.sock
log=$work/coatid.log
COATI_TEST_HOOKS=1 ip netns exec "$hub" "$COATID" -F --config-root "$root" -f "$conf" \
  2>"$log" &
pid=$!
ctl() { "$COATICTL" -s "$sock" "$@"; }
wait_for 10 ctl status || { cat "$log" >&2; fail "coatid did not answer on $sock"; }
pass "coatid (pid $pid) answers on its admin socket"

# UDP 500 and 4500 bound inside the namespace.
ip netns exec "$hub" ss -lunH >"$work/ss"
grep -Eq '[:*]500\b' "$work/ss" || { cat "$work/ss" >&2; fail "UDP 500 not bound"; }
grep -Eq '[:*]4500\b' "$work/ss" || { cat "$work/ss" >&2; fail "UDP 4500 not bound"; }
pass "UDP 500 and 4500 bound: $(awk '{print $4}' "$work/ss" | tr '\n' ' ')"

# One non-ISAKMP datagram to 500 and one with the non-ESP marker but no ISAKMP header to
# 4500, from the client (a NAT-T keepalive to 4500 never reaches coatid: the kernel's
# UDP_ENCAP socket swallows it).
ip netns exec "$cli" bash -c 'echo hello >/dev/udp/192.0.2.1/500; printf "\0\0\0\0hello" >/dev/udp/192.0.2.1/4500'
counted() {
  ctl stats --json >"$work/stats.json"
  [ "$(json_value "$work/stats.json" listener.dropped.short)" = 2 ]
}
wait_for 5 counted || { cat "$work/stats.json" >&2; fail "datagrams not counted"; }
[ "$(json_value "$work/stats.json" listener.accepted)" = "" ] || fail "junk was accepted"
pass "non-ISAKMP datagrams to 500 and 4500 counted as listener.dropped.short"

# A bare IKEv1 main mode header (28 bytes) is accepted; the same as IKEv2 is dropped.
hdr() { printf '\x01\x02\x03\x04\x05\x06\x07\x08\0\0\0\0\0\0\0\0\0%b\x02\0\0\0\0\0\0\0\0\x1c' "$1"; }
ip netns exec "$cli" bash -c "$(declare -f hdr); hdr '\x10' >/dev/udp/192.0.2.1/500; hdr '\x20' >/dev/udp/192.0.2.1/500"
headers() {
  ctl stats --json >"$work/stats.json"
  [ "$(json_value "$work/stats.json" listener.accepted)" = 1 ] &&
    [ "$(json_value "$work/stats.json" listener.dropped.ikev2)" = 1 ]
}
wait_for 5 headers || { cat "$work/stats.json" >&2; fail "IKEv1/IKEv2 headers not told apart"; }
pass "an IKEv1 header accepted, an IKEv2 header counted as listener.dropped.ikev2"
ctl stats | grep -Eq '^listener +dropped\.short +2$' || fail "stats table lacks the drop"

# SIGHUP with a broken file: the old snapshot stays.
cp "$conf" "$work/racoon.conf.orig"
echo 'bogus_directive_here 1;' >>"$conf"
kill -HUP "$pid"
ctl status --json >"$work/status.json"
failed_reload() {
  ctl status --json >"$work/status.json"
  [ "$(json_value "$work/status.json" daemon.reloads_failed)" = 1 ]
}
wait_for 5 failed_reload || { cat "$work/status.json" >&2; fail "broken reload not reported"; }
[ "$(json_value "$work/status.json" daemon.generation)" = 1 ] || fail "generation changed"
grep -q "reload of .* failed; keeping generation 1" "$log" || fail "no reload error logged"
pass "SIGHUP with a broken file: reload failed, generation 1 kept"

# SIGHUP with a valid change (log notify -> debug): taken, and the new level applies.
grep -q '^log notify;' "$work/racoon.conf.orig" || fail "the seed no longer says 'log notify;'"
grep -q 'debug \[admin\] request' "$log" && fail "debug lines logged at level notify"
sed 's/^log notify;/log debug;/' "$work/racoon.conf.orig" >"$conf"
kill -HUP "$pid"
reloaded() {
  ctl status --json >"$work/status.json"
  [ "$(json_value "$work/status.json" daemon.generation)" = 2 ]
}
wait_for 5 reloaded || { cat "$work/status.json" >&2; fail "valid reload not taken"; }
[ "$(json_value "$work/status.json" daemon.reloads_ok)" = 1 ] || fail "reloads_ok not 1"
ctl status >/dev/null
grep -q 'debug \[admin\] request: status' "$log" || fail "log level debug not applied"
pass "SIGHUP with a valid change: generation 2, log level debug applied"

# Crash the listener through the test hook: restarted, the others keep answering.
ctl debug-crash listener >/dev/null || fail "debug-crash refused"
restarted() {
  ctl status --json >"$work/status.json"
  [ "$(json_value "$work/status.json" daemon.child.listener.restarts)" = 1 ] &&
    [ "$(json_value "$work/status.json" daemon.child.listener.alive)" = 1 ]
}
wait_for 5 restarted || { cat "$work/status.json" "$log" >&2; fail "listener not restarted"; }
grep -q "listener crashed: .*test crash requested.*restarting" "$log" || fail "crash not logged"
ctl stats --json >"$work/stats.json" || fail "stats does not answer after the crash"
[ "$(json_value "$work/stats.json" daemon.restarts)" = 1 ] || fail "daemon.restarts not 1"
[ "$(json_value "$work/stats.json" daemon.child.stats.restarts)" = 0 ] || fail "stats restarted"
[ "$(json_value "$work/stats.json" daemon.child.admin.restarts)" = 0 ] || fail "admin restarted"
ip netns exec "$hub" ss -lunH | grep -Eq '[:*]500\b' || fail "UDP 500 not bound again"
ip netns exec "$cli" bash -c 'echo again >/dev/udp/192.0.2.1/500'
again() {
  ctl stats --json >"$work/stats.json"
  [ "$(json_value "$work/stats.json" listener.dropped.short)" = 1 ] &&
    [ "$(json_value "$work/stats.json" listener.received)" = 1 ] &&
    [ "$(json_value "$work/stats.json" listener.accepted)" = "" ]
}
wait_for 5 again || { cat "$work/stats.json" >&2; fail "restarted listener does not read"; }
pass "listener crash contained: restarted, rebound, counting; stats and admin unaffected"

# racoonctl's verbs are understood and answered clearly until they are implemented.
set +e
ctl flush-sa isakmp 2>"$work/ctl.err"
rc=$?
ctl show-sa bogus 2>"$work/ctl2.err"
rc2=$?
set -e
[ "$rc" = 3 ] && grep -q "'flush-sa' is not implemented yet" "$work/ctl.err" ||
  fail "flush-sa: rc $rc, $(cat "$work/ctl.err")"
[ "$rc2" = 1 ] && grep -q "unknown SA class 'bogus'" "$work/ctl2.err" ||
  fail "show-sa bogus: rc $rc2, $(cat "$work/ctl2.err")"
[ -z "$(ctl show-sa isakmp)" ] || fail "show-sa lists an SA nobody negotiated"
ctl rc | grep -q "generation 3" || fail "coatictl rc (reload-config) did not reload"
pass "coatictl: flush-sa answered 'not implemented yet', show-sa empty and checks its class, rc reloads"

# SIGTERM: exit 0, nothing left.
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
pid=
[ "$rc" = 0 ] || { cat "$log" >&2; fail "coatid exited $rc on SIGTERM"; }
[ ! -e "$sock" ] || fail "admin socket $sock left behind"
ip netns pids "$hub" | grep -q . && fail "processes left in $hub"
pass "SIGTERM: exit 0, socket removed, no process left"
