#!/usr/bin/env bash
# coatid against strongSwan charon, side by side (issue 9 point 7): coati-load drives each
# hub in turn, in the same lab (tools/load/lab.sh: hub namespace 192.0.2.1, driver
# namespace 198.51.100.10-13, a veth pair), with the same offers:
#   psk        main mode, pre-shared key, aes128-sha1-modp1024 (3des-sha1-modp1024 second)
#   psk+qm     the same, then one quick mode per ISAKMP SA (aes128-sha1, no PFS)
#   rsasig     main mode, RSA signatures: the hub signs with an RSA-2048 key, coati-load
#              with its own certificate (RSA-2048 by default); each side checks the other's
#              certificate up to the lab CA and its signature, per negotiation
#   rsasig+qm  the same, then one quick mode
# Each run gets a fresh daemon. Printed per offer, N and daemon (nothing asserted):
#   neg/s      completed negotiations per second (coati-load: first MM1 to the last outcome)
#   p50/p99    milliseconds each negotiation took, its first message to its end
#   cpu/neg    the hub process's user + system CPU (/proc/PID/stat, all threads) over the
#              run, per completed negotiation, in ms
#   kB/SA      the hub's VmRSS growth over the run per ISAKMP SA established
#   drv cpu    coati-load's own CPU per negotiation (it shares the machine with the hub)
#   drops      datagrams the hub's kernel dropped for a full socket receive buffer (each
#              one costs a negotiation a retransmission interval)
#   held       established ISAKMP SAs the hub holds at the end (coatid: listener.peers
#              minus listener.half_open; charon: swanctl --list-sas): kB/SA's divisor is
#              coati-load's count of phase 1s up, this says the hub kept them all.
#              At N = 1,000 kB/SA still carries one-off growth (thread arenas, tables):
#              compare memory per SA at the larger Ns.
#              Each negotiation is its own peer identity (--unique-ids): PSK offers say
#              ID_FQDN n<i>.load.test, rsasig ones carry a certificate of their own
#              (CN=n<i>.load.test, coati-load --ca-key). With one identity from 4
#              addresses charon retires an older IKEv1 ISAKMP SA of the same peer once a
#              newer one is up, and would hold fewer than N.
#   kids       quick mode SA pairs the hub holds at the end (coatid: its live child
#              actors, `coatictl stats --json` actors.child.count; charon: the CHILD_SAs
#              `swanctl --list-sas` shows). kB/SA counts them when they are held. Without
#              ESP in the kernel the hubs part ways here: charon deletes a CHILD_SA whose
#              SAs the kernel refused (and tells the peer), coatid keeps its child, marked
#              `kernel=failed` in show-sa. Where the two hubs hold different numbers, the
#              kB/SA ratio is marked `*`: it sets SAs with children against SAs without.
#   ksa        SAs in the hub's kernel at the end (`ip xfrm state count` in its namespace):
#              two per quick mode where the kernel has ESP (--vm), none here
#   lst%       coatid only: the share of one CPU its listener actor spent handling
#              messages over the run (listener.handling_ns): the listener routes every
#              datagram in, and it is one actor; well below 100 % it is not the limit,
#              and sharding it by cookie would gain nothing
#   BENCH_SETTLE  seconds between the run's end and the readings (default 1)
# coatid's runs also print how long `coatictl show-sa isakmp` took to list them all (the
# listener asks every peer actor for its row: rows are pulled, actors/rows.hpp).
# then coatid/charon for each figure, and (psk, rsasig) coatid's CPU per negotiation over
# the crypto a negotiation costs it, as `coati-bench crypto` times it at the start of the
# run (its table, with `openssl speed` beside coati's DH and RSA, is printed there).
# charon (5.9.x) is tuned for load as its documentation says: a large IKE_SA hash table
# with segments (ikesa_table_size, ikesa_table_segments), worker threads, the DoS
# thresholds lifted (dos_protection, block_threshold, init_limit_half_open,
# init_limit_job_load, cookie thresholds), half-open IKE_SAs kept as long as the run may
# take, DH exponents sized to the group's strength (dh_exponent_ansi_x9_42 = no; coatid
# does that always), logging off, the plugins it needs only. coatid's admission limits
# are lifted as well (admission { half_open 0; rate 0; }), `log warning`.
# Without ESP in the kernel (this build machine), quick mode SAs fail to install on both
# hubs alike; the negotiation itself completes.
#
# usage (root): tools/bench/vs_charon.sh [--vm] [--full] [N...]
#   N...            sizes (default 1000); --full: 1000 10000 50000 (issue 9's)
#   --vm            runs it all in the test VM (tests/vm/run.sh, its scenario
#                   bench_vs_charon): a kernel with ESP, where both hubs install their
#                   quick mode SAs; qemu emulates the CPU (TCG), so rates and CPU times
#                   are tens of times those here and only their ratios and the memory
#                   figures carry over. The BENCH_* settings go along; VM_TIMEOUT (s,
#                   default 3600) bounds the run.
#   BENCH_OFFERS    offers to run (default "psk psk+qm rsasig rsasig+qm")
#   BENCH_DAEMONS   hubs to run (default "coatid charon")
#   BENCH_WINDOW    unfinished negotiations at most at once (default 100; 0: all at once).
#                   Larger bursts overflow charon's socket receive buffer (the default
#                   208 kB: it has no setting for it, and net.core.rmem_default is not per
#                   namespace), costing retransmission intervals; coatid enlarges its own
#   BENCH_DRIVER_BITS  coati-load's RSA key size (default 2048; the hub's is 2048)
#   BENCH_CHARON_THREADS  charon's worker threads (default 16, its own default)
#   BENCH_PIN=1     the hub on CPU 0 only (all its threads), coati-load on the others:
#                   the hub's rate without the driver taking its CPU time (needs 2 CPUs)
#   BENCH_SYSCALLS=1  counts the hub's system calls during the run (perf stat, tracepoint
#                   raw_syscalls:sys_enter) for the sys/neg column
#   BENCH_CRYPTO=0  skips `coati-bench crypto` (and the cpu/crypto table)
#   BENCH_CHARON_LOG  charon's file log level (default -1: off; its log in the work dir)
#   COATI_BUILD=DIR the build to use (default: the source's build/)
set -euo pipefail
: "${COATI_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${COATI_BUILD:=$COATI_SRC/build}"
export COATI_SRC COATI_BUILD
sizes=() vm=0
for a in "$@"; do
  case $a in
  --vm) vm=1 ;;
  --full) sizes+=(1000 10000 50000) ;;
  [0-9]*) sizes+=("$a") ;;
  *) echo "usage: $0 [--vm] [--full] [N...]" >&2; exit 2 ;;
  esac
