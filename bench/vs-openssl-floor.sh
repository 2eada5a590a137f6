#!/usr/bin/env bash
# bench/vs-openssl-floor.sh [ROUNDS=3]: the echo part of ../shared/bench/vs-openssl.sh (1,200-byte
# records, 64 in flight, 3 s, OpenSSL's C client dtls_bench) against three servers in the same run,
# alternating: OpenSSL's C server, our CLI server, and the floor (bench/floor-server.mjs: our
# handshake, then each record opened and sealed with node:crypto straight on the socket — what any
# node:crypto + dgram server pays at least). Prints records/s and the server's CPU per echoed record
# (all its threads, from /proc), then the medians and the ratios to OpenSSL.
# Needs `npm run build` and the C client: built here from ../shared/bench/dtls_bench.c (as
# vs-openssl.sh does) unless $TMPDIR/puredtls-bench/dtls_bench exists.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd); SHARED=${SHARED:-$ROOT/../shared}
ROUNDS=${1:-3}; SECS=${ECHO_SECS:-3}
B=${TMPDIR:-/tmp}/puredtls-bench; mkdir -p "$B"
if [ ! -x "$B/dtls_bench" ]; then
  [ -f "$SHARED/bench/dtls_bench.c" ] || { echo "no $SHARED/bench/dtls_bench.c: cannot build OpenSSL's C client" >&2; exit 2; }
  [ -f /usr/include/openssl/ssl.h ] || (apt-get update -qq && apt-get install -y -qq libssl-dev gcc) >/dev/null
  gcc -O2 -o "$B/dtls_bench" "$SHARED/bench/dtls_bench.c" -lssl -lcrypto
fi
PKI=$ROOT/test/fixtures/pki; CERT=$PKI/server-ecdsa-p256.crt.pem KEY=$PKI/server-ecdsa-p256.key.pem
hz=$(getconf CLK_TCK); ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
wait_listening() { for _ in $(seq 1 100); do grep -q 'listening on udp://' "$1" && return 0; sleep 0.1; done; echo "server did not start: $(cat "$1")" >&2; return 1; }
echo_run() { # PID PORT -> "records_per_s us_cpu_per_record"
  local pid=$1 port=$2 t0 t1 out rate n
  "$B/dtls_bench" client -p "$port" -m echo -s 1200 -w 64 -t 1 >/dev/null 2>&1 || true # warm-up
  t0=$(ticks "$pid")
  out=$("$B/dtls_bench" client -p "$port" -m echo -s 1200 -w 64 -t "$SECS" 2>&1 || true)
  t1=$(ticks "$pid")
  rate=$(sed -n 's/.* rate=\([0-9]*\) rec.*/\1/p' <<<"$out"); n=$(sed -n 's/.* replies=\([0-9]*\).*/\1/p' <<<"$out")
  echo "${rate:-0} $(( (t1 - t0) * 1000000 / hz / ${n:-1} ))"
}
pick_port() { echo $(( 20000 + RANDOM % 20000 )); }
o_r=(); p_r=(); f_r=()
for r in $(seq 1 "$ROUNDS"); do
  pa=$(pick_port); "$B/dtls_bench" server -p "$pa" -L -c "$CERT" -k "$KEY" -n 1000000 >/dev/null 2>&1 & cp=$!; sleep 0.5
  read -r o_rate o_us < <(echo_run $cp "$pa"); kill $cp; wait $cp 2>/dev/null || true
  pb=$(pick_port); node "$ROOT/dist/cli/main.js" server --quiet --host 127.0.0.1 --port "$pb" --cert "$CERT" --key "$KEY" >"$B/srv.out" 2>&1 & sp=$!
  wait_listening "$B/srv.out"; read -r p_rate p_us < <(echo_run $sp "$pb"); kill $sp; wait $sp 2>/dev/null || true
  pc=$(pick_port); node "$ROOT/bench/floor-server.mjs" --host 127.0.0.1 --port "$pc" --cert "$CERT" --key "$KEY" >"$B/floor.out" 2>&1 & fp=$!
  wait_listening "$B/floor.out"; read -r f_rate f_us < <(echo_run $fp "$pc"); kill $fp; wait $fp 2>/dev/null || true
  grep -q 'floor path: [1-9]' "$B/floor.out" || { echo "the floor server echoed nothing itself: $(cat "$B/floor.out")" >&2; exit 1; }
  echo "round $r: echo rec/s (server CPU per record): OpenSSL C ${o_rate} (${o_us} us), ours ${p_rate} (${p_us} us), floor ${f_rate} (${f_us} us)"
  o_r+=("$o_rate"); p_r+=("$p_rate"); f_r+=("$f_rate")
done
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
mo=$(med "${o_r[@]}"); mp=$(med "${p_r[@]}"); mf=$(med "${f_r[@]}")
awk -v o="$mo" -v p="$mp" -v f="$mf" 'BEGIN{printf "median: OpenSSL C %d rec/s, ours %d (x%.2f OpenSSL'"'"'s), floor %d (x%.2f OpenSSL'"'"'s); ours x%.2f the floor\n", o, p, (o>0)?p/o:0, f, (o>0)?f/o:0, (f>0)?p/f:0}'
