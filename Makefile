# The two commands: `make run` (set up what is missing, then serve the demo on SQLite)
# and `make test` (every check and test CI runs).

TOOLS ?= $(HOME)/.cache/purser-tools
export PATH := $(TOOLS)/binaryen/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
ADDR ?= 127.0.0.1:3000
DATA ?= data

.PHONY: run setup setup-run build test lint unit bundle-budget scale-out fuzz-api scim-compliance e2e bench bench-first-load clean-test-dbs

run: setup-run build
	./target/release/purser --data-dir $(DATA) demo
	./target/release/purser --data-dir $(DATA) serve --addr $(ADDR) --dev-mailbox --site-root target/site

setup:
	bash scripts/setup.sh

# Only what building and serving need (not Chromium, HAProxy, Playwright, the fuzzer).
setup-run:
	bash scripts/setup.sh run

# What `cargo leptos build --release` makes, without needing cargo-leptos.
build:
	bash scripts/build.sh

test: setup lint unit build bundle-budget scale-out fuzz-api scim-compliance e2e

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p purser-app --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

# Unit and integration tests, on SQLite and on PostgreSQL (127.0.0.1:5432).
unit:
	cargo test --workspace

# What every page loads first must stay within its gzip budget; prints the sizes and
# where the WASM's bytes go (scripts/bundle-budget.sh, scripts/bundle_report.py).
bundle-budget: build
	bash scripts/bundle-budget.sh

# Two release instances on one PostgreSQL database behind HAProxy, tried through it
# (server/tests/api/scale_out.rs): sessions, races, billing, the outbox, a SIGKILL.
scale-out: setup build
	cargo test -p purser-server --test api scale_out -- --ignored

# schemathesis against the REST API of the release build, from its OpenAPI document:
# no server error, no undocumented status, no response off its schema, no valid
# request refused, no invalid one accepted (scripts/schemathesis.sh, schemathesis.toml).
fuzz-api: setup build
	bash scripts/schemathesis.sh

# scim2-tester (PyPI) against /scim/v2/acme of the release build: every check of
# RFC 7643/7644 it knows, no violation.
scim-compliance: setup build
	bash scripts/scim-compliance.sh

# Playwright in Debian's Chromium against the release build on a fresh SQLite database.
e2e:
	cd end2end && npx playwright test

# The benchmarks (not part of `make test`): the load benchmark, the release build on SQLite
# and on PostgreSQL, the demo organization and then a large one, each path under wrk
# (scripts/bench.sh); then the first-load benchmark, each page in Chromium from navigation
# to hydration, cold and warm, on localhost and two emulated networks (scripts/first-load.sh).
bench: setup build
	bash scripts/bench.sh
	bash scripts/first-load.sh

bench-first-load: setup build
	bash scripts/first-load.sh
