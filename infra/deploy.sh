#!/usr/bin/env bash
# Deploys Passerelle to AWS: builds the site and the Lambda zip, deploys infra/template.yaml,
# uploads the site with the right cache headers, invalidates CloudFront and prints the URL.
#
#   infra/deploy.sh --dry-run                      print every command, run none (no AWS needed)
#   infra/deploy.sh --env staging --sender peer-support@example.ca --coordinators a@example.ca
#
# See infra/DEPLOY.md for prerequisites (AWS account, SAM CLI, SES) and every option.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly TEMPLATE=infra/template.yaml
readonly CSP_FILE=infra/csp.txt
readonly PACKAGED=target/infra/packaged.yaml
readonly LAMBDA_ZIP=target/lambda/bootstrap.zip
readonly TOTAL_STEPS=9

# Cache-Control per kind of file. Assets are fingerprinted, so they never change under a name;
# everything else may change on any deploy, and CloudFront is invalidated after each upload.
readonly CACHE_IMMUTABLE="public, max-age=31536000, immutable"
readonly CACHE_SHORT="public, max-age=300"

usage() {
  cat <<'EOF'
Usage: infra/deploy.sh [options]

  --dry-run                  Print each step's exact commands without running them
                             (no build, no AWS calls; needs neither cargo, sam nor aws).
  --env staging|production   Target environment (default: staging). Stack "passerelle-<env>".
  --region REGION            AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION, else ca-central-1).
  --stack-name NAME          Override the stack name.
  --architecture x86_64|arm64  Lambda architecture; must match the packaged binary (default: x86_64).
  --yes                      Do not ask for confirmation before a production deploy.

Template parameters (omitted ones keep the value of the previous deploy, or the default):
  --sender ADDRESS           SenderAddress: From address of notifications (required the first time).
  --coordinators LIST        CoordinatorAddresses: comma-separated, no spaces (required the first time).
  --domain HOST              DomainName: custom host name (with --certificate-arn).
  --certificate-arn ARN      CertificateArn: ACM certificate in us-east-1 covering --domain.
  --ses-domain DOMAIN        SesIdentityDomain: create and verify this SES domain identity.
  --alarm-email ADDRESS      AlarmEmail: subscribe this address to the alarms.
  --retention-days N         RetentionDays: days before submissions expire (default 90).
  --log-retention-days N     LogRetentionDays (default 365).
  --enable-waf true|false    EnableWaf: create a WAF web ACL (stack must be in us-east-1).
  --web-acl-arn ARN          WebAclArn: attach an existing CloudFront web ACL instead.
  -h, --help                 Show this help.

The Content-Security-Policy always comes from infra/csp.txt.
EOF
}

die() {
  printf 'deploy.sh: error: %s\n' "$*" >&2
  exit 1
}

# --- Options ---------------------------------------------------------------------------------

dry_run=false
assume_yes=false
env=staging
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-ca-central-1}}"
stack=""
architecture=x86_64
overrides=() # Key=Value template parameters, one argument each

need_value() {
  [[ $# -ge 2 && $2 != --* ]] || die "$1 needs a value (see --help)"
}

while (($#)); do
  case $1 in
    --dry-run) dry_run=true; shift ;;
    --yes) assume_yes=true; shift ;;
    --env) need_value "$@"; env=$2; shift 2 ;;
    --region) need_value "$@"; region=$2; shift 2 ;;
    --stack-name) need_value "$@"; stack=$2; shift 2 ;;
    --architecture) need_value "$@"; architecture=$2; shift 2 ;;
    --sender) need_value "$@"; overrides+=("SenderAddress=$2"); shift 2 ;;
    --coordinators) need_value "$@"; overrides+=("CoordinatorAddresses=$2"); shift 2 ;;
    --domain) need_value "$@"; overrides+=("DomainName=$2"); shift 2 ;;
    --certificate-arn) need_value "$@"; overrides+=("CertificateArn=$2"); shift 2 ;;
    --ses-domain) need_value "$@"; overrides+=("SesIdentityDomain=$2"); shift 2 ;;
    --alarm-email) need_value "$@"; overrides+=("AlarmEmail=$2"); shift 2 ;;
    --retention-days) need_value "$@"; overrides+=("RetentionDays=$2"); shift 2 ;;
    --log-retention-days) need_value "$@"; overrides+=("LogRetentionDays=$2"); shift 2 ;;
    --enable-waf) need_value "$@"; overrides+=("EnableWaf=$2"); shift 2 ;;
    --web-acl-arn) need_value "$@"; overrides+=("WebAclArn=$2"); shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

