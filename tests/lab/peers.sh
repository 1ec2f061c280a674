# Peers for lab scenarios (sourced by lab.sh): the test PKI, strongSwan's charon (one
# per namespace, each with its own strongswan.conf, vici socket, /run and swanctl folder)
# and vpnc as a Cisco-style client. Reference: tests/README.md.

# --- PKI ------------------------------------------------------------------------------
# lab_pki HOST...: a test CA and a certificate + key per HOST in $LAB_PKI (racoon's layout:
# ca.crt, <hash>.0 -> ca.crt, HOST.crt, HOST.pem; tests/lib/mkpki.sh). Hosts can be added
# by later calls.
LAB_PKI=$LAB_WORK/pki
lab_pki() {
  local h todo=()
  for h in "$@"; do [ -f "$LAB_PKI/$h.crt" ] || todo+=("$h"); done
  ((${#todo[@]})) || return 0
  bash "$COATI_SRC/tests/lib/mkpki.sh" "$LAB_PKI" "${todo[@]}" >/dev/null
}
# lab_dn HOST: the subject of HOST's test certificate, as swanctl and racoon write it.
lab_dn() { echo "C=FR, O=coati test, OU=$1, CN=$1"; }

# --- strongSwan's charon --------------------------------------------------------------
# lab_charon_dir NAME: the folder of NAME's charon (strongswan.conf, swanctl/, run/,
# charon.vici).
lab_charon_dir() { echo "$LAB_WORK/charon-$1"; }
# lab_charon_log NAME: its log file.
lab_charon_log() { echo "$LAB_LOGDIR/charon-$1.log"; }

# lab_charon_prepare NAME [CERT_HOST]: writes NAME's strongswan.conf (explicit plugin list,
# vici socket and file log of its own, no syslog) and swanctl folder with CERT_HOST's
# certificate and key (default NAME) and the test CA. LAB_CHARON_PLUGINS adds plugins
# (e.g. "kernel-libipsec" for userland ESP: it is loaded first); LAB_CHARON_CONF adds
# lines inside the charon { } section (sections named twice are merged by charon).
lab_charon_prepare() {
  local name=$1 cert=${2:-$1} d load
  d=$(lab_charon_dir "$name")
  mkdir -p "$d/run" "$d/swanctl/x509" "$d/swanctl/x509ca" "$d/swanctl/private"
  lab_pki "$cert"
  cp "$LAB_PKI/$cert.crt" "$d/swanctl/x509/"
  cp "$LAB_PKI/ca.crt" "$d/swanctl/x509ca/"
  cp "$LAB_PKI/$cert.pem" "$d/swanctl/private/"
  echo "$cert" >"$d/cert_host"
  load="random nonce openssl pem pkcs1 pkcs8 x509 pubkey revocation constraints"
  load+=" kernel-netlink socket-default vici attr xauth-generic"
  case " ${LAB_CHARON_PLUGINS:-} " in
    *" kernel-libipsec "*) load="kernel-libipsec $load ${LAB_CHARON_PLUGINS/kernel-libipsec/}" ;;
    *) load+=" ${LAB_CHARON_PLUGINS:-}" ;;
  esac
  cat >"$d/strongswan.conf" <<CONF
charon {
  load = $load
  install_routes = no
  retransmit_tries = 3
  i_dont_care_about_security_and_use_aggressive_mode_psk = yes
  plugins { vici { socket = unix://$d/charon.vici } }
  filelog {
    log {
      path = $(lab_charon_log "$name")
      time_format = %T
      flush_line = yes
      default = 1
      ike = 2
      knl = 2
      cfg = 2
    }
  }
  syslog { daemon { default = -1 } }
  ${LAB_CHARON_CONF:-}
}
swanctl { socket = unix://$d/charon.vici }
CONF
}

# lab_charon_start NAME [CONFDIR]: charon in NAME's namespace, on CONFDIR's
# strongswan.conf (default: lab_charon_dir NAME, prepared for certificate NAME if it is
# not yet). Its compiled-in /run/charon.pid lands in CONFDIR/run (a bind mount over /run
# in its own mount namespace). Returns when its vici socket answers.
lab_charon_start() {
  local name=$1 d=${2:-$(lab_charon_dir "$1")}
  [ -f "$d/strongswan.conf" ] || lab_charon_prepare "$name"
  local LAB_EXTRA_MOUNTS="$d/run /run"
  lab_bg "$name" "charon-$name.out" env STRONGSWAN_CONF="$d/strongswan.conf" \
    SWANCTL_DIR="$d/swanctl" /usr/lib/ipsec/charon
  echo "$LAB_PID" >"$d/pid"
  lab_wait 20 lab_swanctl "$name" --stats >/dev/null 2>&1 ||
    lab_fail "charon in $name did not start (see charon-$name.out.log)"
}

# lab_swanctl NAME ARGS...: swanctl for NAME's charon (run from outside the namespace:
# the vici socket is a path).
lab_swanctl() {
  local d
  d=$(lab_charon_dir "$1")
  shift
  STRONGSWAN_CONF=$d/strongswan.conf SWANCTL_DIR=$d/swanctl swanctl "$@"
}

# lab_swanctl_conf NAME ROLE [KEY=VALUE...]: writes NAME's swanctl.conf from the template
# for ROLE (satellite, hub or roadwarrior; IKEv1) and keeps a copy in the logs. Keys and
# defaults:
#   CONN=peer CHILD=lan          connection and child names
#   LOCAL=lab_local_ip NAME      local_addrs
#   REMOTE                       remote_addrs (hub: %any)
#   AUTH=rsasig                  rsasig | psk | xauth-psk (PSK + XAuth) | hybrid
#                                (hub signs, client does XAuth only)
#   LOCAL_ID, REMOTE_ID          rsasig: the DNs of NAME's and REMOTE_HOST's certificates
#   REMOTE_HOST                  the lab host whose certificate the peer shows (rsasig)
#   MODE=main                    main | aggressive
#   IKE=3des-md5-modp1024  ESP=3des-md5-modp1024    (the seed's algorithms, PFS)
#   LOCAL_TS, REMOTE_TS          satellite: its LAN <-> 192.168.0.0/16; hub: the reverse
#                                with REMOTE_TS=dynamic unless set; roadwarrior: dynamic
#                                <-> 0.0.0.0/0
#   PSK="lab secret"   XAUTH_USER=alice XAUTH_PASS="alice secret"
#   POOL                         hub: a virtual address pool (e.g. 192.168.201.20-192.168.201.200)
#   START=none                   start_action (none | start | trap)
#   EXTRA, CHILD_EXTRA           lines added to the connection / the child
lab_swanctl_conf() {
  local name=$1 role=$2 kv
  shift 2
  local CONN=peer CHILD=lan LOCAL REMOTE="" AUTH=rsasig LOCAL_ID="" REMOTE_ID="" REMOTE_HOST=""
  local MODE=main IKE=3des-md5-modp1024 ESP=3des-md5-modp1024 LOCAL_TS="" REMOTE_TS=""
  local PSK="lab secret" XAUTH_USER=alice XAUTH_PASS="alice secret" POOL="" START=none
  local EXTRA="" CHILD_EXTRA=""
  LOCAL=$(lab_local_ip "$name")
  for kv in "$@"; do
    [[ "$kv" =~ ^(CONN|CHILD|LOCAL|REMOTE|AUTH|LOCAL_ID|REMOTE_ID|REMOTE_HOST|MODE|IKE|ESP|LOCAL_TS|REMOTE_TS|PSK|XAUTH_USER|XAUTH_PASS|POOL|START|EXTRA|CHILD_EXTRA)=(.*)$ ]] ||
      lab_fail "lab_swanctl_conf: unknown key in '$kv'"
    printf -v "${BASH_REMATCH[1]}" '%s' "${BASH_REMATCH[2]}"
  done
  local d cert
  d=$(lab_charon_dir "$name")
  cert=$(cat "$d/cert_host")
  case "$role" in
    satellite)
      : "${LOCAL_TS:=$(lab_lan_net "$name")}" "${REMOTE_TS:=192.168.0.0/16}" ;;
    hub)
      : "${REMOTE:=%any}" "${LOCAL_TS:=192.168.0.0/16}" "${REMOTE_TS:=dynamic}" ;;
    roadwarrior)
      : "${LOCAL_TS:=dynamic}" "${REMOTE_TS:=0.0.0.0/0}" ;;
    *) lab_fail "lab_swanctl_conf: unknown role $role" ;;
  esac
  [ -n "$REMOTE" ] || lab_fail "lab_swanctl_conf: $role needs REMOTE="
  [ -n "$LOCAL_ID" ] || { [ "$AUTH" = psk ] || [ "$AUTH" = xauth-psk ]; } || LOCAL_ID=$(lab_dn "$cert")
  [ -n "$REMOTE_ID" ] || [ -z "$REMOTE_HOST" ] || REMOTE_ID=$(lab_dn "$REMOTE_HOST")
  local loc rem vip="" pool="" secrets="" opts=""
  local xsecret="xauth-1 { id = \"$XAUTH_USER\"
    secret = \"$XAUTH_PASS\" }"
  case "$AUTH:$role" in
    rsasig:*)
      loc="local { auth = pubkey
      certs = $cert.crt${LOCAL_ID:+
      id = \"$LOCAL_ID\"} }"
      rem="remote { auth = pubkey${REMOTE_ID:+
      id = \"$REMOTE_ID\"} }" ;;
    psk:*)
      loc="local { auth = psk${LOCAL_ID:+
      id = \"$LOCAL_ID\"} }"
      rem="remote { auth = psk${REMOTE_ID:+
      id = \"$REMOTE_ID\"} }" ;;
    xauth-psk:hub)
      loc="local { auth = psk${LOCAL_ID:+
      id = \"$LOCAL_ID\"} }"
      rem="remote { auth = psk${REMOTE_ID:+
      id = \"$REMOTE_ID\"} }
    remote-xauth { auth = xauth }"
      secrets=$xsecret ;;
    xauth-psk:*)
      loc="local { auth = psk${LOCAL_ID:+
      id = \"$LOCAL_ID\"} }
    local-xauth { auth = xauth
      xauth_id = \"$XAUTH_USER\" }"
      rem="remote { auth = psk${REMOTE_ID:+
      id = \"$REMOTE_ID\"} }"
      secrets=$xsecret ;;
    hybrid:hub)
      loc="local { auth = pubkey
      certs = $cert.crt${LOCAL_ID:+
      id = \"$LOCAL_ID\"} }"
      rem="remote { auth = xauth }"
      # vpnc sends no CERTREQ and gives up without the hub's certificate ("vpnc: no
      # certificates in the stack"); charon sends it only when asked, by default.
      opts="send_cert = always"
      secrets=$xsecret ;;
    hybrid:*)
      loc="local { auth = xauth
      xauth_id = \"$XAUTH_USER\" }"
      rem="remote { auth = pubkey${REMOTE_ID:+
      id = \"$REMOTE_ID\"} }"
      secrets=$xsecret ;;
    *) lab_fail "lab_swanctl_conf: unknown AUTH $AUTH" ;;
  esac
  case "$AUTH" in psk | xauth-psk) secrets+="
  ike-1 { secret = \"$PSK\" }" ;; esac
  [ "$role" = roadwarrior ] && vip="vips = 0.0.0.0"
  [ "$role" = hub ] && [ -n "$POOL" ] && pool="pools = lab
" && POOL="pools { lab { addrs = $POOL } }"
  cat >"$d/swanctl/swanctl.conf" <<CONF
connections {
  $CONN {
    version = 1
    aggressive = $([ "$MODE" = aggressive ] && echo yes || echo no)
    local_addrs = $LOCAL
    remote_addrs = $REMOTE
    proposals = $IKE
    $opts
    $vip
    $pool
    $loc
    $rem
    $EXTRA
    children {
      $CHILD {
        local_ts = $LOCAL_TS
        remote_ts = $REMOTE_TS
        esp_proposals = $ESP
        start_action = $START
        $CHILD_EXTRA
      }
    }
  }
}
${POOL}
secrets {
  $secrets
}
CONF
  cp "$d/swanctl/swanctl.conf" "$LAB_LOGDIR/swanctl-$name.conf"
}

