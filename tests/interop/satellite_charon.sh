#!/usr/bin/env bash
# coatid as the seed satellite (armagnac's racoon.conf, the hub's address rewritten to the
# test address 192.0.2.1) against a strongSwan charon hub, RSA signatures and asn1dn:
#   - `coatictl vpn-connect 192.0.2.1` starts main mode; phase 1 comes up on both sides;
#   - the seed's phase1_up_cli.sh runs unchanged: its /sbin/setkey is coati-setkey (the
#     compatibility path, put over /usr/sbin in coatid's mount namespace only), so the
#     satellite's policies appear; its ping to the hub's LAN hits them: ACQUIRE;
#   - the ACQUIRE starts quick mode (3des/hmac_md5, PFS modp1024; ESP only, since the
#     acquiring policy asks for ESP only, as racoon builds its proposal): both
#     sides agree on the SPIs; on this host the kernel cannot add the ESP SAs, which
#     coatid reports (log, show-sa, counters); with ESP (the VM) both sides install them;
#     the IPComp CPI coatid reserved is released at once, since no IPComp was chosen;
#   - coatid stops: phase1_down_cli.sh removes the policies.
tag=sc$$
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

root=$work/root
SEED_PKI=$pki bash "$COATI_SRC/tests/lib/seedroot.sh" "$root" armagnac >/dev/null
etc=$root/etc/racoon
sed -i 's/^remote 10\.1\.2\.3$/remote 192.0.2.1/' "$etc/local.conf"
grep -q "^remote 192.0.2.1$" "$etc/local.conf" || fail "the seed's hub address was not rewritten"
record_hooks "$etc" phase1_up_cli phase1_down_cli
# racoon.conf names the scripts phase1_up_cli.sh / phase1_down_cli.sh: record_hooks kept
# those names, so the seed's own scripts run after the environment is recorded.
mkdir -p "$work/sbin"
cp "$COATI_BUILD/tools/setkey/coati-setkey" "$work/sbin/setkey"
# The script's "/sbin/ping" is where BSD keeps it; Debian has /usr/bin/ping.
ln -s /usr/bin/ping "$work/sbin/ping"

