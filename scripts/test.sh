#!/usr/bin/env bash
# Passerelle's test command: every gate, in order, stopping at the first that fails.
#
#   scripts/test.sh
#
# On a fresh Debian 12 machine with Rust, Python 3, Node 20 and Java 17 it installs what the
# tests need, reusing whatever is already there:
#   - Debian's chromium (apt-get, as root) when /usr/bin/chromium is missing;
#   - node_modules from package-lock.json (playwright-core, axe-core, vnu-jar; no install
#     scripts, so no browser or JRE is ever downloaded);
#   - .venv-test with moto[server] (a DynamoDB API) and aiosmtpd (an SMTP server).
# Then: (1) rustfmt, (2) clippy, (3) local DynamoDB and SMTP servers, (4) cargo test (with the
# handler's service-tests), (5) site check + build, (6) the W3C Nu HTML checker, (7) the browser
# gates against `site serve`, (8) the Lambda zip through a local Lambda Runtime API,
# (9) scripts/test-infra.sh. Every server binds 127.0.0.1 and is
# stopped on exit.
#
# Environment (all optional):
#   PASSERELLE_TEST_NOW   build and serve at this moment (site --now), for reproducible states
#   PASSERELLE_KEEP_TMP=1 keep the temporary folder (built site, server logs) after the run
#   BROWSER_CONCURRENCY   pages open at once in the browser gates (default 3)
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
cd "$ROOT"

readonly VENV=.venv-test
# Pinned so that a new release cannot fail (or pass) the build on its own; bump on purpose.
readonly PY_REQUIREMENTS=("moto[server]==5.2.5" "aiosmtpd==1.4.6")
readonly CHROMIUM=/usr/bin/chromium
readonly VNU_JAR=node_modules/vnu-jar/build/dist/vnu.jar
# The handler's tests against real servers (moto, aiosmtpd) build only with this feature; clippy
# gets it too, so those tests are linted as well.
readonly FEATURES=(--features passerelle-handler/service-tests)
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
readonly TARGET_DIR
NOW_ARGS=()
[[ -n ${PASSERELLE_TEST_NOW:-} ]] && NOW_ARGS=(--now "$PASSERELLE_TEST_NOW")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/passerelle-test.XXXXXX")
readonly WORK
mkdir -p "$WORK/logs" "$WORK/summary"

# --- Output, timing and the final summary -----------------------------------------------------
gate_names=()
gate_status=()
gate_seconds=()
gate_figures=()
figures="" # set by each gate: what it counted
started_all=$(date +%s%N)

section() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }
elapsed_s() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

summary() {
  local i
  printf '\n\033[1m==> Summary\033[0m\n'
  for i in "${!gate_names[@]}"; do
    printf '  %-4s %-34s %7ss  %s\n' "${gate_status[$i]}" "${gate_names[$i]}" "${gate_seconds[$i]}" "${gate_figures[$i]}"
  done
  printf '  total %ss\n' "$(elapsed_s "$started_all")"
}

# gate NAME FUNCTION: runs one section under `set -e`, times it and records its figures. A
# failing command anywhere in it ends the run; the EXIT trap then prints the summary.
current_gate=""
gate() {
  local name=$1 fn=$2
  section "$name"
  current_gate=$name
  gate_t0=$(date +%s%N)
  figures=""
  "$fn"
  record ok
  current_gate=""
}
record() {
  gate_names+=("$current_gate")
  gate_status+=("$1")
  gate_seconds+=("$(elapsed_s "$gate_t0")")
  gate_figures+=("$figures")
}

