#!/usr/bin/env bash
# Fuzzes the REST API from its own OpenAPI document with schemathesis (PyPI, 4.x):
# starts the server binary on a fresh SQLite data directory with the demo
# organization, runs schemathesis as the demo admin (alice) with the settings in
# schemathesis.toml, and stops the server. Fails on any server error, any status the
# document does not list, any response that does not match its schema, any
# schema-valid request refused and any schema-invalid request accepted.
#
#   PURSER_BIN         the server binary (default target/release/purser, from `make build`)
#   FUZZ_MAX_EXAMPLES  examples per operation and phase (default 300: about 2–3 minutes on 2 cores)
#   FUZZ_WORKERS       concurrent schemathesis workers (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${PURSER_BIN:-target/release/purser}"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-300}"
WORKERS="${FUZZ_WORKERS:-1}"

if [ ! -x "$BIN" ]; then
  echo "error: $BIN is missing: run 'make build' (or set PURSER_BIN)" >&2
  exit 1
fi
if ! python3 -c 'import schemathesis' 2>/dev/null; then
  echo "error: schemathesis is missing: run 'make setup'" >&2
  exit 1
fi

DATA="$(mktemp -d)"
SERVER_PID=""
stop() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$DATA"
}
trap stop EXIT

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"

"$BIN" --data-dir "$DATA" demo --format json >"$DATA/demo.json"
TOKEN="$(python3 -c '
import json, sys
demo = json.load(open(sys.argv[1]))
print(next(u["token"] for u in demo["users"] if u["role"] == "admin"))
' "$DATA/demo.json")"

# The fuzzer sends thousands of requests from one address: rate limits off (0), so
# that every answer comes from the endpoint itself. The 429s they give are documented.
PURSER_LIMIT_SIGN_IN_PER_MINUTE=0 \
PURSER_LIMIT_SIGN_UP_PER_HOUR=0 \
PURSER_LIMIT_EMAILS_PER_HOUR=0 \
PURSER_LIMIT_INVITATIONS_PER_HOUR=0 \
PURSER_LIMIT_ACCEPTANCES_PER_HOUR=0 \
PURSER_LIMIT_TOKEN_FAILURES_PER_MINUTE=0 \
RUST_LOG="${RUST_LOG:-warn}" \
  "$BIN" --data-dir "$DATA" serve --addr "127.0.0.1:$PORT" --site-root "$DATA/site" \
  >"$DATA/server.log" 2>&1 &
SERVER_PID=$!

for _ in $(seq 1 100); do
  if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
    "$BASE/api/openapi.json" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "error: the server did not start:" >&2
    cat "$DATA/server.log" >&2
    exit 1
  fi
  sleep 0.2
done

status=0
python3 -m schemathesis.cli run "$BASE/api/openapi.json" \
  --header "Authorization: token $TOKEN" \
  --max-examples "$MAX_EXAMPLES" \
  --workers "$WORKERS" \
  "$@" || status=$?

if grep -q "panicked" "$DATA/server.log"; then
  echo "error: the server panicked during the run" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "--- the server's errors during the run:" >&2
  grep -E "ERROR|panicked" "$DATA/server.log" | tail -n 30 >&2 || true
fi
exit "$status"
