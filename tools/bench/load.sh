#!/usr/bin/env bash
# The load benchmark: coati-load against a fresh coatid hub (the load lab of
# tools/load/lab.sh: two network namespaces, pre-shared keys, main mode), once per N
# simultaneous phase-1 negotiations. Prints figures, asserts nothing about speed:
#   negotiations per second (first MM1 to the last outcome, as coati-load measures it),
#   coatid's VmRSS before and after and per established ISAKMP SA, its VmHWM (peak),
#   its CPU time per negotiation, and the listener's mailbox depth, sampled every 0.2 s from
#   `coatictl stats` while the run lasts (CAF keeps no peak of its own).
# usage (root): tools/bench/load.sh [N...]      default: 1000 10000
#   COATI_BUILD=DIR   the build to use (default: the source's build/)
#   LOAD_ARGS="..."   more coati-load options, e.g. "--window 500" or "--quick"
#   RW_SIZES="N..."   then the roadwarrior login benchmark (tools/bench/roadwarrior.sh) for
#                     these N (default 200; empty: skipped), RW_ARGS its coati-load options
set -euo pipefail
: "${COATI_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${COATI_BUILD:=$COATI_SRC/build}"
export COATI_SRC COATI_BUILD
tag=lb$$
source "$COATI_SRC/tools/load/lab.sh"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)

kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$coatid_pid/status"; }
# cpu_ticks: coatid's user + system time, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$coatid_pid/stat"; }
hz=$(getconf CLK_TCK)

rows=()
for n in "${sizes[@]}"; do
  start_coatid "n$n"
  sleep 0.5 # settled: sockets bound, every actor up
  rss0=$(kb VmRSS)
  cpu0=$(cpu_ticks)
  ip netns exec "$drv" "$LOAD" 192.0.2.1 --from "$from" --psk "$psk" -n "$n" --interval 5000 \
    --counter 5 --timeout 900 ${LOAD_ARGS:-} > "$work/load-$n.out" 2>&1 &
  load_pid=$!
  peak=0
  while kill -0 "$load_pid" 2>/dev/null; do
    depth=$(stat_value listener.mailbox_depth)
    [ "${depth:-0}" -gt "$peak" ] && peak=$depth
    sleep 0.2
  done
  rc=0
  wait "$load_pid" || rc=$?
  load_pid=
  sed -n '1,2p;/^RESULT/p' "$work/load-$n.out" | grep -v '^  FAILED'
  [ "$rc" = 0 ] || echo "(coati-load exited with $rc: not every negotiation completed)"
  up=$(stat_value ike.phase1_up)
  rss1=$(kb VmRSS)
  hwm=$(kb VmHWM)
  cpu1=$(cpu_ticks)
  rate=$(sed -n 's/^RESULT.* per_second=\([0-9.]*\).*/\1/p' "$work/load-$n.out")
  secs=$(sed -n 's/^RESULT.* seconds=\([0-9.]*\).*/\1/p' "$work/load-$n.out")
  per_sa=$(awk -v a="$rss0" -v b="$rss1" -v u="$up" 'BEGIN { if (u > 0) printf "%.1f", (b - a) / u; else print "-" }')
  cpu_ms=$(awk -v t="$((cpu1 - cpu0))" -v hz="$hz" -v u="$up" 'BEGIN { if (u > 0) printf "%.3f", t * 1000 / hz / u; else print "-" }')
  rows+=("$(printf '%8s %9s %8s %10s %10s %10s %9s %10s %9s %10s' "$n" "$up" "$secs" "$rate" \
    "$rss0" "$rss1" "$per_sa" "$hwm" "$peak" "$cpu_ms")")
  stop_coatid
done

echo
echo "coatid load benchmark ($(nproc) CPUs, driver and hub on the same machine${LOAD_ARGS:+, coati-load $LOAD_ARGS})"
printf '%8s %9s %8s %10s %10s %10s %9s %10s %9s %10s\n' N phase1_up seconds "neg/s" \
  "RSS0 kB" "RSS1 kB" "kB/SA" "HWM kB" mbox_peak "cpu ms/neg"
printf '%s\n' "${rows[@]}"

# Roadwarrior logins (hybrid + XAuth through PAM + Mode Config), in a lab of their own.
if [ -n "${RW_SIZES-200}" ]; then
  echo
  # shellcheck disable=SC2086
  bash "$COATI_SRC/tools/bench/roadwarrior.sh" ${RW_SIZES-200} | sed -n '/^coatid roadwarrior/,$p'
fi