# lab_swanctl_load NAME: loads NAME's swanctl.conf (swanctl --load-all).
lab_swanctl_load() {
  lab_swanctl "$1" --load-all --noprompt >"$LAB_LOGDIR/swanctl-load-$1.log" 2>&1 ||
    lab_fail "swanctl --load-all in $1: $(cat "$LAB_LOGDIR/swanctl-load-$1.log")"
}

# lab_swanctl_initiate NAME [CHILD] [SECONDS]: initiates CHILD (default lan); the output
# goes to swanctl-initiate-NAME.log. Returns swanctl's status (a child that the kernel
# cannot install fails here).
lab_swanctl_initiate() {
  lab_swanctl "$1" --initiate --child "${2:-lan}" --timeout "${3:-60}" \
    >"$LAB_LOGDIR/swanctl-initiate-$1.log" 2>&1
}

# lab_charon_has_sa NAME [CHILD]: NAME's charon lists an established IKE SA (and an
# installed CHILD, when given).
lab_charon_has_sa() {
  local out
  out=$(lab_swanctl "$1" --list-sas 2>/dev/null) || return 1
  grep -q ESTABLISHED <<<"$out" || return 1
  [ -z "${2:-}" ] || grep -Eq "^ *$2: #[0-9]+, reqid [0-9]+, INSTALLED" <<<"$out"
}
# lab_wait_sa NAME [CHILD] [SECONDS]: waits for lab_charon_has_sa (default 30 s).
lab_wait_sa() { lab_wait "${3:-30}" lab_charon_has_sa "$1" "${2:-}"; }

