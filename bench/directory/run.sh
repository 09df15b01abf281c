#!/usr/bin/env bash
# Load benchmark of the public directory: builds (release) and starts lianluo on a fresh data
# directory, seeds it (seed.py), then runs wrk against three public scenarios and prints a table.
# See bench/directory/README.md.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bench/directory/run.sh [options]

  --no-build            do not run `cargo build --release -p api --bin lianluo`
  --binary PATH         the lianluo binary to run (default: <target dir>/release/lianluo)
  --port N              port to listen on, on 127.0.0.1 (default 18080)
  --stations N          stations to seed (default 1000)
  --deputies N          deputies to seed (default 10000)
  --workers N           seeding threads (default 8)
  --duration D          wrk duration per scenario, e.g. 15s, 1m (default 15s)
  --threads N           wrk threads (default 4)
  --connections N       wrk connections (default 64)
  --radius-km R         radius of the near query (default 5)
  --scenarios LIST      comma-separated subset of list,near,deputy (default all)
  --keep                keep the temporary data directory and server log
  -h, --help            this help

Environment: DATABASE_URL (e.g. postgres://...) is honoured; otherwise a fresh SQLite file in a
temporary directory is used. RUST_LOG, LIANLUO_LOG and LIANLUO_DB_MAX_CONNECTIONS pass through
to the server.
EOF
}

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/../.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

BUILD=1
BINARY=""
PORT=18080
STATIONS=1000
DEPUTIES=10000
WORKERS=8
DURATION=15s
THREADS=4
CONNECTIONS=64
RADIUS_KM=5
SCENARIOS="list,near,deputy"
KEEP=0

need_value() {
    if [[ $# -lt 2 || -z "$2" ]]; then
        echo "run.sh: $1 needs a value" >&2
        exit 2
    fi
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --no-build) BUILD=0; shift ;;
        --binary) need_value "$@"; BINARY="$2"; shift 2 ;;
        --port) need_value "$@"; PORT="$2"; shift 2 ;;
        --stations) need_value "$@"; STATIONS="$2"; shift 2 ;;
        --deputies) need_value "$@"; DEPUTIES="$2"; shift 2 ;;
        --workers) need_value "$@"; WORKERS="$2"; shift 2 ;;
        --duration) need_value "$@"; DURATION="$2"; shift 2 ;;
        --threads) need_value "$@"; THREADS="$2"; shift 2 ;;
        --connections) need_value "$@"; CONNECTIONS="$2"; shift 2 ;;
        --radius-km) need_value "$@"; RADIUS_KM="$2"; shift 2 ;;
        --scenarios) need_value "$@"; SCENARIOS="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done

for tool in wrk curl python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        case "$tool" in
            wrk) echo "run.sh: wrk is not on PATH; install it with: apt-get install -y wrk" >&2 ;;
            *) echo "run.sh: $tool is not on PATH" >&2 ;;
        esac
        exit 1
    fi
done

if [[ -z "$BINARY" ]]; then
    BINARY="$TARGET_DIR/release/lianluo"
fi
if [[ "$BUILD" == 1 ]]; then
    echo "==> cargo build --release -p api --bin lianluo"
    (cd "$ROOT" && cargo build --release -p api --bin lianluo)
fi
if [[ ! -x "$BINARY" ]]; then
    echo "run.sh: no executable at $BINARY (build it, or pass --binary PATH)" >&2
    exit 1
fi

OUT="$BENCH_DIR/target"
RESULTS="$OUT/results"
mkdir -p "$RESULTS"

DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/lianluo-bench.XXXXXX")"
SERVER_LOG="$DATA_DIR/server.log"
SERVER_PID=""

cleanup() {
    local status=$?
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ $status -ne 0 && -f "$SERVER_LOG" ]]; then
        echo "---- last lines of the server log ($SERVER_LOG) ----" >&2
        tail -n 40 "$SERVER_LOG" >&2 || true
    fi
    if [[ "$KEEP" == 1 || $status -ne 0 ]]; then
        echo "data directory kept: $DATA_DIR" >&2
    else
        rm -rf "$DATA_DIR"
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export LIANLUO_DATA_DIR="$DATA_DIR"
export LIANLUO_BIND="127.0.0.1:$PORT"
SUFFIX=""
if [[ -n "${DATABASE_URL:-}" ]]; then
    # An external database may already hold an earlier run: use fresh names.
    SUFFIX="-$(date +%s)"
    echo "==> using DATABASE_URL from the environment (${DATABASE_URL%%://*}://...)"
else
    export DATABASE_URL="sqlite://$DATA_DIR/lianluo.db"
fi
ADMIN="bench$SUFFIX"
PASSWORD="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)"
BASE_URL="http://127.0.0.1:$PORT"

if curl -s -o /dev/null --max-time 1 "$BASE_URL/health/live"; then
    echo "run.sh: something is already listening on port $PORT; pass --port" >&2
    exit 1
fi

echo "==> binary:   $BINARY"
echo "==> data dir: $DATA_DIR"
echo "==> create-admin $ADMIN"
printf '%s' "$PASSWORD" | "$BINARY" create-admin --username "$ADMIN" >"$DATA_DIR/create-admin.log" 2>&1 || {
    cat "$DATA_DIR/create-admin.log" >&2
    exit 1
}

echo "==> starting lianluo on $LIANLUO_BIND (log: $SERVER_LOG)"
"$BINARY" serve >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

ready=0
for _ in $(seq 1 300); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "run.sh: the server exited during start-up" >&2
        exit 1
    fi
    if curl -fs -o /dev/null --max-time 2 "$BASE_URL/health/ready"; then
        ready=1
        break
    fi
    sleep 0.1
