#!/usr/bin/env bash
# coatid as the seed hub (rhum's racoon.conf, unchanged but for the rebased paths) serves
# roadwarriors and a satellite at the same time, with real clients and real PAM:
#  - sat (strongSwan, armagnac's certificate, rsasig) comes up first and stays up: its
#    SAs are the same after every roadwarrior login and logout;
#  - rwmain: strongSwan as a hybrid client in main mode, user alice (PAM, private
#    passwd/shadow in the hub's namespace, the seed's pam.d/racoon with Debian's
#    common-* files): XAuth, Mode Config 192.168.201.20 with the seed's DNS and split
#    networks (charon asks for those only), quick mode for the lease; the hub's
#    generated policies are for 192.168.201.20/32; phase1_up gets racoon's variables;
#  - rwaggr: strongSwan hybrid in aggressive mode, user bob: 192.168.201.21;
#  - rwvpnc: vpnc (hybrid, aggressive mode), user carol: every Mode Config value of the
#    seed in its script's environment (address, netmask, DNS, WINS, domain, split);
#  - wrong password (charon and vpnc): refused, logged, counted, no SA, no lease;
#  - alice logs out and in again: the same address.
# Without ESP in the kernel (this host) the SA installs fail and are reported; with ESP
# (the VM) rwmain and rwvpnc ping the hub's LAN server through their tunnels.
. "${COATI_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/lab.sh"

lab_host hub 192.0.2.1 192.168.1.0/24 192.168.1.1
lab_host sat 198.51.100.3 192.168.3.0/24 192.168.3.1
lab_host rwmain 203.0.113.5
lab_host rwaggr 203.0.113.6
lab_host rwvpnc 203.0.113.7
lab_host rwbadc 203.0.113.8
lab_host rwbadv 203.0.113.9
if lab_has_esp; then esp=1; else esp=0; fi
echo "bed $LAB_BED, kernel with ESP: $esp"
hub=$(lab_ip hub)
dns=$LAB_RW_DNS     # the seed hub's mode_cfg values, as tests/lab/peers.sh has them
split=$LAB_RW_SPLIT

lab_pki rhum armagnac
lab_pam_user hub alice "alice secret" vpnusers
lab_pam_user hub bob "bob secret" vpnusers
lab_pam_user hub carol "carol secret" vpnusers
lab_coatid_pam hub
# The seed's phase1_up.sh / phase1_down.sh run unchanged: their nsupdate goes to a
# resolver on the hub's own loopback (lab_coatid_root), never elsewhere.
root=$(lab_coatid_root hub rhum)
lab_coatid_start hub "$root"
hublog=$(lab_coatid_log hub)
stat() { lab_coatictl hub stats | awk -v k="$1" '$1 "." $2 == k { print $3 }'; }

# --- the satellite ----------------------------------------------------------------------
lab_charon_prepare sat armagnac
lab_charon_start sat
lab_swanctl_conf sat satellite REMOTE="$hub" REMOTE_HOST=rhum CHILD_EXTRA="rekey_time = 0s
        rand_time = 0s"
lab_swanctl_load sat
lab_swanctl_initiate sat lan 30 || true # no ESP here: the child's install fails
lab_wait_sa sat "" 30 || lab_fail "sat: no IKE SA with the hub"
# What the hub holds for the satellite: its ISAKMP SA (cookies), and with ESP its IPsec SAs
# (on this host charon cannot install its pair, never sends QM3, and the hub's larval pair
# ends with the phase2 timer: only the ISAKMP SA stays).
sat_sas() {
  lab_coatictl hub show-sa isakmp | grep -F "198.51.100.3" | grep established | awk '{ print $3 }'
  [ "$esp" = 0 ] || lab_coatictl hub show-sa esp | grep -F "198.51.100.3" | awk '{ print $4 }' | sort
}
sat_up() { lab_coatictl hub show-sa isakmp | grep -F "198.51.100.3" | grep -q established; }
sat_esp() { lab_coatictl hub show-sa esp | grep -F "198.51.100.3" | grep -q mature; }
lab_wait 20 sat_up || lab_fail "sat: no ISAKMP SA on the hub"
[ "$esp" = 0 ] || lab_wait 20 sat_esp || lab_fail "sat: no IPsec SAs on the hub"
sat_before=$(sat_sas | tr '\n' ' ')
lab_ok "satellite armagnac (rsasig) up: $sat_before"