# --- vpnc (Cisco-style client) --------------------------------------------------------
# lab_vpnc_start NAME GATEWAY GROUP GROUP_SECRET USER PASSWORD [CONFIG_LINE...]: vpnc in
# NAME's namespace (aggressive mode, the seed's weak algorithms allowed, its own TUN
# device). Its script writes the environment of each call to vpnc-NAME.REASON.env in the
# logs and configures the TUN device inside the namespace only. Log vpnc-NAME.log.
lab_vpnc_start() {
  local name=$1 gw=$2 group=$3 gsecret=$4 user=$5 pass=$6 d
  shift 6
  d=$LAB_WORK/vpnc-$name
  mkdir -p "$d"
  {
    echo "IPSec gateway $gw"
    echo "IPSec ID $group"
    echo "IPSec secret $gsecret"
    echo "Xauth username $user"
    echo "Xauth password $pass"
    echo "Enable weak encryption"
    echo "Enable weak authentication"
    echo "Interface name tun0"
    echo "Interface mode tun"
    echo "No Detach"
    echo "Pidfile $d/vpnc.pid"
    echo "Script $d/script.sh"
    printf '%s\n' "$@"
  } >"$d/vpnc.conf"
  cp "$d/vpnc.conf" "$LAB_LOGDIR/vpnc-$name.conf"
  cat >"$d/script.sh" <<SCRIPT
#!/bin/sh
env | sort > "$LAB_LOGDIR/vpnc-$name.\$reason.env"
if [ "\$reason" = connect ]; then
  ip link set dev "\$TUNDEV" up
  ip addr add "\$INTERNAL_IP4_ADDRESS/32" dev "\$TUNDEV"
fi
exit 0
SCRIPT
  chmod +x "$d/script.sh"
  lab_bg "$name" "vpnc-$name" stdbuf -oL vpnc --debug 1 "$d/vpnc.conf"
  echo "$LAB_PID" >"$d/pid"
}
# lab_vpnc_stop NAME: SIGTERM to vpnc (it says goodbye to the gateway), waits for it.
lab_vpnc_stop() {
  local pid
  pid=$(cat "$LAB_WORK/vpnc-$1/pid")
  kill -TERM "$pid" 2>/dev/null || true
  lab_wait 10 sh -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
}

