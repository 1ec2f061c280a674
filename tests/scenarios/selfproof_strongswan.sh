#!/usr/bin/env bash
# The test bed proves itself with strongSwan on both ends, no coati involved: a charon hub
# (192.0.2.1, LAN 192.168.1.0/24) and a charon satellite (armagnac, 198.51.100.3, LAN
# 192.168.3.0/24) with the seed's algorithms: IKEv1 main mode, RSA signatures,
# 3DES/MD5/modp1024; ESP 3DES/HMAC-MD5 with PFS modp1024, tunnel 192.168.3.0/24 <->
# 192.168.0.0/16 (the seed's star).
#  - kernel with ESP (the VM): the satellite's LAN pings the hub's LAN through the
#    tunnel, ESP counters grow on both gateways, only ESP on the public link;
#  - kernel without ESP (this host): phase 1 and quick mode come up on both sides and the
#    satellite reports the SA install failure the kernel causes.
tag=sp$$
source "$COATI_SRC/tests/interop/common.sh"

start_charon "$hub" rhum hubc
swan_at hubc --version >/dev/null
printf '%s\n' 'connections {
  sat {
    version = 1
    local_addrs = 192.0.2.1
    remote_addrs = %any
    proposals = 3des-md5-modp1024
    local { auth = pubkey
      certs = rhum.crt
      id = "C=FR, O=coati test, OU=rhum, CN=rhum" }
    remote { auth = pubkey
      id = "C=FR, O=coati test, OU=armagnac, CN=armagnac" }
    children { lan { local_ts = 192.168.0.0/16
      remote_ts = 192.168.3.0/24
      esp_proposals = 3des-md5-modp1024 } }
  }
}' > "$work/hubc/swanctl/swanctl.conf"
swan_at hubc --load-all --noprompt > "$work/load-hub.log" 2>&1 || fail "hub: swanctl --load-all"

start_charon "$sat" armagnac satc
printf '%s\n' 'connections {
  hub {
    version = 1
    local_addrs = 198.51.100.3
    remote_addrs = 192.0.2.1
    proposals = 3des-md5-modp1024
    local { auth = pubkey
      certs = armagnac.crt
      id = "C=FR, O=coati test, OU=armagnac, CN=armagnac" }
    remote { auth = pubkey
      id = "C=FR, O=coati test, OU=rhum, CN=rhum" }
    children { lan { local_ts = 192.168.3.0/24
      remote_ts = 192.168.0.0/16
      esp_proposals = 3des-md5-modp1024 } }
  }
}' > "$work/satc/swanctl/swanctl.conf"
swan_at satc --load-all --noprompt > "$work/load-sat.log" 2>&1 || fail "satellite: swanctl --load-all"

swan_at satc --initiate --child lan --timeout 60 > "$work/initiate.log" 2>&1 || true
for side in hubc satc; do
  grep -q "IKE_SA [a-z]*\[[0-9]*\] established between" "$work/$side/charon.log" \
    || fail "$side: phase 1 did not come up"
  grep -q "selected proposal: ESP:3DES_CBC/HMAC_MD5_96/MODP_1024" "$work/$side/charon.log" \
    || fail "$side: quick mode did not agree on the seed's ESP proposal"
done
echo "ok: phase 1 (3des/md5/modp1024, RSA signatures) and quick mode (3des/hmac_md5, PFS modp1024) up on both sides"
if [ "$kernel_esp" = 1 ]; then
  wait_for 20 grep -q "INSTALLED, TUNNEL" <<<"$(swan_at hubc --list-sas 2>&1)" \
    || fail "the hub did not install the child SA"
  grep -q "INSTALLED, TUNNEL" <<<"$(swan_at satc --list-sas 2>&1)" || fail "the satellite did not install the child SA"
  check_data_path selfproof
else
  grep -q "unable to install inbound and outbound IPsec SA (SAD) in kernel" "$work/satc/charon.log" \
    || fail "the satellite did not report the SA install failure this kernel causes"
  grep "unable to add SAD entry" "$work/satc/charon.log" | head -n 1
  echo "ok: no ESP in this kernel: the SA install failure is reported, as expected"
fi
echo PASS
