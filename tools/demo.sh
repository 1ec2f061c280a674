#!/usr/bin/env bash
# demo.sh BUILD_DIR: the seed's main job, in network namespaces on this machine: coatid
# as the seed hub (tests/data/seed/rhum, unchanged but for the rebased paths), coatid as
# the seed satellite armagnac (its hub address pointed at the lab's 192.0.2.1) brought up
# with `coatictl vpn-connect`, and a strongSwan roadwarrior (hybrid + XAuth as the PAM
# user `demo`, Mode Config). Prints the hub's `coatictl show-sa`, the roadwarrior's Mode
# Config and the hub's `coatictl stats`, stops both coatids and removes everything it
# made, also on failure and Ctrl-C (the lab library, tests/lab/lab.sh). Logs stay in
# BUILD_DIR/demo-logs (or LAB_LOGDIR). Root only; needs what `tools/dev.sh deps` installs.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (it creates network namespaces)" >&2; exit 1; }
for f in tools/coatid/coatid tools/coatictl/coatictl tools/setkey/coati-setkey; do
  [ -x "$build/$f" ] || { echo "demo.sh: no $build/$f (build first: tools/dev.sh build)" >&2; exit 1; }
done
for c in /usr/lib/ipsec/charon swanctl openssl; do
  command -v "$c" >/dev/null || { echo "demo.sh: no $c (install it: tools/dev.sh deps)" >&2; exit 1; }
done

export COATI_SRC=$top COATI_BUILD=$build
if [ -z "${LAB_LOGDIR:-}" ]; then
  LAB_LOGDIR=$build/demo-logs # (the last run's)
  rm -rf "$LAB_LOGDIR"
fi
export LAB_LOGDIR
. "$top/tests/lab/lab.sh" # set -e, namespaces, clean-up on any exit

step() { printf '\n== %s\n' "$*"; }
say() { echo "   $*"; }
indent() { sed 's/^/   /'; }
hub=192.0.2.1
user=demo pass="demo password"

step "network namespaces (lab prefix $LAB_PREFIX)"
lab_host hub $hub 192.168.1.0/24 192.168.1.1
lab_host armagnac 198.51.100.3 192.168.3.0/24 192.168.3.1
lab_host roadwarrior 203.0.113.5
say "hub          192.0.2.1     LAN 192.168.1.0/24 (server 192.168.1.10)"
say "armagnac     198.51.100.3  LAN 192.168.3.0/24 (server 192.168.3.10)"
say "roadwarrior  203.0.113.5"
say "(a router namespace joins them)"
# Traffic between the sites' LANs leaves from the LAN address, so that it meets the
# policies (armagnac's phase1_up_cli.sh pings 192.168.1.1 to start quick mode).
lab_exec armagnac ip route add 192.168.0.0/16 via 198.51.100.254 src 192.168.3.1
lab_exec hub ip route add 192.168.3.0/24 via 192.0.2.254 src 192.168.1.1
if lab_has_esp; then esp=1; else esp=0; fi

step "hub: coatid on the seed's rhum racoon.conf, PAM account '$user'"
lab_pki rhum armagnac
lab_pam_user hub "$user" "$pass"
lab_coatid_pam hub
# The seed's phase1_up.sh runs unchanged: its nsupdate goes to the hub's own loopback
# (lab_coatid_root: no resolver there, refused at once), never to the host's resolver.
hubroot=$(lab_coatid_root hub rhum)
lab_coatid_start hub "$hubroot"
say "coatid -F --config-root $hubroot \\"
say "       -f $hubroot/etc/racoon/racoon.conf"
say "user '$user' (password '$pass') in the hub's private /etc/passwd + /etc/shadow,"
say "checked by the seed's pam.d/racoon (pam_unix). The seed's phase1_up.sh runs as is:"
say "its nsupdate finds no DNS server in the lab and fails (script.failed in the stats)"

step "satellite armagnac: coatid on the seed's armagnac racoon.conf, then vpn-connect"
satroot=$(lab_coatid_root armagnac armagnac)
sed -i "s/^remote 10\.1\.2\.3\$/remote $hub/" "$satroot/etc/racoon/local.conf"
grep -q "^remote $hub\$" "$satroot/etc/racoon/local.conf" ||
  lab_fail "armagnac's local.conf has no 'remote 10.1.2.3' to point at the hub"
say "local.conf: 'remote 10.1.2.3' -> 'remote $hub' (the lab's hub); nothing else changed"
LAB_COATID_SBIN=1 lab_coatid_start armagnac "$satroot"
say "coatictl vpn-connect $hub"
lab_coatictl armagnac vpn-connect $hub | indent
satlog=$(lab_coatid_log armagnac)
lab_wait_log "$satlog" "IPsec-SA established" 30 ||
  lab_fail "armagnac: no IPsec-SA with the hub (see $satlog)"
