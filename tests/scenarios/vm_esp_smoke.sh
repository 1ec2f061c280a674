#!/usr/bin/env bash
# The VM's kernel does ESP: two namespaces joined by veth, a pair of ESP tunnel SAs with
# the seed's algorithms (3des-cbc + hmac-md5) and their policies added with ip xfrm; a
# ping crosses them and the SAs' byte counters grow. Needs no lab library.
set -euo pipefail
p=${LAB_PREFIX:-smoke}$$
a=$p-a b=$p-b
cleanup() { ip netns del "$a" 2>/dev/null || true; ip netns del "$b" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$a"
ip netns add "$b"
ip link add va netns "$a" type veth peer name vb netns "$b"
ip -n "$a" addr add 192.0.2.1/24 dev va
ip -n "$b" addr add 192.0.2.2/24 dev vb
for n in "$a" "$b"; do ip -n "$n" link set lo up; done
ip -n "$a" link set va up
ip -n "$b" link set vb up
ek=0x0123456789abcdef0123456789abcdef0123456789abcdef
ak=0x0123456789abcdef0123456789abcdef
for n in "$a" "$b"; do
  ip -n "$n" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001 mode tunnel \
    enc 'cbc(des3_ede)' $ek auth-trunc 'hmac(md5)' $ak 96
  ip -n "$n" xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x1002 mode tunnel \
    enc 'cbc(des3_ede)' $ek auth-trunc 'hmac(md5)' $ak 96
done
ip -n "$a" xfrm policy add src 192.0.2.1 dst 192.0.2.2 dir out tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel
ip -n "$a" xfrm policy add src 192.0.2.2 dst 192.0.2.1 dir in tmpl src 192.0.2.2 dst 192.0.2.1 proto esp mode tunnel
ip -n "$b" xfrm policy add src 192.0.2.2 dst 192.0.2.1 dir out tmpl src 192.0.2.2 dst 192.0.2.1 proto esp mode tunnel
ip -n "$b" xfrm policy add src 192.0.2.1 dst 192.0.2.2 dir in tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel
ip netns exec "$a" ping -c 3 -W 2 192.0.2.2
bytes=$(ip -n "$a" -s xfrm state get src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001 | awk '/lifetime current:/ {getline; print $1; exit}')
bytes=${bytes%%(*}
echo "ESP bytes out of $a: $bytes"
[ "${bytes:-0}" -gt 0 ] || { echo "FAIL: the ESP SA counted no bytes"; exit 1; }
echo PASS
