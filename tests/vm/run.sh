#!/usr/bin/env bash
# Runs one lab scenario inside a qemu VM booted from Debian's kernel package (real ESP).
#   tests/vm/run.sh [--shell] [--timeout S] NAME [ARGS...]
# The guest sees the host's root read-only at / and runs
#   $COATI_SRC/tests/lab/run.sh NAME ARGS   (tests/scenarios/NAME.sh while there is no run.sh)
# with LAB_BED=vm and LAB_LOGDIR=$COATI_BUILD/vm-logs/NAME (a writable 9p export, wiped
# first). The scenario's exit code comes back in a file of the run's control folder and is
# this script's exit code; a guest that gives none, or runs past the time limit, fails.
# Env: COATI_SRC, COATI_BUILD (default $COATI_SRC/build), LAB_SKIP_VM=1 (skip: exit 77),
# VM_TIMEOUT (s, default 540), VM_MEM (MiB, default 1024), VM_SMP (default 2),
# VM_VERBOSE=1 (stream the guest console), COATI_VM_CACHE (default /var/cache/coati-vm).
# See tests/vm/README.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export COATI_SRC=${COATI_SRC:-$(cd "$here/../.." && pwd)}
export COATI_BUILD=${COATI_BUILD:-$COATI_SRC/build}
. "$here/cache.sh"

mode=run
timeout=${VM_TIMEOUT:-540}
while (($#)); do
  case "$1" in
    --shell) mode=shell; shift ;;
    --timeout) timeout=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
