#!/usr/bin/env bash
# run-fuzzer.sh BINARY CORPUS_DIR SECONDS
# Runs a libFuzzer target on a scratch copy of its committed corpus for SECONDS
# (COATI_FUZZ_SECONDS overrides). Fails on any crash, leak, timeout or sanitizer report.
set -euo pipefail
bin=$1 corpus=$2 secs=${COATI_FUZZ_SECONDS:-$3}
work=$(mktemp -d /tmp/coati-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
cp -r "$corpus"/. "$work/corpus/" 2>/dev/null || true
echo "fuzzing $(basename "$bin") for ${secs}s on $(ls "$work/corpus" | wc -l) corpus files"
set +e
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" 2>"$work/log"
rc=$?
set -e
tail -n 25 "$work/log"
if [ $rc -ne 0 ] || ls "$work/artifacts" | grep -q .; then
  echo "FAIL: fuzzer exited $rc; artifacts:"; ls -l "$work/artifacts"
  mkdir -p /tmp/coati-fuzz-failures && cp -r "$work/artifacts"/. /tmp/coati-fuzz-failures/ || true
  exit 1
fi
echo "fuzzer finished clean"
