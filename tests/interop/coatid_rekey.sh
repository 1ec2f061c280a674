#!/usr/bin/env bash
# Phase-1 rekey, coatid <-> coatid (seed hub rhum, seed satellite armagnac): the ISAKMP
# SA lives 30 s (remote blocks' `lifetime time 30 sec`), the pair 3 min (the seed's). The
# satellite negotiates a new ISAKMP SA at 80-85 % of the lifetime (new cookies, no
# INITIAL-CONTACT), hands its children to it and deletes the old one; the hub adopts its
# children into its new ISAKMP SA when the old one is deleted. Across two rekeys:
#   - the ISAKMP SA cookies change on both sides, never more than two at a time, one
#     after settling; ike.phase1_rekeyed counts 2 on both sides;
#   - the pair is the same one (same SPIs in show-sa; with ESP in the kernel, the same
#     SPIs in `ip xfrm state` in both namespaces), no second quick mode, policies kept;
#   - no INITIAL-CONTACT purge on the hub, no keeper re-initiation on the satellite;
#   - with ESP in the kernel (the VM): pings through the tunnel before, during (one every
#     0.2 s, at most one lost) and after the rekeys.
# (30 s, not 20: the rekey must be done before the hub's copy of the old SA expires; 20 %
# of 20 s minus the jitter left too little room for a main mode in the emulated VM.)
tag=rk$$
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seed_pair_roots
for r in "$hubroot" "$satroot"; do
  sed -i 's/lifetime time 1440 min;/lifetime time 30 sec;/' "$r/etc/racoon/local.conf"
  grep -q "lifetime time 30 sec;" "$r/etc/racoon/local.conf" || fail "no phase-1 lifetime to shorten"
done

start_coatid "$hub" "$hubroot" hub
hub_sock=$sock
pids+=("$coatid_pid")
start_seed_satellite
# cookies SOCK: the "icookie:rcookie" of each ISAKMP SA, sorted.
cookies() { "$CTL" -s "$1" show-sa isakmp | grep -Eo '[0-9a-f]{16}:[0-9a-f]{16}' | sort || true; }
# pair SOCK: the ESP SAs of show-sa (SPI and direction), sorted.
pair() { "$CTL" -s "$1" show-sa esp | grep -Eo 'esp spi=0x[0-9a-f]+ (in|out)' | sort || true; }
# xfrm_spis NS: the SPIs of the kernel's ESP SAs in NS, sorted.
xfrm_spis() { ip -n "$1" xfrm state | grep -Eo 'proto esp spi 0x[0-9a-f]+' | sort || true; }
counter() { "$CTL" -s "$1" stats | awk -v k="$2" '$1 == "ike" && $2 == k { print $3 }'; }

satctl vpn-connect 192.0.2.1 >/dev/null || fail "vpn-connect"
wait_for 30 grep -q "IPsec-SA established" "$work/sat.log" || fail "no IPsec-SA on the satellite"
wait_for 10 grep -q "IPsec-SA established" "$work/hub.log" || fail "no IPsec-SA on the hub"
if [ "$kernel_esp" = 1 ]; then
  hub_installed() { grep -q "kernel=installed" <<<"$(hubctl show-sa esp)"; }
  wait_for 5 hub_installed || fail "the hub's pair is not installed"
fi
sat_pair=$(pair "$sat_sock") hub_pair=$(pair "$hub_sock")
[ "$(wc -l <<<"$sat_pair")" = 2 ] || fail "the satellite should hold one pair: $sat_pair"
[ "$(wc -l <<<"$hub_pair")" = 2 ] || fail "the hub should hold one pair: $hub_pair"
sat_ck=$(cookies "$sat_sock") hub_ck=$(cookies "$hub_sock")
[ "$(wc -l <<<"$sat_ck")" = 1 ] && [ "$sat_ck" = "$hub_ck" ] || fail "one ISAKMP SA expected: $sat_ck / $hub_ck"
echo "ISAKMP SA $sat_ck; pair: $(tr '\n' ' ' <<<"$sat_pair")"
if [ "$kernel_esp" = 1 ]; then
  sat_x=$(xfrm_spis "$sat") hub_x=$(xfrm_spis "$hub")
  [ "$(wc -l <<<"$sat_x")" = 2 ] && [ "$(wc -l <<<"$hub_x")" = 2 ] || fail "kernel SAs: $sat_x / $hub_x"
  check_data_path before
  ip netns exec "$sat" ping -i 0.2 -W 2 -I 192.168.3.1 192.168.1.1 > "$work/during.ping.log" 2>&1 &
  pinger=$!
  pids+=("$pinger")
fi