# --- charon, hybrid, main mode ----------------------------------------------------------
lab_rw_charon rwmain "$hub" main alice "alice secret" REMOTE_HOST=rhum
lab_rw_charon_up rwmain || lab_fail "rwmain: no IKE SA (see charon-rwmain.log)"
log=$(lab_charon_log rwmain)
grep -q "XAuth authentication of 'alice' (myself) successful" "$log" ||
  lab_fail "rwmain: XAuth did not succeed"
lab_same rwmain "virtual IP" 192.168.201.20 "$(lab_rw_charon_vip rwmain)"
lab_same rwmain "DNS servers" "$dns" "$(lab_rw_charon_dns rwmain)"
lab_wait 20 lab_rw_charon_split rwmain >/dev/null 2>&1 || lab_fail "rwmain: child not narrowed"
lab_same rwmain "child narrowed to" "$split" "$(lab_rw_charon_split rwmain)"
grep -q "selected proposal: ESP:3DES_CBC/HMAC_MD5_96/NO_EXT_SEQ" "$log" ||
  lab_fail "rwmain: quick mode did not agree on 3des/hmac_md5"
env=$LAB_LOGDIR/hub-phase1_up.env
lab_wait 10 grep -qs "XAUTH_USER=alice" "$env" || lab_fail "phase1_up: no XAUTH_USER=alice"
for kv in INTERNAL_ADDR4=192.168.201.20 INTERNAL_NETMASK4=255.255.255.255 \
  INTERNAL_DNS4=192.168.1.1 "INTERNAL_DNS4_LIST=$dns" INTERNAL_WINS4=192.168.1.1 \
  DEFAULT_DOMAIN=local REMOTE_ADDR=203.0.113.5 \
  "SPLIT_INCLUDE=192.168.1.0/255.255.255.0 192.168.2.0/255.255.255.0 192.168.3.0/255.255.255.0"; do
  grep -qxF "$kv" "$env" || { cat "$env"; lab_fail "phase1_up: no $kv"; }
done
lab_wait 10 sh -c "ip -n $(lab_ns hub) xfrm policy | grep -q 'dst 192.168.201.20/32'" ||
  lab_fail "hub: no generated policy for 192.168.201.20/32"
ip -n "$(lab_ns hub)" xfrm policy | grep -E "(src|dst) 192\.168\.201\." | grep -v "192.168.201.20/32" &&
  lab_fail "hub: a generated policy for another roadwarrior address"
lab_coatictl hub show-sa isakmp | grep -F 'user="alice"' | grep -qF "address=192.168.201.20" ||
  lab_fail "show-sa: no row for alice at 192.168.201.20"
lab_ok "charon main mode: hybrid + XAuth alice, 192.168.201.20, DNS, split, phase1_up env, policies for the lease"
if [ "$esp" = 1 ]; then
  before=$(lab_esp_bytes hub)
  lab_exec rwmain ping -n -c 3 -i 0.5 -W 3 -I 192.168.201.20 "$(lab_server_ip hub)" \
    >"$LAB_LOGDIR/ping-rwmain.log" 2>&1 ||
    { cat "$LAB_LOGDIR/ping-rwmain.log"; lab_fail "rwmain: no answer through the tunnel"; }
  [ "$(lab_esp_bytes hub)" -gt "$before" ] || lab_fail "hub: its ESP SAs carried nothing"
  lab_ok "ping 192.168.201.20 -> $(lab_server_ip hub) through rwmain's tunnel (the hub's ESP counters grew)"
fi

