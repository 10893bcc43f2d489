#!/usr/bin/env bash
# Makes a development certificate authority and certificates for sccd's TLS and mutual TLS.
# NOT for production: keys are unencrypted and the CA signs anything this script asks it to.
#
#   deploy/make-dev-ca.sh [OUT_DIR] [CLIENT_NAME]
#
# OUT_DIR (default ./tls) receives:
#   ca.pem / ca.key            the development CA (give ca.pem to clients: sccctl --tls-ca)
#   server.pem / server.key    sccd's certificate for localhost and 127.0.0.1 (sccd --tls-cert/--tls-key)
#   client.pem / client.key    a client certificate with CN=CLIENT_NAME (default scc-service),
#                              for mutual TLS (sccd --tls-client-ca ca.pem; sccctl --tls-cert/--tls-key)
# Extra server names: SCC_TLS_SANS="DNS:scc.example.org,IP:10.0.0.5" deploy/make-dev-ca.sh
set -euo pipefail

out="${1:-tls}"
client_name="${2:-scc-service}"
sans="DNS:localhost,IP:127.0.0.1${SCC_TLS_SANS:+,${SCC_TLS_SANS}}"
days=825

command -v openssl > /dev/null || { echo "make-dev-ca: openssl is missing (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$out"
umask 077

if [[ ! -f "$out/ca.pem" ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
    -keyout "$out/ca.key" -out "$out/ca.pem" -subj "/CN=SCC development CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2> /dev/null
fi

# issue NAME CN EXTENSIONS: a key and a certificate signed by the development CA.
issue() {
  local name="$1" cn="$2" extensions="$3"
  openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$out/$name.key" -out "$out/$name.csr" \
    -subj "/CN=$cn" 2> /dev/null
  openssl x509 -req -in "$out/$name.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" -CAcreateserial \
    -days "$days" -sha256 -out "$out/$name.pem" -extfile <(printf '%s\n' "$extensions") 2> /dev/null
  rm -f "$out/$name.csr"
}

issue server localhost "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$sans"
issue client "$client_name" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"

chmod 644 "$out"/*.pem
echo "make-dev-ca: CA, server ($sans) and client (CN=$client_name) certificates in $out/"
