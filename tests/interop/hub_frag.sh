#!/usr/bin/env bash
# hub_frag.sh hub|satellite: IKE fragmentation against strongSwan's charon
# (`fragmentation = yes`), over a path whose links all have a 576-byte MTU and whose
# router namespace drops IP fragments. The test PKI has RSA-4096 keys, so MM5 and MM6
# (certificate + signature) are about 2 KB: they cross only as IKE fragments.
#   hub:       coatid as the seed hub (rhum), responder; charon as the satellite initiates.
#   satellite: coatid as the seed satellite (armagnac), initiator (vpn-connect); charon hub.
# Each role runs twice with the same setup: with `ike_frag off` phase 1 never comes up
# (the router counts the IP fragments it dropped, coatid got no IKE fragment); with
# `ike_frag on` (the seed's) it does on both sides, coatid's counters show the fragments
# it sent and the message it reassembled, charon's log the fragments it split and
# received, and no IP fragment crossed the router.
role=${1:?usage: hub_frag.sh hub|satellite}
tag=hf$$
export PKI_BITS=4096
# fragment_size is charon's largest IP datagram; short retransmissions keep the failing
# run short.
charon_extra="fragment_size = 576
  retransmit_timeout = 2
  retransmit_base = 1.4
  retransmit_tries = 2"
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
via_router 576

# The certificates are big enough to need fragments.
size=$(openssl x509 -in "$pki/rhum.crt" -outform DER | wc -c)
[ "$size" -gt 1100 ] || fail "rhum's certificate is only $size bytes"
echo "certificates: RSA-4096, rhum's is $size bytes (DER)"

stat_of() { # stat_of NAME: a counter of `coatictl stats` ("frag messages_sent" -> N), 0 if absent
  ctl stats | awk -v g="${1%%.*}" -v k="${1#*.}" '$1 == g && $2 == k { print $3; f = 1 } END { if (!f) print 0 }'
}

