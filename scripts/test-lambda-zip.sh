#!/usr/bin/env bash
# The Lambda zip as Lambda runs it (tests/lambda/zip_test.py): packages a zip the way deploys do
# (a debug build, to keep the test command quick; deploys use the `lambda` profile), unzips it
# into a fresh folder and drives `bootstrap` through a local Lambda Runtime API with API
# Gateway events, against moto and a local SMTP server, all on 127.0.0.1.
#
#   scripts/test-lambda-zip.sh SITE_DIR MOTO_ENDPOINT
#
# SITE_DIR is a built site (the zip carries its form pages). scripts/test.sh calls this after
# starting moto; the Python of .venv-test has boto3 (with moto) and aiosmtpd.
set -Eeuo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
site_dir=${1:?usage: scripts/test-lambda-zip.sh SITE_DIR MOTO_ENDPOINT}
moto=${2:?usage: scripts/test-lambda-zip.sh SITE_DIR MOTO_ENDPOINT}
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

scripts/package-lambda.sh --debug --site-dir "$site_dir"
.venv-test/bin/python tests/lambda/zip_test.py "$TARGET_DIR/lambda/bootstrap.zip" "$moto"
