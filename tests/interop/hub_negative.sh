#!/usr/bin/env bash
# Negative interop: a charon satellite that must not get in. coatid runs as the seed hub
# (rhum, rsasig + asn1dn), plus a pre-shared-key remote for 198.51.100.3 in one case.
# Each case: no ISAKMP-SA in `coatictl show-sa`, one log line naming the reason, and the
# reason's counter in `coatictl stats` (ike.phase1_failed.<reason>); coatid keeps running.
#   wrong CA | expired certificate | ID not allowed by peers_identifier | no acceptable
#   proposal | wrong pre-shared key | an ID the certificate does not carry
tag=hn$$
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

root=$work/root
SEED_PKI=$pki bash "$COATI_SRC/tests/lib/seedroot.sh" "$root" rhum >/dev/null
etc=$root/etc/racoon
# A pre-shared-key remote for the satellite's address (found before `remote anonymous`).
cat >> "$etc/local.conf" <<'EOF'

remote 198.51.100.9
{
	exchange_mode main;
	my_identifier address;
	proposal {
		encryption_algorithm aes 128;
		hash_algorithm sha256;
		authentication_method pre_shared_key;
		dh_group modp2048;
	}
}
EOF
echo "198.51.100.9 the right secret" > "$etc/psk.txt"
chmod 600 "$etc/psk.txt"
ip -n "$sat" addr add 198.51.100.9/24 dev s0

# Certificates charon may present: from another CA, and an expired one from ours.
PKI_CA_NAME="some other CA" bash "$COATI_SRC/tests/lib/mkpki.sh" "$work/otherpki" armagnac >/dev/null
PKI_NOT_BEFORE=20200101000000Z PKI_NOT_AFTER=20210101000000Z \
  bash "$COATI_SRC/tests/lib/mkpki.sh" "$work/oldpki" armagnac >/dev/null
cp "$pki/ca.key" "$pki/ca.crt" "$work/oldpki/" # (mkpki reused its own CA: re-sign below)
rm -f "$work/oldpki/armagnac.crt"
PKI_NOT_BEFORE=20200101000000Z PKI_NOT_AFTER=20210101000000Z \
  bash "$COATI_SRC/tests/lib/mkpki.sh" "$work/oldpki" armagnac >/dev/null

start_charon "$sat" armagnac
start_coatid "$hub" "$root" coatid
log=$work/coatid.log

# attempt NAME COUNTER LOG_PATTERN SWANCTL_CONF: charon initiates once; coatid must refuse.
attempt() {
  local name=$1 counter=$2 pattern=$3 conf=$4
  echo "== $name"
  swan_load "$conf"
  local before
  before=$(grep -c "phase 1 with .* failed" "$log" || true)
  swan --initiate --ike hub --timeout 8 > "$work/initiate-$name.log" 2>&1 || true
  wait_for 10 sh -c "[ \$(grep -c 'phase 1 with .* failed' '$log') -gt $before ]" \
    || fail "$name: coatid logged no failure"
  grep "phase 1 with .* failed" "$log" | tail -n 1
  grep "phase 1 with .* failed" "$log" | tail -n 1 | grep -Eq "$pattern" \
    || fail "$name: the log line does not name the reason ($pattern)"
  ! grep -q "established" <<<"$(ctl show-sa isakmp)" || fail "$name: an ISAKMP-SA came up"
  grep -Eq "^ike +phase1_failed\.$counter +[1-9]" <<<"$(ctl stats)" \
    || fail "$name: no ike.phase1_failed.$counter counter"
  swan --terminate --ike hub --force --timeout 3 >/dev/null 2>&1 || true
  echo "ok: $name refused, counted as phase1_failed.$counter"
}

cert_conf() { # cert_conf IKE_PROPOSAL
  echo "connections {
  hub {
    version = 1
    local_addrs = 198.51.100.3
    remote_addrs = 192.0.2.1
    proposals = $1
    local { auth = pubkey
      certs = armagnac.crt
      id = \"C=FR, O=coati test, OU=armagnac, CN=armagnac\" }
    remote { auth = pubkey
      id = \"C=FR, O=coati test, OU=rhum, CN=rhum\" }
    children { lan { local_ts = 192.168.3.0/24
      remote_ts = 192.168.0.0/16
      esp_proposals = 3des-md5-modp1024 } }
  }
}"
}
use_cert() { # use_cert PKI_DIR: charon's own certificate and key from there
  cp "$1/armagnac.crt" "$d/swanctl/x509/armagnac.crt"
  cp "$1/armagnac.pem" "$d/swanctl/private/armagnac.pem"
}

use_cert "$work/otherpki"
attempt wrong_ca certificate "certificate" "$(cert_conf 3des-md5-modp1024)"

use_cert "$work/oldpki"
attempt expired_certificate certificate_expired "expired" "$(cert_conf 3des-md5-modp1024)"

use_cert "$pki"
attempt no_proposal no_proposal "no acceptable phase-1 proposal" \
  "$(cert_conf aes256-sha512-modp4096)"

# peers_identifier: the hub accepts only pineau's DN now.
sed -i 's/^\tverify_identifier on;/\tverify_identifier on;\n\tpeers_identifier asn1dn "C=FR, O=coati test, OU=pineau, CN=pineau";/' "$etc/local.conf"
ctl reload-config >/dev/null || fail "reload with peers_identifier"
attempt identifier identity "identif|ID" "$(cert_conf 3des-md5-modp1024)"

attempt wrong_psk authentication "pre-shared key|HASH|hash" "connections {
  hub {
    version = 1
    local_addrs = 198.51.100.9
    remote_addrs = 192.0.2.1
    proposals = aes128-sha256-modp2048
    local { auth = psk
      id = 198.51.100.9 }
    remote { auth = psk
      id = 192.0.2.1 }
    children { lan { local_ts = 192.168.3.0/24
      remote_ts = 192.168.0.0/16 } }
  }
}
secrets { ike-hub { id-1 = 192.0.2.1
    id-2 = 198.51.100.9
    secret = \"not the right secret\" } }"

# An ID its certificate does not carry: armagnac's certificate, pineau's DN as ID (pineau
# is what peers_identifier allows now). charon will not send such an ID, so coati's own
# initiator does (ike_probe --my-dn), once charon is stopped (it holds port 500).
echo "== id_not_matching_certificate"
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
wait_for 10 sh -c "! ip netns pids $sat | grep -q ." || fail "charon did not stop"
set +e
ip netns exec "$sat" "$COATI_BUILD/tests/interop/ike_probe" initiator 198.51.100.3 192.0.2.1 \
  --cert "$pki/armagnac.crt" --key "$pki/armagnac.pem" --cadir "$pki" --p1 3des-md5-modp1024 \
  --my-dn "C=FR, O=coati test, OU=pineau, CN=pineau" --timeout 10 > "$work/probe-id.log" 2>&1
set -e
! grep -q "^PHASE1 UP" "$work/probe-id.log" || fail "id_not_matching_certificate: phase 1 came up"
wait_for 10 grep -q "failed: MM5: ID CN=pineau,OU=pineau,O=coati test,C=FR does not match the certificate subject" "$log" \
  || fail "id_not_matching_certificate: no clear reason logged"
grep "does not match the certificate subject" "$log" | tail -n 1
grep -Eq "^ike +phase1_failed\.identity +2$" <<<"$(ctl stats)" \
  || fail "id_not_matching_certificate: not counted as phase1_failed.identity"
echo "ok: id_not_matching_certificate refused, counted as phase1_failed.identity"

kill -0 "$coatid_pid" || fail "coatid died"
ctl stats | grep "phase1_failed"
echo PASS
