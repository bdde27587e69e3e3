#!/usr/bin/env bash
# The load benchmark: the release build under wrk, on SQLite and on PostgreSQL, with the
# demo organization `acme` ("small") and then with `acme` made large ("large"). For each
# database it seeds, starts the server, signs in, checks every path once with curl, then
# hammers each path with wrk and prints a Markdown table. Not part of `make test`.
#
#   BENCH_DB           sqlite, postgres, or both in turn (default: "sqlite postgres")
#   BENCH_SIZES        small, large, or both in turn (default: "small large")
#   BENCH_DURATION     wrk's run per path (default 10s)
#   BENCH_CONNECTIONS  wrk's open connections (default 64; two wrk threads)
#   BENCH_ACCEPT_ENCODING  the Accept-Encoding of every request (default what Chromium
#                      sends, "gzip, deflate, br, zstd"; empty asks for uncompressed answers)
#   PURSER_BIN         the server binary (default target/release/purser, from `make build`)
#
# Progress goes to stderr, the tables to stdout; both tables are also written to
# target/bench/results.md, the raw numbers to target/bench/results.json and wrk's own
# output to target/bench/raw/. PostgreSQL is 127.0.0.1:5432, user postgres, trust
# auth: the database purser_bench is created afresh and dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${PURSER_BIN:-target/release/purser}"
DBS="${BENCH_DB:-sqlite postgres}"
SIZES="${BENCH_SIZES:-small large}"
DURATION="${BENCH_DURATION:-10s}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
ACCEPT_ENCODING="${BENCH_ACCEPT_ENCODING-gzip, deflate, br, zstd}"
THREADS=2
SITE_ROOT=target/site
OUT=target/bench
ORG=acme
PG_HOST=127.0.0.1
PG_PORT=5432
PG_USER=postgres
PG_DB=purser_bench
PG_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# --- What the run needs -------------------------------------------------------------

for db in $DBS; do
  case "$db" in sqlite | postgres) ;; *) die "BENCH_DB: '$db' is neither sqlite nor postgres" ;; esac
done
for size in $SIZES; do
  case "$size" in small | large) ;; *) die "BENCH_SIZES: '$size' is neither small nor large" ;; esac
