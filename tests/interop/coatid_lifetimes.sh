#!/usr/bin/env bash
# Lifetimes and the timer block, coatid <-> coatid (seed hub rhum, seed satellite
# armagnac), with short values written into the test's copies of the seed:
#   1. give-up: vpn-connect to an address where nobody answers: `counter` transmissions
#      `interval` apart, then "no answer", counted (ike.phase1_failed.timeout);
#   2. rekey: sainfo lifetime 20 s; the satellite (initiator) negotiates a successor
#      before the pair expires (ike.phase2_rekeyed), and the old pair expires cleanly
#      (ike.phase2_expired on one side at least; both lifetimes end at the same moment, so
#      the other side may remove it on the first one's Delete): afterwards each side holds
#      exactly one pair, the new one, and the hub still holds the generated policies
#      (handed over, not removed).
tag=lt$$
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seed_pair_roots
for r in "$hubroot" "$satroot"; do
  sed -i 's/lifetime time 3 min;/lifetime time 20 sec;/' "$r/etc/racoon/local.conf"
  sed -i 's/^\tinterval 20 sec;/\tinterval 1 sec;/; s/^\tcounter 5;/\tcounter 3;/' "$r/etc/racoon/racoon.conf"
done
# A second remote nobody answers for (TEST-NET-3, no route needed: it is sent and lost).
cat >> "$satroot/etc/racoon/local.conf" <<'EOF'

remote 203.0.113.77
{
	exchange_mode main;
	my_identifier asn1dn;
	certificate_type x509 "armagnac.crt" "armagnac.pem";
	proposal {
		encryption_algorithm 3des;
		hash_algorithm md5;
		authentication_method rsasig;
		dh_group modp1024;
	}
}
EOF
ip -n "$sat" route add 203.0.113.0/24 dev s0

start_coatid "$hub" "$hubroot" hub
hub_sock=$sock
pids+=("$coatid_pid")
start_seed_satellite

echo "== 1. nobody answers: give up after counter 3, interval 1 s"
satctl vpn-connect 203.0.113.77 >/dev/null || fail "vpn-connect 203.0.113.77"
wait_for 15 grep -q "phase 1 with 203.0.113.77\[500\] failed: no answer after 3 transmissions" "$work/sat.log" \
  || fail "no give-up after 3 transmissions"
st=$(satctl stats)
grep -Eq "^ike +phase1_failed\.timeout +1$" <<<"$st" || fail "the give-up is not counted"
grep -Eq "^ike +retransmitted +2$" <<<"$st" || fail "expected 2 retransmissions"
echo "ok: three transmissions, then 'no answer', counted"

echo "== 2. a 20 s pair: rekeyed by the satellite before it expires"
satctl vpn-connect 192.0.2.1 >/dev/null || fail "vpn-connect 192.0.2.1"
wait_for 20 grep -q "IPsec-SA established" "$work/sat.log" || fail "no first pair"
first=$(satctl show-sa esp | sed -n 's/.* esp spi=0x\([0-9a-f]*\) in .*/\1/p')
[ -n "$first" ] || fail "no first inbound SPI"
# (the hub's Delete names its own inbound SPI: the satellite's outbound one)
first_out=$(satctl show-sa esp | sed -n 's/.* esp spi=0x\([0-9a-f]*\) out .*/\1/p')
[ -n "$first_out" ] || fail "no first outbound SPI"
grep -q "lifetime=20 " <<<"$(satctl show-sa esp)" || fail "the pair's lifetime is not 20 s"
wait_for 25 sh -c "[ \$(grep -c 'IPsec-SA established' '$work/sat.log') -ge 2 ]" || fail "no rekey"
# Both ends set the same 20 s lifetime at the same moment: whichever timer fires first
# sends its Delete, and the other end may get that Delete before its own timer fires.
# Clean either way: the pair expired on one side, and the other side removed it on that
# side's Delete (or expired it too).
wait_for 10 sh -c "! '$CTL' -s '$sat_sock' show-sa esp | grep -q 'spi=0x$first in'" \
  || fail "the old pair did not go on the satellite"
sat_expired=$(satctl stats | awk '$1 == "ike" && $2 == "phase2_expired" { print $3 }')
if [ "${sat_expired:-0}" -lt 1 ]; then
  wait_for 5 sh -c "'$CTL' -s '$hub_sock' stats | grep -Eq '^ike +phase2_expired +[1-9]'" \
    || fail "the old pair expired on neither side"
  grep -q "deleted the IPsec-SA with SPI 0x$first_out" "$work/sat.log" \
    || fail "the satellite neither expired the old pair nor took the hub's Delete for it"
  echo "(the hub's timer fired first; the satellite removed the pair on its Delete)"
fi
sa=$(satctl show-sa esp)
echo "$sa"
[ "$(grep -c 'esp spi=0x[0-9a-f]* in ' <<<"$sa")" = 1 ] || fail "the satellite should hold exactly one pair"
! grep -q "spi=0x$first in" <<<"$sa" || fail "the satellite still holds the old pair"
grep -Eq "^ike +phase2_rekeyed +[1-9]" <<<"$(satctl stats)" || fail "the rekey is not counted"
wait_for 5 sh -c "[ \$('$CTL' -s '$hub_sock' show-sa esp | grep -c 'esp spi=0x[0-9a-f]* in ') = 1 ]" \
  || fail "the hub should hold exactly one pair: $(hubctl show-sa esp)"
! grep -q "spi=0x$first out" <<<"$(hubctl show-sa esp)" || fail "the hub still holds the old pair"
grep -q "src 192.168.0.0/16 dst 192.168.3.0/24" <<<"$(ip -n "$hub" xfrm policy)" \
  || fail "the generated policies went away with the old pair"
echo "ok: rekeyed before expiry; the old pair expired and went on both sides; policies kept"
echo PASS