case $env in
  staging | production) ;;
  *) die "--env must be staging or production, not '$env'" ;;
esac
case $architecture in
  x86_64 | arm64) ;;
  *) die "--architecture must be x86_64 or arm64, not '$architecture'" ;;
esac
[[ $region =~ ^[a-z]{2}(-[a-z]+)+-[0-9]$ ]] || die "--region '$region' does not look like an AWS region (e.g. ca-central-1)"
stack=${stack:-passerelle-$env}

cd "$ROOT"

# The one source of the Content-Security-Policy: the dev server and the browser tests read the
# same file, so what is tested is what CloudFront sends.
[[ -f $CSP_FILE ]] || die "$CSP_FILE is missing"
csp=$(<"$CSP_FILE")
[[ -n $csp ]] || die "$CSP_FILE is empty"
[[ $csp != *$'\n'* && $csp != *$'\r'* ]] || die "$CSP_FILE must be a single line"
[[ $csp != *'"'* && $csp != *\\* ]] || die "$CSP_FILE must not contain double quotes or backslashes"

overrides=("Environment=$env" "Architecture=$architecture" "ContentSecurityPolicy=$csp" "${overrides[@]}")

# --- Printing and running --------------------------------------------------------------------

step_no=0
step_name=""
step() {
  step_no=$((step_no + 1))
  step_name=$1
  printf '\n==> [%d/%d] %s\n' "$step_no" "$TOTAL_STEPS" "$step_name"
}

trap 'printf "deploy.sh: failed in step %d/%d (%s)\n" "$step_no" "$TOTAL_STEPS" "$step_name" >&2' ERR

# Quotes one argument so the printed line can be pasted into a shell as is.
quote() {
  local arg=$1
  if [[ $arg =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
    printf '%s' "$arg"
  else
    case $arg in
      *'"'* | *'$'* | *'`'* | *\\* | *'!'*) printf '%q' "$arg" ;;
      *) printf '"%s"' "$arg" ;;
    esac
  fi
}

print_command() {
  local arg line="+"
  for arg in "$@"; do
    line+=" $(quote "$arg")"
  done
  printf '%s\n' "$line"
}

# Prints a command, then runs it unless this is a dry run.
run() {
  print_command "$@"
  if ! $dry_run; then
    "$@"
  fi
}

# capture VAR command...: prints the command; sets VAR to its output (a placeholder in a dry run).
capture() {
  local var=$1
  shift
  print_command "$@"
  local value
  if $dry_run; then
    value="<$var>"
  else
    value=$("$@")
    [[ -n $value && $value != None ]] || die "'$*' returned nothing"
  fi
  printf -v "$var" '%s' "$value"
}

stack_output() {
  capture "$1" aws cloudformation describe-stacks --region "$region" --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}

# Prints which CPU the zip's bootstrap is built for: x86_64, arm64 or unknown.
zip_architecture() {
  python3 - "$1" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    header = z.open("bootstrap").read(20)
if header[:4] != b"\x7fELF":
    print("not-an-elf-binary")
else:
    machine = int.from_bytes(header[18:20], "little")
    print({62: "x86_64", 183: "arm64"}.get(machine, f"unknown-machine-{machine}"))
PY
}

# --- Steps -----------------------------------------------------------------------------------

# Set by capture.
account="" SiteBucketName="" DistributionId="" SiteUrl="" SmtpSecretArn="" invalidation=""

if $dry_run; then
  printf 'DRY RUN: printing the commands; nothing is built, uploaded or deployed.\n'
fi
printf 'Deploying stack %s (%s) to %s, Lambda %s.\n' "$stack" "$env" "$region" "$architecture"

if [[ $env == production ]] && ! $dry_run && ! $assume_yes; then
  [[ -t 0 ]] || die "a production deploy without a terminal needs --yes"
  read -r -p "Deploy to PRODUCTION ($stack in $region)? Type 'production' to continue: " answer
  [[ $answer == production ]] || die "cancelled"
