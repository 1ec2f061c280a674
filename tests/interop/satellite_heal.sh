#!/usr/bin/env bash
# The self-healing satellite (coatid as the seed's armagnac, a coatid seed hub rhum): the
# operator runs vpn-connect once; from then on the satellite keeps its tunnel up alone.
#   1. the hub stops (SIGTERM: it sends its Deletes) and comes back 8 s later: the
#      satellite re-initiates phase 1 1 s after the Delete; attempts that meet nobody
#      fail and are retried after a growing back-off (1 s, 2 s, ...); once the hub is
#      back, phase 1 and the quick mode of the satellite's last ACQUIRE come up on both
#      sides with no operator action;
#   2. the hub is killed (SIGKILL: no Delete) and restarted at once: the satellite's DPD
#      (dpd_delay 2, dpd_retry 1, dpd_maxfail 2 in the test's copy) finds the old ISAKMP
#      SA dead, and the tunnel is back again.
# After each: exactly one ISAKMP SA and one IPsec pair on each side (no duplicates), the
# hub's generated policy and the satellite's seed-script policies in place. Throughout:
# never two of the satellite's phase 1 attempts in flight at once, and few attempts in
# all (no storm; counted in its stats and its log). The times to heal are printed.
tag=sh$$
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seed_pair_roots
# Short DPD on the satellite; its retransmission interval 2 s and counter 2 instead of the
# seed's 20 s and 5 (an attempt that meets the stopped hub gives up after 4 s).
sed -i 's/^\tinitial_contact on;/&\n\tdpd_delay 2;\n\tdpd_retry 1;\n\tdpd_maxfail 2;/' \
  "$satroot/etc/racoon/local.conf"
sed -i 's/^\tinterval 20 sec;/\tinterval 2 sec;/; s/^\tcounter 5;/\tcounter 2;/' "$satroot/etc/racoon/racoon.conf"
grep -q "dpd_delay 2;" "$satroot/etc/racoon/local.conf" || fail "dpd_delay not written"

hub_pid= sat_pid=
start_hub() { # (coatid_pid stays the satellite's: the clean-up gives it time to stop)
  start_coatid "$hub" "$hubroot" "hub$1"
  hub_sock=$sock hub_pid=$coatid_pid
  pids+=("$hub_pid")
  coatid_pid=$sat_pid
}
start_hub 1
start_seed_satellite
sat_pid=$coatid_pid
slog=$work/sat.log
# count FILE PATTERN: matching lines
count() { grep -c "$2" "$1" || true; }
stat_of() { # stat_of SOCK GROUP NAME: a counter of `coatictl stats` (0 if absent)
  "$CTL" -s "$1" stats | awk -v g="$2" -v n="$3" '$1 == g && $2 == n { v = $3 } END { print v + 0 }'
}

# tunnel_up N HUBLOG: the satellite has established its Nth ISAKMP SA and an IPsec pair
# after it; the hub (log HUBLOG) has both too.
tunnel_up() {
  local n=$1 hlog=$2
  wait_for 60 awk -v n="$n" '/ISAKMP-SA established/ { p++ }
    /IPsec-SA established/ && p >= n { f = 1 } END { exit !f }' "$slog" || return 1
  wait_for 10 grep -q "IPsec-SA established" "$hlog" || return 1
}

# check_one WHAT: one ISAKMP SA and one IPsec pair on each side, mirrored; policies there.
check_one() {
  local what=$1 hsa ssa in out
  # (the hub's view settles once its quick mode's last message is handled)
  wait_for 10 sh -c "[ \$('$CTL' -s '$hub_sock' show-sa esp | grep -c 'esp spi=0x[0-9a-f]* in ') = 1 ]" ||
    fail "$what: the hub should hold exactly one IPsec pair: $(hubctl show-sa esp)"
  hsa=$(hubctl show-sa)
  ssa=$(satctl show-sa)
  echo "$hsa"
  echo "$ssa"
  [ "$(grep -c ' esp spi=' <<<"$hsa")" = 2 ] || fail "$what: the hub holds $(grep -c ' esp spi=' <<<"$hsa") IPsec SAs (2 expected)"
  [ "$(grep -c ' esp spi=' <<<"$ssa")" = 2 ] || fail "$what: the satellite holds $(grep -c ' esp spi=' <<<"$ssa") IPsec SAs (2 expected)"
  [ "$(grep -vc ' esp spi=' <<<"$hsa")" = 1 ] || fail "$what: the hub holds more than one ISAKMP SA"
  [ "$(grep -vc ' esp spi=' <<<"$ssa")" = 1 ] || fail "$what: the satellite holds more than one ISAKMP SA"
  grep -q " established " <<<"$hsa" || fail "$what: the hub's ISAKMP SA is not established"
  grep -q " established " <<<"$ssa" || fail "$what: the satellite's ISAKMP SA is not established"
  in=$(sed -n 's/.* esp spi=0x\([0-9a-f]*\) in .*/\1/p' <<<"$ssa")
  out=$(sed -n 's/.* esp spi=0x\([0-9a-f]*\) out .*/\1/p' <<<"$ssa")
  grep -q "esp spi=0x$in out" <<<"$hsa" || fail "$what: the satellite's inbound SPI is not the hub's outbound"
  grep -q "esp spi=0x$out in" <<<"$hsa" || fail "$what: the satellite's outbound SPI is not the hub's inbound"
  grep -q "tmpl src 192.0.2.1 dst 198.51.100.3" <<<"$(ip -n "$hub" xfrm policy)" ||
    fail "$what: the hub has no generated policy"
  wait_for 10 grep -q "tmpl src 198.51.100.3 dst 192.0.2.1" <<<"$(ip -n "$sat" xfrm policy)" ||
    fail "$what: the satellite's policies (phase1_up_cli.sh) are missing"
  if [ "$kernel_esp" = 1 ]; then
    wait_for 5 grep -q "kernel=installed" <<<"$(hubctl show-sa esp)" || fail "$what: the hub's pair is not installed"
    grep -q "kernel=installed" <<<"$(satctl show-sa esp)" || fail "$what: the satellite's pair is not installed"
    [ "$(ip -n "$sat" xfrm state | grep -c '^src')" = 2 ] || fail "$what: the satellite's kernel holds other SAs: $(ip -n "$sat" xfrm state)"
    check_data_path "$what"
  fi
  echo "ok: $what: one ISAKMP SA, one pair ($in/$out) on each side, policies in place"
}