# --- charon, hybrid, aggressive mode ----------------------------------------------------
lab_rw_charon rwaggr "$hub" aggressive bob "bob secret" REMOTE_HOST=rhum
lab_rw_charon_up rwaggr || lab_fail "rwaggr: no IKE SA (see charon-rwaggr.log)"
lab_same rwaggr "virtual IP" 192.168.201.21 "$(lab_rw_charon_vip rwaggr)"
lab_same rwaggr "DNS servers" "$dns" "$(lab_rw_charon_dns rwaggr)"
lab_ok "charon aggressive mode: hybrid + XAuth bob, 192.168.201.21, DNS"

# --- vpnc, hybrid -------------------------------------------------------------------------
lab_vpnc_hybrid rwvpnc "$hub" labgroup carol "carol secret"
lab_vpnc_wait rwvpnc 30 || lab_fail "rwvpnc: vpnc's script was not called with connect"
lab_vpnc_check_seed rwvpnc 192.168.201.22
lab_coatictl hub show-sa isakmp | grep -F 'id="labgroup"' | grep -qF 'user="carol"' ||
  lab_fail "show-sa: no row for carol with vpnc's group name as its ID"
lab_ok "vpnc: hybrid + XAuth carol, 192.168.201.22/32, DNS, WINS, domain, split include in its script"
if [ "$esp" = 1 ]; then
  lab_exec rwvpnc ip route add "$(lab_lan_net hub)" dev tun0 src 192.168.201.22
  lab_exec rwvpnc ping -n -c 3 -i 0.5 -W 3 "$(lab_server_ip hub)" >"$LAB_LOGDIR/ping-rwvpnc.log" 2>&1 ||
    { cat "$LAB_LOGDIR/ping-rwvpnc.log"; lab_fail "rwvpnc: no answer through vpnc's tunnel"; }
  lab_ok "ping 192.168.201.22 -> $(lab_server_ip hub) through vpnc's tunnel"
fi
lab_vpnc_stop rwvpnc

# --- wrong passwords ------------------------------------------------------------------------
leased=$(stat pool.leased)
lab_rw_charon rwbadc "$hub" main alice "not alice's" REMOTE_HOST=rhum
! lab_rw_charon_up rwbadc 20 || lab_fail "rwbadc: an IKE SA with a wrong password"
lab_wait_log "$(lab_charon_log rwbadc)" "XAuth authentication of 'alice' \(myself\) failed" 10 ||
  lab_fail "rwbadc: charon did not log its XAuth failure"
! lab_rw_charon_vip rwbadc >/dev/null || lab_fail "rwbadc: a virtual IP with a wrong password"
lab_vpnc_hybrid rwbadv "$hub" labgroup carol "not carol's"
vpid=$(cat "$LAB_WORK/vpnc-rwbadv/pid")
lab_wait 20 sh -c "! kill -0 $vpid 2>/dev/null" || lab_fail "rwbadv: vpnc still runs with a wrong password"
grep -q "vpnc: authentication unsuccessful" "$LAB_LOGDIR/vpnc-rwbadv.log" ||
  lab_fail "rwbadv: vpnc did not log 'authentication unsuccessful'"
[ "$(stat ike.xauth_failed)" = 2 ] || lab_fail "hub: ike.xauth_failed is '$(stat ike.xauth_failed)', expected 2"
[ "$(stat auth.failed.bad_credentials)" = 2 ] || lab_fail "hub: auth.failed.bad_credentials is not 2"
grep -q "XAuth user \"alice\" refused" "$hublog" || lab_fail "hub: no log line for alice's refusal"
[ "$(stat pool.leased)" = "$leased" ] || lab_fail "hub: a lease was taken by a refused login"
grep -qF "not alice's" "$hublog" && lab_fail "hub: a password reached the log"
lab_ok "wrong passwords (charon, vpnc): refused, logged, counted (ike.xauth_failed 2), no SA, no lease"

# --- alice again: the same address ---------------------------------------------------------
lab_swanctl rwmain --terminate --ike peer >/dev/null 2>&1 || true
lab_wait 20 sh -c "! ip -n $(lab_ns hub) xfrm policy | grep -q 'dst 192.168.201.20/32'" ||
  lab_fail "hub: alice's policies stay after her logout"