say "phase 1 up; phase1_up_cli.sh set the policies (coati-setkey) and pinged 192.168.1.1:"
say "ACQUIRE, quick mode, IPsec-SA established"

step "roadwarrior: vpnc, hybrid (the hub's certificate) + XAuth as '$user', Mode Config"
lab_vpnc_hybrid roadwarrior $hub demogroup "$user" "$pass"
lab_vpnc_wait roadwarrior 30 ||
  lab_fail "roadwarrior: vpnc got no Mode Config (see $LAB_LOGDIR/vpnc-roadwarrior.log)"
rwip=$(lab_vpnc_env roadwarrior INTERNAL_IP4_ADDRESS)
rw_mature() { lab_coatictl hub show-sa esp | grep -F "203.0.113.5 " | grep -q "state=mature"; }
lab_wait 15 rw_mature || true
say "aggressive mode, hub's signature checked against the lab CA, XAuth '$user' accepted"
say "by PAM, Mode Config from the seed's mode_cfg, quick mode for $rwip"

if [ "$esp" = 1 ]; then
  step "traffic through the tunnels"
  lab_exec roadwarrior ip route add 192.168.1.0/24 dev tun0 src "$rwip"
  if lab_exec roadwarrior ping -n -c 2 -i 0.5 -W 3 192.168.1.10 \
    >"$LAB_LOGDIR/ping-roadwarrior.log" 2>&1; then
    say "roadwarrior $rwip -> 192.168.1.10 (hub's LAN): answered"
  else
    say "roadwarrior $rwip -> 192.168.1.10: no answer (see ping-roadwarrior.log)"
  fi
  if lab_exec armagnac ping -n -c 2 -i 0.5 -W 3 -I 192.168.3.1 192.168.1.10 \
    >"$LAB_LOGDIR/ping-armagnac.log" 2>&1; then
    say "armagnac 192.168.3.1 -> 192.168.1.10 (hub's LAN): answered"
  else
    say "armagnac 192.168.3.1 -> 192.168.1.10: no answer (see ping-armagnac.log)"
  fi
else
  step "note"
  say "this kernel has no ESP (3des/md5): every SA is negotiated, the kernel refuses"
  say "to install it (kernel=failed below). With ESP the tunnels carry traffic."
fi

step "coatictl show-sa (hub)"
lab_coatictl hub show-sa >"$LAB_LOGDIR/show-sa-hub.txt"
if [ "$esp" = 1 ]; then
  indent <"$LAB_LOGDIR/show-sa-hub.txt"
else # the kernel's error text, the same on every ESP row, is in show-sa-hub.txt
  sed -E 's/ kernel=failed \(.*\)$/ kernel=failed/' "$LAB_LOGDIR/show-sa-hub.txt" | indent
fi

step "the roadwarrior's Mode Config (the environment of vpnc's connect script)"
mc() { lab_vpnc_env roadwarrior "$1" || true; }
show() { printf '   %-15s %s\n' "$1" "${2:--}"; }
show address "$rwip"
show netmask "$(mc INTERNAL_IP4_NETMASK)"
show DNS "$(mc INTERNAL_IP4_DNS)"
show WINS "$(mc INTERNAL_IP4_NBNS)"
show domain "$(mc CISCO_DEF_DOMAIN)"
show "split networks" "$(lab_vpnc_split roadwarrior 2>/dev/null | paste -sd' ' || true)"

step "coatictl stats (hub): the counters of the job (the full table: stats-hub.txt)"
lab_coatictl hub stats >"$LAB_LOGDIR/stats-hub.txt"
# Not zero, and not the actors' own housekeeping (handling time, mailboxes, children).
awk 'NR == 1 || ($NF ~ /^[0-9]+$/ && $NF != 0 && $1 !~ /^(daemon|stats|admin)$/ &&
  $2 !~ /^(handling_ns|messages_handled|mailbox_depth|workers|sockets)$/)' \
  "$LAB_LOGDIR/stats-hub.txt" | indent

step "stopping"
lab_vpnc_stop roadwarrior
# coatid waits for its running scripts when it stops: armagnac's phase1_up_cli.sh pings
# (unanswered without ESP) for a few more seconds.
lab_wait 30 grep -q "phase1_up_cli.sh: exit" "$satlog" || true
lab_coatid_stop armagnac "$satroot"
lab_coatid_stop hub "$hubroot"
say "vpnc said goodbye; both coatids exited 0 on SIGTERM;"
say "the namespaces, processes and lab folder are removed on exit"
say "logs (coatid, vpnc, hook environments, show-sa, stats): $LAB_LOGDIR"
echo
echo "demo ok (${SECONDS}s)"
