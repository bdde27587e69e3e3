#!/usr/bin/env bash
# Starts the release build on a fresh SQLite database holding the demo organization,
# delivering email over SMTP to a real SMTP server (Python's aiosmtpd) that writes
# each message into a Maildir the tests read.
set -euo pipefail
port="$1"
smtp_port="$2"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="/tmp/purser-e2e-$port"
rm -rf "$work"
mkdir -p "$work"
bin="$root/target/release/purser"

python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$work/mail" &
smtp_pid=$!
trap 'kill "$smtp_pid" 2>/dev/null || true' EXIT

"$bin" --data-dir "$work" demo --format json > "$work/demo.json"
# The suite signs in from one address far more often than a person would; its OpenID
# provider runs on loopback (tests/sso.spec.ts).
PURSER_LIMIT_SIGN_IN_PER_MINUTE=600 PURSER_LIMIT_SIGN_UP_PER_HOUR=600 \
"$bin" --data-dir "$work" serve --addr "127.0.0.1:$port" --site-root "$root/target/site" \
  --sso-allow-private-networks \
  --smtp-url "smtp://127.0.0.1:$smtp_port" --smtp-from "Purser <purser@e2e.test>"