fi

step "Check tools and AWS credentials"
printf '  needs on PATH: cargo sam aws python3\n'
if ! $dry_run; then
  missing=()
  for tool in cargo sam aws python3; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  ((${#missing[@]} == 0)) || die "missing on PATH: ${missing[*]} (see infra/DEPLOY.md)"
fi
capture account aws sts get-caller-identity --query Account --output text
printf '  AWS account: %s\n' "$account"

step "Build the site"
run cargo run --quiet -p site -- build --out dist

step "Package the Lambda zip"
run scripts/package-lambda.sh
printf '  check: %s holds a Linux %s bootstrap\n' "$LAMBDA_ZIP" "$architecture"
if ! $dry_run; then
  [[ -f $LAMBDA_ZIP ]] || die "scripts/package-lambda.sh did not produce $LAMBDA_ZIP"
  built=$(zip_architecture "$LAMBDA_ZIP")
  [[ $built == "$architecture" ]] ||
    die "$LAMBDA_ZIP holds a binary for $built, but --architecture is $architecture"
fi

step "Package the template (upload the zip to the SAM artifacts bucket)"
run mkdir -p "$(dirname "$PACKAGED")"
run sam package --region "$region" --template-file "$TEMPLATE" \
  --output-template-file "$PACKAGED" --resolve-s3 --s3-prefix "$stack"

step "Deploy the stack"
# aws cloudformation deploy takes each Key=Value as its own argument and splits it at the first
# "=", so the CSP (spaces, quotes, semicolons) arrives byte for byte.
run aws cloudformation deploy --region "$region" --stack-name "$stack" \
  --template-file "$PACKAGED" \
  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
  --no-fail-on-empty-changeset \
  --tags Project=passerelle "Environment=$env" \
  --parameter-overrides "${overrides[@]}"

step "Read the stack outputs"
stack_output SiteBucketName
stack_output DistributionId
stack_output SiteUrl
stack_output SmtpSecretArn

step "Upload the site"
# Order matters: assets first (new pages must never reference a missing asset), pages last.
# Old assets are never deleted: pages cached in browsers may still reference them.
dest="s3://$SiteBucketName"
if $dry_run || [[ -d dist/assets ]]; then
  run aws s3 sync dist/assets "$dest/assets" --region "$region" --only-show-errors \
    --cache-control "$CACHE_IMMUTABLE"
else
  printf '  dist/assets does not exist: no assets to upload\n'
fi
run aws s3 sync dist "$dest" --region "$region" --only-show-errors \
  --exclude "assets/*" --exclude "*.html" --exclude "*.ics" --exclude "*.xml" \
  --cache-control "$CACHE_SHORT"
run aws s3 sync dist "$dest" --region "$region" --only-show-errors \
  --exclude "*" --include "*.ics" \
  --content-type "text/calendar; charset=utf-8" --cache-control "$CACHE_SHORT"
run aws s3 sync dist "$dest" --region "$region" --only-show-errors \
  --exclude "*" --include "*.xml" \
  --content-type "text/xml; charset=utf-8" --cache-control "$CACHE_SHORT"
run aws s3 sync dist "$dest" --region "$region" --only-show-errors \
  --exclude "*" --include "*.html" \
  --content-type "text/html; charset=utf-8" --cache-control "$CACHE_SHORT"
# Everything is uploaded; this pass only deletes pages and files no longer in dist/.
run aws s3 sync dist "$dest" --region "$region" --only-show-errors \
  --size-only --delete --exclude "assets/*"

step "Invalidate the CloudFront cache"
capture invalidation aws cloudfront create-invalidation --distribution-id "$DistributionId" \
  --paths "/*" --query Invalidation.Id --output text
printf '  invalidation %s started (takes a minute or two)\n' "$invalidation"

step "Done"
printf '  Site: %s\n' "$SiteUrl"
printf '  SMTP credentials live in %s;\n' "$SmtpSecretArn"
printf '  if notifications are not arriving, fill it as infra/DEPLOY.md explains.\n'
if $dry_run; then
  printf 'DRY RUN complete: nothing was changed.\n'
fi
