#!/usr/bin/env bash
# Starts the release build on a fresh SQLite database holding the demo organization.
set -euo pipefail
port="$1"
root="$(cd "$(dirname "$0")/.." && pwd)"
data="$(mktemp -d -t purser-e2e.XXXXXX)"
bin="$root/target/release/purser"
"$bin" --data-dir "$data" demo --format json > "$data/demo.json"
exec "$bin" --data-dir "$data" serve --addr "127.0.0.1:$port" --dev-mailbox --site-root "$root/target/site"
