#!/usr/bin/env bash
# The roadwarrior login benchmark: coati-load logs N users in at once (hybrid main mode,
# XAuth through PAM, Mode Config from the pool; --hybrid) against a fresh coatid run as the
# seed hub (rhum, the pool grown to fit, the seed's PAM service with private accounts), in
# the lab (tests/lab/lab.sh: namespaces, everything removed on exit). Prints figures,
# asserts nothing about speed:
#   logins per second (first MM1 to the last outcome, as coati-load measures it), each
#   login's p50 / p99 time, coatid's CPU time per login (its own threads: the hook
#   scripts it starts are not counted), VmRSS before and after and per logged-in user,
#   VmHWM (peak), and the auth actor's queue depth sampled every 0.2 s.
# usage (root): tools/bench/roadwarrior.sh [N...]        default: 200
#   COATI_BUILD=DIR   the build to use (default: the source's build/)
#   RW_ARGS="..."     coati-load options (default none: all N at once), e.g.
#                     "--aggressive --quick" or "--window 100"
set -euo pipefail
: "${COATI_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
RW_ARGS=${RW_ARGS-}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(200)
. "$COATI_SRC/tests/lab/lab.sh"

load=$COATI_BUILD/tools/load/coati-load
pass="bench secret"
max=0
for n in "${sizes[@]}"; do ((n > max)) && max=$n; done

lab_host hub 192.0.2.1 192.168.1.0/24 192.168.1.1
lab_host rwload 203.0.113.10
lab_pki rhum
lab_pam_users hub user "$max" "$pass"
root=$(lab_coatid_rw_hub hub $((max + 20)) --no-hooks)
stat() { lab_coatictl hub stats | awk -v k="$1" '$1 "." $2 == k { print $3; f = 1 } END { if (!f) print 0 }'; }
kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)

rows=()
for n in "${sizes[@]}"; do
  lab_coatid_start hub "$root"
  pid=$(cat "$root/coatid.pid")
  sleep 0.5 # settled: sockets bound, every actor up
  rss0=$(kb VmRSS) cpu0=$(cpu_ticks)
  # shellcheck disable=SC2086
  lab_bg rwload "load-$n" "$load" 192.0.2.1 --from "$(lab_local_ip rwload)" --hybrid \
    --ca "$LAB_PKI/ca.crt" --users user --password "$pass" -n "$n" --timeout 600 ${RW_ARGS}
  load_pid=$LAB_PID
  queued=0
  while kill -0 "$load_pid" 2>/dev/null; do
    q=$(stat auth.queued)
    ((q > queued)) && queued=$q
    sleep 0.2
  done
  rc=0
  wait "$load_pid" || rc=$?
  out=$LAB_LOGDIR/load-$n.log
  sed -n '1,3p;/^RESULT/p' "$out"
  [ "$rc" = 0 ] || { echo "(coati-load exited with $rc: not every login completed)"; grep -m 5 FAILED "$out" || true; }
  rss1=$(kb VmRSS) hwm=$(kb VmHWM) cpu1=$(cpu_ticks)
  val() { sed -n "s/^RESULT.* $1=\([0-9.]*\).*/\1/p" "$out"; }
  done_=$(val completed)
  per_user=$(awk -v a="$rss0" -v b="$rss1" -v u="$done_" 'BEGIN { if (u > 0) printf "%.1f", (b - a) / u; else print "-" }')
  cpu_ms=$(awk -v t="$((cpu1 - cpu0))" -v hz="$hz" -v u="$done_" 'BEGIN { if (u > 0) printf "%.2f", t * 1000 / hz / u; else print "-" }')
  rows+=("$(printf '%6s %9s %8s %9s %8s %8s %9s %9s %10s %9s %10s %7s' "$n" "$done_" \
    "$(val seconds)" "$(val per_second)" "$(val p50_ms)" "$(val p99_ms)" "$cpu_ms" "$rss0" \
    "$rss1" "$per_user" "$hwm" "$queued")")
  kill -TERM "$pid"
  lab_wait 120 bash -c "! kill -0 $pid 2>/dev/null" || lab_fail "coatid did not stop"
  lab_coatictl hub status >/dev/null 2>&1 && lab_fail "coatid still answers"
  ip -n "$(lab_ns hub)" xfrm policy flush
  ip -n "$(lab_ns hub)" xfrm state flush
done

echo
echo "coatid roadwarrior login benchmark ($(nproc) CPUs, driver and hub on the same machine," \
  "hybrid ${RW_ARGS:+$RW_ARGS }+ XAuth (PAM, pam_unix sha512) + Mode Config)"
printf '%6s %9s %8s %9s %8s %8s %9s %9s %10s %9s %10s %7s\n' N completed seconds "logins/s" \
  p50_ms p99_ms "cpu ms/lg" "RSS0 kB" "RSS1 kB" "kB/user" "HWM kB" "queued"
printf '%s\n' "${rows[@]}"
