#!/usr/bin/env bash
# Plugin actors end to end: coatid as the seed hub (rhum) with a plugins block, and a real
# strongSwan charon satellite (armagnac, 198.51.100.3, certificate). Checks:
#   1. start-up: a `required` plugin that cannot be loaded (no such file; another ABI)
#      stops coatid with a non-zero status and an error naming the plugin;
#   2. the hub runs with jsonlog (to a file read here), exec (a script of this test that
#      appends each event to a file), the test-only crash plugin (throws on every sa_up;
#      `restarts 1`) and badabi (another plugin ABI, not required: refused, coatid goes
#      on). The satellite comes up: the JSON-lines log has phase1_up and sa_up for
#      198.51.100.3, every line parses as JSON; the exec script saw them too;
#   3. the crash plugin throws at sa_up: restarted once, then (a second quick mode) dropped;
#      `coatictl plugins` and `coatictl stats` say so; coatid serves on (show-sa, the SA
#      still up, jsonlog still logging);
#   4. the satellite goes away (swanctl --terminate): phase1_down and sa_down are logged.
# On this host (no ESP in the kernel) charon uses its userland ESP (kernel-libipsec) so
# that it completes quick mode (QM3) and coatid's child comes up; libipsec needs ESP in
# UDP, so charon forces encapsulation and the hub allows NAT-T. coatid's own kernel SA add
# fails here, which show-sa says (mature, kernel=failed). In the VM, kernel ESP in UDP.
tag=hp$$
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

root=$work/root
SEED_PKI=$pki bash "$COATI_SRC/tests/lib/seedroot.sh" "$root" rhum >/dev/null
etc=$root/etc/racoon
# The plugin folder, as the configuration names it (rebased under --config-root).
plugdir=$root/usr/lib/coati/plugins
mkdir -p "$plugdir"
for p in jsonlog exec crash badabi; do
  [ -f "$COATI_BUILD/plugins/$p.so" ] || fail "no $COATI_BUILD/plugins/$p.so (not built?)"
  ln -s "$COATI_BUILD/plugins/$p.so" "$plugdir/$p.so"
done
events=$work/events.jsonl
execout=$work/exec.out
cat > "$work/on-event.sh" <<SH
#!/bin/sh
echo "\$COATI_EVENT \$COATI_PEER \$COATI_LOCAL spi_in=\$COATI_SPI_IN" >> "$execout"
SH
chmod +x "$work/on-event.sh"

# with_plugins NAME BLOCK: NAME.conf, the seed's racoon.conf plus a plugins block.
with_plugins() {
  { cat "$etc/racoon.conf"; printf 'plugins {\n\tpath "/usr/lib/coati/plugins";\n%s\n}\n' "$2"; } \
    > "$etc/$1.conf"
}

# no_sanitizer_report FILE: (the ASan+UBSan build) nothing reported in FILE.
no_sanitizer_report() {
  ! grep -q "ERROR: [A-Za-z]*Sanitizer\|runtime error:" "$1" || fail "a sanitizer report in $1"
}

# 1. A required plugin that is refused stops coatid at start-up.
refused_at_start() { # refused_at_start NAME LOAD_LINE EXPECTED_TEXT
  local name=$1 rc=0
  with_plugins "$name" "$2"
  timeout 30 ip netns exec "$hub" "$COATID" -F --config-root "$root" -f "$etc/$name.conf" \
    > "$work/$name.log" 2>&1 || rc=$?
  [ "$rc" != 0 ] || fail "$name: coatid started without its required plugin"
  [ "$rc" != 124 ] || fail "$name: coatid did not stop (timeout)"
  grep -q "$3" "$work/$name.log" || fail "$name: no clear error ($3) in coatid's output"
  no_sanitizer_report "$work/$name.log"
  [ ! -S "$root/var/racoon/racoon.sock" ] || fail "$name: coatid left its admin socket"
  rc=0
  "$COATID" --check --config-root "$root" -f "$etc/$name.conf" > /dev/null 2> "$work/$name.check" || rc=$?
  [ "$rc" = 1 ] || fail "$name: coatid --check said $rc, not 1"
  grep -q "error: $3" "$work/$name.check" || fail "$name: coatid --check: no clear error ($3)"
  no_sanitizer_report "$work/$name.check"
  echo "ok: $name: coatid refused to start (status $rc): $(grep -m1 "required plugin" "$work/$name.log")"
}
refused_at_start req-missing '	load "nosuch" required { };' \
  'required plugin nosuch refused: cannot load .*nosuch.so'
refused_at_start req-badabi '	load "badabi" required { };' \
  'required plugin badabi refused: .*badabi.so was built for plugin ABI 99 .*rebuild the plugin'

