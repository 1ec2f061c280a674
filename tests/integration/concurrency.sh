#!/usr/bin/env bash
# Issue 5, point 7: many simultaneous phase-1 negotiations against one coatid hub, from
# coati-load in a second namespace (four addresses, pre-shared key, main mode).
#  (a) 1,000 at once: all established, none cross-wired; coatid counts 1,000 phase1_up
#      and `show-sa isakmp` lists exactly the driver's 1,000 cookie pairs; their timers
#      are pending on coatid's alarm service (listener.alarms_pending).
#  (b) 200 at once, held after MM4 (all mid-exchange), one peer actor crashed with the
#      test hook: the other 199 finish, the crashed one gives up waiting for MM6, coatid
#      counts one crash, keeps running and still accepts new negotiations; the crashed
#      actor left the alarm service (listener.alarm_actors).
# Figures (negotiations/s, memory) are the benchmark's job: tools/bench/load.sh.
tag=cc$$
source "$(dirname "${BASH_SOURCE[0]}")/../../tools/load/lab.sh"

n_all=1000 # also in the sanitized build (about 1.5 s there)

# result FILE KEY: a number from coati-load's RESULT line.
result() { sed -n "s/^RESULT.* $2=\([0-9.]*\).*/\1/p" "$1"; }

echo "== (a) $n_all simultaneous phase-1 negotiations"
start_coatid a
rc=0
run_load -n "$n_all" --interval 3000 --counter 6 --timeout 600 --sa-file "$work/a.sas" \
  > "$work/a.out" 2>&1 || rc=$?
grep -v '^  FAILED' "$work/a.out"
[ "$rc" = 0 ] || fail "(a) coati-load exited with $rc"
[ "$(result "$work/a.out" completed)" = "$n_all" ] || fail "(a) not all completed"
[ "$(result "$work/a.out" cross_wired)" = 0 ] || fail "(a) cross-wired replies"
[ "$(stat_value ike.phase1_up)" = "$n_all" ] || fail "(a) ike.phase1_up is $(stat_value ike.phase1_up)"
[ "$(stat_value listener.peers)" = "$n_all" ] || fail "(a) listener.peers is $(stat_value listener.peers)"
# Their timers live on the alarm service (actors/alarms.hpp): at least each one's lifetime.
pending=$(stat_value listener.alarms_pending)
[ "${pending:-0}" -ge "$n_all" ] || fail "(a) listener.alarms_pending is '$pending', not at least $n_all"
ctl show-sa isakmp > "$work/a.show"
awk '$5 == "established" { print $3 }' "$work/a.show" | sort -u > "$work/a.hub"
sort -u "$work/a.sas" > "$work/a.driver"
[ "$(wc -l < "$work/a.hub")" = "$n_all" ] || fail "(a) show-sa lists $(wc -l < "$work/a.hub") distinct established cookie pairs"
cmp -s "$work/a.hub" "$work/a.driver" || fail "(a) show-sa's cookie pairs differ from the driver's: $(comm -3 "$work/a.hub" "$work/a.driver" | head -3)"
echo "ok: (a) $n_all/$n_all established, 0 cross-wired; ike.phase1_up = $n_all; show-sa isakmp lists the same $n_all cookie pairs as the driver"
stop_coatid

echo "== (b) one peer actor crashed mid-exchange among 200"
start_coatid b
# (not through run_load: $! must be coati-load itself, which SIGUSR1 releases)
ip netns exec "$drv" "$LOAD" 192.0.2.1 --from "$from" --psk "$psk" -n 200 --interval 1000 \
  --counter 3 --timeout 300 --hold-after-mm4 60000 --sa-file "$work/b.sas" > "$work/b.out" 2>&1 &
load_pid=$!
wait_for 120 grep -q '^HOLD' "$work/b.out" || { cat "$work/b.out"; fail "(b) the driver never held all 200 after MM4"; }
grep '^HOLD' "$work/b.out"
[ "$(stat_value ike.phase1_up)" = 0 ] || fail "(b) SAs came up while the driver held MM5"
ctl debug-crash peer || fail "(b) debug-crash refused (COATI_TEST_HOOKS?)"
wait_for 10 sh -c "[ \"\$('$CTL' -s '$sock' stats | awk '\$1 == \"listener\" && \$2 == \"peers_crashed\" { print \$3 }')\" = 1 ]" ||
  fail "(b) listener.peers_crashed did not reach 1"
crashed=$(sed -n 's/.*test hook: crashing the peer actor of \([0-9a-f]*\).*/\1/p' "$work/coatid-b.log" | head -n 1)
[ -n "$crashed" ] || fail "(b) coatid did not log which peer it crashed"
echo "crashed the peer actor of initiator cookie $crashed"
kill -USR1 "$load_pid"
rc=0
wait "$load_pid" || rc=$?
load_pid=
cat "$work/b.out"
[ "$rc" = 1 ] || fail "(b) coati-load exited with $rc (1 expected: one failure)"
[ "$(result "$work/b.out" completed)" = 199 ] || fail "(b) $(result "$work/b.out" completed) completed, 199 expected"
[ "$(result "$work/b.out" failed)" = 1 ] || fail "(b) $(result "$work/b.out" failed) failed, 1 expected"
[ "$(result "$work/b.out" cross_wired)" = 0 ] || fail "(b) cross-wired replies"
grep -q "^  FAILED $crashed .*waiting for MM6" "$work/b.out" || fail "(b) the failed negotiation is not the crashed one"
kill -0 "$coatid_pid" || fail "(b) coatid died"
[ "$(stat_value listener.peers_crashed)" = 1 ] || fail "(b) listener.peers_crashed is $(stat_value listener.peers_crashed)"
[ "$(stat_value ike.phase1_up)" = 199 ] || fail "(b) ike.phase1_up is $(stat_value ike.phase1_up)"
[ "$(stat_value listener.peers)" = 199 ] || fail "(b) listener.peers is $(stat_value listener.peers)"
# The crashed peer left the alarm service with its state: its pending alarms no longer
# hold it (actors/alarms.hpp), the 199 others are enrolled.
[ "$(stat_value listener.alarm_actors)" = 199 ] || fail "(b) listener.alarm_actors is $(stat_value listener.alarm_actors), not 199"
! ctl show-sa isakmp | grep -q "^.* $crashed:" || fail "(b) the crashed peer's SA is still listed"
echo "ok: (b) 199/200 established, the crashed one ($crashed) failed waiting for MM6, 0 cross-wired; peers_crashed = 1"

# Still serving: 20 more from the same addresses.
rc=0
run_load -n 20 --interval 1000 --counter 5 > "$work/b2.out" 2>&1 || rc=$?
grep '^RESULT' "$work/b2.out"
[ "$rc" = 0 ] || fail "(b) coatid refused new negotiations after the crash"
[ "$(stat_value ike.phase1_up)" = 219 ] || fail "(b) ike.phase1_up is $(stat_value ike.phase1_up) after 20 more"
echo "ok: (b) coatid still running: 20 new negotiations established after the crash"
stop_coatid
echo PASS