done
if [ "$vm" = 1 ]; then # the same run, inside the VM (tests/scenarios/bench_vs_charon.sh)
  settings=()
  while IFS='=' read -r k _; do settings+=("$k=${!k}"); done < <(env | grep '^BENCH_[A-Z_]*=')
  rc=0
  VM_TIMEOUT=${VM_TIMEOUT:-3600} bash "$COATI_SRC/tests/vm/run.sh" bench_vs_charon \
    "${settings[@]}" "${sizes[@]}" || rc=$?
  cat "$COATI_BUILD/vm-logs/bench_vs_charon/bench.out" 2>/dev/null || true
  exit "$rc"
fi
[ ${#sizes[@]} -gt 0 ] || sizes=(1000)
offers=${BENCH_OFFERS:-psk psk+qm rsasig rsasig+qm}
daemons=${BENCH_DAEMONS:-coatid charon}
window=${BENCH_WINDOW:-100}
CHARON=${CHARON:-/usr/lib/ipsec/charon}
[[ " $daemons " != *" charon "* ]] || [ -x "$CHARON" ] || { echo "no charon ($CHARON)"; exit 77; }

tag=vc$$
source "$COATI_SRC/tools/load/lab.sh"
charon_pid=
bench_cleanup() {
  if [ -n "$charon_pid" ]; then
    kill "$charon_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$charon_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$charon_pid" 2>/dev/null || true
  fi
  lab_cleanup
}
trap bench_cleanup EXIT INT TERM
hz=$(getconf CLK_TCK)

# The lab PKI: the CA and the hub's certificate RSA-2048, coati-load's BENCH_DRIVER_BITS.
pki=$work/pki
PKI_BITS=2048 bash "$COATI_SRC/tests/lib/mkpki.sh" "$pki" hub >/dev/null
PKI_BITS=${BENCH_DRIVER_BITS:-2048} bash "$COATI_SRC/tests/lib/mkpki.sh" "$pki" load >/dev/null
hub_dn="C=FR, O=coati test, OU=hub, CN=hub"

# coatid's roots: lab.sh's pre-shared key hub ($root) with the admission limits lifted,
# and an rsasig one beside it.
psk_root=$root
rsa_root=$work/rsaroot
printf '\nadmission\n{\n\thalf_open 0;\n\trate 0;\n}\n' >> "$psk_root/etc/racoon/racoon.conf"
mkdir -p "$rsa_root/etc/racoon/cert" "$rsa_root/var/racoon"
cp -P "$pki"/*.0 "$pki/ca.crt" "$pki/hub.crt" "$pki/hub.pem" "$rsa_root/etc/racoon/cert/"
sed -e 's|^path pre_shared_key .*|path certificate "/etc/racoon/cert";|' \
  -e 's|my_identifier address;|my_identifier asn1dn;\n\tcertificate_type x509 "hub.crt" "hub.pem";\n\tverify_identifier off;|' \
  -e 's|authentication_method pre_shared_key;|authentication_method rsasig;|' \
  "$psk_root/etc/racoon/racoon.conf" > "$rsa_root/etc/racoon/racoon.conf"
use_root() { root=$1 sock=$1/var/racoon/racoon.sock; }

# charon: one folder, its strongswan.conf; the connection of each offer loaded per run.
cdir=$work/charon
mkdir -p "$cdir/run" "$cdir/swanctl/x509" "$cdir/swanctl/x509ca" "$cdir/swanctl/private"
cp "$pki/hub.crt" "$cdir/swanctl/x509/"
cp "$pki/ca.crt" "$cdir/swanctl/x509ca/"
cp "$pki/hub.pem" "$cdir/swanctl/private/"
cat > "$cdir/strongswan.conf" <<CONF
charon {
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey constraints kernel-netlink socket-default vici
  threads = ${BENCH_CHARON_THREADS:-16}
  ikesa_table_size = 65536
  ikesa_table_segments = 64
  dos_protection = no
  block_threshold = 1000000
  init_limit_half_open = 0
  init_limit_job_load = 0
  cookie_threshold = 1000000
  cookie_threshold_ip = 1000000
  half_open_timeout = 3600
  install_routes = no
  install_virtual_ip = no
  retransmit_tries = 5
  plugins { vici { socket = unix://$cdir/charon.vici } }
  filelog {
    bench {
      path = $cdir/charon.log
      default = ${BENCH_CHARON_LOG:--1}
    }
  }
  syslog { daemon { default = -1 } }
}
libstrongswan { dh_exponent_ansi_x9_42 = no }
swanctl { socket = unix://$cdir/charon.vici }
CONF
swan() { STRONGSWAN_CONF=$cdir/strongswan.conf SWANCTL_DIR=$cdir/swanctl swanctl "$@"; }

# charon_conf OFFER: swanctl.conf for the offer (a responder for anyone).
charon_conf() {
  local auth local_id remote secrets=""
  if [[ $1 == psk* ]]; then
    auth=psk local_id=192.0.2.1 remote="auth = psk"
    secrets="secrets { ike-load { secret = \"$psk\" } }"
  else
    auth="pubkey
      certs = hub.crt" local_id="\"$hub_dn\"" remote="auth = pubkey
      cacerts = ca.crt"
  fi
  cat > "$cdir/swanctl/swanctl.conf" <<CONF
connections {
  load {
    version = 1
    local_addrs = 192.0.2.1
    proposals = aes128-sha1-modp1024,3des-sha1-modp1024
    rekey_time = 0s
    reauth_time = 0s
    local {
      auth = $auth
      id = $local_id
    }
    remote {
      $remote
    }
    children {
      c {
        local_ts = 192.168.0.0/16
        remote_ts = 10.0.0.0/8
        esp_proposals = aes128-sha1,3des-md5
        rekey_time = 0s
        mode = tunnel
      }
    }
  }
}
$secrets
CONF
}

start_charon() {
  charon_conf "$1"
  rm -f "$cdir/charon.vici"
  STRONGSWAN_CONF=$cdir/strongswan.conf ip netns exec "$hub" \
    sh -c "mount --bind $cdir/run /run && exec $CHARON" > "$work/charon-$2.out" 2>&1 &
  charon_pid=$!
  wait_for 10 test -S "$cdir/charon.vici" || fail "charon did not start"
  swan --load-all --noprompt > "$work/swanctl-$2.log" 2>&1 || fail "swanctl: $(cat "$work/swanctl-$2.log")"
}
stop_charon() {
  kill -TERM "$charon_pid"
  for _ in $(seq 300); do kill -0 "$charon_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$charon_pid" 2>/dev/null || true
  wait "$charon_pid" 2>/dev/null || true
  charon_pid=
}

# hub_pid DAEMON: the process whose CPU and memory we read.
hub_pid() { if [ "$1" = coatid ]; then echo "$coatid_pid"; else echo "$charon_pid"; fi; }
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
# udp_drops: datagrams the hub namespace's kernel dropped for a full socket receive buffer.
udp_drops() {
  ip netns exec "$hub" awk '$1 == "Udp:" { if (!h) { for (i = 2; i <= NF; ++i) c[$i] = i; h = 1 }
    else print $c["RcvbufErrors"] }' /proc/net/snmp
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime, all threads
faults() { awk '{ print $10 + $12 }' "/proc/$1/stat"; } # minor + major page faults, all threads
# ctx_switches PID: context switches of all its threads so far (voluntary: it waited).
ctx_switches() {
  cat /proc/"$1"/task/*/status 2> /dev/null |
    awk '/^(non)?voluntary_ctxt_switches:/ { s += $2 } END { print s + 0 }'
}

rows=()
# run_one OFFER N DAEMON: one fresh hub, one coati-load run; appends a row to `rows`.
run_one() {
  local offer=$1 n=$2 daemon=$3 name="$1-$2-$3" args=()
  if [[ $offer == rsasig* ]]; then
    use_root "$rsa_root"
    # a certificate per negotiation (CN=n<i>.load.test, made before the clock starts): the
    # hub sees N signing peers, as N satellites
    args+=(--cert "$pki/load.crt" --key "$pki/load.pem" --ca "$pki/ca.crt" --unique-ids
      --ca-key "$pki/ca.key")
  else
    use_root "$psk_root"
    args+=(--psk "$psk" --unique-ids)
  fi
  [[ $offer == *+qm ]] && args+=(--quick)
  ip -n "$hub" xfrm state flush
  ip -n "$hub" xfrm policy flush
  if [ "$daemon" = coatid ]; then start_coatid "$name"; else start_charon "$offer" "$name"; fi
  sleep 0.5 # settled
  local pid rss0 cpu0 drops0 rc=0 lh0=0 t0
  pid=$(hub_pid "$daemon")
  local drv_cpus=()
  if [ "${BENCH_PIN:-0}" = 1 ]; then # the hub's threads on CPU 0, coati-load on the others
    taskset -a -p -c 0 "$pid" > /dev/null
    drv_cpus=(taskset -c "1-$(($(nproc) - 1))")
  fi
  rss0=$(rss "$pid")
  cpu0=$(ticks "$pid")
  drops0=$(udp_drops)
  [ "$daemon" != coatid ] || lh0=$(stat_value listener.handling_ns)
  local cs0 pf0 perf_pid=
  cs0=$(ctx_switches "$pid")
  pf0=$(faults "$pid")
  if [ "${BENCH_SYSCALLS:-0}" = 1 ]; then
    perf stat -x, -e raw_syscalls:sys_enter -p "$pid" -o "$work/perf-$name.txt" &
    perf_pid=$!
  fi
  t0=$(date +%s.%N)
  ip netns exec "$drv" "${drv_cpus[@]}" "$LOAD" 192.0.2.1 --from "$from" "${args[@]}" -n "$n" --window "$window" \
    --interval 10000 --counter 5 --timeout $((n / 10 + 300)) > "$work/load-$name.out" 2>&1 || rc=$?
  local rss1 cpu1 drops held kids ksa lst=-1 t1 cs1 pf1 calls=-1
  t1=$(date +%s.%N)
  cs1=$(ctx_switches "$pid")
  pf1=$(faults "$pid")
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid" 2> /dev/null || true
    wait "$perf_pid" 2> /dev/null || true
    calls=$(awk -F, '$3 ~ /raw_syscalls:sys_enter/ { print $1 + 0 }' "$work/perf-$name.txt")
  fi
  [ "$daemon" != coatid ] || lst=$(awk -v a="$lh0" -v b="$(stat_value listener.handling_ns)" \
    -v t="$(echo "$t1 - $t0" | bc)" 'BEGIN { printf("%.1f", (t > 0) ? (b - a) / 1e7 / t : 0) }')
  sleep ${BENCH_SETTLE:-1} # settled: the last replies handled
  rss1=$(rss "$pid")
  cpu1=$(ticks "$pid")
  drops=$(($(udp_drops) - drops0))
  if [ "$daemon" = coatid ]; then
    held=$(($(stat_value listener.peers) - $(stat_value listener.half_open)))
    kids=$(ctl stats --json | sed -n 's/^ *"actors\.child\.count": *\([0-9]*\).*/\1/p')
    local s0 s1 shown
    s0=$(date +%s.%N)
    shown=$(ctl show-sa isakmp | grep -c ' established ' || true)
    s1=$(date +%s.%N)
    echo "[$name] coatictl show-sa isakmp: $shown established rows in $(echo "$s1 - $s0" | bc) s"
  else
    # listed one by one: `swanctl --stats` counted fewer IKE_SAs here than charon then
    # deleted on shutdown, and IKEv1 responders as half-open once established
    local sas
    sas=$(swan --list-sas 2>/dev/null || true)
    held=$(grep -c ', ESTABLISHED, ' <<< "$sas" || true)
    kids=$(grep -c ', reqid [0-9]*, ' <<< "$sas" || true)
  fi
  ksa=$(ip -n "$hub" xfrm state count | awk '{ print $NF }')
  local k0 k1
  k0=$(date +%s.%N)
  if [ "$daemon" = coatid ]; then stop_coatid; else stop_charon; fi
  k1=$(date +%s.%N)
  echo "[$name] $daemon stopped (SIGTERM to exit) in $(echo "$k1 - $k0" | bc) s"
  local out=$work/load-$name.out
  grep -E '^(coati-load|  phase 1|  failure|RESULT)' "$out" | sed "s/^/[$name] /"
  [ "$rc" = 0 ] || echo "[$name] (coati-load exited with $rc: not every negotiation completed)"
  local ok up rate p50 p99 dcpu
  ok=$(sed -n 's/^RESULT.* completed=\([0-9]*\).*/\1/p' "$out")
  up=$(sed -n 's/^  phase 1 up \([0-9]*\),.*/\1/p' "$out")
  rate=$(sed -n 's/^RESULT.* per_second=\([0-9.]*\).*/\1/p' "$out")
  p50=$(sed -n 's/^RESULT.* p50_ms=\([0-9.]*\).*/\1/p' "$out")
  p99=$(sed -n 's/^RESULT.* p99_ms=\([0-9.]*\).*/\1/p' "$out")
  dcpu=$(sed -n 's/^RESULT.* cpu_s=\([0-9.]*\).*/\1/p' "$out")
  awk -v o="$offer" -v n="$n" -v d="$daemon" -v done="${ok:-0}" -v up="${up:-0}" \
    -v rate="${rate:-0}" -v p50="${p50:-0}" -v p99="${p99:-0}" -v t="$((cpu1 - cpu0))" -v hz="$hz" \
    -v r0="$rss0" -v r1="$rss1" -v dcpu="${dcpu:-0}" -v drops="$drops" -v held="${held:-0}" \
    -v kids="${kids:-0}" -v ksa="${ksa:-0}" -v lst="$lst" 'BEGIN {
      cpu = done > 0 ? t * 1000 / hz / done : 0
      kb = up > 0 ? (r1 - r0) / up : 0
      dc = done > 0 ? dcpu * 1000 / done : 0
      printf "%-10s %6d %-7s %6d %9.1f %9.1f %9.1f %9.3f %8.1f %9.3f %7d %6d %6d %6d %5s\n", o, n, d, done, rate, p50, p99, cpu, kb, dc, drops, held, kids, ksa, lst < 0 ? "-" : lst
    }' >> "$work/rows"
  awk -v o="$offer" -v n="$n" -v d="$daemon" -v done="${ok:-0}" -v cs="$((cs1 - cs0))" \
    -v pf="$((pf1 - pf0))" -v calls="${calls:--1}" 'BEGIN {
      printf "%-10s %6d %-7s %9.2f %9.2f", o, n, d, (done > 0 ? cs / done : 0), (done > 0 ? pf / done : 0)
      if (calls >= 0 && done > 0) printf " %9.2f\n", calls / done; else printf " %9s\n", "-"
    }' >> "$work/kernel"
}

