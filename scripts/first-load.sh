#!/usr/bin/env bash
# The first-load benchmark (part of `make bench`): the release build on a fresh SQLite
# database holding the demo organization, each page opened in Chromium with a cold
# cache and then warm, on localhost and under two emulated networks; prints the table
# (scripts/first_load.mjs) and writes it to target/bench/first-load.md.
#
#   FIRST_LOAD_RUNS  visits per page and network (default 5; the table shows medians)
#   PURSER_BIN       the server binary (default target/release/purser, from `make build`)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${PURSER_BIN:-target/release/purser}"
RUNS="${FIRST_LOAD_RUNS:-5}"
[ -x "$BIN" ] || { echo "error: $BIN is missing: run \`make build\` first" >&2; exit 1; }
WORK="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
"$BIN" --data-dir "$WORK" demo --format json >"$WORK/demo.json" 2>"$WORK/demo.log"
RUST_LOG=warn "$BIN" --data-dir "$WORK" serve --addr "127.0.0.1:$PORT" --site-root target/site \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 150); do
  curl -sf -o /dev/null "$BASE/readyz" && break
  sleep 0.2
done
curl -sf -o /dev/null "$BASE/readyz" || { cat "$WORK/server.log" >&2; exit 1; }

mkdir -p target/bench
{
  echo "First load at $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $RUNS visits each, on $(nproc) cores ($(uname -m)), $(chromium --version 2>/dev/null | head -n1):"
  echo
  node scripts/first_load.mjs "$BASE" "$WORK/demo.json" "$RUNS"
} | tee target/bench/first-load.md
