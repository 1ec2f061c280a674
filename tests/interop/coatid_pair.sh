#!/usr/bin/env bash
# coatid on both ends: the seed hub (rhum) and the seed satellite (armagnac, the hub's
# address rewritten to 192.0.2.1), nothing else. The satellite's vpn-connect brings
# phase 1 up; its unchanged phase1_up_cli.sh installs its policies (coati-setkey) and
# pings the hub's LAN: ACQUIRE, quick mode; both sides hold the same pair, mirrored; the
# hub generated its policies. With ESP in the kernel (the VM) the pair is installed on
# both sides and the satellite's LAN pings the hub's LAN through it (ESP counters grow,
# only ESP on the wire); on this host both sides report the SA add failure instead.
tag=cp$$
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seed_pair_roots

start_coatid "$hub" "$hubroot" hub
hub_sock=$sock
pids+=("$coatid_pid")
start_seed_satellite

satctl vpn-connect 192.0.2.1 >/dev/null || fail "vpn-connect"
wait_for 30 grep -q "IPsec-SA established" "$work/sat.log" || fail "no IPsec-SA on the satellite"
wait_for 10 grep -q "IPsec-SA established" "$work/hub.log" || fail "no IPsec-SA on the hub"
hubsa=$(hubctl show-sa)
satsa=$(satctl show-sa)
echo "$hubsa"
echo "$satsa"
in=$(sed -n 's/.* esp spi=0x\([0-9a-f]*\) in .*/\1/p' <<<"$satsa")
out=$(sed -n 's/.* esp spi=0x\([0-9a-f]*\) out .*/\1/p' <<<"$satsa")
[ -n "$in" ] && [ -n "$out" ] || fail "no SPIs on the satellite"
grep -q "esp spi=0x$in out" <<<"$hubsa" || fail "the satellite's inbound SPI is not the hub's outbound"
grep -q "esp spi=0x$out in" <<<"$hubsa" || fail "the satellite's outbound SPI is not the hub's inbound"
grep -q "enc=3des auth=hmac_md5 pfs=2" <<<"$satsa" || fail "not the seed's algorithms"
grep -q "tmpl src 192.0.2.1 dst 198.51.100.3" <<<"$(ip -n "$hub" xfrm policy)" \
  || fail "the hub generated no policy"
if [ "$kernel_esp" = 1 ]; then
  wait_for 5 grep -q "kernel=installed" <<<"$(hubctl show-sa esp)" || fail "the hub's pair is not installed"
  grep -q "kernel=installed" <<<"$(satctl show-sa esp)" || fail "the satellite's pair is not installed"
  check_data_path coatid_pair
else
  grep -q "kernel=failed" <<<"$hubsa" || fail "the hub does not report the SA add failure"
  grep -q "kernel=failed" <<<"$satsa" || fail "the satellite does not report the SA add failure"
fi
echo "ok: coatid <-> coatid: SPIs $in/$out agreed and mirrored"
echo PASS