start_charon "$hub" rhum
swan_load "connections {
  sat {
    version = 1
    local_addrs = 192.0.2.1
    remote_addrs = 198.51.100.3
    proposals = 3des-md5-modp1024
    rekey_time = 0s
    local { auth = pubkey
      certs = rhum.crt
      id = \"C=FR, O=coati test, OU=rhum, CN=rhum\" }
    remote { auth = pubkey
      id = \"C=FR, O=coati test, OU=armagnac, CN=armagnac\" }
    children {
      lan {
        local_ts = 192.168.0.0/16
        remote_ts = 192.168.3.0/24
        esp_proposals = 3des-md5-modp1024
        rekey_time = 0s
        rand_time = 0s
        mode = tunnel
        ipcomp = yes
      }
    }
  }
}"

start_coatid "$sat" "$root" coatid sh -c \
  "mount -t overlay overlay -o lowerdir=$work/sbin:/usr/sbin /usr/sbin && exec \"\$0\" \"\$@\""
log=$work/coatid.log
out=$(ctl vpn-connect 192.0.2.1) || fail "vpn-connect: $out"
grep -q "phase 1 started with 192.0.2.1" <<<"$out" || fail "vpn-connect said: $out"
wait_for 15 grep -q "ISAKMP-SA established 198.51.100.3\[500\]-192.0.2.1\[500\] .*id \"CN=rhum,OU=rhum,O=coati test,C=FR\"" "$log" \
  || fail "coatid did not establish phase 1 with the hub"
grep -q "IKE_SA sat\[[0-9]*\] established between 192.0.2.1\[C=FR, O=coati test, OU=rhum, CN=rhum\]...198.51.100.3\[C=FR, O=coati test, OU=armagnac, CN=armagnac\]" "$d/charon.log" \
  || fail "charon did not report its IKE SA established"
echo "ok: vpn-connect: phase 1 up on both sides"

# phase1_up_cli.sh: racoon's environment, then setkey's policies.
wait_for 10 test -f "$work/phase1_up_cli.env" || fail "phase1_up_cli.sh did not run"
for kv in LOCAL_ADDR=198.51.100.3 LOCAL_PORT=500 REMOTE_ADDR=192.0.2.1 REMOTE_PORT=500 \
  "REMOTE_ID=CN=rhum,OU=rhum,O=coati test,C=FR"; do
  grep -qx "$kv" "$work/phase1_up_cli.env" || fail "phase1_up_cli.sh's environment lacks $kv"
done
wait_for 10 grep -q "tmpl src 198.51.100.3 dst 192.0.2.1" <<<"$(ip -n "$sat" xfrm policy)" \
  || fail "the seed script's policies (through coati-setkey) are not in the kernel"
echo "ok: phase1_up_cli.sh ran with racoon's environment; its setkey policies are installed"

# Its ping hits the out policy: ACQUIRE -> quick mode.
wait_for 20 grep -q "IPsec-SA established" "$log" || fail "no quick mode after the ACQUIRE"
grep -q "selected proposal: ESP:3DES_CBC/HMAC_MD5_96/MODP_1024" "$d/charon.log" \
  || fail "charon did not select the seed's ESP proposal"
sa=$(ctl show-sa)
echo "$sa"
spi_in=$(sed -n 's/.* esp spi=0x\([0-9a-f]*\) in .*/\1/p' <<<"$sa")
spi_out=$(sed -n 's/.* esp spi=0x\([0-9a-f]*\) out .*/\1/p' <<<"$sa")
[ -n "$spi_in" ] && [ -n "$spi_out" ] || fail "show-sa has no ESP SAs"
grep -q "ids=192.168.3.0/24<->192.168.0.0/16" <<<"$sa" || fail "quick mode IDs are not the sainfo's"
grep -q "ipcomp=no" <<<"$sa" || fail "IPComp proposed for an ESP-only policy"
grep -q "^198.51.100.3 192.0.2.1\[500\] [0-9a-f]*:[0-9a-f]* initiator established" <<<"$sa" \
  || fail "show-sa has no established ISAKMP-SA as initiator"
st=$(ctl stats)
grep -Eq "^listener +acquires +[1-9]" <<<"$st" || fail "no ACQUIRE counted"
grep -Eq "^ike +phase2_up +1$" <<<"$st" || fail "stats do not count phase2_up"
if [ "$kernel_esp" = 1 ]; then
  wait_for 10 grep -q "INSTALLED" <<<"$(swan --list-sas 2>&1)" || fail "charon did not install the pair"
  list=$(swan --list-sas 2>&1)
  grep -Eq "^ +in +$spi_out," <<<"$list" || fail "charon's inbound SPI is not coatid's outbound $spi_out"
  grep -Eq "^ +out +$spi_in," <<<"$list" || fail "charon's outbound SPI is not coatid's inbound $spi_in"
  grep -q "state=mature kernel=installed" <<<"$sa" || fail "show-sa does not say installed"
  check_data_path satellite_charon
else
  # Both sides try to install the same pair; this kernel has no ESP: said clearly.
  wait_for 5 grep -q "unable to add SAD entry with SPI $spi_in" "$d/charon.log" \
    || fail "charon's outbound SA is not coatid's inbound SPI $spi_in"
  grep -q "unable to add SAD entry with SPI $spi_out" "$d/charon.log" \
    || fail "charon's inbound SA is not coatid's outbound SPI $spi_out"
  wait_for 5 grep -q "kernel=failed" <<<"$(ctl show-sa esp)" || fail "show-sa does not say the SA add failed"
  grep -q "\[kernel\] SA 198.51.100.3->192.0.2.1 spi 0x.* not installed: " "$log" \
    || fail "coatid did not log the SA add failure"
  st=$(ctl stats)
  grep -Eq "^kernel +sa_unsupported +[1-9]" <<<"$st" || fail "the failed SA add is not counted"
  grep -Eq "^ike +sa_add_unsupported +1$" <<<"$st" || fail "the exchange did not report the failed SA add"
fi
echo "ok: ACQUIRE -> quick mode: SPIs $spi_in/$spi_out agreed with charon"
# The IPComp CPI coatid reserved before the quick mode began goes once no IPComp was
# chosen (not at the SA's end: each reservation is a larval state in the kernel).
wait_for 5 sh -c "! ip -n $sat xfrm state | grep -q 'proto comp'" \
  || fail "the unused IPComp CPI reservation is still in the kernel: $(ip -o -n "$sat" xfrm state | grep 'proto comp')"
echo "ok: the CPI reserved for IPComp was released once the SA took none"

stop_coatid
wait_for 5 test -f "$work/phase1_down_cli.env" || fail "phase1_down_cli.sh did not run"
grep -qx "REMOTE_ADDR=192.0.2.1" "$work/phase1_down_cli.env" || fail "phase1_down_cli.sh's environment"
wait_for 5 sh -c "! ip -n $sat xfrm policy | grep -q tmpl" || fail "ipsec policies left after phase1_down"
# What may remain is the kernel's own ACQUIRE placeholder (spi 0), which it expires.
left=$(ip -o -n "$sat" xfrm state | grep -v "spi 0x00000000" || true)
[ -z "$left" ] || fail "SAs left after coatid stopped: $left"
echo "ok: coatid stopped: phase1_down_cli.sh removed the policies, no SA left"
echo PASS