# The crypto a negotiation costs coatid (and its DH and RSA beside `openssl speed`), on
# this machine, now, before the hubs run: coatid's CPU per negotiation is set against it
# at the end (issue 9: at most 1.4x). BENCH_CRYPTO=0 skips it (about 15 s).
crypto_psk= crypto_rsasig=
per_negotiation() { sed -n "s/^CRYPTO_PER_NEGOTIATION.* $1=\([0-9.]*\).*/\1/p" "$2"; }
if [[ " $daemons " == *" coatid "* && ${BENCH_CRYPTO:-1} != 0 ]] &&
  [[ " $offers " == *" psk "* || " $offers " == *" rsasig "* ]]; then
  "$COATI_BUILD/tools/bench/coati-bench" crypto > "$work/crypto.out" 2>&1 || true
  sed 's/^/[crypto] /' "$work/crypto.out"
  crypto_psk=$(per_negotiation psk "$work/crypto.out")
  crypto_rsasig=$(per_negotiation rsasig "$work/crypto.out")
fi

for offer in $offers; do
  for n in "${sizes[@]}"; do
    for daemon in $daemons; do
      run_one "$offer" "$n" "$daemon"
    done
  done
done

echo
echo "coatid vs charon ($(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)," \
  "hub and driver on the same machine; $("$CHARON" --version 2>&1 | head -1);" \
  "window $window, driver key RSA-${BENCH_DRIVER_BITS:-2048})"
