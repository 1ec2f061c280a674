#!/usr/bin/env bash
# SIGINT to tests/lab/run.sh while its scenario runs (lab_midway: namespaces, NAT, charon
# with a /run bind mount, a process with a private /etc, a tshark capture, a sleep) leaves
# nothing of the run: no namespace, no process, no mount, no state or temporary folder.
# Then a fresh run (the strongSwan self-proof) passes.
set -euo pipefail
export COATI_SRC=${COATI_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export COATI_BUILD=${COATI_BUILD:-$COATI_SRC/build}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
# shellcheck source=tests/lab/checks.sh
. "$COATI_SRC/tests/lab/checks.sh"

p=ti$$
echo "== SIGINT to the runner of lab_midway (prefix $p)"
LAB_PREFIX=$p LAB_LOGDIR=$out/midway setsid bash "$COATI_SRC/tests/lab/run.sh" lab_midway \
  >"$out/runner.log" 2>&1 &
runner=$!
wait_for 60 grep -qs "lab_midway: up" "$out/runner.log" || fail "lab_midway did not come up"
before=$(what_is_left "$p")
for w in "namespace lab-$p-hub" "namespace lab-$p-router" "process" "mount" "state folder" "temporary folder"; do
  grep -q "$w" <<<"$before" || fail "midway, no $w of the run to see (check broken?):$before"
done
echo "midway:$before" | tr '\n' ' ' | cut -c1-300
echo
kill -INT "$runner"
rc=0
wait "$runner" || rc=$?
[ "$rc" = 130 ] || fail "the runner exited with $rc after SIGINT (130 expected)"
left=$(what_is_left "$p")
[ -z "$left" ] || fail "left after SIGINT:$left"
grep -q "lab: interrupted" "$out/runner.log" || fail "the runner did not say it was interrupted"
echo "ok: SIGINT: exit code 130, no namespace, process, mount or folder of run $p left"

echo "== a fresh run passes"
LAB_PREFIX=$p LAB_LOGDIR=$out/fresh bash "$COATI_SRC/tests/lab/run.sh" selfproof_strongswan \
  >"$out/fresh.log" 2>&1 || fail "the fresh run failed"
left=$(what_is_left "$p")
[ -z "$left" ] || fail "left after the fresh run:$left"
echo "ok: the fresh run passed and left nothing"
echo PASS