(($#)) || { sed -n '2,13p' "$0" >&2; exit 2; }
name=$1
shift

if [ "${LAB_SKIP_VM:-0}" = 1 ]; then
  echo "vm: $name skipped (LAB_SKIP_VM=1)"
  exit 77
fi
[ -f "$COATI_SRC/tests/scenarios/$name.sh" ] || { vm_log "no scenario $COATI_SRC/tests/scenarios/$name.sh"; exit 2; }
[ "$(id -u)" = 0 ] || { vm_log "must run as root"; exit 2; }
mkdir -p "$COATI_BUILD"
COATI_BUILD=$(cd "$COATI_BUILD" && pwd)

# --- leftovers of runners that died (SIGKILL, a crash, a lost machine) ---------------
# Each run folder has "owner": the runner's PID and start time (so a reused PID does
# not pass for it), and "qemu.pid".
proc_start() { # PID -> its start time in clock ticks (field 22 of /proc/PID/stat)
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  set -- $s
  echo "${20}"
}
vm_reap_stale() {
  local d pid start q
  for d in "$VM_CACHE"/runs/*/; do
    d=${d%/}
    [ -d "$d" ] || continue
    if read -r pid start <"$d/owner" 2>/dev/null; then
      [ "$(proc_start "$pid" || true)" = "$start" ] && continue
    elif [ -z "$(find "$d" -maxdepth 0 -mmin +1)" ]; then
      continue # being created right now
    fi
    if q=$(cat "$d/qemu.pid" 2>/dev/null) && [ -n "$q" ] &&
      tr '\0' ' ' <"/proc/$q/cmdline" 2>/dev/null | grep -qF "$d/"; then
      vm_log "killing qemu $q left by a dead run ($d)"
      kill -KILL "$q" 2>/dev/null || true
    fi
    rm -rf "$d"
  done
}

# --- this run ------------------------------------------------------------------------
run="" qemu=""
cleanup() {
  local i
  if [ -n "$qemu" ] && kill -0 "$qemu" 2>/dev/null; then
    kill -TERM "$qemu" 2>/dev/null || true
    for i in $(seq 30); do kill -0 "$qemu" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$qemu" 2>/dev/null || true
  fi
  if [ -n "$qemu" ]; then wait "$qemu" 2>/dev/null || true; fi
  qemu=""
  if [ -n "$run" ]; then rm -rf "$run"; fi
  run=""
  return 0
}
trap cleanup EXIT
trap 'vm_log "interrupted"; cleanup; trap - EXIT; exit 130' INT
trap 'vm_log "terminated"; cleanup; trap - EXIT; exit 143' TERM

mkdir -p "$VM_CACHE/runs"
vm_reap_stale
vm_cache_prepare
run=$(mktemp -d "$VM_CACHE/runs/XXXXXX")
echo "$$ $(proc_start $$)" >"$run/owner"
mkdir "$run/ctl"

logdir=$COATI_BUILD/vm-logs/$name
rm -rf "$logdir"
mkdir -p "$logdir"

# Everything the guest needs to know, as shell text read by /init and by bash.
{
  printf 'VM_KROOT=%q\n' "$VM_KROOT"
  printf 'VM_LOGDIR=%q\n' "$logdir"
  # The source and build folders come in as exports of their own, mounted over whatever
  # the guest has at their paths: a checkout under /root or /tmp (tmpfs in the guest)
  # works as one under /work.
  printf 'VM_SRC=%q\nVM_BUILD=%q\n' "$COATI_SRC" "$COATI_BUILD"
  printf 'VM_HOSTNAME=coati-vm\n'
  printf 'VM_MODE=%q\n' "$mode"
  printf 'VM_TERM=%q\n' "$([ "$mode" = shell ] && echo "${TERM:-vt100}" || echo dumb)"
  # (not /var/cache: the kernel modules live there, in $VM_CACHE)
  printf 'VM_TMPFS="/tmp /run /var/run /var/tmp /var/log /var/lib /root"\n'
  printf 'VM_PRELOAD="%s"\n' "esp4 esp6 ah4 ipcomp xfrm_user af_key veth tun authenc authencesn \
des3_ede md5 hmac cbc ctr sha1 sha256 sha512 aesni_intel gcm ccm seqiv echainiv xcbc cmac deflate \
nf_tables nf_nat nft_chain_nat nft_masq nft_ct"
} >"$run/ctl/vm.conf"
{
  echo "# run by the guest's /init inside the chroot"
  printf 'export COATI_SRC=%q COATI_BUILD=%q LAB_LOGDIR=%q LAB_BED=vm LAB_PREFIX=%q\n' \
    "$COATI_SRC" "$COATI_BUILD" "$logdir" "${LAB_PREFIX:-vm}"
  printf 'cd "$COATI_SRC" || exit 1\n'
  printf 'if [ -f tests/lab/run.sh ]; then\n  exec bash tests/lab/run.sh'
  printf ' %q' "$name" "$@"
  printf '\nelse\n  exec bash tests/scenarios/%q.sh' "$name"
  printf ' %q' "$@"
  printf '\nfi\n'
} >"$run/ctl/cmd"

qemu_args=(-accel tcg -cpu max -smp "${VM_SMP:-2}" -m "${VM_MEM:-1024}"
  -nographic -no-reboot -nic none
  -kernel "$VM_VMLINUZ" -initrd "$VM_INITRD"
  -append "console=ttyS0 quiet panic=-1"
  -device virtio-rng-pci
  -virtfs "local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap"
  -virtfs "local,path=$run/ctl,mount_tag=vmctl,security_model=passthrough,multidevs=remap"
  -virtfs "local,path=$COATI_SRC,mount_tag=vmsrc,security_model=passthrough,readonly=on,multidevs=remap"
  -virtfs "local,path=$COATI_BUILD,mount_tag=vmbuild,security_model=passthrough,readonly=on,multidevs=remap"
  -virtfs "local,path=$logdir,mount_tag=vmlogs,security_model=passthrough,multidevs=remap"
  -pidfile "$run/qemu.pid")

t0=$(date +%s.%N)
if [ "$mode" = shell ]; then
  # Interactive: the guest console is this terminal (Ctrl-A x quits qemu).
  setpriv --pdeathsig KILL qemu-system-x86_64 "${qemu_args[@]}" &
  qemu=$!
  wait "$qemu" || true
  qemu=""
  exit 0
fi

# qemu dies with this script even on SIGKILL (parent-death signal).
setpriv --pdeathsig KILL qemu-system-x86_64 "${qemu_args[@]}" </dev/null >"$run/console.log" 2>&1 &
qemu=$!
if [ "${VM_VERBOSE:-0}" = 1 ]; then
  tail -n +1 -f --pid="$qemu" "$run/console.log" &
fi
echo "vm: $name booting (qemu $qemu, limit ${timeout} s, logs in $logdir)"
deadline=$(($(date +%s) + timeout))
timed_out=0
while kill -0 "$qemu" 2>/dev/null; do
  if (($(date +%s) >= deadline)); then
    timed_out=1
    vm_log "$name: time limit of $timeout s reached, killing the VM"
    kill -KILL "$qemu" 2>/dev/null || true
    break
  fi
  sleep 0.5 &
  wait $! || true
done
wait "$qemu" 2>/dev/null || true
qemu=""
wall=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')

rc=""
[ -f "$run/ctl/rc" ] && rc=$(cat "$run/ctl/rc")
cp "$run/console.log" "$logdir/vm-console.log"
if ((timed_out)); then
  rc=124
elif ! [[ "$rc" =~ ^[0-9]+$ ]]; then
  vm_log "$name: the guest gave no exit code"
  rc=125
fi
if [ "$rc" = 0 ]; then
  printf 'vm: %s passed, VM wall time %.1f s\n' "$name" "$wall"
else
  printf 'vm: %s FAILED (exit code %s), VM wall time %.1f s; logs kept in %s\n' "$name" "$rc" "$wall" "$logdir"
  echo "----- guest console (last 60 lines)"
  tail -n 60 "$logdir/vm-console.log"
  find "$logdir" -type f ! -name vm-console.log | sort | while read -r f; do
    echo "----- $f (last 25 lines)"
    tail -n 25 "$f"
  done
fi
exit "$rc"
