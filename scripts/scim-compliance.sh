#!/usr/bin/env bash
# The SCIM 2.0 compliance suite (part of `make test`): the release build on a fresh
# SQLite data directory with the demo organization switched to a directory provider, a
# SCIM token made through the REST API as its admin, then scim2-tester's checks of
# RFC 7643/7644 against /scim/v2/acme (scripts/scim_compliance.py). Fails on any
# violation, and if the server panicked or answered 500.
#
#   PURSER_BIN  the server binary (default target/release/purser, from `make build`)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${PURSER_BIN:-target/release/purser}"
[ -x "$BIN" ] || { echo "error: $BIN is missing: run 'make build' (or set PURSER_BIN)" >&2; exit 1; }
python3 -c 'import scim2_tester' 2>/dev/null ||
  { echo "error: scim2-tester is missing: run 'make setup'" >&2; exit 1; }

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
ADMIN="$(python3 -c '
import json, sys
demo = json.load(open(sys.argv[1]))
print(next(u["token"] for u in demo["users"] if u["role"] == "admin"))
' "$DATA/demo.json")"
RUST_LOG="${RUST_LOG:-warn}" "$BIN" --data-dir "$DATA" serve --addr "127.0.0.1:$PORT" \
  --site-root "$DATA/site" >"$DATA/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -sf -o /dev/null "$BASE/readyz" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$DATA/server.log" >&2; exit 1; }
  sleep 0.2
done

rest() {
  curl -sf -X "$1" "$BASE$2" -H "Authorization: token $ADMIN" -H 'Content-Type: application/json' -d "$3"
}
rest PUT /api/orgs/acme/identity-provider '{"identityProvider": "directory"}' >/dev/null
TOKEN="$(rest POST /api/orgs/acme/scim-tokens '{"description": "scim2-tester"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"

status=0
python3 scripts/scim_compliance.py "$BASE/scim/v2/acme" "$TOKEN" || status=$?
if grep -qE "panicked|Status code: 5" "$DATA/server.log"; then
  echo "error: the server failed during the run:" >&2
  grep -E "panicked|Status code: 5|ERROR" "$DATA/server.log" | tail -n 30 >&2
  status=1
fi
exit "$status"
