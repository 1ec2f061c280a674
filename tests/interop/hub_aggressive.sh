#!/usr/bin/env bash
# Aggressive mode at the coatid hub (seed rhum, whose remote allows main and aggressive),
# with a charon satellite:
#   1. pre-shared key found by the satellite's ID (FQDN "armagnac.test" in psk.txt), for a
#      `remote 198.51.100.3` block with exchange_mode aggressive: phase 1 up on both sides,
#      quick mode agreed;
#   2. a wrong key for that ID: refused, reason logged and counted;
#   3. main mode toward that aggressive-only block: refused (exchange_mode), counted.
tag=ha$$
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

root=$work/root
SEED_PKI=$pki bash "$COATI_SRC/tests/lib/seedroot.sh" "$root" rhum >/dev/null
etc=$root/etc/racoon
cat >> "$etc/local.conf" <<'CONF'

remote 198.51.100.3
{
	exchange_mode aggressive;
	my_identifier fqdn "rhum.test";
	proposal_check obey;
	generate_policy on;
	passive on;
	proposal {
		encryption_algorithm aes 128;
		hash_algorithm sha256;
		authentication_method pre_shared_key;
		dh_group modp2048;
	}
}
CONF
printf 'armagnac.test the right secret\n' > "$etc/psk.txt"
chmod 600 "$etc/psk.txt"
start_charon "$sat" armagnac
start_coatid "$hub" "$root" coatid
log=$work/coatid.log

sat_conf() { # sat_conf SECRET AGGRESSIVE(yes|no)
  swan_load "connections {
  hub {
    version = 1
    aggressive = $2
    local_addrs = 198.51.100.3
    remote_addrs = 192.0.2.1
    proposals = aes128-sha256-modp2048
    local { auth = psk
      id = @armagnac.test }
    remote { auth = psk
      id = @rhum.test }
    children { lan { local_ts = 192.168.3.0/24
      remote_ts = 192.168.0.0/16
      esp_proposals = 3des-md5-modp1024 } }
  }
}
secrets { ike-hub { id-1 = @armagnac.test
    id-2 = @rhum.test
    secret = \"$1\" } }"
}

echo "== 1. aggressive mode, PSK by ID"
sat_conf "the right secret" yes
swan --initiate --child lan --timeout 20 > "$work/initiate1.log" 2>&1 || true
wait_for 10 grep -q "ISAKMP-SA established 192.0.2.1\[500\]-198.51.100.3\[500\] .*id \"armagnac.test\"" "$log" \
  || fail "coatid did not establish the aggressive mode ISAKMP-SA"
grep -q "respond new phase 1 negotiation (aggressive mode)" "$log" || fail "not aggressive mode"
grep -q "IKE_SA hub\[[0-9]*\] established between 198.51.100.3\[armagnac.test\]...192.0.2.1\[rhum.test\]" "$d/charon.log" \
  || fail "charon did not establish the aggressive mode IKE SA"
wait_for 10 grep -q "esp spi=" <<<"$(ctl show-sa esp)" || fail "no quick mode after aggressive mode"
grep -q "selected proposal: ESP:3DES_CBC/HMAC_MD5_96/MODP_1024" "$d/charon.log" || fail "quick mode not agreed"
swan --terminate --ike hub --timeout 5 >/dev/null 2>&1 || true
wait_for 10 sh -c "[ -z \"\$('$CTL' -s '$sock' show-sa isakmp)\" ]" || fail "the Delete did not remove the SA"
echo "ok: aggressive mode with the PSK of ID armagnac.test, quick mode on top, Delete honoured"

echo "== 2. aggressive mode, wrong key"
sat_conf "not the right secret" yes
swan --initiate --ike hub --timeout 8 > "$work/initiate2.log" 2>&1 || true
wait_for 10 grep -q "phase 1 with 198.51.100.3\[500\] failed" "$log" || fail "wrong key: no failure logged"
grep "phase 1 with 198.51.100.3\[500\] failed" "$log" | tail -1
! grep -q "established" <<<"$(ctl show-sa isakmp)" || fail "wrong key: an ISAKMP-SA came up"
grep -Eq "^ike +phase1_failed\.authentication +[1-9]" <<<"$(ctl stats)" || fail "wrong key not counted"
swan --terminate --ike hub --force --timeout 3 >/dev/null 2>&1 || true
echo "ok: wrong key refused"

echo "== 3. main mode toward an aggressive-only remote"
sat_conf "the right secret" no
swan --initiate --ike hub --timeout 5 > "$work/initiate3.log" 2>&1 || true
wait_for 10 sh -c "'$CTL' -s '$sock' stats | grep -Eq '^listener +exchange_mode_refused +[1-9]'" \
  || fail "main mode toward an aggressive-only remote not refused"
grep -q "wants main mode, which remote 198.51.100.3 does not allow" "$log" || fail "no clear log line"
echo "ok: main mode refused by exchange_mode"
echo PASS