# (In the emulated VM the set-up above can outlast the first soft point: count from here.)
start=$(counter "$sat_sock" phase1_rekeyed)
start=${start:-0}
most=1
for n in $((start + 1)) $((start + 2)); do
  echo "== rekey $n"
  for _ in $(seq 400); do # (40 s: the soft point is 24-25.5 s after the last phase 1)
    c=$(cookies "$sat_sock" | wc -l)
    [ "$c" -gt "$most" ] && most=$c
    [ "$(counter "$sat_sock" phase1_rekeyed)" = "$n" ] && break
    sleep 0.1
  done
  [ "$(counter "$sat_sock" phase1_rekeyed)" = "$n" ] || fail "rekey $n: the satellite did not rekey"
  wait_for 10 sh -c "[ \"\$('$CTL' -s '$hub_sock' stats | awk '\$1 == \"ike\" && \$2 == \"phase1_rekeyed\" { print \$3 }')\" = $n ]" \
    || fail "rekey $n: the hub did not move its children to the new ISAKMP SA"
  wait_for 5 sh -c "[ \$('$CTL' -s '$sat_sock' show-sa isakmp | wc -l) = 1 ] && [ \$('$CTL' -s '$hub_sock' show-sa isakmp | wc -l) = 1 ]" \
    || fail "rekey $n: not one ISAKMP SA after settling: $(satctl show-sa isakmp) / $(hubctl show-sa isakmp)"
  new_sat=$(cookies "$sat_sock") new_hub=$(cookies "$hub_sock")
  [ "$new_sat" = "$new_hub" ] || fail "rekey $n: the two sides disagree: $new_sat / $new_hub"
  [ "$new_sat" != "$sat_ck" ] || fail "rekey $n: the cookies did not change"
  [ "${new_sat%%:*}" != "${sat_ck%%:*}" ] || fail "rekey $n: the initiator cookie did not change"
  echo "ISAKMP SA $sat_ck -> $new_sat"
  sat_ck=$new_sat
  wait_for 5 sh -c "[ \"\$('$CTL' -s '$hub_sock' show-sa esp | grep -Eo 'esp spi=0x[0-9a-f]+ (in|out)' | sort)\" = \"$hub_pair\" ]" \
    || fail "rekey $n: the hub's pair changed: $(pair "$hub_sock")"
  [ "$(pair "$sat_sock")" = "$sat_pair" ] || fail "rekey $n: the satellite's pair changed: $(pair "$sat_sock")"
  if [ "$kernel_esp" = 1 ]; then
    [ "$(xfrm_spis "$sat")" = "$sat_x" ] || fail "rekey $n: the satellite's kernel SAs changed: $(xfrm_spis "$sat")"
    [ "$(xfrm_spis "$hub")" = "$hub_x" ] || fail "rekey $n: the hub's kernel SAs changed: $(xfrm_spis "$hub")"
  fi
  grep -q "tmpl src 192.0.2.1 dst 198.51.100.3" <<<"$(ip -n "$hub" xfrm policy)" \
    || fail "rekey $n: the hub's generated policies are gone"
  grep -q "tmpl src 198.51.100.3 dst 192.0.2.1" <<<"$(ip -n "$sat" xfrm policy)" \
    || fail "rekey $n: the satellite's policies are gone"
  echo "ok: rekey $n: new cookies on both sides, the same pair, policies kept"
done
[ "$most" -le 2 ] || fail "$most ISAKMP SAs at a time on the satellite"
[ "$(grep -c 'IPsec-SA established' "$work/sat.log")" = 1 ] || fail "a second quick mode on the satellite"
[ "$(grep -c 'IPsec-SA established' "$work/hub.log")" = 1 ] || fail "a second quick mode on the hub"
grep -q "phase-1 rekey: negotiating the successor of ISAKMP-SA" "$work/sat.log" || fail "no rekey log line"
hub_st=$(hubctl stats) sat_st=$(satctl stats)
! grep -Eq "^listener +initial_contact_purged +[1-9]" <<<"$hub_st" || fail "the rekey sent INITIAL-CONTACT"
! grep -Eq "^listener +keeper\.reinitiated +[1-9]" <<<"$sat_st" || fail "the keeper re-initiated"
! grep -Eq "^ike +phase2_down +[1-9]" <<<"$sat_st$hub_st" || fail "a pair went down"
if [ "$kernel_esp" = 1 ]; then
  kill -INT "$pinger"
  wait "$pinger" 2>/dev/null || true
  tail -n 2 "$work/during.ping.log"
  read -r sent got < <(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$work/during.ping.log")
  [ -n "$sent" ] && [ "$sent" -ge 50 ] || fail "the ping during the rekeys did not run"
  [ "$got" -ge $((sent - 1)) ] || fail "pings lost during the rekeys: $got of $sent answered"
  check_data_path after
fi
echo "ok: two phase-1 rekeys (at most $most ISAKMP SAs at a time), one pair throughout"
echo PASS
