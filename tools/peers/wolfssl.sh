#!/usr/bin/env bash
# tools/peers/wolfssl.sh: builds wolfSSL 5.5.4 (Debian 12's source package) with DTLS 1.3, CID, PSK,
# tickets, CCM, X25519/Ed25519, and its example client and server, once, for the scan tests
# (test/scan/). A copy of the shared interop recipe, so a clone of the project builds its own.
# Prints the install folder on stdout (bin/client, bin/server, lib/). About 4 minutes
# on 2 cores the first time; later calls return at once.
#   PUREDTLS_PEERS=DIR   where builds are kept (default: ~/.cache/puredtls-peers)
set -euo pipefail
ROOT=${PUREDTLS_PEERS:-$HOME/.cache/puredtls-peers}
OUT=$ROOT/wolfssl-5.5.4-dtls13
if [ -x "$OUT/bin/client" ] && [ -x "$OUT/bin/server" ] && [ -f "$OUT/certs/dh2048.pem" ]; then echo "$OUT"; exit 0; fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp "${TMPDIR:-/tmp}/wolfssl-build.XXXXXX.log")
{
  need=()
  for t in autoconf automake libtoolize gcc make dpkg-source; do command -v $t >/dev/null || need+=($t); done
  if [ ${#need[@]} -gt 0 ]; then apt-get update -qq; apt-get install -y -qq autoconf automake libtool gcc make dpkg-dev; fi
  # Debian source packages: add deb-src next to the existing deb lines if none is configured.
  if ! grep -rqs 'deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed -e 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > /etc/apt/sources.list.d/puredtls-deb-src.sources
    else
      sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/puredtls-deb-src.list
    fi
    apt-get update -qq
  fi
  src=$(mktemp -d "${TMPDIR:-/tmp}/wolfssl-src.XXXXXX")
  (cd "$src" && apt-get source -qq --download-only wolfssl=5.5.4-2+deb12u2 || apt-get source -qq --download-only wolfssl)
  tar -xzf "$src"/wolfssl_5.5.4.orig.tar.gz -C "$src"
  cd "$src"/wolfssl-5.5.4*
  ./autogen.sh
  ./configure --enable-dtls --enable-dtls13 --enable-dtlscid --enable-session-ticket --enable-psk \
    --enable-aesccm --enable-curve25519 --enable-ed25519 --enable-secure-renegotiation \
    --disable-crypttests CFLAGS="-O2 -Wno-error -Wno-stringop-overflow"
  make -j"$(nproc)"
  mkdir -p "$OUT/bin" "$OUT/lib" "$OUT/certs"
  cp certs/dh2048.pem "$OUT/certs/"   # the examples look for it to find their home folder
  cp examples/client/.libs/client examples/server/.libs/server "$OUT/bin/"
  cp -P src/.libs/libwolfssl.so* "$OUT/lib/"
  rm -rf "$src"
} >"$log" 2>&1 || { echo "wolfSSL build failed; log: $log" >&2; tail -20 "$log" >&2; exit 1; }
rm -f "$log"
echo "$OUT"
