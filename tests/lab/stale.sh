#!/usr/bin/env bash
# Leftovers of lab runs that died are removed by the next run, and only those:
#  1. planted: a state folder whose owner is dead, with a recorded process, a process
#     that only carries the run's LAB_PREFIX, a namespace with a process inside and a
#     temporary folder; a namespace lab-P-* with no state folder at all; and, as a decoy,
#     a run whose owner is alive (this test). The next run removes the first two, not the
#     decoy. (Under ctest -j another run starting at the same time may remove them
#     first: the test then says so.)
#  2. a runner killed with SIGKILL midway (no chance to clean up): the next run removes
#     its namespaces, charon and the rest.
set -euo pipefail
export COATI_SRC=${COATI_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export COATI_BUILD=${COATI_BUILD:-$COATI_SRC/build}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
# shellcheck source=tests/lab/checks.sh
. "$COATI_SRC/tests/lab/checks.sh"
dead=td$$ orphan=to$$ live=tl$$ killed=tk$$
cleanup_decoy() { lab_reap "$live" || true; }
trap '[ "$keep_out" = 1 ] || rm -rf "$out"; cleanup_decoy' EXIT

echo "== 1. planted leftovers"
mkdir -p "$LAB_RUNDIR/$dead"
echo "999999999 0" >"$LAB_RUNDIR/$dead/owner" # no such process
LAB_PREFIX=$dead setsid sleep 1000 </dev/null >/dev/null 2>&1 &
recorded=$!
echo "$recorded $(lab_proc_start $recorded)" >"$LAB_RUNDIR/$dead/pids"
LAB_PREFIX=$dead setsid sleep 1001 </dev/null >/dev/null 2>&1 &
marked=$!
ip netns add "lab-$dead-x"
ip netns exec "lab-$dead-x" setsid sleep 1002 </dev/null >/dev/null 2>&1 &
inside=$!
tmp=$(mktemp -d "/tmp/coati-lab-$dead.XXXXXX")
echo "$tmp" >"$LAB_RUNDIR/$dead/tmpdirs"
ip netns add "lab-$orphan-y"
ip netns exec "lab-$orphan-y" setsid sleep 1003 </dev/null >/dev/null 2>&1 &
orphan_inside=$!
mkdir -p "$LAB_RUNDIR/$live"
echo "$$ $(lab_proc_start $$)" >"$LAB_RUNDIR/$live/owner"
ip netns add "lab-$live-z"
[ -n "$(what_is_left "$dead")" ] && [ -n "$(what_is_left "$orphan")" ] || fail "planting failed"

LAB_SLEEP=0 bash "$COATI_SRC/tests/lab/run.sh" lab_midway >"$out/next1.log" 2>&1 ||
  fail "the next run failed"
# (Under ctest -j a run started in parallel may be the one that removes them first.)
for w in "removing leftovers of run $dead" "removing namespace lab-$orphan-y"; do
  grep -q "$w" "$out/next1.log" && echo "the next run said: $w" || echo "(a parallel run did: $w)"
done
left=$(what_is_left "$dead")$(what_is_left "$orphan")
for pid in $recorded $marked $inside $orphan_inside; do
  [ -d "/proc/$pid" ] && left+=" process $pid"
done
[ -z "$left" ] || fail "still there after the next run:$left"
ip netns list | grep -q "^lab-$live-z" || fail "the next run removed the namespace of a live run"
[ -d "$LAB_RUNDIR/$live" ] || fail "the next run removed the state of a live run"
for pid in $recorded $marked $inside $orphan_inside; do wait "$pid" 2>/dev/null || true; done
echo "ok: the dead run's processes, namespace and folders and the orphan namespace are gone; the live run is untouched"
cleanup_decoy
[ -z "$(what_is_left "$live")" ] || fail "the decoy was not removed"

echo "== 2. a runner killed with SIGKILL midway"
LAB_PREFIX=$killed LAB_LOGDIR=$out/killed setsid bash "$COATI_SRC/tests/lab/run.sh" lab_midway \
  >"$out/killed.log" 2>&1 &
runner=$!
wait_for 60 grep -qs "lab_midway: up" "$out/killed.log" || fail "lab_midway did not come up"
# The runner and the scenario (its own process group) die at once, with no clean-up.
scenario=$(pgrep -f -P "$runner" "scenarios/lab_midway.sh" | head -n 1 || true)
[ -n "$scenario" ] || fail "no scenario process under runner $runner"
kill -KILL "$runner" "$scenario"
wait "$runner" 2>/dev/null || true
before=$(what_is_left "$killed")
grep -q "namespace lab-$killed-hub" <<<"$before" || fail "SIGKILL left nothing to clean (unexpected)"
grep -q "process" <<<"$before" || fail "SIGKILL left no process (unexpected)"
LAB_SLEEP=0 bash "$COATI_SRC/tests/lab/run.sh" lab_midway >"$out/next2.log" 2>&1 ||
  fail "the run after the SIGKILL failed"
grep -q "removing leftovers of run $killed" "$out/next2.log" &&
  echo "the next run said: removing leftovers of run $killed" || echo "(a parallel run removed run $killed)"
left=$(what_is_left "$killed")
[ -z "$left" ] || fail "still there after the next run:$left"
echo "ok: the next run removed all the killed run left:$(echo "$before" | wc -l) items"
echo PASS