# --- roadwarriors (IKEv1 hybrid + XAuth + Mode Config clients) ------------------------
# The seed hub's mode_cfg for roadwarriors (shared/seed/rhum/local.conf), as a charon hub
# and the clients see it.
LAB_RW_POOL=192.168.201.20-192.168.201.199
LAB_RW_DNS="192.168.1.1 192.168.1.2"
LAB_RW_WINS=192.168.1.1
LAB_RW_SPLIT="192.168.1.0/24 192.168.2.0/24 192.168.3.0/24"
LAB_RW_DOMAIN=local

# lab_rw_hub_charon NAME [USER PASSWORD]...: charon in NAME (certificate rhum, unity
# plugin, Unity VID sent) serving hybrid roadwarriors as the seed hub does: one connection
# per exchange mode (rw-main, rw-aggr), 3des-sha1-modp1024, ESP 3des-md5 without PFS,
# XAuth against the USER/PASSWORD pairs (default alice / "alice secret"), pool
# LAB_RW_POOL with DNS, WINS, netmask 255.255.255.255 and Unity default domain; the Unity
# split include is its child's local_ts (LAB_RW_SPLIT: charon's unity plugin sends
# Cisco's 14-byte entries; a pool's split_include would send 8-byte ones, which vpnc
# rejects). Child lan.
lab_rw_hub_charon() {
  local name=$1 d f secrets="" i=2 mode conn
  shift
  (($#)) || set -- alice "alice secret"
  LAB_CHARON_PLUGINS="unity ${LAB_CHARON_PLUGINS:-}" LAB_CHARON_CONF="cisco_unity = yes" \
    lab_charon_prepare "$name" rhum
  lab_charon_start "$name"
  d=$(lab_charon_dir "$name")
  f=$d/swanctl/swanctl.conf
  # Two connections: charon picks its config by exchange mode. The template writes one;
  # charon merges sections named twice, so the connections of both files add up.
  for mode in main aggressive; do
    conn=rw-main
    [ "$mode" = main ] || conn=rw-aggr
    lab_swanctl_conf "$name" hub CONN=$conn MODE=$mode AUTH=hybrid XAUTH_USER="$1" \
      XAUTH_PASS="$2" IKE=3des-sha1-modp1024 ESP=3des-md5 LOCAL_TS="${LAB_RW_SPLIT// /,}" \
      POOL=$LAB_RW_POOL CHILD_EXTRA="rekey_time = 0s
        rand_time = 0s"
    cp "$f" "$f.$mode"
  done
  shift 2
  while (($# >= 2)); do
    secrets+="  xauth-$i { id = \"$1\"
    secret = \"$2\" }
"
    i=$((i + 1))
    shift 2
  done
  {
    cat "$f.main" "$f.aggressive"
    cat <<CONF
pools { lab {
  dns = ${LAB_RW_DNS// /, }
  nbns = $LAB_RW_WINS
  netmask = 255.255.255.255
  28674 = $LAB_RW_DOMAIN # UNITY_DEF_DOMAIN
} }
secrets {
$secrets}
CONF
  } >"$f"
  rm -f "$f.main" "$f.aggressive"
  cp "$f" "$LAB_LOGDIR/swanctl-$name.conf"
  lab_swanctl_load "$name"
}

# lab_rw_charon NAME HUB_IP MODE USER PASSWORD [KEY=VALUE...]: a charon roadwarrior in
# NAME, hybrid client (local { auth = xauth }, remote { auth = pubkey } checked against the
# lab CA) of HUB_IP in MODE (main | aggressive), XAuth as USER / PASSWORD, asking for a
# virtual IP; the seed's roadwarrior algorithms (IKE 3des-sha1-modp1024, ESP 3des-md5
# without PFS), child lan proposing dynamic <-> 0.0.0.0/0. Loads the unity plugin (Unity
# VID sent, split includes narrow the child) and resolve (DNS servers written to its own
# file, lab_rw_charon_dns), and logs Mode Config payloads byte by byte to
# charon-NAME.attrs.log (lab_rw_charon_attr). KEY=VALUE goes to lab_swanctl_conf (e.g.
# REMOTE_HOST=rhum to insist on the hub's DN). Prepares, starts and loads; does not
# initiate (lab_rw_charon_up).
lab_rw_charon() {
  local name=$1 hub=$2 mode=$3 user=$4 pass=$5 d
  shift 5
  d=$(lab_charon_dir "$name")
  mkdir -p "$d"
  : >"$d/resolv.conf"
  local unity=unity
  [ -z "${LAB_RW_NO_UNITY:-}" ] || unity="" # its quick mode then proposes REMOTE_TS as given
  LAB_CHARON_PLUGINS="$unity resolve ${LAB_CHARON_PLUGINS:-}" LAB_CHARON_CONF="cisco_unity = yes
  plugins { resolve { file = $d/resolv.conf } }
  filelog { attrs {
    path = $LAB_LOGDIR/charon-$name.attrs.log
    time_format = %T
    flush_line = yes
    default = -1
    enc = 3
  } }" lab_charon_prepare "$name"
  lab_charon_start "$name"
  lab_swanctl_conf "$name" roadwarrior AUTH=hybrid MODE="$mode" REMOTE="$hub" \
    XAUTH_USER="$user" XAUTH_PASS="$pass" IKE=3des-sha1-modp1024 ESP=3des-md5 "$@"
  lab_swanctl_load "$name"
}

# lab_rw_charon_up NAME [SECONDS]: initiates NAME's child lan (swanctl-initiate-NAME.log;
# default 30 s) and returns 0 when NAME's IKE SA is established (XAuth passed). The
# child's own failure (on a kernel without ESP the SA cannot be installed) is not
# checked here.
lab_rw_charon_up() {
  lab_swanctl_initiate "$1" lan "${2:-30}" || true
  lab_charon_has_sa "$1"
}

# lab_rw_charon_vip NAME: the virtual IP NAME's charon installed last ("installing new
# virtual IP A.B.C.D" in its log); fails when there is none.
lab_rw_charon_vip() {
  local ip
  ip=$(grep -Eo 'installing new virtual IP [0-9.]+$' "$(lab_charon_log "$1")" | tail -1) ||
    return 1
  echo "${ip##* }"
}

# lab_rw_charon_dns NAME: the DNS servers NAME's charon holds now, one a line in the order
# received: its resolve plugin's file ("nameserver A.B.C.D   # by strongSwan" lines, the
# newest first; the plugin removes them when the IKE SA goes). Fails when there is none.
lab_rw_charon_dns() {
  local f
  f=$(lab_charon_dir "$1")/resolv.conf
  grep -q '^nameserver ' "$f" 2>/dev/null || return 1
  awk '/^nameserver / { print $2 }' "$f" | tac
}

# lab_rw_charon_split NAME: the networks NAME's charon narrowed its child to from the
# Unity split includes it got ("narrowed CHILD_SA to UNITY_SPLIT_INCLUDE NET..." in its
# log, written when the quick mode answer arrives), one a line; fails when there is none.
# (lab_rw_charon_attr NAME UNITY_SPLIT_INCLUDE shows them from Mode Config itself.)
lab_rw_charon_split() {
  local l
  l=$(grep -E 'narrowed CHILD_SA to UNITY_SPLIT_INCLUDE ' "$(lab_charon_log "$1")" | tail -1) ||
    return 1
  l=${l#*UNITY_SPLIT_INCLUDE }
  tr ' ' '\n' <<<"$l"
}

# lab_rw_charon_attrs NAME: every attribute of the last Mode Config REPLY (or SET) NAME's
# charon received (payloads with XAuth attributes only, such as XAUTH_STATUS, skipped), decoded from its byte dump (charon-NAME.attrs.log), "TYPE VALUE" a
# line: whether charon uses a value or not ("handling INTERNAL_IP4_NBNS attribute failed"
# in its log means it has no use for it). TYPE is a name below or the number; VALUE is
# an IPv4 address (ADDRESS, NETMASK, DNS, NBNS, DHCP), NET/LEN per Unity split entry, the
# text (DEF_DOMAIN, SPLITDNS_NAME, BANNER, APPLICATION_VERSION), a number (TV form) or hex.
lab_rw_charon_attrs() {
  awk '
    function hv(s) { return index("0123456789ABCDEF", substr(s, 1, 1)) * 16 + index("0123456789ABCDEF", substr(s, 2, 1)) - 17 }
    function ip(p) { return hv(b[p]) "." hv(b[p + 1]) "." hv(b[p + 2]) "." hv(b[p + 3]) }
    function bits(p,   i, n, v) { n = 0; for (i = 0; i < 4; i++) { v = hv(b[p + i]); while (v) { n += v % 2; v = int(v / 2) } } return n }
    function decode(   n, i, t, p, len, name, v, e, w) {
      n = split(bytes, b, " ")
      # the dump runs on to the end of the message: stop at the payload length
      if (hv(b[3]) * 256 + hv(b[4]) < n) n = hv(b[3]) * 256 + hv(b[4])
      out = ""
      t = hv(b[5])
      if (t != 2 && t != 3) return
      p = 9
      cfg = 0
      while (p + 3 <= n) {
        t = hv(b[p]) * 256 + hv(b[p + 1])
        if (t >= 32768) { t -= 32768; v = hv(b[p + 2]) * 256 + hv(b[p + 3]); len = -1 }
        else len = hv(b[p + 2]) * 256 + hv(b[p + 3])
        name = (t in names) ? names[t] : t
        if (t < 16520 || t > 16529) cfg++
        if (len < 0) { out = out name " " v "\n"; p += 4; continue }
        p += 4
        if (len == 4 && (t <= 4 || t == 6)) out = out name " " ip(p) "\n"
        else if (t == 28676 || t == 28678) {
          w = (len % 14 == 0) ? 14 : 8
          for (e = 0; e + 8 <= len; e += w) out = out name " " ip(p + e) "/" bits(p + e + 4) "\n"
        } else if (t == 7 || t == 28672 || t == 28674 || t == 28675) {
          v = ""
          for (i = 0; i < len; i++) if (hv(b[p + i]) >= 32 && hv(b[p + i]) < 127) v = v sprintf("%c", hv(b[p + i]))
          out = out name " " v "\n"
        } else {
          v = ""
          for (i = 0; i < len; i++) v = v b[p + i]
          out = out name " " (len ? v : "-") "\n"
        }
        p += len
      }
      if (cfg) last = out
    }
    BEGIN {
      names[1] = "INTERNAL_IP4_ADDRESS"; names[2] = "INTERNAL_IP4_NETMASK"
      names[3] = "INTERNAL_IP4_DNS"; names[4] = "INTERNAL_IP4_NBNS"; names[6] = "INTERNAL_IP4_DHCP"
      names[7] = "APPLICATION_VERSION"; names[28672] = "UNITY_BANNER"
      names[28673] = "UNITY_SAVE_PASSWD"; names[28674] = "UNITY_DEF_DOMAIN"
      names[28675] = "UNITY_SPLITDNS_NAME"; names[28676] = "UNITY_SPLIT_INCLUDE"
      names[28678] = "UNITY_LOCAL_LAN"; names[28679] = "UNITY_PFS"
    }
    # "parsing CONFIGURATION_V1 payload" then, from the same thread, the payload dump
    $3 == "parsing" && $4 == "CONFIGURATION_V1" && $5 == "payload," { thr = $2; state = 1; next }
    state == 1 && $2 == thr && /parsing payload from =>/ { state = 2; bytes = ""; next }
    state == 2 && $2 == thr && $3 ~ /^[0-9]+:$/ {
      bytes = bytes " " substr($0, index($0, " " $3 " ") + length($3) + 2, 48); next
    }
    state == 2 { decode(); state = 0 }
    END { if (state == 2) decode(); printf "%s", last }
  ' "$LAB_LOGDIR/charon-$1.attrs.log"
}

# lab_rw_charon_attr NAME TYPE: the values of attribute TYPE (name or number, as
# lab_rw_charon_attrs prints it) in the last Mode Config REPLY/SET NAME got, one a line;
# fails when there is none.
lab_rw_charon_attr() {
  lab_rw_charon_attrs "$1" | awk -v t="$2" '$1 == t { print $2; n++ } END { exit !n }'
}

# lab_vpnc_hybrid NAME GATEWAY GROUP USER PASSWORD [CONFIG_LINE...]: vpnc in hybrid mode
# (lab_vpnc_start with "IKE Authmode hybrid", the gateway's certificate checked against
# the lab CA, DH group 2 = modp1024, no PFS): aggressive mode with ID_KEY_ID GROUP (its
# group secret is unused in hybrid), then XAuth as USER / PASSWORD and Mode Config.
# Extra CONFIG_LINEs come last (vpnc takes the last of a repeated setting).
lab_vpnc_hybrid() {
  local name=$1 gw=$2 group=$3 user=$4 pass=$5
  shift 5
  lab_pki rhum
  lab_vpnc_start "$name" "$gw" "$group" "unused in hybrid" "$user" "$pass" \
    "IKE Authmode hybrid" "CA-File $LAB_PKI/ca.crt" "IKE DH Group dh2" \
    "Perfect Forward Secrecy nopfs" "$@"
}

# lab_vpnc_wait NAME [SECONDS]: waits (default 30 s) until vpnc's script was called with
# reason connect (Mode Config done, vpnc-NAME.connect.env written); 1 on timeout or when
# vpnc ended first.
lab_vpnc_wait() {
  local pid end=$((SECONDS + ${2:-30}))
  pid=$(cat "$LAB_WORK/vpnc-$1/pid")
  while [ ! -s "$LAB_LOGDIR/vpnc-$1.connect.env" ]; do
    kill -0 "$pid" 2>/dev/null || return 1
    ((SECONDS < end)) || return 1
    sleep 0.2
  done
}

# lab_vpnc_env NAME VAR [REASON]: the value of VAR in the environment of vpnc's script
# for REASON (default connect; vpnc-NAME.REASON.env), e.g. INTERNAL_IP4_ADDRESS,
# INTERNAL_IP4_NETMASK, INTERNAL_IP4_DNS (space-separated), INTERNAL_IP4_NBNS,
# CISCO_DEF_DOMAIN, CISCO_SPLIT_INC (the count), CISCO_SPLIT_INC_<n>_ADDR, _MASK, _MASKLEN,
# _PROTOCOL, _SPORT, _DPORT (n from 0). Fails when the file or VAR is missing.
lab_vpnc_env() {
  local f=$LAB_LOGDIR/vpnc-$1.${3:-connect}.env l
  l=$(grep -m1 "^$2=" "$f" 2>/dev/null) || return 1
  echo "${l#*=}"
}

# lab_vpnc_split NAME: the split include networks vpnc's script got (CISCO_SPLIT_INC_<n>_ADDR
# / _MASKLEN), NET/LEN a line in order; fails when there is none.
lab_vpnc_split() {
  local n i
  n=$(lab_vpnc_env "$1" CISCO_SPLIT_INC) || return 1
  for ((i = 0; i < n; i++)); do
    echo "$(lab_vpnc_env "$1" "CISCO_SPLIT_INC_${i}_ADDR")/$(lab_vpnc_env "$1" "CISCO_SPLIT_INC_${i}_MASKLEN")"
  done
}

# lab_same NAME WHAT EXPECTED ACTUAL: fails unless ACTUAL (lines) is EXPECTED (words).
lab_same() {
  local got
  got=$(tr '\n' ' ' <<<"$4")
  got=${got% }
  [ "$got" = "$3" ] || lab_fail "$1: $2 is '$got', expected '$3'"
}

# lab_vpnc_check_seed NAME ADDRESS: vpnc NAME's connect script got ADDRESS/255.255.255.255
# and the seed hub's Mode Config values (LAB_RW_DNS, _WINS, _DOMAIN, _SPLIT).
lab_vpnc_check_seed() {
  local n=$1
  lab_same "$n" INTERNAL_IP4_ADDRESS "$2" "$(lab_vpnc_env "$n" INTERNAL_IP4_ADDRESS)"
  lab_same "$n" INTERNAL_IP4_NETMASK 255.255.255.255 "$(lab_vpnc_env "$n" INTERNAL_IP4_NETMASK)"
  lab_same "$n" INTERNAL_IP4_DNS "$LAB_RW_DNS" "$(lab_vpnc_env "$n" INTERNAL_IP4_DNS)"
  lab_same "$n" INTERNAL_IP4_NBNS "$LAB_RW_WINS" "$(lab_vpnc_env "$n" INTERNAL_IP4_NBNS)"
  lab_same "$n" CISCO_DEF_DOMAIN "$LAB_RW_DOMAIN" "$(lab_vpnc_env "$n" CISCO_DEF_DOMAIN)"
  lab_same "$n" CISCO_SPLIT_INC 3 "$(lab_vpnc_env "$n" CISCO_SPLIT_INC)"
  lab_same "$n" "split include" "$LAB_RW_SPLIT" "$(lab_vpnc_split "$n")"
  lab_same "$n" CISCO_SPLIT_INC_2_MASK 255.255.255.0 "$(lab_vpnc_env "$n" CISCO_SPLIT_INC_2_MASK)"
}
