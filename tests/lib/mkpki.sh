#!/usr/bin/env bash
# mkpki.sh DIR HOST... : a test CA and one certificate + key per HOST, in racoon's layout.
#   DIR/ca.crt, DIR/ca.key       the CA ("C=FR, O=coati test, CN=coati test CA")
#   DIR/<hash>.0 -> ca.crt       the hash link racoon (and coati) find CAs by
#   DIR/HOST.crt, DIR/HOST.pem   certificate and RSA-2048 key (PKI_BITS), subject
#                                "C=FR, O=coati test, OU=HOST, CN=HOST"
# Env: PKI_DAYS (default 365), PKI_NOT_BEFORE / PKI_NOT_AFTER (YYYYMMDDHHMMSSZ, both set:
# fixed validity, e.g. to make an expired certificate), PKI_CA_NAME (CN of the CA),
# PKI_BITS (RSA key size of the CA and the hosts, default 2048).
# An existing CA in DIR is reused, so hosts can be added later.
set -euo pipefail
dir=$1; shift
mkdir -p "$dir"
cd "$dir"
ca_cn=${PKI_CA_NAME:-coati test CA}
days=${PKI_DAYS:-365}
bits=${PKI_BITS:-2048}
if [ ! -f ca.key ]; then
  openssl req -x509 -newkey "rsa:$bits" -nodes -keyout ca.key -out ca.crt -days 3650 \
    -subj "/C=FR/O=coati test/CN=$ca_cn" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    2>/dev/null
  ln -sf ca.crt "$(openssl x509 -hash -noout -in ca.crt).0"
fi
for host in "$@"; do
  openssl req -newkey "rsa:$bits" -nodes -keyout "$host.pem" -out "$host.csr" \
    -subj "/C=FR/O=coati test/OU=$host/CN=$host" 2>/dev/null
  if [ -n "${PKI_NOT_BEFORE:-}" ] && [ -n "${PKI_NOT_AFTER:-}" ]; then
    # 'openssl ca' is the one command that takes explicit start and end dates.
    mkdir -p .ca/new && : > .ca/index.txt && { [ -f .ca/serial ] || echo 1000 > .ca/serial; }
    cat > .ca/ca.cnf <<CNF
[ca]
default_ca = d
[d]
dir = .ca
database = .ca/index.txt
new_certs_dir = .ca/new
serial = .ca/serial
default_md = sha256
policy = p
unique_subject = no
[p]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
CNF
    openssl ca -batch -config .ca/ca.cnf -cert ca.crt -keyfile ca.key -in "$host.csr" \
      -out "$host.crt" -startdate "$PKI_NOT_BEFORE" -enddate "$PKI_NOT_AFTER" -notext 2>/dev/null
  else
    openssl x509 -req -in "$host.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
      -out "$host.crt" -days "$days" -sha256 2>/dev/null
  fi
  rm -f "$host.csr"
  chmod 600 "$host.pem"
done
