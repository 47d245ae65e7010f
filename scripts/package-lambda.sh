#!/usr/bin/env bash
# Builds the deployable Lambda zip, target/lambda/bootstrap.zip, for infra/template.yaml
# (runtime provided.al2023; one zip for both functions, PASSERELLE_LAMBDA_ENTRY picks the entry):
#
#   bootstrap                       the `handler` binary (profile `lambda`: LTO, size-optimized,
#                                   stripped; built by cargo lambda against glibc 2.17)
#   site.toml                       the program's settings
#   content/strings.toml            the neutral words of discreet acknowledgements
#   content/forms/*.toml            the form definitions (validation, emails)
#   content/offerings/*.toml        the offerings (sessions, sizes, deadlines)
#   templates/**                    the site's templates (the handler renders the form pages,
#                                   their errors and confirmations through them)
#   dist/_passerelle/forms.json     which built page holds each form, and its frame (navigation,
#                                   fingerprinted assets, strings) to render it again
#   dist/_passerelle/next-change.txt  when this build goes stale (the sweep alarms past it)
#
# The handler reads these from its working directory (/var/task), as `handler serve --root .`
# would. Everything else of the site is served by CloudFront from S3.
#
#   scripts/package-lambda.sh [--arch x86_64] [--debug] [--site-dir DIR]
#
#   --arch x86_64   the only architecture this machine can build (arm64 fails with a message)
#   --debug         package a debug build with plain cargo for this machine (quick, large; for
#                   tests, never for deploying)
#   --site-dir DIR  the built site (default: dist, built with `site build` when missing)
#
# Needs cargo and python3 (zipfile: no `zip` command needed). infra/deploy.sh calls it.
# The deployable build uses cargo lambda (PyPI `cargo-lambda`, which brings zig as its
# linker), installed into .venv-lambda on first use: it links against glibc 2.17, so the zip
# runs on provided.al2023 whatever Linux or macOS host built it.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

arch=x86_64
profile=lambda
site_dir=dist
while (($#)); do
  case $1 in
    --arch) arch=${2:?--arch needs x86_64}; shift 2 ;;
    --arch=*) arch=${1#--arch=}; shift ;;
    --debug) profile=debug; shift ;;
    --site-dir) site_dir=${2:?--site-dir needs a folder}; shift 2 ;;
    -h | --help) sed -n '2,/^set -Eeuo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done

readonly CARGO_LAMBDA=cargo-lambda==1.9.2
readonly GLIBC=2.17 # what the binary may need at most (provided.al2023 has 2.34)

case $arch in
  x86_64) target=x86_64-unknown-linux-gnu ;;
  arm64 | aarch64)
    echo "error: --arch arm64 cannot be built here: only the x86_64-unknown-linux-gnu Rust target" >&2
    echo "is installed, and this machine cannot add aarch64-unknown-linux-gnu. Deploy with" >&2
    echo "--architecture x86_64 (the template's default), or build on an arm64 machine." >&2
    exit 1
    ;;
  *) echo "error: --arch must be x86_64, not '$arch'" >&2; exit 2 ;;
esac

started=$(date +%s)
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
out="$TARGET_DIR/lambda"
mkdir -p "$out"

if [[ ! -f $site_dir/_passerelle/forms.json ]]; then
  echo "==> The site is not built in $site_dir: site build"
  cargo run --quiet -p site -- build --out "$site_dir"
fi

if [[ $profile == debug ]]; then
  host=$(rustc -vV | sed -n 's/^host: //p')
  if [[ $host != "$target" ]]; then
    echo "error: a --debug zip is built for this machine ($host), and Lambda needs $target" >&2
    exit 1
  fi
  echo "==> cargo build -p passerelle-handler (debug, $target)"
  cargo build --quiet -p passerelle-handler
  binary="$TARGET_DIR/debug/handler"