done
[ -n "$DBS" ] || die "BENCH_DB is empty"
[ -n "$SIZES" ] || die "BENCH_SIZES is empty"
[[ "$CONNECTIONS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_CONNECTIONS: '$CONNECTIONS' is not a positive number"
# wrk needs at least as many connections as threads.
[ "$CONNECTIONS" -ge "$THREADS" ] || THREADS="$CONNECTIONS"

[ -x "$BIN" ] || die "$BIN is missing: run 'make build' (or set PURSER_BIN)"
# The stylesheet pages link to: its content-hashed name from hash.txt, else any.
CSS=""
if [ -f "$SITE_ROOT/pkg/hash.txt" ]; then
  CSS="$(sed -n 's/^css: *\([0-9a-f]*\)$/purser.\1.css/p' "$SITE_ROOT/pkg/hash.txt" | head -n1)"
  [ -f "$SITE_ROOT/pkg/$CSS" ] || CSS=""
fi
[ -n "$CSS" ] || CSS="$(cd "$SITE_ROOT/pkg" 2>/dev/null && ls -- *.css 2>/dev/null | head -n1 || true)"
[ -n "$CSS" ] || die "no stylesheet in $SITE_ROOT/pkg: run 'make build'"
for tool in wrk curl python3; do
  have "$tool" || die "$tool is missing: run 'make setup'"
done
if [[ " $SIZES " == *" large "* ]] && ! "$BIN" demo --help 2>/dev/null | grep -q -- '--size'; then
  die "$BIN has no 'demo --size': rebuild it ('make build') to benchmark the large size"
fi
if [[ " $DBS " == *" postgres "* ]]; then
  have psql || die "psql is missing (Debian's postgresql-client)"
  if have pg_isready && ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
    die "PostgreSQL does not answer at $PG_HOST:$PG_PORT: run 'make setup' (it starts it)"
  fi
fi

# --- Clean-up, whatever happens ----------------------------------------------------

WORK="$(mktemp -d)"
SERVER_PID=""
PG_CREATED=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
psql_admin() {
  PGOPTIONS="-c client_min_messages=warning" psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 -qX -c "$1" >/dev/null
}
cleanup() {
  stop_server
  if [ -n "$PG_CREATED" ]; then
    psql_admin "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" || echo "warning: could not drop $PG_DB" >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Nothing from an earlier run is left to be mistaken for this one's.
rm -rf "$OUT/raw" "$OUT/results.md" "$OUT/results.json"
mkdir -p "$OUT/raw"
RESULTS="$WORK/results.jsonl" # one JSON object per wrk run; the report is made from it
: >"$RESULTS"

# --- wrk, with exact numbers from its done() callback ----------------------------------

# Prints one line, `BENCH_RESULT {json}`, after wrk's own report: latencies in
# microseconds, the requests per second, and the errors (status counts answers that
# are not 2xx or 3xx).
cat >"$WORK/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"rps":%.2f,"p50_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"non2xx":%d,"socket_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write, e.timeout))
end
EOF

# run_wrk THREADS CONNECTIONS RAW_FILE URL [HEADER...]: wrk's output to RAW_FILE, the
# BENCH_RESULT JSON to stdout.
run_wrk() {
  local threads="$1" conns="$2" raw="$3" url="$4"
  shift 4
  local args=()
  for h in "$@"; do args+=(-H "$h"); done
  [ -z "$ACCEPT_ENCODING" ] || args+=(-H "Accept-Encoding: $ACCEPT_ENCODING")
  wrk -t"$threads" -c"$conns" -d"$DURATION" --latency -s "$WORK/report.lua" "${args[@]}" "$url" >"$raw" 2>&1 ||
    { cat "$raw" >&2; die "wrk failed on $url"; }
  sed -n 's/^BENCH_RESULT //p' "$raw" | tail -n1 | grep . || { cat "$raw" >&2; die "no result from wrk on $url"; }
}

# record DB SIZE KIND NAME PATH BYTES WRK_JSON: one line of $RESULTS.
record() {
  python3 - "$@" >>"$RESULTS" <<'EOF'
import json, sys
db, size, kind, name, path, size_bytes, wrk = sys.argv[1:]
r = {"db": db, "size": size, "kind": kind, "name": name, "path": path, "bytes": int(size_bytes)}
r.update(json.loads(wrk))
print(json.dumps(r))
EOF
}

# --- The server --------------------------------------------------------------------

# Arguments every purser command gets for the database under test.
db_args() {
  if [ "$1" = postgres ]; then
    echo --data-dir "$DATA" --database-url "$PG_URL"
  else
    echo --data-dir "$DATA"
  fi
}

# seed DB SIZE: the demo (or large) organization; its users as JSON in $WORK/demo.json.
seed() {
  local size_args=()
  [ "$2" = large ] && size_args=(--size large)
  # shellcheck disable=SC2046 # db_args is meant to split
  "$BIN" $(db_args "$1") demo "${size_args[@]}" --format json >"$WORK/demo.json" 2>"$WORK/demo.err" ||
    { cat "$WORK/demo.err" >&2; die "seeding ($1, $2) failed"; }
}

# user_field ROLE FIELD: a field of the demo user with that role.
user_field() {
  python3 - "$WORK/demo.json" "$1" "$2" <<'EOF'
import json, sys
demo = json.load(open(sys.argv[1]))
print(next(u[sys.argv[3]] for u in demo["users"] if u["role"] == sys.argv[2]))
EOF
}

start_server() {
  PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  BASE="http://127.0.0.1:$PORT"
  # Generous rate limits, so that the benchmark measures the endpoints, not the
  # throttle. Only sign-ins and failed token authentications are throttled per
  # client; no limit applies to authenticated requests as such.
  # shellcheck disable=SC2046
  PURSER_LIMIT_SIGN_IN_PER_MINUTE=600 \
  PURSER_LIMIT_TOKEN_FAILURES_PER_MINUTE=600 \
  RUST_LOG="${RUST_LOG:-warn}" \
    "$BIN" $(db_args "$1") serve --addr "127.0.0.1:$PORT" --site-root "$SITE_ROOT" \
    >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    if curl -sf -o /dev/null "$BASE/api/orgs/$ORG/metadata" -H "Authorization: token $ADMIN_TOKEN"; then
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      cat "$WORK/server.log" >&2
      die "the server did not start"
    fi
    sleep 0.2
  done
  cat "$WORK/server.log" >&2
  die "the server did not answer within a minute"
}

# sign_in ROLE: the session cookie (name=value) of the demo user with that role.
sign_in() {
  local email password cookie
  email="$(user_field "$1" email)"
  password="$(user_field "$1" password)"
  cookie="$(curl -s -o /dev/null -D - "$BASE/fn/sign_in" \
    -H "Origin: $BASE" -H "Content-Type: application/x-www-form-urlencoded" \
    --data-urlencode "email=$email" --data-urlencode "password=$password" |
    tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: *\(purser_session=[^;]*\).*/\1/p' | head -n1)"
  [ -n "$cookie" ] && [ "$cookie" != "purser_session=" ] || die "signing in as $email ($1) gave no session cookie"
  echo "$cookie"
}

# check PATH EXPECTED HEADER: fails unless PATH answers 200 and its body contains
# EXPECTED (a fixed string); prints the size of the answer's body as sent (compressed
# if the server compressed it) in bytes, which is what wrk receives too.
check() {
  local path="$1" expected="$2" header="$3" answer status bytes
  local args=(-H "$header")
  [ -z "$ACCEPT_ENCODING" ] || args+=(-H "Accept-Encoding: $ACCEPT_ENCODING")
  rm -f "$WORK/raw-body" "$WORK/body"
  answer="$(curl -s -o "$WORK/raw-body" -w '%{http_code} %{size_download}' "${args[@]}" "$BASE$path" || true)"
  read -r status bytes <<<"$answer"
  if [ "$status" != 200 ]; then
    if [ "$status" = 000 ]; then
      tail -n 20 "$WORK/server.log" >&2
      die "GET $path: no answer (the server's last words above)"
    fi
    curl -s --compressed -H "$header" "$BASE$path" | head -c 2000 >&2 || true
    echo >&2
    die "GET $path answered $status, not 200"
  fi
  # The same answer again, decoded (curl asks for the codings it can decode), to look
  # for EXPECTED in it.
  curl -s --compressed -o "$WORK/body" -H "$header" "$BASE$path" || true
  if ! grep -qF -- "$expected" "$WORK/body" 2>/dev/null; then
    head -c 2000 "$WORK/body" >&2 || true
    echo >&2
    die "GET $path does not contain '$expected'"
  fi
  echo "$bytes"
}

# --- One database, one size --------------------------------------------------------

bench_size() {
  local db="$1" size="$2"
  stop_server
  say "$db, $size: seeding"
  seed "$db" "$size"
  ADMIN_TOKEN="$(user_field admin token)"
  say "$db, $size: starting the server"
  start_server "$db"
  local admin_cookie billing_cookie
  admin_cookie="$(sign_in admin)"
  billing_cookie="$(sign_in billing-manager)"
  local token="Authorization: token $ADMIN_TOKEN"

  # name | path | header | text the answer must contain
  local paths=(
    "metadata|/api/orgs/$ORG/metadata|$token|\"$ORG\""
    "members|/api/orgs/$ORG/members?limit=100|$token|{"
    "invites|/api/orgs/$ORG/invites|$token|["
    "members, a page of 3 (the demo has 3)|/api/orgs/$ORG/members?limit=3|$token|{"
    "invites, a page of 1 (the demo has 1)|/api/orgs/$ORG/invites?limit=1|$token|["
    "resources summary|/api/orgs/$ORG/resources/summary?granularity=daily&lookbackDays=30|$token|{"
    "Billing & usage page, server-rendered, billing manager|/$ORG/settings/billing|Cookie: $billing_cookie|id=\"payment-method-title\""
    "Members page, server-rendered, admin|/$ORG/settings/members|Cookie: $admin_cookie|data-testid=\"members-table\""
    "static file|/pkg/$CSS|Accept: text/css|{"
  )
  local n=0 entry name path header expected bytes result
  for entry in "${paths[@]}"; do
    IFS='|' read -r name path header expected <<<"$entry"
    n=$((n + 1))
    bytes="$(check "$path" "$expected" "$header")"
    say "$db, $size: $name, GET $path ($bytes bytes), $CONNECTIONS connections for $DURATION"
    result="$(run_wrk "$THREADS" "$CONNECTIONS" "$OUT/raw/$db-$size-$n.txt" "$BASE$path" "$header")"
    record "$db" "$size" load "$name" "$path" "$bytes" "$result"
  done

  # The static file once more over a single connection: its latency without queueing.
  say "$db, $size: static file, one connection for $DURATION"
  result="$(run_wrk 1 1 "$OUT/raw/$db-$size-static-c1.txt" "$BASE/pkg/$CSS" "Accept: text/css")"
  record "$db" "$size" single "static file, one connection" "/pkg/$CSS" "$bytes" "$result"

  if grep -q panicked "$WORK/server.log"; then
    grep -E "ERROR|panicked" "$WORK/server.log" | tail -n 20 >&2
    die "the server panicked during the run"
  fi
}

bench_db() {
  local db="$1"
  DATA="$WORK/data-$db"
  rm -rf "$DATA"
  mkdir -p "$DATA"
  if [ "$db" = postgres ]; then
    say "postgres: creating the database $PG_DB afresh"
    PG_CREATED=1
    psql_admin "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)"
    psql_admin "CREATE DATABASE $PG_DB"
  fi
  for size in $SIZES; do
    bench_size "$db" "$size"
  done
  stop_server
  if [ "$db" = postgres ]; then
    psql_admin "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)"
    PG_CREATED=""
  fi
}

# --- The report --------------------------------------------------------------------

MACHINE="$(nproc) CPUs, $(uname -m), $(lsb_release -ds 2>/dev/null || (. /etc/os-release && echo "$PRETTY_NAME"))"
WRK_VERSION="$(wrk -v 2>&1 | head -n1 | awk '{print $2}' || true)"
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if ! git diff --quiet HEAD 2>/dev/null; then COMMIT="$COMMIT (with uncommitted changes)"; fi

# report md DB...: the Markdown tables of those databases. report json: every number.
cat >"$WORK/report.py" <<'EOF'
import json, os, sys

rows = [json.loads(line) for line in open(os.environ["RESULTS"])]
sizes = [s for s in ("small", "large") if any(r["size"] == s for r in rows)]
short = {"small": "S", "large": "L"}
settings = {
    "threads": int(os.environ["THREADS"]),
    "connections": int(os.environ["CONNECTIONS"]),
    "duration": os.environ["DURATION"],
    "accept_encoding": os.environ["ACCEPT_ENCODING"],
}
machine = {
    "description": os.environ["MACHINE"],
    "wrk": os.environ["WRK_VERSION"],
    "commit": os.environ["COMMIT"],
}

def ms(us):
    return us / 1000.0

def fmt_ms(us):
    v = ms(us)
    return f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"

def cell(r, key):
    if r is None:
        return "—"
    if key == "bytes":
        return str(r["bytes"])
    if key == "rps":
        return f"{r['rps']:.0f}"
    return fmt_ms(r[key])

def find(db, size, kind, name):
    for r in rows:
        if (r["db"], r["size"], r["kind"], r["name"]) == (db, size, kind, name):
            return r
    return None

def table(db):
    names = []
    for r in rows:
        if r["db"] == db and r["kind"] == "load" and r["name"] not in names:
            names.append(r["name"])
    cols = []
    for key, label in (("bytes", "bytes"), ("rps", "req/s"), ("p50_us", "p50 ms"), ("p99_us", "p99 ms")):
        for s in sizes:
            cols.append((key, s, f"bytes {short[s]}" if key == "bytes" else f"{short[s]} {label}"))
    ratio = len(sizes) == 2
    head = ["path"] + [c[2] for c in cols] + (["p50 L/S"] if ratio else [])
    out = [f"### {'SQLite' if db == 'sqlite' else 'PostgreSQL'}", ""]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    for name in names:
        by_size = {s: find(db, s, "load", name) for s in sizes}
        path = next(r["path"] for r in by_size.values() if r)
        label = f"`GET {path}`" if path.startswith("/api/") else f"`GET {path}` ({name})"
        line = [label] + [cell(by_size[s], key) for key, s, _ in cols]
        if ratio:
            s, l = by_size["small"], by_size["large"]
            line.append(f"{l['p50_us'] / s['p50_us']:.2f}" if s and l and s["p50_us"] else "—")
        out.append("| " + " | ".join(line) + " |")
    out.append("")
    single = [(s, find(db, s, "single", "static file, one connection")) for s in sizes]
    out.append("Static file over one connection (`wrk -t1 -c1`), p50: "
               + ", ".join(f"{short[s]} {fmt_ms(r['p50_us'])} ms" if r else f"{short[s]} —" for s, r in single) + ".")
    errors = [r for r in rows if r["db"] == db and (r["non2xx"] or r["socket_errors"] or r["timeouts"])]
    for r in errors:
        out.append(f"\n**Errors** on `{r['path']}` ({r['size']}): {r['non2xx']} answers not 2xx/3xx, "
                   f"{r['socket_errors']} socket errors, {r['timeouts']} timeouts.")
    out.append("")
    return "\n".join(out)

def footer():
    coding = (f"`Accept-Encoding: {settings['accept_encoding']}` (bytes as sent)" if settings["accept_encoding"]
              else "no `Accept-Encoding` (uncompressed answers)")
    return (f"{settings['connections']} connections on {settings['threads']} wrk threads, "
            f"{settings['duration']} per path, {coding}; wrk {machine['wrk']} and the server on the same machine: "
            f"{machine['description']}. Purser {machine['commit']}.\n")

if sys.argv[1] == "md":
    print("\n".join(table(db) for db in sys.argv[2:]))
elif sys.argv[1] == "footer":
    print(footer())
elif sys.argv[1] == "files":
    dbs = []
    for r in rows:
        if r["db"] not in dbs:
            dbs.append(r["db"])
    with open(os.path.join(os.environ["OUT"], "results.md"), "w") as f:
        f.write("## Load benchmark\n\n" + "\n".join(table(db) for db in dbs) + "\n" + footer())
    with open(os.path.join(os.environ["OUT"], "results.json"), "w") as f:
        json.dump({"machine": machine, "settings": settings, "results": rows}, f, indent=2)
        f.write("\n")
    sys.exit(1 if any(r["non2xx"] for r in rows) else 0)
EOF
report() {
  RESULTS="$RESULTS" OUT="$OUT" THREADS="$THREADS" CONNECTIONS="$CONNECTIONS" DURATION="$DURATION" \
    ACCEPT_ENCODING="$ACCEPT_ENCODING" \
    MACHINE="$MACHINE" WRK_VERSION="$WRK_VERSION" COMMIT="$COMMIT" python3 "$WORK/report.py" "$@"
}

# --- The run -----------------------------------------------------------------------

for db in $DBS; do
  bench_db "$db"
  report md "$db" # each database's table as soon as it is done
done
report footer
status=0
report files || status=$?
say "written: $OUT/results.md, $OUT/results.json (wrk's output: $OUT/raw/)"
[ "$status" -eq 0 ] || die "some answers were not 2xx/3xx (see the tables above)"
