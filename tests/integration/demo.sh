#!/usr/bin/env bash
# The README's demo (tools/demo.sh) keeps working: a full run shows the hub's show-sa with
# the satellite armagnac and the roadwarrior demo at 192.168.201.20, the roadwarrior's
# Mode Config and the stats, exits 0 and leaves nothing (no namespace, process, mount,
# state or temporary folder of its run, no account on the host); SIGINT midway (Ctrl-C)
# exits 130 and leaves nothing either.
set -euo pipefail
export COATI_SRC=${COATI_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export COATI_BUILD=${COATI_BUILD:-$COATI_SRC/build}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
# shellcheck source=tests/lab/checks.sh
. "$COATI_SRC/tests/lab/checks.sh" # out, fail, wait_for, what_is_left

p=dm$$
echo "== tools/demo.sh (prefix $p)"
start=$SECONDS
rc=0
LAB_PREFIX=$p LAB_LOGDIR=$out/logs bash "$COATI_SRC/tools/demo.sh" "$COATI_BUILD" \
  >"$out/demo.log" 2>&1 || rc=$?
took=$((SECONDS - start))
cat "$out/demo.log"
[ "$rc" = 0 ] || fail "the demo exited with $rc"
expect() { # WHAT ERE: a line of the demo's output matches ERE
  grep -Eq -- "$2" "$out/demo.log" || fail "no $1 in the demo's output"
}
expect "show-sa header" '^== coatictl show-sa \(hub\)$'
expect "satellite row" '^ +192\.0\.2\.1 198\.51\.100\.3\[500\] [0-9a-f:]+ responder established .*CN=armagnac'
expect "satellite quick mode" '^ +192\.0\.2\.1 198\.51\.100\.3 esp spi=0x[0-9a-f]+ out .*ids=192\.168\.3\.0/24<->192\.168\.0\.0/16'
expect "roadwarrior row" '^ +192\.0\.2\.1 203\.0\.113\.5\[500\] .* established .*user="demo" address=192\.168\.201\.20$'
expect "Mode Config header" "^== the roadwarrior's Mode Config"
expect "roadwarrior address" '^ +address +192\.168\.201\.20$'
expect "roadwarrior DNS" '^ +DNS +192\.168\.1\.1 192\.168\.1\.2$'
expect "roadwarrior domain" '^ +domain +local$'
expect "roadwarrior split networks" '^ +split networks +192\.168\.1\.0/24 192\.168\.2\.0/24 192\.168\.3\.0/24$'
expect "stats header" '^== coatictl stats \(hub\)'
expect "stats table header" '^ +ACTOR +COUNTER +VALUE$'
expect "two phase 2 on the hub" '^ +ike +phase2_up +2$'
expect "XAuth through PAM" '^ +ike +xauth_ok +1$'
expect "end line" '^demo ok'
left=$(what_is_left "$p")
[ -z "$left" ] || fail "left after the demo:$left"
! grep -q '^demo:' /etc/passwd || fail "a demo account on the host"
((took <= 90)) || fail "the demo took ${took}s (it should take well under a minute)"
echo "ok: the demo shows the satellite, the roadwarrior and the stats in ${took}s and leaves nothing"

echo "== SIGINT to the demo midway (prefix ${p}i)"
set -m # its own process group, as a Ctrl-C on a terminal reaches it
LAB_PREFIX=${p}i LAB_LOGDIR=$out/logs-int bash "$COATI_SRC/tools/demo.sh" "$COATI_BUILD" \
  >"$out/interrupted.log" 2>&1 &
demo=$!
set +m
wait_for 60 grep -qs "^== roadwarrior" "$out/interrupted.log" || fail "the demo did not get to the roadwarrior"
before=$(what_is_left "${p}i")
grep -q "namespace lab-${p}i-hub" <<<"$before" || fail "midway, no namespace to see (check broken?)"
kill -INT -- "-$demo"
rc=0
wait "$demo" || rc=$?
[ "$rc" = 130 ] || { cat "$out/interrupted.log"; fail "the demo exited with $rc after SIGINT (130 expected)"; }
left=$(what_is_left "${p}i")
[ -z "$left" ] || fail "left after SIGINT:$left"
echo "ok: SIGINT: exit code 130, nothing of the run left"
echo PASS