hdr='%-10s %6s %-7s %6s %9s %9s %9s %9s %8s %9s %7s %6s %6s %6s %5s\n'
printf "$hdr" offer N hub done "neg/s" "p50 ms" "p99 ms" "cpu/neg" "kB/SA" "drv cpu" drops held kids ksa "lst%"
cat "$work/rows"
# Ratios: coatid over charon, for each offer and N both ran.
echo
echo "coatid/charon (neg/s above 1 and the others below 1 favour coatid)"
printf '%-10s %6s %9s %9s %9s %9s %8s\n' offer N "neg/s" "p50" "p99" "cpu/neg" "kB/SA"
awk '{ k = $1 " " $2; v[k, $3] = $0; keys[k] = 1 }
  END {
    for (k in keys) {
      if (!((k, "coatid") in v) || !((k, "charon") in v)) continue
      split(v[k, "coatid"], a, " "); split(v[k, "charon"], b, " ")
      printf "%-10s %6s", a[1], a[2]
      for (i = 5; i <= 9; ++i) printf (i == 9 ? " %8s" : " %9s"), (b[i] + 0 != 0 ? sprintf("%.2f", a[i] / b[i]) (i == 9 && a[13] != b[13] ? "*" : "") : "-")
      printf "\n"
    }
  }' "$work/rows" | sort -k1,1 -k2,2n | tee "$work/ratios"
