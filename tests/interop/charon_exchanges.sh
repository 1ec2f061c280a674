#!/usr/bin/env bash
# coati's main mode and quick mode (ike/ state machines, driven by ike_probe on a UDP
# socket) against strongSwan's charon, in two network namespaces joined by a veth pair:
# hub 192.0.2.1 (coati), satellite 198.51.100.3 (charon), the seed's algorithms.
#  1. charon initiates (satellite -> hub), RSA signatures + asn1dn, 3des/md5/modp1024,
#     quick mode 3des/hmac_md5 with PFS modp1024: both sides see phase 1 and quick mode
#     complete with the same SPIs; charon reports that this kernel cannot install the SA.
#  2. coati initiates to charon with a pre-shared key and aes128/sha256/modp2048.
#  3. A wrong pre-shared key: no SA, and a reason on coati's side.
set -euo pipefail
: "${COATI_BUILD:?}" "${COATI_SRC:?}"
probe=$COATI_BUILD/tests/interop/ike_probe
id=$$
hub=ci$id-h sat=ci$id-s
work=$(mktemp -d /tmp/coati-interop.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  ip netns del "$hub" 2>/dev/null || true
  ip netns del "$sat" 2>/dev/null || true
  if [ "${keep:-0}" = 1 ]; then echo "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; keep=1; for f in "$work"/*.log "$work"/sat/charon.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; }; done; exit 1; }

ip netns add "$hub"
ip netns add "$sat"
ip link add h0 netns "$hub" type veth peer name s0 netns "$sat"
ip -n "$hub" addr add 192.0.2.1/24 dev h0
ip -n "$sat" addr add 198.51.100.3/24 dev s0
for ns in "$hub" "$sat"; do ip -n "$ns" link set lo up; done
ip -n "$hub" link set h0 up
ip -n "$sat" link set s0 up
ip -n "$hub" route add 198.51.100.0/24 dev h0
ip -n "$sat" route add 192.0.2.0/24 dev s0

# Test PKI (racoon layout for coati, swanctl layout for charon).
bash "$COATI_SRC/tests/lib/mkpki.sh" "$work/pki" rhum armagnac >/dev/null
d=$work/sat
mkdir -p "$d/run" "$d/swanctl/x509" "$d/swanctl/x509ca" "$d/swanctl/private"
cp "$work/pki/armagnac.crt" "$d/swanctl/x509/"
cp "$work/pki/ca.crt" "$d/swanctl/x509ca/"
cp "$work/pki/armagnac.pem" "$d/swanctl/private/"
cat > "$d/strongswan.conf" <<CONF
charon {
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey revocation constraints kernel-netlink socket-default vici
  install_routes = no
  retransmit_tries = 3
  plugins { vici { socket = unix://$d/charon.vici } }
  filelog {
    log {
      path = $d/charon.log
      flush_line = yes
      default = 1
      ike = 2
      knl = 2
      cfg = 2
    }
  }
  syslog { daemon { default = -1 } }
}
swanctl { socket = unix://$d/charon.vici }
CONF
export STRONGSWAN_CONF=$d/strongswan.conf SWANCTL_DIR=$d/swanctl

swan() { swanctl "$@"; }
start_charon() {
  ip netns exec "$sat" sh -c "mount --bind $d/run /run && exec /usr/lib/ipsec/charon" \
    > "$work/charon.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do [ -S "$d/charon.vici" ] && return 0; sleep 0.1; done
  fail "charon did not start"
}
conf() { # conf AUTH PROPOSAL ESP_PROPOSAL
  local auth=$1 prop=$2 esp=$3 ids=""
  if [ "$auth" = pubkey ]; then
    ids='local { auth = pubkey
      certs = armagnac.crt
      id = "C=FR, O=coati test, OU=armagnac, CN=armagnac" }
    remote { auth = pubkey
      id = "C=FR, O=coati test, OU=rhum, CN=rhum" }'
  else
    ids='local { auth = psk }
    remote { auth = psk }'
  fi
  cat > "$d/swanctl/swanctl.conf" <<CONF
connections {
  hub {
    version = 1
    local_addrs = 198.51.100.3
    remote_addrs = 192.0.2.1
    proposals = $prop
    rekey_time = 0s
    $ids
    children {
      lan {
        local_ts = 192.168.3.0/24
        remote_ts = 192.168.0.0/16
        esp_proposals = $esp
        rekey_time = 0s
        rand_time = 0s
        mode = tunnel
      }
    }
  }
}
secrets {
  ike-hub { id-1 = 192.0.2.1
    id-2 = 198.51.100.3
    secret = "${PSK:-seed secret}" }
}
CONF
  swan --load-all --noprompt > "$work/load.log" 2>&1 || fail "swanctl --load-all"
}

start_charon

echo "== 1. charon (satellite) initiates to coati (hub): rsasig, 3des/md5/modp1024, PFS"
conf pubkey 3des-md5-modp1024 3des-md5-modp1024
ip netns exec "$hub" "$probe" responder 192.0.2.1 198.51.100.3 \
  --cert "$work/pki/rhum.crt" --key "$work/pki/rhum.pem" --cadir "$work/pki" \
  --p1 3des-md5-modp1024 --pfs modp1024 --local-net 192.168.0.0/16 --peer-net 192.168.3.0/24 \
  --timeout 20 > "$work/probe1.log" 2>&1 &
probe_pid=$!
pids+=($probe_pid)
sleep 0.5
swan --initiate --child lan --timeout 30 > "$work/initiate1.log" 2>&1 || true
wait "$probe_pid" || true
cat "$work/probe1.log"
grep -q "^PHASE1 UP peer_id=CN=armagnac,OU=armagnac,O=coati test,C=FR enc=5 hash=1 auth=3 group=2" "$work/probe1.log" \
  || fail "coati did not complete phase 1 with the satellite"
grep -q "IKE_SA hub\[1\] established between 198.51.100.3\[C=FR, O=coati test, OU=armagnac, CN=armagnac\]...192.0.2.1\[C=FR, O=coati test, OU=rhum, CN=rhum\]" "$d/charon.log" \
  || fail "charon did not report its IKE SA established"
qm=$(grep "^QM2 SENT" "$work/probe1.log") || fail "coati did not answer quick mode"
grep -q "enc=3 auth=1 pfs=2" <<<"$qm" || fail "quick mode did not agree 3des/hmac_md5/modp1024"
grep -q "selected proposal: ESP:3DES_CBC/HMAC_MD5_96/MODP_1024" "$d/charon.log" \
  || fail "charon did not accept coati's QM2"
spi_in=$(sed -n 's/.*spi_in=0x\([0-9a-f]*\).*/\1/p' <<<"$qm")
spi_out=$(sed -n 's/.*spi_out=0x\([0-9a-f]*\).*/\1/p' <<<"$qm")
# This host's kernel has neither ESP nor 3DES: charon tries to install exactly the pair
# coati negotiated (coati's inbound SPI is charon's outbound and vice versa), and says why
# it cannot. (QM3 never comes: charon gives up after the failed install.)
grep -q "unable to add SAD entry with SPI $spi_in" "$d/charon.log" || fail "charon's outbound SA is not coati's inbound SPI $spi_in"
grep -q "unable to add SAD entry with SPI $spi_out" "$d/charon.log" || fail "charon's inbound SA is not coati's outbound SPI $spi_out"
grep -q "unable to install inbound and outbound IPsec SA (SAD) in kernel" "$d/charon.log" \
  || fail "charon did not report the expected SA install failure"
echo "ok: phase 1 up on both sides, quick mode agreed (SPIs $spi_in / $spi_out), install failure reported"

swan --terminate --ike hub --force --timeout 5 >/dev/null 2>&1 || true

echo "== 2. coati initiates to charon: PSK, aes128/sha256/modp2048"
conf psk aes128-sha256-modp2048 aes128-sha256-modp2048
ip netns exec "$hub" "$probe" initiator 192.0.2.1 198.51.100.3 --psk "seed secret" \
  --p1 aes128-sha256-modp2048 --pfs modp2048 --local-net 192.168.0.0/16 \
  --peer-net 192.168.3.0/24 --timeout 30 > "$work/probe2.log" 2>&1 || true
cat "$work/probe2.log"
grep -q "^PHASE1 UP peer_id=198.51.100.3 enc=7 hash=4 auth=1 group=14" "$work/probe2.log" \
  || fail "coati as initiator did not complete phase 1"
grep -q "^QM UP .*enc=12 auth=5 pfs=14" "$work/probe2.log" \
  || fail "coati as initiator did not complete quick mode with aes128/hmac_sha256/modp2048"
echo "ok: coati initiator completes against charon"

swan --terminate --ike hub --force --timeout 5 >/dev/null 2>&1 || true

echo "== 3. wrong pre-shared key"
PSK="not the right one" conf psk aes128-sha256-modp2048 aes128-sha256-modp2048
ip netns exec "$hub" "$probe" initiator 192.0.2.1 198.51.100.3 --psk "seed secret" \
  --p1 aes128-sha256-modp2048 --timeout 10 > "$work/probe3.log" 2>&1 && fail "wrong PSK accepted"
cat "$work/probe3.log"
grep -Eq "^FAIL phase 1: MM6: .*(wrong key|wrong pre-shared key)|^FAIL phase 1 timed out" "$work/probe3.log" \
  || fail "no clear reason for the wrong PSK"
! grep -q "^PHASE1 UP" "$work/probe3.log" || fail "phase 1 came up with a wrong PSK"
echo "PASS"