# --- Servers: started in the background, all stopped on exit ----------------------------------
pids=()
on_exit() {
  local status=$? pid
  if [[ -n $current_gate ]]; then
    record FAIL
    summary
    printf '\n\033[1;31mFAILED: %s\033[0m (the output above says which file or page, and why)\n' \
      "$current_gate" >&2
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in {1..25}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [[ ${PASSERELLE_KEEP_TMP:-} == 1 ]]; then
    printf 'Kept %s\n' "$WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# start NAME COMMAND...: starts a server in the background, logging to $WORK/logs/NAME.log.
start() {
  local name=$1
  shift
  "$@" >"$WORK/logs/$name.log" 2>&1 &
  last_pid=$!
  pids+=("$last_pid")
  disown "$last_pid" # stopped by on_exit; no "Killed" job notices
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for NAME PID SECONDS PYTHON_CONDITION: polls until the condition holds or the server dies.
wait_for() {
  local name=$1 pid=$2 seconds=$3 condition=$4 i
  for ((i = 0; i < seconds * 5; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      printf '%s exited before it was ready; its log:\n' "$name" >&2
      tail -n 40 "$WORK/logs/$name.log" >&2
      return 1
    fi
    if python3 -c "$condition" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  printf '%s not ready after %d s; its log:\n' "$name" "$seconds" >&2
  tail -n 40 "$WORK/logs/$name.log" >&2
  return 1
}
http_ok() { # python condition: GET URL answers (any HTTP status)
  printf 'import urllib.request, urllib.error, sys\ntry:\n urllib.request.urlopen("%s", timeout=2)\nexcept urllib.error.HTTPError:\n pass\n' "$1"
}
smtp_ok() { # python condition: the SMTP greeting arrives
  printf 'import socket\ns = socket.create_connection(("127.0.0.1", %s), timeout=2)\nassert s.recv(3) == b"220"\n' "$1"
}

as_root() {
  if ((EUID == 0)); then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    printf 'needs root: %s\n' "$*" >&2
    return 1
  fi
}

# --- 0. Tools ---------------------------------------------------------------------------------
tools() {
  local missing=() tool
  for tool in cargo python3 node npm java; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if ((${#missing[@]})); then
    printf 'missing: %s (install Rust, Python 3, Node 20 and Java 17 first)\n' "${missing[*]}" >&2
    return 1
  fi
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    rustup component add rustfmt clippy
  fi

  local did=()
  if [[ -x $CHROMIUM ]]; then
    note "chromium: $("$CHROMIUM" --version 2>/dev/null | tail -n 1)"
    did+=("chromium reused")
  else
    note "installing Debian's chromium (apt-get)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >"$WORK/logs/apt.log" 2>&1 ||
      { tail -n 20 "$WORK/logs/apt.log" >&2; return 1; }
    note "chromium: $("$CHROMIUM" --version 2>/dev/null | tail -n 1)"
    did+=("chromium installed")
  fi

  # npm ci only when node_modules is missing or older than the lock file.
  if [[ -f node_modules/.package-lock.json && -f $VNU_JAR && -d node_modules/playwright-core &&
    -d node_modules/axe-core && ! package-lock.json -nt node_modules/.package-lock.json ]]; then
    note "node_modules: reused"
    did+=("node_modules reused")
  else
    note "node_modules: npm ci"
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    did+=("npm ci")
  fi

  local stamp="$VENV/.passerelle-requirements"
  if [[ -x $VENV/bin/python && -f $stamp && $(<"$stamp") == "${PY_REQUIREMENTS[*]}" ]]; then
    note "$VENV: reused (${PY_REQUIREMENTS[*]})"
    did+=("$VENV reused")
  else
    note "$VENV: installing ${PY_REQUIREMENTS[*]}"
    if [[ ! -x $VENV/bin/python ]] && ! python3 -m venv "$VENV" 2>"$WORK/logs/venv.log"; then
      rm -rf "$VENV" # Debian's python3 needs python3-venv for ensurepip
      as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv "$VENV"
    fi
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PY_REQUIREMENTS[@]}"
    printf '%s' "${PY_REQUIREMENTS[*]}" >"$stamp"
    did+=("$VENV installed")
  fi
  figures=$(printf '%s, ' "${did[@]}")
  figures=${figures%, }
}

# --- 1-2. Rust style and lints ----------------------------------------------------------------
fmt() {
  cargo fmt --all -- --check
  figures="$(git ls-files '*.rs' 2>/dev/null | wc -l) .rs files"
}

clippy() {
  cargo clippy --workspace --all-targets "${FEATURES[@]}" -- -D warnings
  figures="workspace, all targets, ${FEATURES[*]}, -D warnings"
}

# --- 3. Local DynamoDB (moto) and SMTP (aiosmtpd) ---------------------------------------------
backends() {
  local moto_port smtp_port
  moto_port=$(free_port)
  start moto "$VENV/bin/moto_server" -H 127.0.0.1 -p "$moto_port"
  wait_for moto "$last_pid" 60 "$(http_ok "http://127.0.0.1:$moto_port/moto-api/")"

  smtp_port=$(free_port)
  # Not created here: Python's mailbox.Maildir makes cur/, new/ and tmp/ only when it makes the
  # folder itself.
  start smtp "$VENV/bin/python" -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$WORK/Maildir"
  wait_for smtp "$last_pid" 30 "$(smtp_ok "$smtp_port")"

  export PASSERELLE_TEST_DYNAMODB_ENDPOINT="http://127.0.0.1:$moto_port"
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=ca-central-1
  export AWS_EC2_METADATA_DISABLED=true # never ask 169.254.169.254 for credentials
  export PASSERELLE_TEST_SMTP="smtp://127.0.0.1:$smtp_port"
  export PASSERELLE_TEST_MAILDIR="$WORK/Maildir"
  # A Python with aiosmtpd, for tests that start and stop their own SMTP servers.
  export PASSERELLE_TEST_PYTHON="$ROOT/$VENV/bin/python"
  note "PASSERELLE_TEST_DYNAMODB_ENDPOINT=$PASSERELLE_TEST_DYNAMODB_ENDPOINT"
  note "PASSERELLE_TEST_SMTP=$PASSERELLE_TEST_SMTP"
  note "PASSERELLE_TEST_MAILDIR=$PASSERELLE_TEST_MAILDIR"
  figures="moto :$moto_port, aiosmtpd :$smtp_port"
}

# --- 4. Rust tests ----------------------------------------------------------------------------
rust_tests() {
  local status=0
  cargo test --workspace "${FEATURES[@]}" 2>&1 | tee "$WORK/logs/cargo-test.log" || status=$?
  ((status == 0)) || return "$status"
  figures=$(awk '/^test result:/ { p += $4; f += $6; i += $8 } END { printf "%d passed, %d failed, %d ignored", p, f, i }' \
    "$WORK/logs/cargo-test.log")
}

# --- 5. The site: check and build -------------------------------------------------------------
# The site is built and served from a snapshot of the working tree (tracked and untracked files,
# minus what .gitignore excludes), so the pages tested are the pages validated, and edits made
# while the tests run cannot rebuild the served site under them.
readonly SNAPSHOT="$WORK/site"
readonly DIST="$WORK/dist"
SITE_BIN="$TARGET_DIR/debug/site"
HANDLER_BIN="$TARGET_DIR/debug/handler"

snapshot() {
  mkdir -p "$SNAPSHOT"
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do if [[ -e $f ]]; then printf '%s\0' "$f"; fi; done |
      tar --null -T - -cf - | tar -xf - -C "$SNAPSHOT"
  else
    tar --exclude=./target --exclude=./node_modules --exclude='./.venv*' --exclude=./.git \
      --exclude=./dist --exclude=./.passerelle -cf - . | tar -xf - -C "$SNAPSHOT"
  fi
}

site() {
  # The handler binary too: the browser gates run `handler invite` (workspace sign-in).
  cargo build -q -p site -p passerelle-handler
  snapshot
  note "site check --deny-warnings"
  # Warnings too (a translation behind its source, plain-language advice): the content passes.
  "$SITE_BIN" --root "$SNAPSHOT" check --deny-warnings "${NOW_ARGS[@]}"
  note "site build --out $DIST"
  "$SITE_BIN" --root "$SNAPSHOT" build --out "$DIST" "${NOW_ARGS[@]}"
  local html en fr
  html=$(find "$DIST" -name '*.html' | wc -l)
  en=$(find "$DIST/en" -name '*.html' 2>/dev/null | wc -l)
  fr=$(find "$DIST/fr" -name '*.html' 2>/dev/null | wc -l)
  figures="$html .html files ($en en, $fr fr), $(du -sk "$DIST" | cut -f1) KB in dist"
}

# --- 6. W3C Nu HTML checker -------------------------------------------------------------------
html() {
  local files=() status=0 errors
  mapfile -d '' files < <(find "$DIST" -name '*.html' -print0 | sort -z)
  ((${#files[@]})) || { echo "no .html files in $DIST" >&2; return 1; }
  java -jar "$VNU_JAR" --errors-only --format gnu "${files[@]}" >"$WORK/logs/vnu.log" 2>&1 || status=$?
  # Paths relative to dist: "/en/activities/index.html:12.3-12.9: error: ..."
  sed -E "s#^\"?(file:)?$DIST([^\"]*)\"?:#\\2:#" "$WORK/logs/vnu.log" >&2
  errors=$(grep -c ': error' "$WORK/logs/vnu.log" || true)
  figures="${#files[@]} files, $errors errors"
  ((status == 0 && errors == 0))
}

# --- 7. Browser gates against `site serve` ----------------------------------------------------
browser() {
  local port data_dir="$SNAPSHOT/.passerelle" status=0
  port=$(free_port)
  mkdir -p "$data_dir"
  start serve env PASSERELLE_DATA_DIR="$data_dir" \
    "$SITE_BIN" --root "$SNAPSHOT" serve --port "$port" --out "$WORK/serve" "${NOW_ARGS[@]}"
  wait_for serve "$last_pid" 120 "$(http_ok "http://127.0.0.1:$port/")"
  note "site serve on http://127.0.0.1:$port/ (log: $WORK/logs/serve.log)"

  BASE_URL="http://127.0.0.1:$port" \
    DIST_DIR="$DIST" \
    SITE_ROOT="$SNAPSHOT" \
    CSP_FILE="$SNAPSHOT/infra/csp.txt" \
    PASSERELLE_DATA_DIR="$data_dir" \
    PASSERELLE_OUTBOX="$data_dir/outbox" \
    HANDLER_BIN="$HANDLER_BIN" \
    TEST_SUMMARY_DIR="$WORK/summary" \
    node --test --test-concurrency=1 --test-reporter=spec tests/browser/ || status=$?
  # shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
  figures=$(node -e '
    const fs = require("fs"); const dir = process.argv[1];
    const s = fs.existsSync(dir + "/site.json") ? JSON.parse(fs.readFileSync(dir + "/site.json")) : null;
    if (!s) { console.log("no figures (site.test.mjs did not finish)"); process.exit(0); }
    const big = s.largestPage ? `${s.largestPage.url.replace(/^https?:\/\/[^/]+/, "")} ${s.largestPage.bytes} B` : "n/a";
    const t = (ms) => ms === undefined ? "?" : (ms / 1000).toFixed(0) + "s";
    console.log(`${s.pages} pages (${s.en} en, ${s.fr} fr), ${s.axeRuns} axe runs, ${s.axeViolations} violations, ` +
      `largest ${big}; survey ${t(s.timings.survey)}, keyboard ${t(s.timings.keyboard)}`);
  ' "$WORK/summary")
  return "$status"
}

# --- 8. The Lambda zip, as Lambda runs it -----------------------------------------------------
lambda_zip() {
  bash scripts/test-lambda-zip.sh "$DIST" "$PASSERELLE_TEST_DYNAMODB_ENDPOINT" 2>&1 |
    tee "$WORK/logs/lambda-zip.log"
  figures=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$WORK/logs/lambda-zip.log" | tail -n 1)
  figures="$figures; $(grep -o 'start to first answer[^:]*: [0-9]* ms' "$WORK/logs/lambda-zip.log" | tail -n 1)"
}

# --- 9. Infra ---------------------------------------------------------------------------------
infra() {
  if [[ ! -f scripts/test-infra.sh ]]; then
    figures="skipped: no scripts/test-infra.sh"
    return 0
  fi
  bash scripts/test-infra.sh
  figures="scripts/test-infra.sh passed"
}

gate "0. Tools" tools
gate "1. cargo fmt --check" fmt
gate "2. cargo clippy -D warnings" clippy
gate "3. Local DynamoDB and SMTP" backends
gate "4. cargo test --workspace" rust_tests
gate "5. site check + build" site
gate "6. W3C Nu HTML checker" html
gate "7. Browser gates (site serve)" browser
gate "8. Lambda zip (runtime API)" lambda_zip
gate "9. Infra (scripts/test-infra.sh)" infra
summary
printf '\n\033[1;32mAll gates passed.\033[0m\n'
