# Shared by the lab's own tests (interrupt.sh, stale.sh, smoke.sh): a scratch folder,
# fail, wait_for and what_is_left.
# shellcheck source=tests/lab/reap.sh
. "$COATI_SRC/tests/lab/reap.sh"
out=$(mktemp -d /tmp/coati-labtest.XXXXXX)
keep_out=0
trap '[ "$keep_out" = 1 ] || rm -rf "$out"' EXIT
fail() {
  local f
  echo "FAIL: $*" >&2
  keep_out=1
  for f in "$out"/*.log; do
    [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; }
  done
  echo "kept: $out"
  exit 1
}
wait_for() {
  local end=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < end)) || return 1
    sleep 0.2
  done
}
# what_is_left P: one line per thing of run P that still exists (nothing: all clean).
what_is_left() {
  local p=$1 e pid ns
  for ns in $(lab_namespaces "$p"); do echo " namespace $ns"; done
  for e in /proc/[0-9]*/environ; do
    pid=${e#/proc/}
    pid=${pid%/environ}
    [ "$pid" = "$BASHPID" ] && continue
    tr '\0' '\n' 2>/dev/null <"$e" | grep -qx "LAB_PREFIX=$p" &&
      echo " process $pid ($(tr '\0' ' ' 2>/dev/null </proc/"$pid"/cmdline | cut -c1-60))"
  done
  grep -F -- "lab-$p-" /proc/self/mountinfo | awk '{ print " mount " $5 }'
  grep -F -- "coati-lab-$p." /proc/self/mountinfo | awk '{ print " mount " $5 }'
  [ -e "$LAB_RUNDIR/$p" ] && echo " state folder $LAB_RUNDIR/$p"
  for e in /tmp/coati-lab-"$p".*; do [ -e "$e" ] && echo " temporary folder $e"; done
  return 0
}
