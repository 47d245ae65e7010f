#!/usr/bin/env bash
# Load test of the form handler: REQUESTS distinct intake submissions (default 1000) from
# CONNECTIONS concurrent clients (default 50) against `handler serve`, backed by a DynamoDB-API
# server (moto) on 127.0.0.1, with wrk. Prints throughput, p50/p99 latency, and how many records
# `handler export` finds afterwards (it must be all of them); also the cold start (process start
# to the first answer) and the first stored submission.
#
#   scripts/bench-handler.sh [--release]
#
# Environment: REQUESTS, CONNECTIONS, THREADS (wrk threads, default 2; REQUESTS must divide by
# it), PASSERELLE_KEEP_TMP=1 to keep the logs. Installs what it uses: wrk (apt-get, as root)
# and moto in .venv-test (pip, pinned as in scripts/test.sh). Every server binds 127.0.0.1.
#
# What it measures: the handler plus moto, a single Python process to which the store sends one
# write at a time (see handler/src/store/dynamodb.rs), run without two of its own costs (see
# scripts/bench/handler/moto_server.py). The figures are for this machine and moto, not a
# forecast for DynamoDB, where a request is a few milliseconds and Lambda instances scale out.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PROFILE=debug
CARGO_PROFILE=()
for arg in "$@"; do
  case $arg in
    --release) PROFILE=release CARGO_PROFILE=(--release) ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg (see --help)" >&2; exit 2 ;;
  esac
done
REQUESTS=${REQUESTS:-1000}
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-2}
if ((REQUESTS % THREADS != 0)); then
  echo "REQUESTS ($REQUESTS) must be a multiple of THREADS ($THREADS)" >&2
  exit 2
fi
readonly VENV=.venv-test
readonly PY_REQUIREMENTS=("moto[server]==5.2.5" "aiosmtpd==1.4.6")
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
HANDLER="$TARGET_DIR/$PROFILE/handler"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/passerelle-bench.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ ${PASSERELLE_KEEP_TMP:-} == 1 ]]; then echo "Kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
# wait_http URL SECONDS: until URL answers 2xx.
wait_http() {
  local i
  for ((i = 0; i < $2 * 100; i++)); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.01
  done
  echo "no answer from $1 after $2 s" >&2
  return 1
}

step "Tools"
if ! command -v wrk >/dev/null; then
  echo "    installing wrk (apt-get)"
  if ((EUID == 0)); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  fi
fi
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }
if [[ ! -x $VENV/bin/moto_server ]]; then
  echo "    installing ${PY_REQUIREMENTS[*]} into $VENV"
  [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PY_REQUIREMENTS[@]}"
fi
echo "    $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2); moto $("$VENV/bin/python" -c 'import moto; print(moto.__version__)')"

step "Build (cargo build ${CARGO_PROFILE[*]:-} -p passerelle-handler)"
cargo build --quiet "${CARGO_PROFILE[@]}" -p passerelle-handler

step "DynamoDB-API server (moto) and the table"
moto_port=$(free_port)
# moto without two costs DynamoDB does not have (see the script): it keeps every object it made,
# and copies the whole table for each transaction (memory and time growing with the table).
"$VENV/bin/python" scripts/bench/handler/moto_server.py -H 127.0.0.1 -p "$moto_port" >"$WORK/moto.log" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$moto_port/moto-api/" 60
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=ca-central-1
export AWS_EC2_METADATA_DISABLED=true
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$moto_port"
export PASSERELLE_STORE="dynamodb:bench-$(date +%s)"
export PASSERELLE_MAIL="file:$WORK/outbox"
export RUST_LOG=${RUST_LOG:-warn}
# Without the stream: only the notifier Lambda reads it, and moto copies every stream record with
# the whole table on each transaction (the load would measure that copy).
"$HANDLER" create-table --without-stream

step "handler serve ($PROFILE), cold start"
port=$(free_port)
started=$(now_ms)
"$HANDLER" serve --root "$ROOT" --data-dir "$WORK/data" --port "$port" >"$WORK/serve.log" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$port/api/health" 30
cold=$(($(now_ms) - started))
first_body="lang=en&name=First+Person&email=first%40example.ca&language=en&contact_method=email-only&group_type=informal-group&member_status=veteran&adult=yes&affected=yes&device=yes&intake_meeting=yes&consent_contact=yes&website="
t0=$(now_ms)
status=$(curl -s -o /dev/null -w '%{http_code}' -H 'Sec-Fetch-Site: same-origin' \
  -H 'Content-Type: application/x-www-form-urlencoded' --data "$first_body" \
  "http://127.0.0.1:$port/api/forms/intake")
first=$(($(now_ms) - t0))
[[ $status == 303 ]] || { echo "the first submission answered $status; log:" >&2; tail -n 20 "$WORK/serve.log" >&2; exit 1; }
echo "    process start to first answer: ${cold} ms; first submission (SDK client + first transaction): ${first} ms"

step "Load: $REQUESTS submissions, $CONNECTIONS connections, $THREADS wrk threads"
mkdir -p "$WORK/done"
QUOTA=$((REQUESTS / THREADS)) DONE_DIR="$WORK/done" wrk -t "$THREADS" -c "$CONNECTIONS" -d 1800s \
  --timeout 30s --latency -s scripts/bench/handler/intake.lua "http://127.0.0.1:$port" >"$WORK/wrk.log" 2>&1 &
wrk_pid=$!
pids+=("$wrk_pid")
# wrk runs for its whole -d unless interrupted: interrupt it once every thread is done.
while kill -0 "$wrk_pid" 2>/dev/null; do
  if (($(find "$WORK/done" -type f | wc -l) >= THREADS)); then
    kill -INT "$wrk_pid"
    break
  fi
  sleep 0.02
done
wait "$wrk_pid" || true
cat "$WORK/wrk.log"
line=$(grep '^BENCH ' "$WORK/wrk.log")
value() { sed -E "s/.* $1=([^ ]+).*/\1/" <<<"$line"; }

step "Count what was stored (handler export --form intake)"
exported=$("$HANDLER" export --form intake --root "$ROOT" --data-dir "$WORK/data" 2>"$WORK/export.err" | wc -l)
rows=$(grep -Eo '^[0-9]+' "$WORK/export.err")
echo "    $rows submissions exported ($exported CSV lines with the header)"
expected=$((REQUESTS + 1)) # and the first submission above

accepted=$(value accepted)
seconds=$(value seconds)
printf '\nHandler benchmark (%s build, %s cores, moto %s)\n' "$PROFILE" "$(nproc)" \
  "$("$VENV/bin/python" -c 'import moto; print(moto.__version__)')"
printf '  submissions accepted   %s of %s (refused: %s, socket errors: %s)\n' "$accepted" "$REQUESTS" "$(value refused)" "$(value socket_errors)"
awk -v a="$accepted" -v s="$seconds" 'BEGIN { printf "  throughput             %.1f submissions/s (%.1f s in all)\n", a / s, s }'
printf '  latency                p50 %s ms, p90 %s ms, p99 %s ms, max %s ms\n' "$(value p50_ms)" "$(value p90_ms)" "$(value p99_ms)" "$(value max_ms)"
printf '  stored (export)        %s (expected %s: the load plus the first submission)\n' "$rows" "$expected"
printf '  cold start             %s ms to the first answer, %s ms for the first submission\n' "$cold" "$first"
if [[ $rows != "$expected" || $accepted != "$REQUESTS" ]]; then
  echo "FAILED: not every submission was accepted and stored" >&2
  exit 1
fi
