#!/usr/bin/env bash
# Runs one lab scenario on this machine (the host bed) and removes whatever it made.
#   tests/lab/run.sh NAME [ARGS...]      runs tests/scenarios/NAME.sh ARGS as root
# Env: COATI_SRC (default: this tree), COATI_BUILD (default $COATI_SRC/build),
#   LAB_PREFIX (default r<PID>; [a-z0-9]+), LAB_BED (default host),
#   LAB_LOGDIR (default $COATI_BUILD/lab-logs/NAME, wiped first; NAME-PREFIX when another
#   run of NAME holds it).
# Before it starts it removes the leftovers of runs whose owner died. Whatever happens
# (pass, fail, SIGINT, SIGTERM) it ends by removing the run's namespaces, processes and
# folders; on failure it prints the tails of the logs. Exit code: the scenario's.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export COATI_SRC=${COATI_SRC:-$(cd "$here/../.." && pwd)}
export COATI_BUILD=${COATI_BUILD:-$COATI_SRC/build}
(($#)) || { sed -n '2,11p' "$0" >&2; exit 2; }
# Started in the background by a script, a shell ignores SIGINT and cannot trap it: run
# again with the default action back, so SIGINT cleans up as it should.
sigign=$(awk '/^SigIgn:/ { print $2 }' /proc/$$/status)
if (((0x$sigign & 2) != 0)) && [ -z "${LAB_RUN_REEXEC:-}" ]; then
  LAB_RUN_REEXEC=1 exec env --default-signal=INT,QUIT bash "$0" "$@"
fi
name=$1
shift
scenario=$COATI_SRC/tests/scenarios/$name.sh
[ -f "$scenario" ] || { echo "lab: no scenario $scenario" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "lab: $name needs root (network namespaces)" >&2; exit 77; }
# shellcheck source=tests/lab/reap.sh
. "$here/reap.sh"

export LAB_PREFIX=${LAB_PREFIX:-r$$}
[[ "$LAB_PREFIX" =~ ^[a-z0-9]+$ ]] || { echo "lab: LAB_PREFIX must be [a-z0-9]+" >&2; exit 2; }
export LAB_BED=${LAB_BED:-host}
lab_reap_stale || true
state=$LAB_RUNDIR/$LAB_PREFIX
if [ -f "$state/owner" ] && lab_alive "$(cat "$state/owner")"; then
  echo "lab: prefix $LAB_PREFIX is in use by a running test" >&2
  exit 2
fi
mkdir -p "$state"
export LAB_OWNER="$$ $(lab_proc_start $$)"
echo "$LAB_OWNER" >"$state/owner"

if [ -z "${LAB_LOGDIR:-}" ]; then
  mkdir -p "$COATI_BUILD/lab-logs"
  LAB_LOGDIR=$COATI_BUILD/lab-logs/$name
  exec {lock}>"$COATI_BUILD/lab-logs/.$name.lock"
  flock -n "$lock" || LAB_LOGDIR=$LAB_LOGDIR-$LAB_PREFIX
  rm -rf "$LAB_LOGDIR"
fi
mkdir -p "$LAB_LOGDIR"
export LAB_LOGDIR

child="" streamer="" finished=0
finish() {
  local rc=$1 i f
  ((finished)) && return 0
  finished=1
  set +e
  trap '' INT TERM
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
    # The scenario cleans up after itself on SIGTERM; its whole group gets it, so a
    # foreground command does not hold its trap back.
    kill -TERM -- "-$child" 2>/dev/null || kill -TERM "$child" 2>/dev/null || true
    for i in $(seq 150); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$child" 2>/dev/null || true
  fi
  [ -n "$child" ] && { wait "$child" 2>/dev/null || true; }
  if [ -n "$streamer" ]; then
    sleep 0.2
    kill "$streamer" 2>/dev/null || true
    wait "$streamer" 2>/dev/null || true
  fi
  # Anything the scenario left (or could not remove, having been killed).
  lab_reap "$LAB_PREFIX" sweep || true
  if [ "$rc" = 0 ]; then
    echo "lab: $name passed (bed $LAB_BED, logs in $LAB_LOGDIR)"
  else
    echo "lab: $name FAILED (exit code $rc, bed $LAB_BED); logs in $LAB_LOGDIR"
    for f in $(find "$LAB_LOGDIR" -maxdepth 1 -type f -name '*.log' ! -name scenario.log | sort); do
      [ -s "$f" ] || continue
      echo "----- $f (last 25 lines)"
      tail -n 25 "$f"
    done
  fi
  exit "$rc"
}
trap 'echo "lab: interrupted" >&2; finish 130' INT
trap 'echo "lab: terminated" >&2; finish 143' TERM
trap 'finish $?' EXIT

echo "lab: $name (bed $LAB_BED, prefix $LAB_PREFIX, logs in $LAB_LOGDIR)"
# Its own process group (so the clean-up reaches everything it started), output to
# scenario.log, streamed here.
: >"$LAB_LOGDIR/scenario.log"
setsid bash "$scenario" "$@" </dev/null >"$LAB_LOGDIR/scenario.log" 2>&1 &
child=$!
echo "$child $(lab_proc_start "$child" || true)" >>"$state/pids"
tail -n +1 -f --pid="$child" "$LAB_LOGDIR/scenario.log" &
streamer=$!
rc=0
wait "$child" || rc=$?
child=""
finish "$rc"
