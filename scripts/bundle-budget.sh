#!/usr/bin/env bash
# The browser bundle's budget: what a page loads first (the JavaScript, the WASM and the
# stylesheet, under their hashed names, as sent with gzip and brotli) must stay within
# PURSER_BUNDLE_BUDGET_GZ bytes of gzip, in at most 4 WASM files, for every page.
# Prints the sizes, and where the WASM's bytes go, every time; fails when a page is
# over either. (Bytes are not what a person waits for: `make bench` measures that,
# scripts/first-load.sh. The file count is the part of it a build can check.)
#
# The budget is a ratchet at today's largest page: lower it as the bundle shrinks,
# never raise it without saying why in the commit.
set -euo pipefail
cd "$(dirname "$0")/.."
budget="${PURSER_BUNDLE_BUDGET_GZ:-875000}"
pkg=target/site/pkg
[ -f "$pkg/hash.txt" ] || { echo "no $pkg/hash.txt: run make build first" >&2; exit 1; }
status=0
python3 scripts/bundle_sizes.py "$budget" "$pkg" || status=$?
echo
python3 scripts/bundle_report.py || true
exit "$status"
