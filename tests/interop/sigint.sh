#!/usr/bin/env bash
# Interrupting a test leaves nothing behind, and a crashed one is cleaned up by the next:
#  1. host bed: a scenario (namespaces, veths, charon, bind mount of /run) gets SIGINT
#     midway: its namespaces, processes and work folder are gone;
#  2. a test killed with SIGKILL (no chance to clean up) leaves namespaces and a charon:
#     the next test run removes them before it starts;
#  3. VM bed: tests/vm/run.sh gets SIGINT while the guest runs: no qemu and no run
#     folder are left; then a fresh VM run passes. (Skipped with LAB_SKIP_VM=1.)
set -euo pipefail
: "${COATI_BUILD:?}" "${COATI_SRC:?}"
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
out=$(mktemp -d /tmp/coati-sigint.XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$out"/*.log; do echo "--- $f"; tail -n 20 "$f"; done; exit 1; }
wait_for() {
  local n=$(( $1 * 10 ))
  shift
  for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
  return 1
}
# alive PID: a process that still runs (a zombie waiting for init to reap it does not)
alive() { [ -r "/proc/$1/stat" ] && ! awk '{ exit ($3 == "Z") ? 0 : 1 }' "/proc/$1/stat" 2>/dev/null; }
# gone PIDS...: every one of them has ended (SIGKILL takes a moment to land: a charon
# with threads in netlink calls on a namespace being deleted, on a machine loaded with
# other tests and VMs, took more than 5 s once; wait up to `grace` seconds)
grace=30
gone() { local p; for p in "$@"; do alive "$p" && return 1; done; return 0; }
# leftovers HUB SAT WORK: what is still there of a run
leftovers() {
  local what=""
  ip netns list | grep -qw "$1" && what+=" namespace $1"
  ip netns list | grep -qw "$2" && what+=" namespace $2"
  [ -e "$3" ] && what+=" folder $3"
  echo "$what"
}

echo "== 1. SIGINT to a running scenario"
setsid bash "$COATI_SRC/tests/scenarios/lab_sleep.sh" > "$out/one.log" 2>&1 &
runner=$!
wait_for 30 grep -qs "lab_sleep: up" "$out/one.log" || fail "the scenario did not come up"
read -r _ _ hub sat work < <(grep "lab_sleep: up" "$out/one.log")
[ -z "$(leftovers "$hub" "$sat" /nonexistent)" ] && fail "the scenario's namespaces are not there"
inside=$(ip netns pids "$sat")
[ -n "$inside" ] || fail "charon is not running"
kill -INT "$runner"
wait "$runner" || true
l=$(leftovers "$hub" "$sat" "$work")
wait_for "$grace" gone $inside || true
for p in $inside; do alive "$p" && l+=" process $p ($(ps -o stat=,args= -p "$p" | cut -c1-80))"; done
[ -z "$l" ] || fail "left after SIGINT:$l"
echo "ok: SIGINT: namespaces, charon and the work folder are gone"

echo "== 2. SIGKILL, then the next run cleans up"
setsid bash "$COATI_SRC/tests/scenarios/lab_sleep.sh" > "$out/two.log" 2>&1 &
runner=$!
wait_for 30 grep -qs "lab_sleep: up" "$out/two.log" || fail "the scenario did not come up"
read -r _ _ hub sat work < <(grep "lab_sleep: up" "$out/two.log")
inside=$(ip netns pids "$sat")
kill -KILL -- -"$runner" 2>/dev/null || kill -KILL "$runner"
wait "$runner" 2>/dev/null || true
ip netns list | grep -qw "$hub" || fail "SIGKILL left nothing to clean up (unexpected)"
LAB_SLEEP=0 bash "$COATI_SRC/tests/scenarios/lab_sleep.sh" > "$out/three.log" 2>&1 || fail "the next run failed"
grep -q "removed namespace $hub left by dead test" "$out/three.log" || fail "the next run did not say it removed $hub"
l=$(leftovers "$hub" "$sat" "$work")
wait_for "$grace" gone $inside || true
for p in $inside; do alive "$p" && l+=" process $p ($(ps -o stat=,args= -p "$p" | cut -c1-80))"; done
[ -z "$l" ] || fail "still left after the next run:$l"
echo "ok: the next run removed what the killed one left"

if [ "${LAB_SKIP_VM:-0}" = 1 ]; then
  echo "== 3. VM: skipped (LAB_SKIP_VM=1)"
  echo PASS
  exit 0
fi
echo "== 3. SIGINT to the VM harness while the guest runs"
cache=${COATI_VM_CACHE:-/var/cache/coati-vm}
setsid bash "$COATI_SRC/tests/vm/run.sh" lab_sleep > "$out/vm.log" 2>&1 &
runner=$!
# This run's folder: its "owner" file names the runner's PID (other VM tests may run).
mine() { grep -ls "^$runner " "$cache"/runs/*/owner 2>/dev/null | head -n 1 | xargs -r dirname; }
wait_for 60 sh -c "[ -n \"\$(grep -ls '^$runner ' $cache/runs/*/owner 2>/dev/null)\" ]" || fail "no run folder"
run=$(mine)
wait_for 120 grep -qs "lab_sleep: up" "$run/console.log" || fail "the guest did not start the scenario"
pgrep -f "qemu-system-x86_64.*$run/" >/dev/null || fail "no qemu running for $run"
kill -INT "$runner"
wait "$runner" || true
pgrep -f "qemu-system-x86_64.*$run/" >/dev/null && fail "qemu left after SIGINT"
[ -e "$run" ] && fail "run folder $run left after SIGINT"
echo "ok: SIGINT: qemu and its run folder are gone"
bash "$COATI_SRC/tests/vm/run.sh" vm_esp_smoke > "$out/vm2.log" 2>&1 || fail "a fresh VM run failed"
echo "ok: a fresh VM run passes"
echo PASS
