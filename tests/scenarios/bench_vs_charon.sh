#!/usr/bin/env bash
# Not a test (no ctest registration): `tools/bench/vs_charon.sh --vm` runs the side-by-side
# benchmark here, in the VM, whose kernel has ESP, so both hubs install their quick mode
# SAs. Arguments: BENCH_*=VALUE settings for the benchmark, then its own arguments. The
# table also goes to $LAB_LOGDIR/bench.out, which the host side prints.
set -euo pipefail
args=()
for a in "$@"; do
  if [[ $a == BENCH_*=* ]]; then export "${a?}"; else args+=("$a"); fi
done
bash "$COATI_SRC/tools/bench/vs_charon.sh" "${args[@]}" 2>&1 | tee "${LAB_LOGDIR:-/tmp}/bench.out"
