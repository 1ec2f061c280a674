#!/usr/bin/env bash
# Dead peer detection (RFC 3706) with coatid as the seed hub, its remote block given
# dpd_delay 2, dpd_retry 2, dpd_maxfail 3 and a phase1_dead script, and a strongSwan
# satellite (armagnac's certificate, rsasig, dpd_delay 5s) that both send the DPD vendor ID:
#  a) alive: the hub probes the idle satellite, charon answers every R-U-THERE; after a
#     few rounds the counters show probes sent and ACKs taken, no death, the SA still up;
#  b) replay: the hub's packets are dropped at the satellite for a while, so charon, idle,
#     sends its own R-U-THERE (the hub answers it); that datagram, caught on the wire, is
#     sent again from the satellite's address and port 500: the hub ignores it
#     (ike.dpd.replayed) and the SA stays; charon's own resends of its unanswered number
#     (new messages) are answered, not taken for replays;
#  c) death: the satellite's namespace is cut off silently (nftables drops both ways, no
#     Delete): within dpd_delay * (dpd_maxfail + 1) s plus slack the hub has removed the
#     ISAKMP SA, its IPsec SAs and generated policies (ip xfrm in the hub's namespace) and
#     run phase1_dead with racoon's environment (then phase1_down). The time is printed.
# On this host (no ESP) charon cannot install its pair and never sends QM3: the hub's
# pair stays larval (its SPI allocated, its policies generated) for the phase2 timer, set
# long here so that only DPD can remove them. In the VM the pair is installed.
. "${COATI_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/lab.sh"

delay=2 retry=2 maxfail=3
lab_host hub 192.0.2.1 192.168.1.0/24 192.168.1.1
lab_host sat 198.51.100.3 192.168.3.0/24 192.168.3.1
if lab_has_esp; then esp=1; else esp=0; fi
echo "bed $LAB_BED, kernel with ESP: $esp"
hub=$(lab_ip hub)
sat=$(lab_ip sat)
lab_pki rhum armagnac

# --- the hub: the seed's rhum with DPD and a phase1_dead hook ---------------------------
root=$(lab_coatid_root hub rhum)
etc=$root/etc/racoon
printf '#!/bin/sh\nenv | sort > "%s/hub-phase1_dead.env.tmp"\nmv "%s/hub-phase1_dead.env.tmp" "%s/hub-phase1_dead.env"\n' \
  "$LAB_LOGDIR" "$LAB_LOGDIR" "$LAB_LOGDIR" >"$etc/phase1_dead.sh"
chmod +x "$etc/phase1_dead.sh"
sed -i -E "s|^([[:space:]]*script \"phase1_down.sh\" phase1_down;)|\1\n\tscript \"phase1_dead.sh\" phase1_dead;\n\tdpd_delay $delay;\n\tdpd_retry $retry;\n\tdpd_maxfail $maxfail;|" \
  "$etc/local.conf"
grep -q "dpd_maxfail $maxfail;" "$etc/local.conf" || lab_fail "no DPD settings in local.conf"
sed -i -E 's/^([[:space:]]*phase2)[[:space:]]+[0-9]+ sec;/\1 120 sec;/' "$etc/racoon.conf"
grep -q "phase2 120 sec;" "$etc/racoon.conf" || lab_fail "no phase2 timer in racoon.conf"
lab_coatid_start hub "$root"
hublog=$(lab_coatid_log hub)
grep -q "phase1_dead" "$hublog" && lab_fail "coatid warns that phase1_dead is not acted on"
stat() { lab_coatictl hub stats | awk -v k="$1" '$1 "." $2 == k { print $3 }'; }
num() { local v; v=$(stat "$1"); echo "${v:-0}"; }
sat_up() { lab_coatictl hub show-sa isakmp | grep -F "$sat" | grep -q established; }
hub_states() { lab_exec hub ip xfrm state | grep -c "$sat" || true; }
hub_policies() { lab_exec hub ip xfrm policy | grep -c "192.168.3.0/24" || true; }

