#!/usr/bin/env bash
# coatid as the seed hub (rhum's racoon.conf, rebased with --config-root) accepts a
# strongSwan charon satellite (armagnac: 198.51.100.3, LAN 192.168.3.0/24) that
# authenticates with its X.509 certificate (asn1dn), in two network namespaces:
#   1. the seed's algorithms: 3des/md5/modp1024, quick mode 3des/hmac_md5 + PFS modp1024;
#   2. aes128/sha256/modp2048 (a proposal added to the hub's remote block).
# Each run checks: phase 1 up on both sides; quick mode agreed with the same SPIs and
# algorithms (`coatictl show-sa` against charon); the generated policies in the hub's
# namespace; phase1_up's environment; `coatictl stats`. Then the satellite disconnects:
# its Delete removes the SAs and the generated policies, phase1_down runs.
# On a kernel with ESP (the VM), both sides install the SAs: `swanctl --list-sas` shows
# the pair INSTALLED, show-sa says mature/installed, and the satellite's LAN pings the
# hub's LAN through the tunnel (ESP counters grow, only ESP on the public link). On this host (no ESP) charon
# fails to install exactly coatid's pair, says so, and never sends QM3: the hub's pair
# stays larval, which show-sa says.
tag=hc$$
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The hub: the seed's rhum files with the shared test PKI, and hook scripts that record
# their environment before running the seed's own.
root=$work/root
SEED_PKI=$pki bash "$COATI_SRC/tests/lib/seedroot.sh" "$root" rhum >/dev/null
etc=$root/etc/racoon
record_hooks "$etc" phase1_up phase1_down

# A policy that is not coati's: it must outlive every coatid run.
ip -n "$hub" xfrm policy add src 10.9.9.0/24 dst 10.8.8.0/24 dir out priority 5000
start_charon "$sat" armagnac
sat_conf() { # sat_conf IKE_PROPOSAL ESP_PROPOSAL
  swan_load_satellite "$1" "$2"
}

