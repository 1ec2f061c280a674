#!/usr/bin/env bash
# coatid --check: both seed sites validate unchanged when rebased with --config-root;
# a broken file is reported with file:line:col and a non-zero exit.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
work=$(mktemp -d /tmp/coati-check.XXXXXX)
trap 'rm -rf "$work"' EXIT

for site in rhum armagnac; do
  root=$work/$site
  bash "$SEEDROOT" "$root" "$site" >/dev/null
  out=$work/$site.out
  "$COATID" --config-root "$root" -f "$root/etc/racoon/racoon.conf" --check >"$out" 2>"$work/$site.err" ||
    { cat "$work/$site.err" >&2; fail "$site: --check exited non-zero"; }
  grep -q '^sainfo ' "$out" || fail "$site: no sainfo line in the normalized output"
  grep -q '^listen' "$out" || fail "$site: no listen block in the normalized output"
  # The normalized output is itself a valid configuration that prints the same (its
  # paths are rebased already, so it is checked without --config-root).
  cp "$out" "$root/etc/racoon/normalized.conf"
  "$COATID" -f "$root/etc/racoon/normalized.conf" --check >"$out.2" ||
    fail "$site: the normalized output does not validate"
  cmp -s "$out" "$out.2" || fail "$site: printing the normalized output again differs"
  pass "$site: --check validates and prints $(grep -c '^sainfo ' "$out") sainfo block(s)"
done

# A broken file: an unknown directive on line 3, column 1.
root=$work/rhum
broken=$root/etc/racoon/broken.conf
printf 'path certificate "/etc/racoon/cert";\nlog notify;\nbogus_directive 12;\n' >"$broken"
set +e
"$COATID" --config-root "$root" -f "$broken" --check >"$work/broken.out" 2>"$work/broken.err"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a broken file exited 0"
grep -q "broken.conf:3:1:" "$work/broken.err" ||
  { cat "$work/broken.err" >&2; fail "no file:line:col for the broken line"; }
[ ! -s "$work/broken.out" ] || fail "a broken file printed a configuration"
pass "broken file: exit $rc, $(head -1 "$work/broken.err")"

# What parses but is not acted on is named at --check and at start-up: the seed hub's
# `weak_phase1_check on` (not its `passive on` nor its `ike_frag on`, which are), and a
# remote's esp_frag (not its dpd_delay, which coatid acts on: dead peer detection; nor
# nat_traversal, in main and aggressive mode).
grep -q "remote anonymous: weak_phase1_check" "$work/rhum.err" || fail "rhum: no warning for weak_phase1_check"
grep -q "ike_frag" "$work/rhum.err" && fail "rhum: a warning for ike_frag, which coatid acts on (fragmentation)"
unacted=$root/etc/racoon/unacted.conf
printf 'remote 192.0.2.7 {\n exchange_mode main,aggressive;\n nat_traversal on;\n esp_frag 552;\n dpd_delay 10;\n proposal {\n  encryption_algorithm aes; hash_algorithm sha1;\n  authentication_method pre_shared_key; dh_group modp2048;\n }\n}\n' >"$unacted"
"$COATID" --config-root "$root" -f "$unacted" --check >/dev/null 2>"$work/unacted.err" ||
  fail "unacted.conf: --check failed"
for w in "remote 192.0.2.7: esp_frag"; do
  grep -q "$w" "$work/unacted.err" || { cat "$work/unacted.err" >&2; fail "no warning: $w"; }
done
grep -q "nat_traversal" "$work/unacted.err" &&
  fail "a warning for nat_traversal with aggressive mode allowed, which coatid acts on (NAT-T in both modes)"
grep -q "passive" "$work/rhum.err" "$work/unacted.err" && fail "a warning for passive, which coatid enforces"
grep -q "dpd" "$work/unacted.err" && fail "a warning for dpd_delay, which coatid acts on"
pass "parsed but not acted on: $(grep -c 'warning:' "$work/unacted.err") warning(s) for unacted.conf, named by block"