# swan_conf NAME LOCAL REMOTE MYHOST PEERHOST LOCAL_TS REMOTE_TS
swan_conf() {
  swan_load "connections {
  $1 {
    version = 1
    local_addrs = $2
    remote_addrs = $3
    proposals = 3des-md5-modp1024
    fragmentation = yes
    rekey_time = 0s
    local { auth = pubkey
      certs = $4.crt
      id = \"C=FR, O=coati test, OU=$4, CN=$4\" }
    remote { auth = pubkey
      id = \"C=FR, O=coati test, OU=$5, CN=$5\" }
    children {
      lan {
        local_ts = $6
        remote_ts = $7
        esp_proposals = 3des-md5-modp1024
        rekey_time = 0s
        rand_time = 0s
        mode = tunnel
      }
    }
  }
}"
}

# check_off NAME LOG: phase 1 did not come up; IP fragments were dropped on the way.
check_off() {
  local name=$1 log=$2 dropped
  ! grep -q "ISAKMP-SA established" "$log" || fail "$name: phase 1 came up without IKE fragments"
  ! grep -q "IKE_SA [a-z]*\[[0-9]*\] established" "$d/charon.log" || fail "$name: charon established"
  dropped=$(frags_dropped)
  [ "$dropped" -gt "$drop0" ] || fail "$name: the router dropped no IP fragment ($dropped)"
  [ "$(stat_of frag.fragments_received)" = 0 ] || fail "$name: coatid received IKE fragments"
  [ "$(stat_of frag.messages_sent)" = 0 ] || fail "$name: coatid sent IKE fragments"
  echo "ok: $name: ike_frag off: no phase 1; the router dropped $((dropped - drop0)) IP fragments"
  drop0=$dropped
}

# check_on NAME LOG: phase 1 up on both sides, through IKE fragments both ways.
check_on() {
  local name=$1 log=$2 sent frags got
  grep -q "IKE_SA [a-z]*\[[0-9]*\] established" "$d/charon.log" || fail "$name: charon did not establish"
  sent=$(stat_of frag.messages_sent)
  frags=$(stat_of frag.fragments_sent)
  got=$(stat_of frag.messages_reassembled)
  [ "$sent" -ge 1 ] && [ "$frags" -ge 2 ] || fail "$name: coatid sent $sent messages in $frags fragments"
  [ "$got" -ge 1 ] || fail "$name: coatid reassembled no message"
  [ "$(stat_of frag.dropped)" = 0 ] || fail "$name: coatid dropped fragments"
  grep -q "splitting IKE message" "$d/charon.log" || fail "$name: charon sent no fragments"
  grep -q "reassembled fragmented IKE message" "$d/charon.log" || fail "$name: charon reassembled nothing"
  [ "$(frags_dropped)" = "$drop0" ] || fail "$name: IP fragments crossed the path ($(frags_dropped))"
  echo "ok: $name: ike_frag on: phase 1 up; coatid sent $sent message(s) in $frags fragments and reassembled $got; no IP fragment on the path"
  ctl stats | grep -E "^frag " || true
}

drop0=$(frags_dropped)
root=$work/root
etc=$root/etc/racoon
if [ "$role" = hub ]; then
  # coatid: the seed hub (rhum), responder; charon: the satellite, initiator.
  SEED_PKI=$pki bash "$COATI_SRC/tests/lib/seedroot.sh" "$root" rhum >/dev/null
  start_charon "$sat" armagnac
  swan_conf hub 198.51.100.3 192.0.2.1 armagnac rhum 192.168.3.0/24 192.168.0.0/16
  ns=$hub conn=hub me=192.0.2.1 peer=198.51.100.3
  title="charon satellite -> coatid hub"
  exchange() { swan --initiate --child lan --timeout 12 > "$work/initiate-$mode.log" 2>&1 || true; }
elif [ "$role" = satellite ]; then
  # coatid: the seed satellite (armagnac), initiator; charon: the hub, responder.
  SEED_PKI=$pki bash "$COATI_SRC/tests/lib/seedroot.sh" "$root" armagnac >/dev/null
  sed -i 's/^remote 10\.1\.2\.3$/remote 192.0.2.1/; /^\tscript /d' "$etc/local.conf"
  grep -q "^remote 192.0.2.1$" "$etc/local.conf" || fail "the seed's hub address was not rewritten"
  start_charon "$hub" rhum
  swan_conf sat 192.0.2.1 198.51.100.3 rhum armagnac 192.168.0.0/16 192.168.3.0/24
  ns=$sat conn=sat me=198.51.100.3 peer=192.0.2.1
  title="coatid satellite -> charon hub"
  exchange() {
    local out
    out=$(ctl vpn-connect 192.0.2.1) || fail "vpn-connect: $out"
    [ "$mode" = on ] && return 0
    # charon answers MM3; coatid's MM5 (IP fragments) then never reaches it: 12 s, more
    # than coatid's first retransmission.
    wait_for 10 grep -q "generating ID_PROT response 0 \[ KE No" "$d/charon.log" \
      || fail "$role/off: charon did not answer MM3"
    for _ in $(seq 12); do sleep 1; done
  }
else
  fail "unknown role $role"
fi
for mode in off on; do
  echo "== $title, ike_frag $mode"
  sed -i "s/ike_frag [a-z]*;/ike_frag $mode;/" "$etc/local.conf"
  : > "$d/charon.log"
  start_coatid "$ns" "$root" "$role-$mode"
  log=$work/$role-$mode.log
  exchange
  if [ "$mode" = off ]; then
    check_off "$role/off" "$log"
    swan --terminate --ike "$conn" --timeout 5 >/dev/null 2>&1 || true
  else
    wait_for 15 grep -q "ISAKMP-SA established $me\[500\]-$peer\[500\]" "$log" \
      || fail "$role/on: coatid did not establish phase 1"
    wait_for 5 grep -q "IKE_SA $conn\[[0-9]*\] established" "$d/charon.log" || true
    check_on "$role/on" "$log"
  fi
  stop_coatid
done
echo PASS
