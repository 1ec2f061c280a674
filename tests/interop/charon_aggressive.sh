#!/usr/bin/env bash
# coati's aggressive mode (ike/aggressive_mode, driven by ike_probe on a UDP socket) and
# quick mode on top of it, against strongSwan's charon, in two network namespaces joined
# by a veth pair: hub 192.0.2.1 (coati), satellite 198.51.100.3 (charon).
#  1. charon initiates aggressive mode with a PSK (coati's responder picks the key by
#     charon's ID in AM1), then quick mode with PFS: both sides see phase 1 up, coati
#     answers QM1 and charon accepts QM2 (this host's kernel then refuses the ESP SAs).
#  2. coati initiates aggressive mode with a PSK, AM3 encrypted (coati's default), then
#     quick mode: both complete on coati's side, charon reports the IKE SA.
#  3. The same with AM3 in clear (racoon's way): charon accepts it too.
#  4. A wrong pre-shared key: no SA, a reason on coati's side.
#  5. charon initiates with an ID coati has no key for: coati refuses at AM1.
set -euo pipefail
: "${COATI_BUILD:?}" "${COATI_SRC:?}"
probe=$COATI_BUILD/tests/interop/ike_probe
id=$$
hub=ca$id-h sat=ca$id-s
work=$(mktemp -d /tmp/coati-agg.XXXXXX)
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