echo "== 0. vpn-connect once"
satctl vpn-connect 192.0.2.1 >/dev/null || fail "vpn-connect"
tunnel_up 1 "$work/hub1.log" || fail "no tunnel after vpn-connect"
check_one start

echo "== 1. the hub stops (SIGTERM, Deletes sent) and is back 8 s later"
t0=$(date +%s.%N)
kill -TERM "$hub_pid"
wait "$hub_pid" || fail "the hub exited with $? on SIGTERM"
wait_for 10 grep -q "keeper: the phase 1 with 192.0.2.1 ended: a new one in" "$slog" ||
  fail "the satellite did not notice the hub's Delete"
sleep 8
start_hub 2
tunnel_up 2 "$work/hub2.log" || fail "the tunnel did not come back after the hub's restart"
t1=$(date +%s.%N)
check_one "after SIGTERM"
echo "healed after the hub's stop in $(echo "$t1 - $t0" | bc) s (the hub was away 8 s)"
failed=$(stat_of "$sat_sock" listener keeper.failed)
[ "$failed" -ge 1 ] || fail "no attempt failed while the hub was away"
grep -q "keeper: the phase 1 with 192.0.2.1 did not come up: a new one in 1 s" "$slog" ||
  fail "no retry after the first failed attempt"
grep -q "keeper: the phase 1 with 192.0.2.1 did not come up: a new one in 2 s" "$slog" ||
  fail "the back-off did not grow after the second failed attempt"
[ "$(stat_of "$sat_sock" listener keeper.reinitiated)" -ge 2 ] || fail "the re-initiations are not counted"
echo "ok: $failed attempts failed while the hub was away, retried with back-off"

echo "== 2. the hub is killed (SIGKILL, no Delete) and restarted at once"
t0=$(date +%s.%N)
kill -KILL "$hub_pid"
wait "$hub_pid" 2>/dev/null || true
start_hub 3
wait_for 30 grep -q "DPD: remote 192.0.2.1\[500\] .* seems to be dead" "$slog" ||
  fail "the satellite's DPD did not find the old hub dead"
tunnel_up 3 "$work/hub3.log" || fail "the tunnel did not come back after the hub was killed"
t1=$(date +%s.%N)
check_one "after SIGKILL"
echo "healed after the hub's kill in $(echo "$t1 - $t0" | bc) s (DPD: 2 s idle, 2 probes 1 s apart)"

echo "== no storm"
started=$(count "$slog" "initiate new phase 1 negotiation")
inits=$(stat_of "$sat_sock" ike phase1_initiated)
echo "the satellite started $started phase 1 negotiations (ike.phase1_initiated $inits)"
[ "$inits" = "$started" ] || fail "the log and the counters disagree"
[ "$started" -ge 3 ] || fail "expected at least 3 phase 1 negotiations (one per tunnel)"
[ "$started" -le 7 ] || fail "$started phase 1 negotiations: a storm"
# In flight: from "initiate" to its end (established, or failed).
maxflight=$(awk '/initiate new phase 1 negotiation/ { n++; if (n > m) m = n }
  /ISAKMP-SA established/ || /phase 1 with .* failed/ { if (n > 0) n-- } END { print m + 0 }' "$slog")
[ "$maxflight" = 1 ] || fail "$maxflight phase 1 negotiations were in flight at once"
echo "ok: at most one phase 1 in flight, $started in all"
echo PASS
