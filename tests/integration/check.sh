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
