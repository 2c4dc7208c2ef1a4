# Sourced by the bench scripts: starts the release server on $PORT with a throwaway storage
# folder, signs up a fresh account with a workspace (cookies in $JAR), and offers `api` (curl
# with the session) and `run NAME PATH` (wrk → req/s and latency percentiles).
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

DURATION="${BENCH_DURATION:-10s}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
BIN="${MEWAYZ_BIN:-$CARGO_TARGET_DIR/release/mewayz}"
BASE="http://127.0.0.1:$PORT"
UA="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
[[ -x $BIN ]] || { echo "$(basename "$0"): $BIN is missing; run 'cargo leptos build --release' first" >&2; exit 1; }
for tool in wrk brotli; do
  command -v $tool >/dev/null || apt-get install -y $tool >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y $tool >/dev/null; }
done

WORK="$(mktemp -d)"
LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT="$LEPTOS_SITE_ROOT" LOG_LEVEL=warn \
  AUTH_RATE_LIMIT_PER_MINUTE=0 API_RATE_LIMIT_PER_MINUTE=0 \
  JWT_SECRET="bench-secret-bench-secret-bench-secret-00" STORAGE_DIR="$WORK/files" \
  "$BIN" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 300); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/readyz") == 200 ]] && break
  sleep 0.1
done

EMAIL="bench+$(date +%s%N)@example.com"
PASSWORD="correct horse battery staple 42"
JAR="$WORK/cookies"
api() { curl -sf -b "$JAR" -c "$JAR" -H "origin: $BASE" -H 'content-type: application/json' "$@"; }
api -o /dev/null "$BASE/api/v1/auth/register" -d "$(printf '{"name":"Bench","email":"%s","password":"%s"}' "$EMAIL" "$PASSWORD")"
WORKSPACE=$(api "$BASE/api/v1/workspaces" -d '{"name":"Bench Studio"}' | sed -E 's/^\{"id":"([^"]+)".*/\1/')

cat >"$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.0f %.2f %.2f %.2f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA

run() { # run NAME PATH [wrk args…] → prints, and stores "rps p99" in $WORK/<name>
  local name=$1 path=$2 out; shift 2
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s "$WORK/report.lua" -H "User-Agent: $UA" \
    -H "Accept-Encoding: br" "$@" "$BASE$path" | grep '^RESULT')
  read -r _ rps p50 p95 p99 errors <<<"$out"
  printf '%-30s %8s req/s  p50 %6s ms  p95 %6s ms  p99 %6s ms  non-2xx/3xx+errors %s\n' "$name" "$rps" "$p50" "$p95" "$p99" "$errors"
  echo "$rps $p99" >"$WORK/${name//[^a-z]/_}"
}
verdict() { awk "BEGIN { exit !($1) }" && echo ok || echo MISS; }
