#!/usr/bin/env bash
# The roadwarrior clients prove themselves against a charon hub that does for
# roadwarriors what the seed hub (shared/seed/rhum/local.conf) does: hybrid auth (the hub
# signs with rhum's certificate, the client does XAuth only), 3des-sha1-modp1024, ESP
# 3des-md5 without PFS, Mode Config from pool 192.168.201.20-192.168.201.199 with netmask
# 255.255.255.255, DNS 192.168.1.1 192.168.1.2, WINS 192.168.1.1, Unity split include
# 192.168.1.0/24 192.168.2.0/24 192.168.3.0/24 and default domain "local"
# (lab_rw_hub_charon). Against it, one at a time:
#  - rwmain: charon, hybrid client in main mode (lab_rw_charon ... main);
#  - rwaggr: charon, hybrid client in aggressive mode;
#  - rwvpnc: vpnc, hybrid (IKE Authmode hybrid, CA-File = the lab CA, group labgroup);
#  - rwbadc (charon) and rwbadv (vpnc): alice with a wrong password: refused, no SA.
# Each client's evidence is its own (what a coatid test reads with the hub replaced):
#  charon  virtual IP   log "installing new virtual IP 192.168.201.N" (lab_rw_charon_vip)
#          DNS          its resolve plugin's file (resolve.file = its own), "nameserver
#                       192.168.1.1   # by strongSwan" (lab_rw_charon_dns); log "installing
#                       DNS server 192.168.1.1 to FILE"
#          split        the unity plugin narrows the child (remote_ts 0.0.0.0/0) to the
#                       includes: log "narrowed CHILD_SA to UNITY_SPLIT_INCLUDE
#                       192.168.1.0/24 192.168.2.0/24 192.168.3.0/24" (lab_rw_charon_split),
#                       written when the quick mode answer arrives. It proposes 0.0.0.0/0
#                       first ("changing proposed traffic selectors for other: 0.0.0.0/0").
#          WINS, netmask, default domain: charon as a client has no use for them and shows
#                       no value: its log only says "processing INTERNAL_IP4_NBNS
#                       attribute" then "handling INTERNAL_IP4_NBNS attribute failed" (the
#                       same for INTERNAL_IP4_NETMASK and UNITY_DEF_DOMAIN). Their values
#                       come from its byte dump of the decrypted Mode Config payload
#                       (enc 3, charon-NAME.attrs.log), decoded by lab_rw_charon_attr.
#                       Note: charon only ASKS for what a plugin of its handles: its request
#                       is "CPRQ(ADDR U_SPLITINC U_LOCALLAN DNS)". charon as a hub answers
#                       with all it has; a hub that answers only what is asked (racoon)
#                       sends a charon client no WINS, netmask or domain at all: check those
#                       with vpnc, which asks for them.
#          Unity needs the VID both ways (charon.cisco_unity = yes, unity plugin): without
#          the hub's Unity VID, charon neither asks for split includes nor narrows.
#  vpnc    its script's environment (lab_vpnc_env): INTERNAL_IP4_ADDRESS,
#          INTERNAL_IP4_NETMASK, INTERNAL_IP4_DNS ("192.168.1.1 192.168.1.2"),
#          INTERNAL_IP4_NBNS, CISCO_DEF_DOMAIN, CISCO_SPLIT_INC (3) and
#          CISCO_SPLIT_INC_<n>_ADDR/_MASK/_MASKLEN (lab_vpnc_split).
# Wrong password: the hub logs "XAuth authentication of 'alice' failed"; charon logs
# "XAuth authentication of 'alice' (myself) failed" and keeps no SA nor virtual IP; vpnc
# logs "vpnc: authentication unsuccessful" and exits, its script never called with
# connect.
# Without ESP in the kernel (this host) each side reports the SA install failure; with
# ESP (the VM) rwmain and rwvpnc ping the hub's LAN server through their tunnels.
. "${COATI_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/lab.sh"

lab_host hub 192.0.2.1 192.168.1.0/24 192.168.1.1
lab_host rwmain 203.0.113.5
lab_host rwaggr 203.0.113.6
lab_host rwvpnc 203.0.113.7
lab_host rwbadc 203.0.113.8
lab_host rwbadv 203.0.113.9
if lab_has_esp; then esp=1; else esp=0; fi
echo "bed $LAB_BED, kernel with ESP: $esp"
hub=$(lab_ip hub)
hublog=$(lab_charon_log hub)
dns="192.168.1.1 192.168.1.2"
split="192.168.1.0/24 192.168.2.0/24 192.168.3.0/24"

lab_rw_hub_charon hub alice "alice secret"
lab_ok "charon hub: hybrid (main and aggressive), pool, DNS, WINS, split include, domain"

