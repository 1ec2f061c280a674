# Helpers for coatid's integration tests (sourced). Needs COATI_BUILD and COATI_SRC,
# or COATID / COATICTL pointing at the binaries.
set -euo pipefail
: "${COATI_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${COATI_BUILD:=$COATI_SRC/build}"
COATID=${COATID:-$COATI_BUILD/tools/coatid/coatid}
COATICTL=${COATICTL:-$COATI_BUILD/tools/coatictl/coatictl}
SEEDROOT=$COATI_SRC/tests/lib/seedroot.sh

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# wait_for SECONDS CMD...: runs CMD every 0.1 s until it succeeds; false on timeout.
wait_for() {
  local limit=$(( $1 * 10 )); shift
  for ((i = 0; i < limit; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

# json_value FILE KEY: the number after "KEY": in coatictl's --json output (empty if absent).
json_value() {
  sed -n "s/^ *\"$2\": \([0-9-]*\),\{0,1\}$/\1/p" "$1"
}