# --- the satellite ----------------------------------------------------------------------
lab_charon_prepare sat armagnac
lab_charon_start sat
lab_swanctl_conf sat satellite REMOTE="$hub" REMOTE_HOST=rhum EXTRA="dpd_delay = 5s" \
  CHILD_EXTRA="rekey_time = 0s
        rand_time = 0s"
lab_swanctl_load sat
lab_swanctl_initiate sat lan 30 || true # no ESP here: the child's install fails
lab_wait_sa sat "" 30 || lab_fail "sat: no IKE SA with the hub"
lab_wait 20 sat_up || lab_fail "sat: no ISAKMP SA on the hub"
grep -q "sent no DPD vendor ID" "$hublog" && lab_fail "the hub says charon sent no DPD vendor ID"
policies_up() { [ "$(hub_policies)" -ge 2 ]; }
lab_wait 20 policies_up || lab_fail "no generated policies on the hub"
lab_ok "satellite up; hub: $(hub_policies) policy lines and $(hub_states) state lines for it"

# --- a) a live satellite answers and is never declared dead -----------------------------
acked() { [ "$(num ike.dpd.acks)" -ge 3 ]; }
lab_wait $((delay * 6 + 5)) acked || lab_fail "fewer than 3 R-U-THERE-ACKs taken: $(num ike.dpd.acks)"
probes=$(num ike.dpd.probes_sent) acks=$(num ike.dpd.acks)
[ "$probes" -ge "$acks" ] || lab_fail "more ACKs ($acks) than probes ($probes)"
[ "$(num ike.dpd.dead)" = 0 ] || lab_fail "a live satellite was declared dead"
sat_up || lab_fail "the ISAKMP SA is gone while the satellite answers"
lab_ok "alive: $probes R-U-THERE sent, $acks ACKs taken, not dead, SA up"

# --- b) a replayed R-U-THERE is ignored --------------------------------------------------
answered=$(num ike.dpd.answered)
lab_exec sat nft -f - <<NFT
table inet labdpd {
  chain input { type filter hook input priority 0; ip saddr $hub drop; }
}
NFT
lab_capture_start sat sat-rut
more_answered() { [ "$(num ike.dpd.answered)" -gt "$answered" ]; }
lab_wait 20 more_answered || lab_fail "charon sent no R-U-THERE the hub answered"
lab_sleep 1 # dumpcap reads its socket on its own time: let it take the datagram in
lab_capture_stop sat-rut
lab_exec sat nft delete table inet labdpd
payload=$(tshark -n -r "$LAB_LOGDIR/sat-rut.pcap" -Y "ip.src == $sat && isakmp.exchangetype == 5" \
  -T fields -e udp.payload 2>/dev/null | tail -n 1 | tr -d ':')