run() { # run NAME IKE ESP P1_TEXT ESP_TEXT
  local name=$1 ike=$2 esp=$3 p1_text=$4 esp_text=$5
  echo "== $name: charon satellite -> coatid hub, $ike / $esp"
  : > "$d/charon.log"
  rm -f "$work/phase1_up.env" "$work/phase1_down.env"
  sat_conf "$ike" "$esp"
  start_coatid "$hub" "$root" "coatid-$name"
  swanctl --initiate --child lan --timeout 30 > "$work/initiate-$name.log" 2>&1 || true
  grep -q "IKE_SA hub\[[0-9]*\] established between 198.51.100.3\[C=FR, O=coati test, OU=armagnac, CN=armagnac\]...192.0.2.1\[C=FR, O=coati test, OU=rhum, CN=rhum\]" "$d/charon.log" \
    || fail "$name: charon did not report its IKE SA established"
  local log=$work/coatid-$name.log
  for _ in $(seq 50); do grep -q "esp spi=" <<<"$(ctl show-sa esp)" && break; sleep 0.1; done
  grep -q "ISAKMP-SA established 192.0.2.1\[500\]-198.51.100.3\[500\] .*id \"CN=armagnac,OU=armagnac,O=coati test,C=FR\"" "$log" \
    || fail "$name: coatid did not log the ISAKMP-SA"
  grep -q "selected proposal: ESP:$esp_text" "$d/charon.log" \
    || fail "$name: charon did not accept coatid's quick mode answer ($esp_text)"
  # show-sa: one ISAKMP-SA, two ESP SAs whose SPIs are the ones charon tried to install.
  local sa
  sa=$(ctl show-sa)
  echo "$sa"
  grep -q "^192.0.2.1 198.51.100.3\[500\] [0-9a-f]*:[0-9a-f]* responder established" <<<"$sa" \
    || fail "$name: show-sa has no established ISAKMP-SA"
  local spi_in spi_out
  spi_in=$(sed -n 's/.* esp spi=0x\([0-9a-f]*\) in .*/\1/p' <<<"$sa")
  spi_out=$(sed -n 's/.* esp spi=0x\([0-9a-f]*\) out .*/\1/p' <<<"$sa")
  [ -n "$spi_in" ] && [ -n "$spi_out" ] || fail "$name: show-sa has no ESP SAs"
  grep -q "enc=$p1_text" <<<"$sa" || fail "$name: show-sa does not name $p1_text"
  if [ "$kernel_esp" = 1 ]; then
    # Both sides installed the pair: charon lists it with the mirrored SPIs.
    local list
    for _ in $(seq 50); do grep -q "state=mature" <<<"$(ctl show-sa esp)" && break; sleep 0.1; done
    sa=$(ctl show-sa)
    list=$(swanctl --list-sas 2>&1)
    echo "$list"
    # (swanctl writes AES_CBC-128 where charon's log writes AES_CBC_128)
    grep -Eq "lan: #[0-9]+, reqid [0-9]+, INSTALLED, TUNNEL, ESP:${esp_text/AES_CBC_/AES_CBC[-_]}" <<<"$list" \
      || fail "$name: charon does not list the child SA as installed with $esp_text"
    grep -Eq "^ +in +$spi_out," <<<"$list" || fail "$name: charon's inbound SPI is not coatid's outbound $spi_out"
    grep -Eq "^ +out +$spi_in," <<<"$list" || fail "$name: charon's outbound SPI is not coatid's inbound $spi_in"
    grep -q "state=mature kernel=installed" <<<"$sa" || fail "$name: show-sa does not say installed"
    check_data_path "$name"
  else
    # charon tries to install exactly coatid's pair (mirrored) and cannot.
    grep -q "unable to add SAD entry with SPI $spi_in" "$d/charon.log" \
      || fail "$name: charon's outbound SA is not coatid's inbound SPI $spi_in"
    grep -q "unable to add SAD entry with SPI $spi_out" "$d/charon.log" \
      || fail "$name: charon's inbound SA is not coatid's outbound SPI $spi_out"
    grep -q "state=larval" <<<"$sa" || fail "$name: show-sa does not say the pair waits for QM3"
  fi
  # generate_policy: out, in and fwd for 192.168.0.0/16 <-> 192.168.3.0/24, tunnelled
  # to the satellite's outer address.
  local pol
  pol=$(ip -n "$hub" xfrm policy)
  grep -q "src 192.168.0.0/16 dst 192.168.3.0/24" <<<"$pol" || fail "$name: no out policy"
  grep -A3 "src 192.168.3.0/24 dst 192.168.0.0/16" <<<"$pol" | grep -q "dir in" \
    || fail "$name: no in policy"
  grep -A3 "src 192.168.3.0/24 dst 192.168.0.0/16" <<<"$pol" | grep -q "dir fwd" \
    || fail "$name: no fwd policy"
  grep -q "tmpl src 192.0.2.1 dst 198.51.100.3" <<<"$pol" || fail "$name: out template wrong"
  grep -q "tmpl src 198.51.100.3 dst 192.0.2.1" <<<"$pol" || fail "$name: in template wrong"
  # phase1_up ran with racoon's environment.
  for _ in $(seq 30); do [ -f "$work/phase1_up.env" ] && break; sleep 0.1; done
  [ -f "$work/phase1_up.env" ] || fail "$name: phase1_up did not run"
  for kv in LOCAL_ADDR=192.0.2.1 LOCAL_PORT=500 REMOTE_ADDR=198.51.100.3 REMOTE_PORT=500 \
    "REMOTE_ID=CN=armagnac,OU=armagnac,O=coati test,C=FR"; do
    grep -qx "$kv" "$work/phase1_up.env" || fail "$name: phase1_up's environment lacks $kv"
  done
  local st
  st=$(ctl stats)
  grep -Eq "^ike +phase1_up +1$" <<<"$st" || fail "$name: stats do not count phase1_up"
  if [ "$kernel_esp" = 1 ]; then
    grep -Eq "^ike +phase2_up +1$" <<<"$st" || fail "$name: stats do not count phase2_up"
    grep -Eq "^kernel +sa_added +[1-9]" <<<"$st" || fail "$name: stats do not count the SAs added"
  fi
  grep -Eq "^ike +policies_generated +1$" <<<"$st" || fail "$name: stats do not count the generated policies"
  echo "ok: $name: phase 1 up, quick mode agreed (SPIs $spi_in/$spi_out), policies generated, phase1_up ran"
  # The satellite disconnects: its Delete removes the ISAKMP-SA, the pair and the
  # generated policies; phase1_down runs.
  swan --terminate --ike hub --timeout 5 >/dev/null 2>&1 || true
  wait_for 10 sh -c "! ip -n $hub xfrm policy | grep -q 192.168" \
    || fail "$name: generated policies left after the satellite disconnected"
  [ -z "$(ctl show-sa)" ] || fail "$name: SAs left after the satellite disconnected"
  wait_for 5 test -f "$work/phase1_down.env" || fail "$name: phase1_down did not run"
  grep -qx "REMOTE_ADDR=198.51.100.3" "$work/phase1_down.env" || fail "$name: phase1_down's environment"
  grep -Eq "^ike +isakmp_deleted_by_peer +1$" <<<"$(ctl stats)" || fail "$name: the Delete is not counted"
  echo "ok: $name: the satellite disconnected: SAs and generated policies removed, phase1_down ran"
  stop_coatid
  grep -q "src 10.9.9.0/24 dst 10.8.8.0/24" <<<"$(ip -n "$hub" xfrm policy)" \
    || fail "$name: coatid removed a policy that was not its own"
}

run seed 3des-md5-modp1024 3des-md5-modp1024 3des 3DES_CBC/HMAC_MD5_96/MODP_1024

# Second run: the hub's algorithms made modern (aggressive mode, also allowed by this
# remote block, wants one DH group in all its proposals, so every one moves together).
sed -i 's/encryption_algorithm 3des;/encryption_algorithm aes 128;/; s/hash_algorithm md5;/hash_algorithm sha256;/; s/dh_group modp1024;/dh_group modp2048;/; s/pfs_group modp1024;/pfs_group modp2048;/; s/authentication_algorithm hmac_md5;/authentication_algorithm hmac_sha256;/' "$etc/local.conf"
run modern aes128-sha256-modp2048 aes128-sha256-modp2048 aes128 AES_CBC_128/HMAC_SHA2_256_128/MODP_2048
echo PASS
