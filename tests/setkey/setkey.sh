#!/usr/bin/env bash
# coati-setkey runs the seed satellite's phase1 scripts unchanged: their /sbin/setkey -c
# input becomes XFRM policies in a private network namespace, and goes away again.
set -euo pipefail
: "${COATI_BUILD:?}" "${COATI_SRC:?}"
setkey=$COATI_BUILD/tools/setkey/coati-setkey
seed=$COATI_SRC/tests/data/seed/armagnac
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. Parsing, without touching the kernel.
out=$(LOCAL_ADDR=198.51.100.3 REMOTE_ADDR=192.0.2.1 sh -c "$(sed -n '/^echo/,/setkey/p' "$seed/phase1_up_cli.sh" | sed 's#| /sbin/setkey -c#| '"$setkey"' -n -c#')")
echo "$out"
grep -qx 'add policy 192.168.3.0/24 192.168.3.0/24 proto 0 dir in priority 952 bypass' <<<"$out" || fail "bypass in"
grep -qx 'add policy 192.168.3.0/24 192.168.3.0/24 proto 0 dir fwd priority 952 bypass' <<<"$out" || fail "bypass fwd twin"
grep -qx 'add policy 192.168.0.0/16 192.168.3.0/24 proto 0 dir in priority 960 ipsec \[esp tunnel 192.0.2.1-198.51.100.3 require\]' <<<"$out" || fail "ipsec in"
grep -qx 'add policy 192.168.3.0/24 192.168.0.0/16 proto 0 dir out priority 960 ipsec \[esp tunnel 198.51.100.3-192.0.2.1 require\]' <<<"$out" || fail "ipsec out"
[ "$(grep -c '^add policy' <<<"$out")" = 6 ] || fail "expected 6 policies (4 + 2 fwd twins)"

# Bad input: each bad statement named by line, the good ones still parsed, exit 1.
set +e
err=$(printf 'spdadd 10.0.0.0/8 10.1.0.0/16 any -P sideways none;\n\nbogus 1 2;\nspdadd 10.0.0.0/33 1.2.3.4 any -P in none;\nspdadd 192.0.2.0/24[any] 198.51.100.0/24[99999] udp -P out none;\nflush esp;\ndelete 1.2.3.4 5.6.7.8 esp zz;\nspdadd 1.2.3.4 5.6.7.8 any -P out ipsec esp/tunnel/1.2.3.4/require;\nspdflush' | "$setkey" -n -c 2>&1)
rc=$?
set -e
echo "$err"
[ $rc = 1 ] || fail "bad input must exit 1 (got $rc)"
grep -q "line 1: 'sideways' is not a direction (in, out, fwd)" <<<"$err" || fail "direction error"
grep -q "line 3: unknown command 'bogus'" <<<"$err" || fail "unknown command error"
grep -q "line 4: prefix /33 is longer than the address" <<<"$err" || fail "prefix error"
grep -q "line 5: '99999' is not a port number" <<<"$err" || fail "port error"
grep -q "line 7: 'zz' is not an SPI" <<<"$err" || fail "spi error"
grep -q "line 8: '1.2.3.4': tunnel end points are written SRC-DST" <<<"$err" || fail "tunnel error"
grep -q "line 9: statement not terminated by ';'" <<<"$err" || fail "terminator error"
grep -qx "flush SAs" <<<"$err" || fail "the good statement between bad ones was lost"

# 2. The seed scripts as they are, with /sbin/setkey being coati-setkey, in a private
# mount + network namespace (an overlay puts setkey into /usr/sbin for this test only).
work=$(mktemp -d /tmp/coati-setkey.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/sbin"
cp "$setkey" "$work/sbin/setkey"
unshare -m -n bash -euo pipefail -c '
  mount -t overlay overlay -o lowerdir='"$work/sbin"':/usr/sbin /usr/sbin
  export LOCAL_ADDR=198.51.100.3 REMOTE_ADDR=192.0.2.1
  # The script ends with a ping to the hub LAN, which fails here: only setkey matters.
  sh '"$seed"'/phase1_up_cli.sh || true
  ip xfrm policy > '"$work"'/up.txt
  sh '"$seed"'/phase1_down_cli.sh
  ip xfrm policy > '"$work"'/down.txt
'
cat "$work/up.txt"
grep -q "src 192.168.3.0/24 dst 192.168.0.0/16" "$work/up.txt" || fail "out policy missing after phase1_up"
grep -q "tmpl src 198.51.100.3 dst 192.0.2.1" "$work/up.txt" || fail "out template missing"
grep -q "tmpl src 192.0.2.1 dst 198.51.100.3" "$work/up.txt" || fail "in template missing"
[ "$(grep -c '^src' "$work/up.txt")" = 6 ] || fail "expected 6 kernel policies after phase1_up"
grep -q "dir fwd" "$work/up.txt" || fail "fwd twin missing"
echo "--- after phase1_down"
cat "$work/down.txt"
! grep -q "tmpl" "$work/down.txt" || fail "ipsec policies left after phase1_down"
[ "$(grep -c "^src" "$work/down.txt")" = 3 ] || fail "the three LAN bypass policies (in, fwd twin, out) should remain"
echo "PASS"
