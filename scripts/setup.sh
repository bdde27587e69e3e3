#!/usr/bin/env bash
# Installs what building and testing Purser needs and is missing; safe to run again.
# `scripts/setup.sh run` installs only what building and serving need (`make run`);
# without an argument, also what the tests and the benchmark need.
# Only crates.io, npm, PyPI and Debian's packages are used (nothing is downloaded
# from elsewhere, which this machine cannot reach).
set -euo pipefail
cd "$(dirname "$0")/.."

FOR="${1:-test}"
case "$FOR" in
  run | test) ;;
  *) echo "usage: $0 [run|test]" >&2; exit 2 ;;
esac

TOOLS="${PURSER_TOOLS_DIR:-$HOME/.cache/purser-tools}"
CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_VERSION=132
# The CLI must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p' | head -n1)
export PATH="$HOME/.cargo/bin:$PATH"

start=$SECONDS
step() { printf '\n==> %s (%ds)\n' "$*" $((SECONDS - start)); }
have() { command -v "$1" >/dev/null 2>&1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "Adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

# cargo-leptos is not needed: scripts/build.sh builds what `cargo leptos build
# --release` builds. Install it (`cargo install cargo-leptos --locked --version
# $CARGO_LEPTOS_VERSION`, about 25 minutes) only for the `cargo leptos watch` loop.

if ! have wasm-bindgen || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  step "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Without --locked: its lockfile names a crate version the registry lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ ! -x "$TOOLS/binaryen/node_modules/.bin/wasm-opt" ]; then
  step "Installing wasm-opt (binaryen $BINARYEN_VERSION from npm; Debian's 108 makes WASM that fails to hydrate)"
  mkdir -p "$TOOLS/binaryen"
  npm install --prefix "$TOOLS/binaryen" --no-audit --no-fund "binaryen@$BINARYEN_VERSION"
fi

if ! have brotli; then
  step "Installing brotli from Debian (the build precompresses the bundle)"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y brotli
fi

if [ "$FOR" = run ]; then
  printf '\n==> Ready to build and serve (%ds)\n' $((SECONDS - start))
  exit 0
fi

if ! have chromium; then
  step "Installing Chromium from Debian"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

if ! have wrk; then
  step "Installing wrk from Debian (the HTTP load generator of make bench)"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y wrk
fi

if ! have haproxy; then
  step "Installing HAProxy from Debian (the load balancer of the two-instance test)"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y haproxy
fi

if [ ! -d end2end/node_modules/@playwright/test ]; then
  step "Installing Playwright (the test runner only; it uses Debian's Chromium)"
  (cd end2end && npm ci --no-audit --no-fund)
fi

if [ ! -d server/tests/oidc/node_modules/oidc-provider ]; then
  step "Installing the OpenID providers the SSO tests start (npm oidc-provider and jose)"
  (cd server/tests/oidc && npm ci --no-audit --no-fund)
fi

if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
  step "Installing aiosmtpd (the SMTP server the tests deliver to)"
  python3 -m pip install --quiet aiosmtpd
fi

if ! python3 -c 'import localstripe' 2>/dev/null; then
  step "Installing localstripe (the Stripe-compatible server the payment tests charge)"
  python3 -m pip install --quiet "localstripe==1.15.10"
fi

if ! python3 -c 'import scim2_tester, scim2_client.engines.httpx2' 2>/dev/null; then
  step "Installing scim2-tester (the SCIM 2.0 compliance suite, through scim2-cli)"
  python3 -m pip install --quiet "scim2-cli==0.6.0" "scim2-tester==0.5.2"
fi

if ! python3 -c 'import schemathesis, sys; sys.exit(not schemathesis.__version__.startswith("4."))' 2>/dev/null; then
  step "Installing schemathesis 4 (fuzzes the REST API from its OpenAPI document)"
  python3 -m pip install --quiet "schemathesis>=4,<5"
fi

if have pg_isready && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  step "Starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
