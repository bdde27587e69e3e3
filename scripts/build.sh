#!/usr/bin/env bash
# The release build: the server binary and the browser bundle in target/site, made the
# way `cargo leptos build --release --split` makes them (same profile, features,
# wasm-bindgen, wasm-opt and file names), without having to compile cargo-leptos first
# (about 25 minutes on two cores). `cargo leptos watch --split` remains the
# development loop for those who install it.
#
# The bundle is split at its lazy routes (app/src/routes.rs): the main module holds
# the framework and the layout; each page's code is its own module, loaded when the
# page is first shown (tools/split-wasm cuts it, as cargo-leptos does).
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
# The loader of the page modules, as the main module imports it before it is renamed.
loader_placeholder="__wasm_split.______________________.js"
start=$SECONDS
step() { printf '\n==> %s (%ds)\n' "$*" $((SECONDS - start)); }

step "Browser bundle: purser-app for wasm32 (profile wasm-release)"
# (.cargo/config.toml links it with --emit-relocs, which the split needs.)
cargo build -p purser-app --lib --target wasm32-unknown-unknown --profile wasm-release \
  --no-default-features --features hydrate

# What the rest of the bundle is made from: when neither it, nor the scripts and the
# splitter that make it, nor the stylesheet changed, target/site/pkg is already what
# the steps below would make.
source_stamp="$(cat "$wasm_out/purser_app.wasm" scripts/build.sh scripts/wasm-opt-all.mjs \
  tools/split-wasm/src/main.rs style/main.css | sha256sum | cut -c1-64)"
if [ -d "$pkg" ] && [ "$(cat target/bundle.source 2>/dev/null)" = "$source_stamp" ]; then
  step "The bundle in $pkg is up to date"
else
  make_bundle=1
fi

if [ -n "${make_bundle:-}" ]; then
step "Split at the lazy routes (tools/split-wasm)"
cargo build --release -p split-wasm --quiet
mkdir -p "$site"
tmp="$(mktemp -d "$site/pkg.new.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# (cargo's own output stays as it is: cargo would not link it again otherwise.)
target/release/split-wasm "$wasm_out/purser_app.wasm" "$wasm_out/purser_app_split.wasm" "$tmp"

step "wasm-bindgen"
# The loader needs the linker's exports (the function table) and the real names.
wasm-bindgen --target web --keep-lld-exports --no-demangle --out-name purser --out-dir "$tmp" \
  "$wasm_out/purser_app_split.wasm"
mv "$tmp/purser_bg.wasm" "$tmp/purser.wasm"
rm -f "$tmp"/*.d.ts

step "wasm-opt -Oz (the main module and each page's)"
# One process for the couple of hundred modules (scripts/wasm-opt-all.mjs; the npm
# build of Binaryen takes a second to start). Its warnings about the name section's
# newer subsections do not matter: the name section is dropped.
node scripts/wasm-opt-all.mjs "$TOOLS/binaryen" "$tmp"/purser.wasm "$tmp"/split_*.wasm "$tmp"/chunk_*.wasm 2>&1 |
  { grep -v 'unknown name subsection' || true; }

cp style/main.css "$tmp/purser.css"

# Each file also under a name carrying a hash of its content (what pages link to,
# listed in hash.txt as cargo-leptos lists them, and cached for a year by browsers),
# and precompressed, so the server sends bytes without compressing per request.
step "Content-hashed names; brotli and gzip copies"
sha() { sha256sum "$@" | cut -c1-16; }
# The JavaScript and the page modules import each other by name (the main module's
# JavaScript imports the loader, the loader imports it back and names every page
# module), so they are named by one hash of them all, taken before any is renamed.
modules=()
for module in "$tmp"/split_*.wasm "$tmp"/chunk_*.wasm; do
  [ -e "$module" ] && modules+=("$module")
done
bundle="$(cat "$tmp/purser.js" "$tmp/$loader_placeholder" "$tmp/purser.wasm" "${modules[@]}" | sha -)"
loader="__wasm_split.$bundle.js"
# Only the import statement is renamed: the same string is also the key under which
# the WASM module finds its imports, and that one stays.
sed -i "s|from \"./$loader_placeholder\"|from \"./$loader\"|" "$tmp/purser.js"
grep -q "from \"./$loader\"" "$tmp/purser.js" || {
  echo "error: the main module's JavaScript does not import ./$loader_placeholder" >&2
  exit 1
}
sed -i "s|from \"./purser.js\"|from \"./purser.$bundle.js\"|" "$tmp/$loader_placeholder"
for module in "${modules[@]}"; do
  stem="$(basename "$module" .wasm)"
  sed -i "s|\"./$stem.wasm\"|\"./$stem.$bundle.wasm\"|" "$tmp/$loader_placeholder"
  sed -i "s|\"$stem\"|\"$stem.$bundle\"|" "$tmp/__wasm_split_manifest.json"
  mv "$module" "$tmp/$stem.$bundle.wasm"
done
mv "$tmp/$loader_placeholder" "$tmp/$loader"
cp "$tmp/purser.js" "$tmp/purser.$bundle.js"
{
  echo "js: $bundle"
  echo "split: $bundle"
} > "$tmp/hash.txt"
for ext in wasm css; do
  hash="$(sha "$tmp/purser.$ext")"
  cp "$tmp/purser.$ext" "$tmp/purser.$hash.$ext"
  echo "$ext: $hash" >> "$tmp/hash.txt"
done
# (The plain names stay for what links to them without a hash: the development
# mailbox's stylesheet. Pages never load the plain bundle, so it is not compressed.)
find "$tmp" -type f \( -name '*.*.js' -o -name '*.*.wasm' -o -name '*.css' \) -print0 |
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

step "Built target/release/purser and $pkg: $(du -b "$pkg/purser.wasm" | cut -f1) bytes of main WASM, $(find "$pkg" -name '*.wasm' ! -name 'purser.*' | wc -l) page modules"