# 2. The hub with its plugins, the satellite comes up.
with_plugins racoon-plugins "	restarts 1;
	load \"jsonlog\" { file \"$events\"; };
	load \"exec\" { command \"$work/on-event.sh\"; max_running 2; };
	load \"crash\" { on \"sa_up\"; mark \"$work/crash.marks\"; };
	load \"badabi\" { };"
# charon's userland ESP (no ESP in this kernel) takes only ESP in UDP: charon forces
# UDP encapsulation (encap = yes: a NAT-D that says it is behind a NAT) and the hub's
# remote allows NAT-T.
sed -i "s/^\(\s*\)generate_policy on;/&\n\1nat_traversal on;/" "$etc/local.conf"
grep -q "nat_traversal on;" "$etc/local.conf" || fail "nat_traversal was not added to the hub's remote"
charon_load="random nonce openssl pem pkcs1 pkcs8 x509 pubkey revocation constraints kernel-netlink socket-default vici"
[ "$kernel_esp" = 1 ] || charon_extra="load = kernel-libipsec $charon_load"
start_charon "$sat" armagnac
swan_load_satellite 3des-md5-modp1024 3des-md5-modp1024 "encap = yes"
sock=$root/var/racoon/racoon.sock
ip netns exec "$hub" "$COATID" -F --config-root "$root" -f "$etc/racoon-plugins.conf" \
  > "$work/coatid-stdout.log" 2> "$work/coatid.log" &
coatid_pid=$!
coatid_up() { [ -S "$sock" ] && ctl status >/dev/null 2>&1; }
wait_for 20 coatid_up || fail "coatid did not start"
log=$work/coatid.log
grep -q "\[plugins\] badabi refused: .*built for plugin ABI 99 .*rebuild the plugin" "$log" \
  || fail "badabi: no clear refusal in coatid's log"
grep -q "\[plugins\] jsonlog loaded from " "$log" || fail "jsonlog: not loaded"

# has_event KIND [N]: at least N (default 1) KIND events for the satellite in the JSON log.
has_event() {
  local n
  n=$(grep -c "\"event\":\"$1\",\"peer\":\"198.51.100.3\"" "$events" 2>/dev/null || true)
  [ "${n:-0}" -ge "${2:-1}" ]
}
esp_up() { grep -q "esp spi=" <<<"$(ctl show-sa esp)"; }
swan --initiate --child lan --timeout 30 > "$work/initiate-1.log" 2>&1 \
  || fail "charon could not bring up its child: $(tail -n 5 "$work/initiate-1.log")"
wait_for 10 esp_up || fail "show-sa has no ESP SAs"
wait_for 10 has_event sa_up || fail "no sa_up event for 198.51.100.3 in the JSON log"
grep -q '"event":"phase1_up","peer":"198.51.100.3","local":"192.0.2.1","id":"CN=armagnac,OU=armagnac,O=coati test,C=FR"' "$events" \
  || fail "no phase1_up event for 198.51.100.3 (with its identity) in the JSON log"
python3 - "$events" <<'PY' || fail "the JSON log has a line that is not a JSON object"
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert isinstance(o, dict) and o["event"] and o["time_ms"] > 0, line
    n += 1
assert n >= 2, n
print("ok: %d JSON lines parse" % n)
PY
spi_in=$(ctl show-sa esp | sed -n 's/.* esp spi=0x\([0-9a-f]*\) in .*/\1/p' | head -n 1)
grep -q "\"event\":\"sa_up\",\"peer\":\"198.51.100.3\",\"local\":\"192.0.2.1\",.*\"spi_in\":\"0x$spi_in\"" "$events" \
  || fail "the sa_up event does not carry the inbound SPI 0x$spi_in"
wait_for 10 grep -q "^sa_up 198.51.100.3 192.0.2.1 spi_in=0x$spi_in$" "$execout" \
  || fail "the exec plugin's command did not see sa_up"
grep -q "^phase1_up 198.51.100.3 192.0.2.1 " "$execout" || fail "the exec plugin's command did not see phase1_up"
echo "ok: phase1_up and sa_up (SPI 0x$spi_in) for 198.51.100.3 in the JSON log and the exec plugin's output"

# 3. The crash plugin threw at that sa_up: restarted once. A second quick mode: dropped.
wait_for 10 grep -qx "start 1" "$work/crash.marks" || fail "the crash plugin was not restarted"
grep -q "\[plugins\] crash failed (.*); restart 1 of 1" "$log" \
  || fail "the crash plugin's failure is not logged"
swan --terminate --child lan --timeout 10 > "$work/terminate-child.log" 2>&1 || true
wait_for 10 has_event sa_down || fail "no sa_down event after charon deleted its child"
swan --initiate --child lan --timeout 30 > "$work/initiate-2.log" 2>&1 \
  || fail "charon could not bring up its second child: $(tail -n 5 "$work/initiate-2.log")"
