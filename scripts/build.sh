#!/usr/bin/env bash
# The release build: the server binary and the browser bundle in target/site, made the
# way `cargo leptos build --release` makes them (same profile, features, wasm-bindgen,
# wasm-opt and file names), without having to compile cargo-leptos first (about 25
# minutes on two cores). `cargo leptos watch` remains the development loop for those
# who install it.
#
# The bundle is one WASM module for every page. It was once split at the routes (a
# module per page, and one per set of pages sharing code): 146 files for Billing &
# usage, each its own request, which over HTTP/1.1's six connections a page made a
# person wait for in round trips (scripts/first-load.sh measures it; README, "The
# browser bundle").
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${PURSER_TOOLS_DIR:-$HOME/.cache/purser-tools}"
export PATH="$HOME/.cargo/bin:$PATH"

# Read at compile time by leptos: the bundle is /pkg/purser.js and /pkg/purser.wasm
# (and their content-hashed names, see below).
export LEPTOS_OUTPUT_NAME=purser
site=target/site
pkg="$site/pkg"
wasm_out=target/wasm32-unknown-unknown/wasm-release
start=$SECONDS
step() { printf '\n==> %s (%ds)\n' "$*" $((SECONDS - start)); }

step "Browser bundle: purser-app for wasm32 (profile wasm-release)"
cargo build -p purser-app --lib --target wasm32-unknown-unknown --profile wasm-release \
  --no-default-features --features hydrate

# What the rest of the bundle is made from: when neither it, nor the scripts that make
# it, nor the stylesheet changed, target/site/pkg is already what the steps below make.
source_stamp="$(cat "$wasm_out/purser_app.wasm" scripts/build.sh scripts/wasm-opt-all.mjs \
  style/main.css | sha256sum | cut -c1-64)"
if [ -d "$pkg" ] && [ "$(cat target/bundle.source 2>/dev/null)" = "$source_stamp" ]; then
  step "The bundle in $pkg is up to date"
else
  make_bundle=1
fi

if [ -n "${make_bundle:-}" ]; then
step "wasm-bindgen"
mkdir -p "$site"
tmp="$(mktemp -d "$site/pkg.new.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target web --out-name purser --out-dir "$tmp" "$wasm_out/purser_app.wasm"
mv "$tmp/purser_bg.wasm" "$tmp/purser.wasm"
rm -f "$tmp"/*.d.ts

step "wasm-opt -Oz"
# (scripts/wasm-opt-all.mjs: Binaryen from npm, with -Oz's levels and features. Its
# warnings about the name section's newer subsections do not matter: it is dropped.)
node scripts/wasm-opt-all.mjs "$TOOLS/binaryen" "$tmp/purser.wasm" 2>&1 |
  { grep -v 'unknown name subsection' || true; }

cp style/main.css "$tmp/purser.css"

# Each file also under a name carrying its content's hash (what pages link to, listed
# in hash.txt as cargo-leptos lists them, and cached for a year by browsers), and
# precompressed, so the server sends bytes without compressing per request.
step "Content-hashed names; brotli and gzip copies"
: > "$tmp/hash.txt"
for ext in js wasm css; do
  hash="$(sha256sum "$tmp/purser.$ext" | cut -c1-16)"
  cp "$tmp/purser.$ext" "$tmp/purser.$hash.$ext"
  echo "$ext: $hash" >> "$tmp/hash.txt"
done
# (The plain names stay for what links to them without a hash: the development
# mailbox's stylesheet. Pages never load the plain bundle, so it is not compressed.)
find "$tmp" -type f \( -name 'purser.*.*' -o -name '*.css' \) -print0 |
  while IFS= read -r -d '' file; do
    gzip -9 -n -k -f "$file"
    brotli -q 11 -k -f "$file"
  done
if [ -d public ]; then cp -r public/. "$site/"; fi
rm -rf "$pkg"
mv "$tmp" "$pkg"
chmod 755 "$pkg"
trap - EXIT
echo "$source_stamp" > target/bundle.source
fi

step "Server: purser (release)"
cargo build --release -p purser-server --bin purser

step "Built target/release/purser and $pkg: $(du -b "$pkg/purser.wasm" | cut -f1) bytes of WASM"