lab_rw_charon_up rwmain || lab_fail "rwmain: no IKE SA on the second login"
lab_wait 10 sh -c "grep -q 'installing new virtual IP' '$(lab_charon_log rwmain)'"
lab_same rwmain "virtual IP again" 192.168.201.20 "$(lab_rw_charon_vip rwmain)"
lab_ok "alice logs out and in again: 192.168.201.20 again"

# --- passive on: the hub never initiates ---------------------------------------------------
out=$(lab_coatictl hub vpn-connect 203.0.113.5 2>&1) && lab_fail "vpn-connect on a passive remote: $out"
grep -q "is passive (passive on)" <<<"$out" || lab_fail "vpn-connect on a passive remote said: $out"
lab_ok "passive on: vpn-connect from the hub refused ($(tail -1 <<<"$out"))"

# --- show-pool and logout-user ---------------------------------------------------------------
pool=$(lab_coatictl hub show-pool)
grep -Eq "^192\.168\.201\.20 alice leased" <<<"$pool" || { echo "$pool"; lab_fail "show-pool: alice"; }
grep -Eq "^192\.168\.201\.21 bob leased" <<<"$pool" || { echo "$pool"; lab_fail "show-pool: bob"; }
lab_coatictl hub logout-user bob | grep -q "1 ISAKMP-SA(s) of bob ended" || lab_fail "logout-user bob"
lab_wait 10 grep -qs "XAUTH_USER=bob" "$LAB_LOGDIR/hub-phase1_down.env" ||
  lab_fail "phase1_down did not run for bob"
grep -qxF "INTERNAL_ADDR4=192.168.201.21" "$LAB_LOGDIR/hub-phase1_down.env" ||
  lab_fail "phase1_down: not bob's INTERNAL_ADDR4"
lab_wait 10 sh -c "! $COATI_BUILD/tools/coatictl/coatictl -s $root/var/racoon/racoon.sock show-pool | grep -q '^192.168.201.21 bob leased'" ||
  lab_fail "bob's lease is still held after logout-user"
! lab_coatictl hub logout-user nobody >/dev/null 2>&1 || lab_fail "logout-user of nobody succeeded"
lab_ok "show-pool lists alice and bob; logout-user bob ends his SA, runs phase1_down, frees his address"

[ "$(sat_sas | tr '\n' ' ')" = "$sat_before" ] || lab_fail "sat: its SAs changed: '$sat_before' -> '$(sat_sas | tr '\n' ' ')'"
lab_ok "the satellite's SAs are untouched by the roadwarriors' logins and logouts"
lab_coatictl hub stats >"$LAB_LOGDIR/stats.txt"

# --- a pool of two and a third user ---------------------------------------------------------
lab_coatid_stop hub "$root"
sed -i 's/pool_size 180;/pool_size 2;/' "$root/etc/racoon/local.conf"
lab_coatid_start hub "$root"
lab_swanctl rwmain --terminate --ike peer >/dev/null 2>&1 || true
lab_swanctl rwaggr --terminate --ike peer >/dev/null 2>&1 || true
lab_rw_charon_up rwmain || lab_fail "pool of 2: alice did not log in"
lab_rw_charon_up rwaggr || lab_fail "pool of 2: bob did not log in"
lab_vpnc_hybrid rwvpnc "$hub" labgroup carol "carol secret"
vpid=$(cat "$LAB_WORK/vpnc-rwvpnc/pid")
lab_wait 20 sh -c "! kill -0 $vpid 2>/dev/null" || lab_fail "pool of 2: carol's vpnc still runs"
[ "$(stat pool.exhausted)" = 1 ] || lab_fail "pool of 2: pool.exhausted is '$(stat pool.exhausted)'"
grep -q 'XAuth user "carol" refused: no address for this user: address pool exhausted' "$(lab_coatid_log hub)" ||
  lab_fail "pool of 2: no clear refusal for carol in the log"
lab_ok "pool of 2: alice and bob in, carol refused (address pool exhausted, counted)"
echo PASS
