#!/usr/bin/env bash
# Admission control under a flood of spoofed first messages: coatid as the seed hub (rhum,
# with an `admission` block: 500 new phase 1 per second, a bucket of 500, 1000 half-open
# ISAKMP SAs at most) receives 20,000 spoofed MM1s per second (tests/interop/mm1_flood:
# raw socket, fresh cookies, random sources in 203.0.113.0/24 and random ports, a proposal
# the hub accepts) from a third namespace, while a real strongSwan charon satellite
# (armagnac, 198.51.100.3, certificates) comes up. Checks:
#   - charon's IKE SA and child come up during the flood, coatid agrees (show-sa);
#   - the flood was refused by the token bucket (listener admission.rate), the half-open
#     table filled up and its oldest gave way (admission.evicted), half-open never above
#     the limit; one warning line per 10 s at most, not one per packet;
#   - coatid is alive and answers coatictl, its RSS is printed; the hub never deleted the
#     satellite's phase 1 (eviction only touches half-open responders).
tag=hf$$
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
FLOOD=$COATI_BUILD/tests/interop/mm1_flood
rate=20000 seconds=25

# The flooder: 203.0.113.2/30 next to the hub's 203.0.113.1/30; the hub routes the rest of
# 203.0.113.0/24 (the spoofed sources) to it, where answers die (no forwarding).
flooder=$tag-f
ip netns add "$flooder"
ip -n "$flooder" link set lo up
ip link add fl netns "$hub" type veth peer name ff netns "$flooder"
ip -n "$hub" addr add 203.0.113.1/30 dev fl
ip -n "$flooder" addr add 203.0.113.2/30 dev ff
ip -n "$hub" link set fl up
ip -n "$flooder" link set ff up
ip -n "$hub" route add 203.0.113.0/24 via 203.0.113.2
ip -n "$flooder" route add 192.0.2.1/32 via 203.0.113.1

root=$work/root
SEED_PKI=$pki bash "$COATI_SRC/tests/lib/seedroot.sh" "$root" rhum >/dev/null
etc=$root/etc/racoon
cat >> "$etc/local.conf" <<'CONF'

admission {
	half_open 1000;
	rate 500;
	burst 500;
}
CONF

start_charon "$sat" armagnac
swan_load_satellite 3des-md5-modp1024 3des-md5-modp1024
start_coatid "$hub" "$root" coatid
log=$work/coatid.log
stat_of() { # stat_of GROUP KEY: a counter of `coatictl stats`, 0 if absent
  ctl stats | awk -v g="$1" -v k="$2" '$1 == g && $2 == k { print $3; f = 1 } END { if (!f) print 0 }'
}

ip netns exec "$flooder" "$FLOOD" 192.0.2.1 "$rate" "$seconds" 203.0.113 4 254 > "$work/flood.out" 2>&1 &
flood_pid=$!
pids+=($flood_pid)
# Let the flood fill the half-open table first, then the satellite asks.
evicting() { [ "$(stat_of listener admission.evicted)" -gt 0 ]; }
wait_for 20 evicting ||
  fail "the flood did not fill the half-open table (admission.evicted stays 0)"
echo "ok: the half-open table is full: $(stat_of listener half_open) half-open, $(stat_of listener admission.rate) refused by rate so far"
t0=$SECONDS
swanctl --initiate --child lan --timeout 40 > "$work/initiate.log" 2>&1 || true
grep -q "IKE_SA hub\[[0-9]*\] established" "$d/charon.log" ||
  fail "charon's IKE SA did not come up during the flood"
took=$((SECONDS - t0))
kill -0 "$flood_pid" 2>/dev/null || fail "the flood ended before the satellite came up (after ${took} s): the test proves nothing"
has_esp_rows() { grep -q "esp spi=" <<<"$(ctl show-sa esp)"; }
wait_for 10 has_esp_rows || true
sa=$(ctl show-sa)
grep -q "^192.0.2.1 198.51.100.3\[500\] [0-9a-f]*:[0-9a-f]* responder established" <<<"$sa" ||
  fail "show-sa has no established ISAKMP-SA with the satellite"
grep -q "esp spi=" <<<"$sa" || fail "show-sa has no ESP SAs for the satellite"
echo "ok: the satellite came up during the flood in about ${took} s; retransmitted MM1s admitted: $(stat_of listener admission.retried)"

# Half-open never above its limit while the flood lasts.
max=0
while kill -0 "$flood_pid" 2>/dev/null; do
  h=$(stat_of listener half_open)
  [ "$h" -gt "$max" ] && max=$h
  sleep 0.5
done
wait "$flood_pid" || true
cat "$work/flood.out"
[ "$max" -le 1000 ] || fail "half-open reached $max, above the limit of 1000"
sent=$(sed -n 's/^flood: \([0-9]*\) spoofed.*/\1/p' "$work/flood.out")
[ -n "$sent" ] && [ "$sent" -gt 0 ] || fail "the flooder did not report"

refused=$(stat_of listener admission.rate)
evicted=$(stat_of listener admission.evicted)
started=$(stat_of listener peers_started)
echo "coatid: $started responders started, $refused MM1s refused by rate, $evicted half-open evicted, half-open at most $max"
[ "$refused" -gt $((sent / 2)) ] || fail "only $refused of $sent spoofed MM1s were refused by the rate limit"
[ "$evicted" -gt 0 ] || fail "no half-open responder was evicted"
warns=$(grep -c "admission control" "$log" || true)
[ "$warns" -ge 1 ] && [ "$warns" -le $((seconds / 10 + 3)) ] ||
  fail "$warns admission warnings in the log for a ${seconds} s flood (one per 10 s expected)"
ctl status > /dev/null || fail "coatid does not answer after the flood"
# Eviction only touches half-open responders: the hub never ended the satellite's phase 1.
# (On a host without ESP charon gives up its child and may delete the IKE SA itself.)
! grep -q "received DELETE for IKE_SA" "$d/charon.log" || fail "the hub deleted the satellite's phase 1"
echo "coatid RSS after the flood: $(awk '/VmRSS/ {print $2, $3}' /proc/$coatid_pid/status), peak $(awk '/VmHWM/ {print $2, $3}' /proc/$coatid_pid/status)"
stop_coatid
echo "PASS: hub_flood"
