#!/usr/bin/env bash
# coati's pure phase-1 responder (ike_probe with a seed-hub-like policy: rsasig and
# hybrid_rsa_server, 3des/sha1/modp1024) against strongSwan's charon as a hybrid client
# (local auth = xauth, remote auth = pubkey: HybridInitRSA, [ID HASH] from the client),
# in main and then aggressive mode. Phase 1 must come up on both sides: coati reports the
# hybrid method (64221) with itself as XAuth server; charon checks coati's certificate
# and signature, then waits for an XAuth request nobody sends here (XAuth is the peer
# actor's work, not this test's).
tag=hyb$$
source "$(dirname "$0")/common.sh"
start_charon "$sat" armagnac

n=0
for mode in main aggressive; do
  n=$((n + 1))
  echo "== $n. charon, hybrid client, initiates $mode mode"
  agg=no
  [ "$mode" = aggressive ] && agg=yes
  swan_load "connections {
  hub {
    version = 1
    aggressive = $agg
    local_addrs = 198.51.100.3
    remote_addrs = 192.0.2.1
    proposals = 3des-sha1-modp1024
    rekey_time = 0s
    local { auth = xauth }
    remote {
      auth = pubkey
      id = \"C=FR, O=coati test, OU=rhum, CN=rhum\"
    }
    children {
      lan {
        local_ts = 192.168.3.0/24
        remote_ts = 192.168.0.0/16
        rekey_time = 0s
        rand_time = 0s
      }
    }
  }
}"
  log=$work/probe-$mode.log
  probe_responder "$log" --cert "$pki/rhum.crt" --key "$pki/rhum.pem" --cadir "$pki" \
    --p1 3des-sha1-modp1024 --hybrid server --phase1-only yes --timeout 20
  # charon waits for XAuth after phase 1: swanctl gives up after its timeout.
  swan --initiate --child lan --timeout 8 > "$work/initiate-$mode.log" 2>&1 || true
  wait "$probe_pid" || true
  cat "$log"
  grep -Eq "^PHASE1 UP peer_id=198\.51\.100\.3 enc=5 hash=2 auth=64221 group=2 mode=$mode.* xauth=server$" \
    "$log" || fail "coati's responder did not complete hybrid phase 1 in $mode mode"
  count=$(grep -Ec "authentication of 'C=FR, O=coati test, OU=rhum, CN=rhum' with RSA\S* successful" \
    "$d/charon.log" || true)
  [ "$count" -ge "$n" ] || fail "charon did not authenticate coati's certificate in $mode mode"
  client_proof="generating ID_PROT request 0 \[ ID HASH"
  [ "$mode" = aggressive ] && client_proof="generating AGGRESSIVE request 0 \[ HASH"
  grep -q "$client_proof" "$d/charon.log" || fail "charon did not send the hybrid client's HASH"
  swan --terminate --ike hub --force --timeout 5 > /dev/null 2>&1 || true
  echo "ok: hybrid phase 1 up on both sides in $mode mode (coati is the XAuth server)"
done