wait_for 10 has_event sa_up 2 || fail "no second sa_up event in the JSON log (jsonlog stopped with the crash plugin?)"
wait_for 10 grep -q "\[plugins\] crash failed (.*) after 1 restarts; dropped" "$log" \
  || fail "the crash plugin was not dropped after its second failure"
plugins=$(ctl plugins)
echo "$plugins"
grep -qx "jsonlog running restarts=0" <<<"$plugins" || fail "coatictl plugins: jsonlog not running"
grep -qx "exec running restarts=0" <<<"$plugins" || fail "coatictl plugins: exec not running"
grep -q "^crash dropped restarts=1 error=\".\+\"$" <<<"$plugins" \
  || fail "coatictl plugins: crash not shown dropped after 1 restart"
grep -q "^badabi refused restarts=0 error=\".*built for plugin ABI 99" <<<"$plugins" \
  || fail "coatictl plugins: badabi not shown refused with the reason"
st=$(ctl stats)
grep -Eq "^plugins +restarts +1$" <<<"$st" || fail "stats: plugins.restarts is not 1"
grep -Eq "^plugins +dropped +1$" <<<"$st" || fail "stats: plugins.dropped is not 1"
grep -Eq "^plugins +refused +1$" <<<"$st" || fail "stats: plugins.refused is not 1"
grep -Eq "^bus +event.sa_up +2$" <<<"$st" || fail "stats: the bus did not count two sa_up"
# Figures per actor kind (issue 9): the table under the counters, --json, and top.
kind_of() { # kind_of KIND COLUMN: a column of KIND's row in the table (2 count, 3 spawned, 4 messages)
  awk -v k="$1" -v c="$2" 'f && $1 == k { print $c } /^KIND +COUNT/ { f = 1 }' <<<"$st"
}
[ "$(kind_of peer 2)" = 1 ] || fail "stats: actor kind peer does not count one live peer"
[ "$(kind_of child 3)" -ge 2 ] || fail "stats: actor kind child did not count the two pairs' children"
for k in peer child listener kernel; do
  [ "$(kind_of "$k" 4)" -gt 0 ] || fail "stats: actor kind $k handled no message"
done
ctl stats --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["actors.peer.messages"] > 0 and d["actors.listener.handling_p99_ns"] >= d["actors.listener.handling_p50_ns"] > 0' \
  || fail "stats --json: no actor kind figures"
top=$(ctl top -i 0.3 -n 2)
[ "$(grep -c '^KIND ' <<<"$top")" = 2 ] || fail "top: not two refreshes"
grep -Eq "^listener +[0-9]+ +[0-9.]+ +[0-9.]+%" <<<"$top" || fail "top: no listener row"
ctl top -i 0.3 -n 1 --json | python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); assert {"peer","child","listener"} <= {k["kind"] for k in d["kinds"]}' \
  || fail "top --json: no kinds"
echo "$top" | tail -n 16
echo "ok: per-kind figures in stats, stats --json and top"
# coatid serves on: its ISAKMP-SA and the new pair, charon's IKE SA still up.
sa=$(ctl show-sa)
echo "$sa"
grep -q "^192.0.2.1 198.51.100.3\[[0-9]*\] [0-9a-f]*:[0-9a-f]* responder established" <<<"$sa" \
  || fail "show-sa: the ISAKMP-SA is gone"
grep -q " esp spi=0x[0-9a-f]* in .* state=mature" <<<"$sa" || fail "show-sa: the second pair is not up"
swan --list-sas 2>&1 | grep -q "hub: #[0-9]*, ESTABLISHED, IKEv1" || fail "charon lost its IKE SA"
kill -0 "$coatid_pid" || fail "coatid is gone"
echo "ok: the crash plugin was restarted once and dropped; coatid serves on"

# 4. The satellite goes away: phase1_down and sa_down.
swan --terminate --ike hub --timeout 10 > "$work/terminate.log" 2>&1 || true
wait_for 10 grep -q '"event":"phase1_down","peer":"198.51.100.3"' "$events" \
  || fail "no phase1_down event after the satellite left"
wait_for 10 has_event sa_down 2 || fail "no sa_down event for the second pair after the satellite left"
wait_for 10 grep -q "^phase1_down 198.51.100.3 192.0.2.1 " "$execout" \
  || fail "the exec plugin's command did not see phase1_down"
[ -z "$(ctl show-sa)" ] || fail "SAs left after the satellite left"
stop_coatid
no_sanitizer_report "$log"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$events" \
  || fail "the JSON log has a bad line at the end"
echo "--- the JSON log"
cat "$events"
echo "ok: phase1_down and sa_down logged when the satellite left; coatid stopped cleanly"
echo PASS
