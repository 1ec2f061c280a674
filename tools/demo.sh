#!/usr/bin/env bash
# demo.sh BUILD_DIR: coatid as the seed hub (tests/data/seed/rhum, unchanged) in a
# network namespace: status, stats, one non-ISAKMP datagram counted, SIGTERM, cleanup.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
coatid=$build/tools/coatid/coatid
coatictl=$build/tools/coatictl/coatictl
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (it creates a network namespace)" >&2; exit 1; }

ns=coati_demo_$$
lab=$(mktemp -d /tmp/coati-demo.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$lab"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

step "lab folder $lab: the seed hub 'rhum' laid out as racoon had it"
bash "$top/tests/lib/seedroot.sh" "$lab" rhum >/dev/null
conf=$lab/etc/racoon/racoon.conf
sock=$lab/var/racoon/racoon.sock
find "$lab" -maxdepth 3 | sed "s|^$lab|  |" | sort | head -20

step "network namespace $ns with the hub address 192.0.2.1/24"
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add demo0 type veth peer name demo1
ip -n "$ns" addr add 192.0.2.1/24 dev demo0
ip -n "$ns" link set demo1 up
ip -n "$ns" link set demo0 up
ip -n "$ns" -br addr

step "coatid --check (the seed's racoon.conf, rebased under the lab folder)"
"$coatid" --config-root "$lab" -f "$conf" --check | head -12
echo "  ..."

step "coatid -F --config-root $lab -f $conf (inside $ns)"
ip netns exec "$ns" "$coatid" -F --config-root "$lab" -f "$conf" 2>"$lab/coatid.log" &
pid=$!
for _ in $(seq 50); do
  "$coatictl" -s "$sock" status >/dev/null 2>&1 && break
  sleep 0.1
done
ip netns exec "$ns" ss -lunH | awk '{print "  bound " $4}'

step "coatictl status"
"$coatictl" -s "$sock" status

step "coatictl stats"
"$coatictl" -s "$sock" stats

step "one non-ISAKMP datagram to 192.0.2.1:500"
ip netns exec "$ns" bash -c 'echo "not isakmp" >/dev/udp/192.0.2.1/500'
for _ in $(seq 50); do
  "$coatictl" -s "$sock" stats --json | grep -q '"listener.dropped.short": 1' && break
  sleep 0.1
done
"$coatictl" -s "$sock" stats --json | grep -E '"listener\.(received|dropped[a-z_.]*)"'

step "SIGTERM"
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
pid=
echo "  coatid exited with $rc"
echo "  coatid's log:"
sed 's/^/    /' "$lab/coatid.log"
[ "$rc" = 0 ] || { echo "demo: coatid did not exit cleanly" >&2; exit 1; }
[ ! -e "$sock" ] || { echo "demo: admin socket left behind" >&2; exit 1; }
echo
echo "demo ok: namespace $ns and $lab are removed on exit"