d=$work/sat
mkdir -p "$d/run" "$d/swanctl"
# Aggressive mode with a PSK sends a hash an eavesdropper can attack offline; charon
# refuses it as responder unless told otherwise (racoon.conf(5) warns the same).
cat > "$d/strongswan.conf" <<CONF
charon {
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey kernel-netlink socket-default vici
  install_routes = no
  retransmit_tries = 3
  i_dont_care_about_security_and_use_aggressive_mode_psk = yes
  plugins { vici { socket = unix://$d/charon.vici } }
  filelog {
    log {
      path = $d/charon.log
      flush_line = yes
      default = 1
      ike = 2
      cfg = 2
    }
  }
  syslog { daemon { default = -1 } }
}
swanctl { socket = unix://$d/charon.vici }
CONF
export STRONGSWAN_CONF=$d/strongswan.conf SWANCTL_DIR=$d/swanctl

start_charon() {
  ip netns exec "$sat" sh -c "mount --bind $d/run /run && exec /usr/lib/ipsec/charon" \
    > "$work/charon.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do [ -S "$d/charon.vici" ] && return 0; sleep 0.1; done
  fail "charon did not start"
}
conf() { # conf PROPOSAL [LOCAL_ID]
  local prop=$1 myid=${2:-198.51.100.3}
  cat > "$d/swanctl/swanctl.conf" <<CONF
connections {
  hub {
    version = 1
    aggressive = yes
    local_addrs = 198.51.100.3
    remote_addrs = 192.0.2.1
    proposals = $prop
    rekey_time = 0s
    local { auth = psk
      id = $myid }
    remote { auth = psk
      id = 192.0.2.1 }
    children {
      lan {
        local_ts = 192.168.3.0/24
        remote_ts = 192.168.0.0/16
        esp_proposals = $prop
        rekey_time = 0s
        rand_time = 0s
        mode = tunnel
      }
    }
  }
}
secrets {
  ike-hub { id-1 = 192.0.2.1
    id-2 = $myid
    secret = "${PSK:-seed secret}" }
}
CONF
  swanctl --load-all --noprompt > "$work/load.log" 2>&1 || fail "swanctl --load-all"
}
terminate() { swanctl --terminate --ike hub --force --timeout 5 >/dev/null 2>&1 || true; }
responder() { # responder LOG PROBE_ARGS...
  local log=$1; shift
  ip netns exec "$hub" "$probe" responder 192.0.2.1 198.51.100.3 "$@" > "$log" 2>&1 &
  probe_pid=$!
  pids+=($probe_pid)
  sleep 0.5
}

start_charon

echo "== 1. charon initiates aggressive mode (PSK by ID), then quick mode with PFS"
conf aes128-sha256-modp2048
responder "$work/probe1.log" --psk "seed secret" --p1 aes128-sha256-modp2048 --pfs modp2048 \
  --local-net 192.168.0.0/16 --peer-net 192.168.3.0/24 --timeout 20
swanctl --initiate --child lan --timeout 30 > "$work/initiate1.log" 2>&1 || true
wait "$probe_pid" || true
cat "$work/probe1.log"
grep -q "^PHASE1 UP peer_id=198.51.100.3 enc=7 hash=4 auth=1 group=14 mode=aggressive am3=encrypted" \
  "$work/probe1.log" || fail "coati's aggressive responder did not complete phase 1"
grep -q "IKE_SA hub\[[0-9]*\] established between 198.51.100.3\[198.51.100.3\]...192.0.2.1\[192.0.2.1\]" \
  "$d/charon.log" || fail "charon did not report its IKE SA established"
grep -q "generating AGGRESSIVE request 0 \[ SA KE No ID" "$d/charon.log" \
  || fail "charon did not use aggressive mode"
qm=$(grep "^QM2 SENT" "$work/probe1.log") || fail "coati did not answer quick mode"
grep -q "enc=12 auth=5 pfs=14" <<<"$qm" || fail "quick mode did not agree aes128/hmac_sha256/modp2048"
grep -q "selected proposal: ESP:AES_CBC_128/HMAC_SHA2_256_128/MODP_2048" "$d/charon.log" \
  || fail "charon did not accept coati's QM2"
spi_in=$(sed -n 's/.*spi_in=0x\([0-9a-f]*\).*/\1/p' <<<"$qm")
grep -q "SPI $spi_in" "$d/charon.log" || fail "charon's SAs are not the ones coati negotiated"
echo "ok: aggressive mode up on both sides, quick mode agreed (coati inbound SPI $spi_in)"
terminate

for am3 in encrypted clear; do
  n=$([ $am3 = encrypted ] && echo 2 || echo 3)
  echo "== $n. coati initiates aggressive mode (PSK, AM3 $am3), then quick mode"
  conf aes128-sha256-modp2048
  ip netns exec "$hub" "$probe" initiator 192.0.2.1 198.51.100.3 --mode aggressive --am3 $am3 \
    --psk "seed secret" --p1 aes128-sha256-modp2048 --pfs modp2048 \
    --local-net 192.168.0.0/16 --peer-net 192.168.3.0/24 --timeout 30 > "$work/probe$n.log" 2>&1 || true
  cat "$work/probe$n.log"
  grep -q "^PHASE1 UP peer_id=198.51.100.3 enc=7 hash=4 auth=1 group=14 mode=aggressive am3=$am3" \
    "$work/probe$n.log" || fail "coati as aggressive initiator did not complete phase 1 (AM3 $am3)"
  grep -q "^QM UP .*enc=12 auth=5 pfs=14" "$work/probe$n.log" \
    || fail "quick mode on top of aggressive mode did not complete (AM3 $am3)"
  echo "ok: coati aggressive initiator (AM3 $am3) + quick mode against charon"
  terminate
done

echo "== 4. wrong pre-shared key"
PSK="not the right one" conf aes128-sha256-modp2048
ip netns exec "$hub" "$probe" initiator 192.0.2.1 198.51.100.3 --mode aggressive \
  --psk "seed secret" --p1 aes128-sha256-modp2048 --timeout 10 > "$work/probe4.log" 2>&1 \
  && fail "wrong PSK accepted"
cat "$work/probe4.log"
grep -q "^FAIL phase 1: AM2: hash mismatch: wrong pre-shared key?" "$work/probe4.log" \
  || fail "no clear reason for the wrong PSK"
echo "ok: wrong PSK refused at AM2"
terminate

echo "== 5. charon initiates with an ID coati has no key for"
conf aes128-sha256-modp2048 stranger.example
responder "$work/probe5.log" --psk "seed secret" --p1 aes128-sha256-modp2048 --timeout 8
swanctl --initiate --child lan --timeout 10 > "$work/initiate5.log" 2>&1 || true
wait "$probe_pid" && fail "unknown ID accepted"
cat "$work/probe5.log"
grep -q "^FAIL phase 1: no pre-shared key for peer ID stranger.example" "$work/probe5.log" \
  || fail "no clear reason for the unknown ID"
echo "PASS"