if grep -q '\*$' "$work/ratios"; then
  echo "* not like for like: the hubs hold different numbers of quick mode SA pairs (kids);" \
    "without ESP in the kernel charon deletes each CHILD_SA it cannot install, coatid keeps" \
    "its child (kernel=failed). Compare the offer without +qm for memory per ISAKMP SA."
fi
# What the hubs ask of the kernel per negotiation: a measure of the work besides crypto
# that the machine's noise does not move.
echo
echo "the hub's context switches per negotiation (all threads; a wait for work, a wake-up)," \
  "page faults (a page the process touched first, or again after giving it back) and" \
  "system calls (BENCH_SYSCALLS=1: perf's raw_syscalls count)"
printf '%-10s %6s %-7s %9s %9s %9s\n' offer N hub "cs/neg" "pf/neg" "sys/neg"
cat "$work/kernel"
# coatid's CPU per negotiation over its crypto as `coati-bench crypto` timed it above.
if [ -n "$crypto_psk$crypto_rsasig" ]; then
  echo
  echo "coatid's CPU per negotiation over its crypto (coati-bench crypto above: psk" \
    "${crypto_psk:-?} us, rsasig ${crypto_rsasig:-?} us; issue 9 asks at most 1.4)"
  printf '%-10s %6s %9s %9s %7s\n' offer N "cpu/neg" crypto ratio
  awk -v psk="${crypto_psk:-0}" -v rsa="${crypto_rsasig:-0}" '$3 == "coatid" {
      c = ($1 == "psk") ? psk / 1000 : ($1 == "rsasig") ? rsa / 1000 : 0
      if (c > 0) printf "%-10s %6s %9.3f %9.3f %7.2f\n", $1, $2, $8, c, $8 / c
    }' "$work/rows"
fi