# check_charon NAME MODE VIP: what charon client NAME got from the hub.
check_charon() {
  local name=$1 mode=$2 vip=$3 log
  log=$(lab_charon_log "$name")
  grep -q "initiating $mode Mode IKE_SA" "$log" || lab_fail "$name: no $mode initiation"
  grep -q "selected proposal: IKE:3DES_CBC/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024" "$log" ||
    lab_fail "$name: phase 1 did not use 3des/sha1/modp1024"
  grep -q "authentication of 'C=FR, O=coati test, OU=rhum, CN=rhum' with RSA_EMSA_PKCS1_NULL successful" "$log" ||
    lab_fail "$name: the hub's signature (rhum) was not checked"
  grep -q "XAuth authentication of 'alice' (myself) successful" "$log" ||
    lab_fail "$name: XAuth did not succeed"
  grep -Eq "generating TRANSACTION request [0-9]+ \[ HASH CPRQ\(ADDR U_SPLITINC U_LOCALLAN DNS\) \]" "$log" ||
    lab_fail "$name: its Mode Config request is not the one documented above"
  lab_same "$name" "virtual IP" "$vip" "$(lab_rw_charon_vip "$name")"
  lab_same "$name" "INTERNAL_IP4_ADDRESS" "$vip" "$(lab_rw_charon_attr "$name" INTERNAL_IP4_ADDRESS)"
  lab_same "$name" "DNS servers (resolve file)" "$dns" "$(lab_rw_charon_dns "$name")"
  lab_same "$name" "INTERNAL_IP4_DNS" "$dns" "$(lab_rw_charon_attr "$name" INTERNAL_IP4_DNS)"
  lab_same "$name" "INTERNAL_IP4_NBNS" 192.168.1.1 "$(lab_rw_charon_attr "$name" INTERNAL_IP4_NBNS)"
  lab_same "$name" "INTERNAL_IP4_NETMASK" 255.255.255.255 "$(lab_rw_charon_attr "$name" INTERNAL_IP4_NETMASK)"
  lab_same "$name" "UNITY_DEF_DOMAIN" local "$(lab_rw_charon_attr "$name" UNITY_DEF_DOMAIN)"
  lab_same "$name" "UNITY_SPLIT_INCLUDE" "$split" "$(lab_rw_charon_attr "$name" UNITY_SPLIT_INCLUDE)"
  lab_same "$name" "child narrowed to" "$split" "$(lab_rw_charon_split "$name")"
  grep -q "handling INTERNAL_IP4_NBNS attribute failed" "$log" ||
    lab_fail "$name: charon now handles WINS: update the comment above"
  grep -q "selected proposal: ESP:3DES_CBC/HMAC_MD5_96/NO_EXT_SEQ" "$log" ||
    lab_fail "$name: quick mode did not agree on 3des/hmac_md5 without PFS"
  grep -q "assigning virtual IP $vip to peer" "$hublog" || lab_fail "hub: did not hand out $vip"
  if [ "$esp" = 1 ]; then
    lab_charon_has_sa "$name" lan || lab_fail "$name: child lan not installed"
  else
    grep -q "unable to install inbound and outbound IPsec SA (SAD) in kernel" "$log" ||
      lab_fail "$name: no SA install failure reported on a kernel without ESP"
  fi
}

# --- charon, hybrid, main mode --------------------------------------------------------
lab_rw_charon rwmain "$hub" main alice "alice secret" REMOTE_HOST=rhum
lab_rw_charon_up rwmain || lab_fail "rwmain: no IKE SA (see charon-rwmain.log)"
check_charon rwmain Main 192.168.201.20
grep -q 'selected peer config "rw-main"' "$hublog" || lab_fail "hub: rw-main not used"
lab_ok "charon main mode: hybrid + XAuth, virtual IP 192.168.201.20, DNS, WINS, netmask, domain, split include"
if [ "$esp" = 1 ]; then
  lab_exec rwmain ping -n -c 3 -i 0.5 -W 3 -I 192.168.201.20 "$(lab_server_ip hub)" \
    >"$LAB_LOGDIR/ping-rwmain.log" 2>&1 ||
    { cat "$LAB_LOGDIR/ping-rwmain.log"; lab_fail "rwmain: no answer through the tunnel"; }
  lab_ok "ping 192.168.201.20 -> $(lab_server_ip hub) through rwmain's tunnel"
fi

# --- charon, hybrid, aggressive mode --------------------------------------------------
lab_rw_charon rwaggr "$hub" aggressive alice "alice secret" REMOTE_HOST=rhum
lab_rw_charon_up rwaggr || lab_fail "rwaggr: no IKE SA (see charon-rwaggr.log)"
check_charon rwaggr Aggressive 192.168.201.21
grep -q 'selected peer config "rw-aggr"' "$hublog" || lab_fail "hub: rw-aggr not used"
lab_ok "charon aggressive mode: hybrid + XAuth, virtual IP 192.168.201.21, DNS, WINS, netmask, domain, split include"

