#!/usr/bin/env bash
# tools/peers/tshark.sh: provides a tshark that dissects and decrypts DTLS 1.3 (Wireshark 4.4;
# Debian 12 ships 4.0, which stops at the ServerHello) for test/slow/tshark.test.ts.
# Debian 13 (trixie)'s tshark and the libraries it needs (its own glibc included) are downloaded
# as .debs with a private apt configuration and unpacked, not installed, into the cache; nothing
# on the system changes. The binary runs through trixie's dynamic loader with trixie's libraries.
# Prints the path of a wrapper that runs it like `tshark` (it reads captures; capture with the
# system's dumpcap/tshark). About 30 s and 190 MB the first time; later calls return at once.
#   PUREDTLS_PEERS=DIR   where builds are kept (default: ~/.cache/puredtls-peers)
#   PUREDTLS_TSHARK_MIRROR=URL  Debian mirror (default: http://deb.debian.org/debian)
set -euo pipefail
ROOT=${PUREDTLS_PEERS:-$HOME/.cache/puredtls-peers}
cached() {
  # Any cached version that runs will do: trixie's point releases replace the package.
  local w
  for w in "$ROOT"/tshark-*/tshark; do
    if [ -x "$w" ] && "$w" --version >/dev/null 2>&1; then echo "$w"; return 0; fi
  done
  return 1
}
cached && exit 0
mkdir -p "$ROOT"
# One download at a time (parallel test runs): the second waits, then finds the first's copy.
exec 9>"$ROOT/.tshark.lock"
flock 9
cached && exit 0

MIRROR=${PUREDTLS_TSHARK_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
work=$(mktemp -d "${TMPDIR:-/tmp}/tshark-debs.XXXXXX")
[ -d "$work" ] || exit 1
log=$work.log
trap 'rm -rf "$work"' EXIT
OUT=

# Each step is checked: `set -e` does not apply inside a function called as `fetch || ...`.
fetch() {
  export DEBIAN_FRONTEND=noninteractive
  if [ ! -f "$KEYRING" ]; then apt-get update -qq && apt-get install -y -qq debian-archive-keyring || return 1; fi
  local arch deb version ld multiarch
  arch=$(dpkg --print-architecture) || return 1
  mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/root" || return 1
  echo "deb [signed-by=$KEYRING] $MIRROR trixie main" > "$work/sources.list"
  : > "$work/status"   # an empty dpkg status: apt resolves the whole dependency closure, libc6 too
  apt_trixie() {
    apt-get -q -o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null \
      -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null \
      -o Dir::State="$work" -o Dir::State::Lists="$work/lists" -o Dir::State::status="$work/status" \
      -o Dir::Cache="$work" -o Dir::Cache::Archives="$work/archives" \
      -o APT::Architecture="$arch" -o APT::Architectures="$arch" -o APT::Install-Recommends=false \
      -o Debug::NoLocking=1 "$@"
  }
  apt_trixie update || return 1
  apt_trixie install -y --download-only tshark || return 1
  for deb in "$work"/archives/*.deb; do dpkg-deb -x "$deb" "$work/root" || return 1; done
  version=$(dpkg-deb -f "$work"/archives/tshark_*.deb Version | sed 's/-.*//') || return 1
  [ -n "$version" ] || { echo "no tshark package among the downloads"; return 1; }
  rm -rf "$work"/root/usr/share/{doc,man,locale,info} "$work"/root/var
  ld=$(find "$work/root/usr/lib" -maxdepth 2 -name 'ld-linux*.so.*' | head -1)
  [ -n "$ld" ] || { echo "no dynamic loader in the unpacked libc6"; return 1; }
  multiarch=$(basename "$(dirname "$ld")")
  # A copy of the loader beside tshark: Wireshark finds its data and plugin folders from its
  # program folder (/proc/self/exe, here the loader), so they resolve inside this tree.
  cp "$ld" "$work/root/usr/bin/ld.so" || return 1
  {
    echo '#!/bin/sh'
    echo "# Debian trixie's tshark $version, run with its own loader and libraries (tools/peers/tshark.sh)."
    echo "# A private, empty configuration folder keeps the user's and the system's Wireshark settings out."
    echo 'here=$(dirname "$(readlink -f "$0")")/root'
    echo 'conf=$(mktemp -d "${TMPDIR:-/tmp}/tshark-conf.XXXXXX") || exit 1'
    echo 'HOME=$conf WIRESHARK_CONFIG_DIR=$conf XDG_CONFIG_HOME=$conf "$here/usr/bin/ld.so" \'
    echo "  --library-path \"\$here/usr/lib/$multiarch\" \"\$here/usr/bin/tshark\" \"\$@\""
    echo 'rc=$?'
    echo 'rm -rf "$conf"'
    echo 'exit $rc'
  } > "$work/tshark" || return 1
  chmod +x "$work/tshark" || return 1
  OUT=$ROOT/tshark-$version
  rm -rf "$OUT" && mkdir -p "$OUT" && mv "$work/root" "$OUT/root" && mv "$work/tshark" "$OUT/tshark" || return 1
  "$OUT/tshark" --version > "$work/version" || return 1
  head -1 "$work/version"
}
fetch >"$log" 2>&1 || { echo "tshark (Debian trixie) download failed; log: $log" >&2; tail -20 "$log" >&2; exit 1; }
rm -f "$log"
echo "$OUT/tshark"
