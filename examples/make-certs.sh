#!/bin/sh
# Make a private CA, a server certificate for localhost and a client certificate,
# for examples/mtls-server.mjs and examples/mtls-client.mjs. Needs the openssl command.
#
#   sh examples/make-certs.sh [DIR]    # writes ca, server and client .crt/.key to DIR (default ./certs)
set -eu
mkdir -p "${1:-certs}"
cd "${1:-certs}"
P256="-algorithm EC -pkeyopt ec_paramgen_curve:P-256"

# The CA: a self-signed certificate that both sides trust (their `ca` option). A CA
# certificate needs keyUsage (RFC 5280 §4.2.1.3; see docs/x509.md): `req -x509` adds the rest.
openssl genpkey $P256 -out ca.key
openssl req -x509 -key ca.key -subj "/CN=Example DTLS CA" -days 3650 -out ca.crt \
  -addext "keyUsage=critical,keyCertSign,cRLSign"

# The server: its names in subjectAltName, which the client checks its `host` against.
openssl genpkey $P256 -out server.key
openssl req -new -key server.key -subj "/CN=localhost" -out server.csr
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -extfile server.ext -out server.crt

# The client: the server reads its name from the subject's CN.
openssl genpkey $P256 -out client.key
openssl req -new -key client.key -subj "/CN=device-1" -out client.csr
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -extfile client.ext -out client.crt

rm -f ca.srl server.csr server.ext client.csr client.ext
echo "wrote $(pwd): ca.crt ca.key server.crt server.key client.crt client.key"
