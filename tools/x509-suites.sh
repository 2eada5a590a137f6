#!/usr/bin/env bash
# npm run test:x509-suites: the independent path-validation suites of issue 14's
# acceptance, on both crypto providers (docs/x509.md, "Independent suites").
#
# - NIST PKITS (2011 edition) from Debian's python3-cryptography-vectors package
#   (cryptography_vectors/x509/PKITS_data): fetched once with apt-get download into
#   ~/.cache/puredtls-x509/pkits (certs/ and crls/, 2.4 MB). Gating: every case must
#   reach PKITS's verdict or differ as documented in tools/x509-suite/pkits.ts.
# - x509-limbo: X509_LIMBO_JSON, else ~/.cache/puredtls-x509/limbo.json, else a
#   download of the suite's limbo.json from its repository (kept in the cache).
#   Gating when present: every applicable case passes or differs by design. Where
#   neither a copy nor the download is available (a network with no route to
#   GitHub), it says so and is not run.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${XDG_CACHE_HOME:-$HOME/.cache}/puredtls-x509"
pkits="$cache/pkits"
mkdir -p "$cache"

if [ ! -f "$pkits/certs/TrustAnchorRootCertificate.crt" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  sys=/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data
  if [ -d "$sys/certs" ]; then
    src="$sys"
  else
    ( cd "$tmp" && { apt-get download -qq python3-cryptography-vectors >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get download -qq python3-cryptography-vectors >/dev/null 2>&1; }; } )
    dpkg-deb -x "$tmp"/python3-cryptography-vectors_*.deb "$tmp/x"
    src="$tmp/x/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data"
  fi
  rm -rf "$pkits.new" && mkdir -p "$pkits.new"
  cp -r "$src/certs" "$src/crls" "$pkits.new/"
  rm -rf "$pkits" && mv "$pkits.new" "$pkits"
fi
for provider in node noble; do
  echo "== PKITS, $provider provider"
  node tools/x509-suite.mjs pkits --provider "$provider" "$pkits"
done

limbo="${X509_LIMBO_JSON:-$cache/limbo.json}"
if [ ! -f "$limbo" ] && [ -z "${X509_LIMBO_JSON:-}" ]; then
  if curl -fsSL --max-time 120 -o "$limbo.part" https://raw.githubusercontent.com/C2SP/x509-limbo/main/limbo.json 2>/dev/null; then
    mv "$limbo.part" "$limbo"
  else
    rm -f "$limbo.part"
  fi
fi
if [ -f "$limbo" ]; then
  for provider in node noble; do
    echo "== x509-limbo ($limbo), $provider provider"
    node tools/x509-suite.mjs limbo --provider "$provider" "$limbo"
  done
else
  echo "== x509-limbo: not run: no limbo.json at $limbo and the download failed (no route to GitHub?); set X509_LIMBO_JSON or place the file there"
fi