done
if [[ "$ready" != 1 ]]; then
    echo "run.sh: $BASE_URL/health/ready did not answer 200 within 30 s" >&2
    exit 1
fi
echo "==> ready"

echo "==> seeding: $STATIONS stations, $DEPUTIES deputies, $WORKERS workers"
IDS="$OUT/ids.json"
LIANLUO_BENCH_PASSWORD="$PASSWORD" python3 "$BENCH_DIR/seed.py" \
    --base-url "$BASE_URL" --username "$ADMIN" \
    --stations "$STATIONS" --deputies "$DEPUTIES" --workers "$WORKERS" \
    --district-name "基准区$SUFFIX" --out "$IDS"

# What the Lua scripts need from ids.json: the box (as environment) and the deputy ids (a file).
eval "$(python3 - "$IDS" "$OUT/deputy_ids.txt" <<'EOF'
import json, sys
ids = json.load(open(sys.argv[1], encoding="utf-8"))
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write("\n".join(ids["deputy_ids"]) + "\n")
c = ids["centre"]
print(f"export BENCH_LAT={c['latitude']} BENCH_LNG={c['longitude']} "
      f"BENCH_HALF_LAT={c['half_lat']} BENCH_HALF_LNG={c['half_lng']}")
print(f"FIRST_DEPUTY={ids['deputy_ids'][0] if ids['deputy_ids'] else ''}")
EOF
)"
export BENCH_DIR BENCH_RADIUS_KM="$RADIUS_KM" BENCH_DEPUTY_IDS="$OUT/deputy_ids.txt"

scenario_path() {
    case "$1" in
        list) echo "/api/v1/stations?limit=20" ;;
        near) echo "/api/v1/stations?near=${BENCH_LAT},${BENCH_LNG}&radius_km=${RADIUS_KM}&limit=20" ;;
        deputy) echo "/api/v1/deputies/${FIRST_DEPUTY}" ;;
        *) echo "run.sh: unknown scenario $1 (list, near, deputy)" >&2; exit 2 ;;
    esac
}
scenario_script() {
    case "$1" in
        list) echo "$BENCH_DIR/list.lua" ;;
        near) echo "$BENCH_DIR/near.lua" ;;
        deputy) echo "$BENCH_DIR/deputy.lua" ;;
    esac
}
scenario_label() {
    case "$1" in
        list) echo "GET /api/v1/stations?limit=20" ;;
        near) echo "GET /api/v1/stations?near=(random)&radius_km=${RADIUS_KM}&limit=20" ;;
        deputy) echo "GET /api/v1/deputies/{random id}" ;;
    esac
}

IFS=',' read -r -a SCENARIO_LIST <<<"$SCENARIOS"
if [[ "${#SCENARIO_LIST[@]}" == 0 ]]; then
    echo "run.sh: --scenarios is empty" >&2
    exit 2
fi

# One request of each scenario first: a wrong status here is a bug, not a load effect.
for s in "${SCENARIO_LIST[@]}"; do
    path="$(scenario_path "$s")"
    code="$(curl -s -o "$RESULTS/$s.probe.json" -w '%{http_code}' "$BASE_URL$path")"
    if [[ "$code" != 2?? ]]; then
        echo "run.sh: probe GET $path -> $code:" >&2
        cat "$RESULTS/$s.probe.json" >&2
        echo >&2
        exit 1
    fi
    echo "==> probe $s: GET $path -> $code ($(wc -c <"$RESULTS/$s.probe.json") bytes)"
done

declare -A RESULT
failed=0
for s in "${SCENARIO_LIST[@]}"; do
    echo
    echo "==> wrk $s: $(scenario_label "$s") (${DURATION}, ${THREADS} threads, ${CONNECTIONS} connections)"
    wrk --latency -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" \
        -s "$(scenario_script "$s")" "$BASE_URL$(scenario_path "$s")" | tee "$RESULTS/$s.txt"
    line="$(grep '^BENCH_RESULT ' "$RESULTS/$s.txt" || true)"
    if [[ -z "$line" ]]; then
        echo "run.sh: wrk printed no result for $s" >&2
        exit 1
    fi
    RESULT[$s]="$line"
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "run.sh: the server died during $s" >&2
        exit 1
    fi
done

field() { # field NAME LINE
    sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"
}

echo
echo "Summary ($STATIONS stations, $DEPUTIES deputies; wrk ${DURATION}, ${THREADS} threads, ${CONNECTIONS} connections; $(basename "$BINARY") ${DATABASE_URL%%:*})"
printf '%-8s %12s %10s %10s %10s %9s %14s\n' scenario 'requests/s' 'p50 ms' 'p99 ms' requests non-2xx 'socket errors'
for s in "${SCENARIO_LIST[@]}"; do
    line="${RESULT[$s]}"
    non2xx="$(field non2xx "$line")"
    sock_hard=$(( $(field connect "$line") + $(field read "$line") + $(field write "$line") ))
    timeouts="$(field timeout "$line")"
    printf '%-8s %12s %10s %10s %10s %9s %14s\n' "$s" "$(field rps "$line")" "$(field p50_ms "$line")" \
        "$(field p99_ms "$line")" "$(field requests "$line")" "$non2xx" "${sock_hard} (+${timeouts} t/o)"
    if [[ "$non2xx" != 0 || "$sock_hard" != 0 ]]; then
        failed=1
    fi
done
echo "(wrk output: $RESULTS/<scenario>.txt)"

if [[ "$failed" != 0 ]]; then
    echo "FAILED: some requests got a non-2xx answer or a connection error (see above and $SERVER_LOG)" >&2
    exit 1
fi