else
  venv=.venv-lambda
  if [[ ! -x $venv/bin/cargo-lambda || $(cat "$venv/.passerelle-requirements" 2>/dev/null) != "$CARGO_LAMBDA" ]]; then
    echo "==> installing $CARGO_LAMBDA into $venv (PyPI; it brings zig)"
    [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$CARGO_LAMBDA"
    printf '%s' "$CARGO_LAMBDA" >"$venv/.passerelle-requirements"
  fi
  echo "==> cargo lambda build --profile lambda ($target, glibc $GLIBC)"
  PATH="$ROOT/$venv/bin:$PATH" cargo lambda build --profile lambda --target "$target.$GLIBC" \
    -p passerelle-handler --bin handler
  binary="$TARGET_DIR/lambda/handler/bootstrap"
fi

# provided.al2023 has glibc 2.34: a binary asking for newer symbols would not start there.
if command -v objdump >/dev/null; then
  newest=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1)
  if [[ $(printf '%s\nGLIBC_2.34\n' "$newest" | sort -V | tail -n 1) != GLIBC_2.34 ]]; then
    echo "error: the binary needs $newest; Lambda's provided.al2023 has glibc 2.34" >&2
    exit 1
  fi
  echo "    glibc symbols up to $newest (provided.al2023 has 2.34)"
fi

echo "==> $out/bootstrap.zip"
python3 - "$binary" "$site_dir" "$out/bootstrap.zip" "$profile" <<'PY'
import json, os, pathlib, subprocess, sys, tempfile, zipfile

binary, site_dir, zip_path, profile = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4]
root = pathlib.Path(".")

# A stripped copy: symbols are of no use in Lambda and triple the size.
with tempfile.TemporaryDirectory() as tmp:
    stripped = pathlib.Path(tmp) / "bootstrap"
    try:
        subprocess.run(["strip", "-o", str(stripped), binary], check=True)
    except (OSError, subprocess.CalledProcessError):
        stripped.write_bytes(pathlib.Path(binary).read_bytes())

    files = [("site.toml", root / "site.toml"),
             ("content/strings.toml", root / "content" / "strings.toml")]
    for folder in ("content/forms", "content/offerings"):
        for path in sorted((root / folder).glob("*.toml")):
            files.append((path.as_posix(), path))
    for path in sorted((root / "templates").rglob("*")):
        if path.is_file():
            files.append((path.as_posix(), path))
    manifest_path = site_dir / "_passerelle" / "forms.json"
    json.loads(manifest_path.read_text())  # a half-written file stops here, not in Lambda
    files.append(("dist/_passerelle/forms.json", manifest_path))
    # When this build goes stale: the notifier's sweep raises an alarm if it is not rebuilt.
    next_change = site_dir / "_passerelle" / "next-change.txt"
    if not next_change.is_file():
        sys.exit(f"error: {next_change} is missing: rebuild the site")
    files.append(("dist/_passerelle/next-change.txt", next_change))

    # Fixed timestamps and modes: the same inputs make the same zip.
    def add(archive, name, data, mode):
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = (0o100000 | mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, data, compresslevel=9)

    partial = zip_path + ".partial"
    with zipfile.ZipFile(partial, "w") as archive:
        add(archive, "bootstrap", stripped.read_bytes(), 0o755)
        for name, path in files:
            add(archive, name, path.read_bytes(), 0o644)
    os.replace(partial, zip_path)

with zipfile.ZipFile(zip_path) as archive:
    entries = archive.infolist()
    unpacked = sum(e.file_size for e in entries)
    binary_size = archive.getinfo("bootstrap").file_size
print(f"    {len(entries)} files: bootstrap ({profile}, stripped, {binary_size / 1e6:.1f} MB) "
      f"+ site.toml, {sum(1 for e in entries if e.filename.startswith('content/'))} content files, "
      f"{sum(1 for e in entries if e.filename.startswith('templates/'))} templates, "
      f"{sum(1 for e in entries if e.filename.startswith('dist/'))} built files")
print(f"    {os.path.getsize(zip_path) / 1e6:.1f} MB zipped, {unpacked / 1e6:.1f} MB unzipped "
      f"(Lambda's limit: 50 MB zipped, 250 MB unzipped)")
PY
echo "    done in $(($(date +%s) - started)) s"