# --- vpnc, hybrid ---------------------------------------------------------------------
lab_vpnc_hybrid rwvpnc "$hub" labgroup alice "alice secret"
lab_vpnc_wait rwvpnc 30 || lab_fail "rwvpnc: vpnc's script was not called with connect"
vlog=$LAB_LOGDIR/vpnc-rwvpnc.log
grep -q "IKE SA selected hybrid(rsa)-3des-sha1" "$vlog" || lab_fail "rwvpnc: not hybrid 3des-sha1"
lab_wait_log "$vlog" "IPSEC SA selected 3des-md5" 20 || lab_fail "rwvpnc: quick mode not 3des-md5"
lab_vpnc_check_seed rwvpnc 192.168.201.22
grep -q "looking for HybridInitRSA peer configs matching .*\[labgroup\]" "$hublog" ||
  lab_fail "hub: vpnc did not come as a hybrid aggressive-mode peer with ID labgroup"
grep -q "assigning virtual IP 192.168.201.22 to peer" "$hublog" ||
  lab_fail "hub: did not hand out 192.168.201.22"
lab_ok "vpnc: hybrid + XAuth, 192.168.201.22/255.255.255.255, DNS, WINS, domain, split include in its script's environment"
if [ "$esp" = 1 ]; then
  lab_exec rwvpnc ip route add "$(lab_lan_net hub)" dev tun0 src 192.168.201.22
  lab_exec rwvpnc ping -n -c 3 -i 0.5 -W 3 "$(lab_server_ip hub)" >"$LAB_LOGDIR/ping-rwvpnc.log" 2>&1 ||
    { cat "$LAB_LOGDIR/ping-rwvpnc.log"; lab_fail "rwvpnc: no answer through vpnc's tunnel"; }
  lab_ok "ping 192.168.201.22 -> $(lab_server_ip hub) through vpnc's tunnel"
else
  lab_wait_log "$hublog" "unable to install inbound and outbound IPsec SA \(SAD\) in kernel" 20 ||
    lab_fail "the hub did not report the SA install failure this kernel causes"
fi
lab_vpnc_stop rwvpnc

# --- wrong password -------------------------------------------------------------------
lab_rw_charon rwbadc "$hub" main alice "not alice's" REMOTE_HOST=rhum
! lab_rw_charon_up rwbadc 20 || lab_fail "rwbadc: an IKE SA with a wrong password"
badlog=$(lab_charon_log rwbadc)
lab_wait_log "$badlog" "XAuth authentication of 'alice' \(myself\) failed" 10 ||
  lab_fail "rwbadc: charon did not log its XAuth failure"
! lab_rw_charon_vip rwbadc >/dev/null || lab_fail "rwbadc: a virtual IP with a wrong password"
! lab_rw_charon_dns rwbadc >/dev/null || lab_fail "rwbadc: DNS servers with a wrong password"
! lab_rw_charon_attr rwbadc INTERNAL_IP4_ADDRESS >/dev/null ||
  lab_fail "rwbadc: a Mode Config reply with a wrong password"
no_sa() { ! lab_swanctl "$1" --list-sas 2>/dev/null | grep -q IKEv1; }
lab_wait 10 no_sa rwbadc ||
  lab_fail "rwbadc: an SA is still listed"
lab_ok "charon, wrong password: 'XAuth authentication of 'alice' (myself) failed', no SA, no virtual IP"

lab_vpnc_hybrid rwbadv "$hub" labgroup alice "not alice's"
vpid=$(cat "$LAB_WORK/vpnc-rwbadv/pid")
lab_wait 20 sh -c "! kill -0 $vpid 2>/dev/null" || lab_fail "rwbadv: vpnc still runs with a wrong password"
grep -q "vpnc: authentication unsuccessful" "$LAB_LOGDIR/vpnc-rwbadv.log" ||
  lab_fail "rwbadv: vpnc did not log 'authentication unsuccessful'"
[ ! -e "$LAB_LOGDIR/vpnc-rwbadv.connect.env" ] || lab_fail "rwbadv: vpnc's script got connect"
[ "$(grep -c "XAuth authentication of 'alice' failed" "$hublog")" = 2 ] ||
  lab_fail "hub: not exactly two XAuth failures logged"
grep -q "assigning virtual IP 192.168.201.2[3-9]" "$hublog" &&
  lab_fail "hub: an address handed out after a failed XAuth"
lab_ok "vpnc, wrong password: 'vpnc: authentication unsuccessful', exits, no connect"
echo PASS
