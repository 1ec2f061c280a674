#!/usr/bin/env bash
# seedroot.sh ROOT SITE... : lays out one seed site (rhum, armagnac) as racoon had it,
# under ROOT, for `coatid --config-root ROOT -f ROOT/etc/racoon/racoon.conf`:
#   ROOT/etc/racoon/          the seed's files, copied unchanged (scripts executable)
#   ROOT/etc/racoon/cert/     a test CA (hash link) and SITE.crt / SITE.pem
#   ROOT/etc/racoon/psk.txt   empty, mode 600
#   ROOT/var/racoon/          where the seed's adminsock lives
# Several sites may share one ROOT's CA: pass a shared PKI dir in SEED_PKI to reuse it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
seed=$here/../data/seed
root=$1; shift
for site in "$@"; do
  [ -d "$seed/$site" ] || { echo "seedroot.sh: no seed site '$site'" >&2; exit 2; }
  mkdir -p "$root/etc/racoon/cert" "$root/var/racoon"
  cp "$seed/$site"/* "$root/etc/racoon/"
  chmod +x "$root/etc/racoon"/*.sh "$root/etc/racoon"/ip-* 2>/dev/null || true
  : > "$root/etc/racoon/psk.txt"; chmod 600 "$root/etc/racoon/psk.txt"
  if [ -n "${SEED_PKI:-}" ]; then
    bash "$here/mkpki.sh" "$SEED_PKI" "$site"
    cp -P "$SEED_PKI"/*.0 "$SEED_PKI"/ca.crt "$SEED_PKI/$site.crt" "$SEED_PKI/$site.pem" \
      "$root/etc/racoon/cert/"
  else
    bash "$here/mkpki.sh" "$root/etc/racoon/cert" "$site"
  fi
done