[ -n "$payload" ] || lab_fail "no informational from the satellite in the capture"
echo "$payload" >"$LAB_LOGDIR/replayed-r-u-there.hex"
replayed=$(num ike.dpd.replayed)
lab_exec sat python3 - "$hub" "$payload" <<'PY'
import socket, struct, sys
hub, data = sys.argv[1], bytes.fromhex(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
s.sendto(struct.pack("!HHHH", 500, 500, 8 + len(data), 0) + data, (hub, 0))
PY
more_replayed() { [ "$(num ike.dpd.replayed)" -gt "$replayed" ]; }
lab_wait 10 more_replayed || lab_fail "the replayed R-U-THERE was not counted as replayed"
grep -q "R-U-THERE #[0-9]* ignored: replayed" "$hublog" || lab_fail "no replay line in the log"
# charon keeps its number until an ACK comes and sends it again in new messages while the
# hub's ACK cannot reach it: those are answered (ike.dpd.resent), not taken for replays.
[ "$(num ike.dpd.replayed)" = $((replayed + 1)) ] ||
  lab_fail "ike.dpd.replayed is $(num ike.dpd.replayed): more than the one replay sent"
acks=$(num ike.dpd.acks)
more_acks() { [ "$(num ike.dpd.acks)" -gt "$acks" ]; }
lab_wait $((delay * 3 + 5)) more_acks || lab_fail "no ACK after the satellite came back"
sat_up || lab_fail "the ISAKMP SA is gone after the replay"
[ "$(num ike.dpd.dead)" = 0 ] || lab_fail "the satellite was declared dead"
lab_ok "replay: ike.dpd.replayed $(num ike.dpd.replayed), answered $(num ike.dpd.answered) (resent $(num ike.dpd.resent)), SA up"

# --- c) cut off silently: the hub finds it dead -----------------------------------------
[ "$(hub_policies)" -ge 2 ] || lab_fail "the generated policies are gone before the cut"
[ "$esp" = 0 ] || [ "$(hub_states)" -ge 2 ] || lab_fail "no SAs on the hub before the cut"
[ ! -e "$LAB_LOGDIR/hub-phase1_dead.env" ] || lab_fail "phase1_dead ran before the cut"
states_before=$(hub_states)
lab_exec sat nft -f - <<NFT
table inet labdpd {
  chain input { type filter hook input priority 0; ip saddr $hub drop; }
  chain output { type filter hook output priority 0; ip daddr $hub drop; }
}
NFT
cut=$(date +%s.%N)
bound=$((delay * (maxfail + 1) + 8)) # slack: the last ACK, polling, a slow VM
gone() {
  ! sat_up && [ -e "$LAB_LOGDIR/hub-phase1_dead.env" ] && [ "$(hub_policies)" = 0 ] &&
    [ "$(hub_states)" = 0 ]
}
lab_wait "$bound" gone || lab_fail "after ${bound}s: SA up? $(sat_up && echo yes || echo no), \
policies $(hub_policies), states $(hub_states), phase1_dead env $(ls "$LAB_LOGDIR"/hub-phase1_dead.env 2>&1)"
took=$(awk -v a="$(date +%s.%N)" -v b="$cut" 'BEGIN { printf "%.1f", a - b }')
# When the hub said so, from its log's time stamp (same clock as `date`).
said=$(grep -m1 "seems to be dead" "$hublog" | cut -c1-23)
said=$(awk -v a="$(date -d "$said" +%s.%N)" -v b="$cut" 'BEGIN { printf "%.1f", a - b }')
lab_ok "dead ${said}s after the cut (its log line), all gone after ${took}s (bound ${bound}s = \
dpd_delay * (dpd_maxfail + 1) + 8): ISAKMP SA, \
$(echo "$states_before") state lines and the generated policies gone"
[ "$(num ike.dpd.dead)" = 1 ] || lab_fail "ike.dpd.dead is $(num ike.dpd.dead)"
grep -q "DPD: remote $sat\[500\] (ISAKMP-SA spi=[0-9a-f]*:[0-9a-f]*) seems to be dead" "$hublog" ||
  lab_fail "no death line in the hub's log"
env=$LAB_LOGDIR/hub-phase1_dead.env
for kv in "REMOTE_ADDR=$sat" REMOTE_PORT=500 "LOCAL_ADDR=$hub" LOCAL_PORT=500 \
  "REMOTE_ID=CN=armagnac,OU=armagnac,O=coati test,C=FR"; do
  grep -qxF "$kv" "$env" || lab_fail "phase1_dead: no $kv in its environment"
done
grep -Eq "^IKE_COOKIE=[0-9a-f]{16}:[0-9a-f]{16}$" "$env" || lab_fail "phase1_dead: no IKE_COOKIE"
lab_wait 10 grep -qs "REMOTE_ADDR=$sat" "$LAB_LOGDIR/hub-phase1_down.env" ||
  lab_fail "phase1_down did not run after the death"
lab_ok "phase1_dead ran with $(grep -c = "$env") variables; phase1_down too"
echo PASS
