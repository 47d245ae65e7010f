#!/usr/bin/env bash
# Deploys Passerelle to AWS: builds the site and the Lambda zip, deploys infra/template.yaml,
# uploads the site with the right cache headers, invalidates CloudFront and prints the URL.
#
#   infra/deploy.sh --dry-run ...    validate the options and templates, print every command
#                                    (no AWS call, no build; needs python3 with PyYAML, cfn-lint)
#   infra/deploy.sh --env staging --sender peer-support@example.ca --coordinators a@example.ca \
#     --alarm-email ops@example.ca
#
# The README's "Deploy" section is the guide: prerequisites, a first-deploy checklist, options.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly TEMPLATE=infra/template.yaml
readonly CSP_FILE=infra/csp.txt
readonly PACKAGED=target/infra/packaged.yaml
readonly LAMBDA_ZIP=target/lambda/bootstrap.zip
readonly WAF_TEMPLATE=infra/waf.yaml
readonly WAF_REGION=us-east-1 # CloudFront web ACLs exist only there
# The Lambda functions reserve this many concurrent executions (template defaults), and AWS
# keeps 100 of the account's quota unreserved: the quota must be at least the sum.
readonly RESERVED_CONCURRENCY=12
readonly UNRESERVED_MINIMUM=100

# Cache-Control per kind of file. Assets are fingerprinted, so they never change under a name;
# everything else may change on any deploy, and CloudFront is invalidated after each upload.
readonly CACHE_IMMUTABLE="public, max-age=31536000, immutable"
readonly CACHE_SHORT="public, max-age=300"
readonly TOTAL_STEPS=13

usage() {
  cat <<'EOF'
Usage: infra/deploy.sh [options]

  --dry-run                  Print each step's exact commands without running them
                             (no build, no AWS calls; needs neither cargo, sam nor aws,
                             but validates: python3 with PyYAML, and cfn-lint).
  --env staging|production   Target environment (default: staging). Stack "passerelle-<env>".
  --region REGION            AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION, else ca-central-1).
  --stack-name NAME          Override the stack name.
  --architecture x86_64|arm64  Lambda architecture; must match the packaged binary (default: x86_64).
  --yes                      Do not ask for confirmation before a production deploy.

Template parameters (omitted ones keep the value of the previous deploy, or the default):
  --sender ADDRESS           SenderAddress: From address of notifications (required the first time).
  --coordinators LIST        CoordinatorAddresses: comma-separated, no spaces (required the first time).
  --alarm-email ADDRESS      AlarmEmail: who hears the alarms and budget notices (required the
                             first time).
  --domain HOST              DomainName: custom host name (with --certificate-arn).
  --certificate-arn ARN      CertificateArn: ACM certificate in us-east-1 covering --domain.
  --ses-domain DOMAIN        SesIdentityDomain: create and verify this SES domain identity.
  --retention-days N         RetentionDays: days before submissions expire (default 90).
  --log-retention-days N     LogRetentionDays (default 365).
  --monthly-budget USD       MonthlyBudgetUsd: the account's monthly budget (default 50).
  --web-acl-arn ARN          WebAclArn: attach this CloudFront web ACL instead of deploying
                             infra/waf.yaml in us-east-1 (the default).
  --no-waf                   Deploy without a web application firewall (not recommended: one
                             client can then use up the API's throttle for everyone).
  --allow-ses-sandbox        Let a production deploy go on while SES is in the sandbox (only
                             verified addresses receive mail: people's acknowledgements fail).
  --replace-failed-stack     If a first create failed (ROLLBACK_COMPLETE), delete that empty
                             stack and create it again. Nothing is lost: a failed create keeps
                             nothing (RetainExceptOnCreate).
  --github-repo OWNER/NAME   GitHubRepository: create the deploy role the publishing workflow
                             assumes through GitHub's OIDC (and the account's OIDC provider if
                             it is missing).
  --cfn-role-arn ARN         Run CloudFormation with this service role (the stack's
                             CloudFormationRoleArn output; the publishing workflow passes it).
                             Default: $AWS_CFN_ROLE_ARN, else the caller's own permissions.
  --existing-stack           With --dry-run: show an update of an existing stack (a dry run
                             otherwise shows a first deploy, which needs every required option).
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
waf=true
web_acl_arn=""
allow_sandbox=false
replace_failed=false
existing_in_dry_run=false
github_repo=""
cfn_role_arn="${AWS_CFN_ROLE_ARN:-}"
domain=""
certificate_arn=""
sender=""
ses_domain=""
env=staging
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-ca-central-1}}"
stack=""
architecture=x86_64
overrides=() # Key=Value template parameters, one argument each

need_value() {
  [[ $# -ge 2 && $2 != --* ]] || die "$1 needs a value (see --help)"
}

# param KEY VALUE: a template parameter given on the command line.
param() {
  overrides+=("$1=$2")
}

while (($#)); do
  case $1 in
    --dry-run) dry_run=true; shift ;;
    --yes) assume_yes=true; shift ;;
    --env) need_value "$@"; env=$2; shift 2 ;;
    --region) need_value "$@"; region=$2; shift 2 ;;
    --stack-name) need_value "$@"; stack=$2; shift 2 ;;
    --architecture) need_value "$@"; architecture=$2; shift 2 ;;
    --sender) need_value "$@"; sender=$2; param SenderAddress "$2"; shift 2 ;;
    --coordinators) need_value "$@"; param CoordinatorAddresses "$2"; shift 2 ;;
    --domain) need_value "$@"; domain=$2; param DomainName "$2"; shift 2 ;;
    --certificate-arn) need_value "$@"; certificate_arn=$2; param CertificateArn "$2"; shift 2 ;;
    --ses-domain) need_value "$@"; ses_domain=$2; param SesIdentityDomain "$2"; shift 2 ;;
    --alarm-email) need_value "$@"; param AlarmEmail "$2"; shift 2 ;;
    --retention-days) need_value "$@"; param RetentionDays "$2"; shift 2 ;;
    --log-retention-days) need_value "$@"; param LogRetentionDays "$2"; shift 2 ;;
    --monthly-budget) need_value "$@"; param MonthlyBudgetUsd "$2"; shift 2 ;;
    --web-acl-arn) need_value "$@"; web_acl_arn=$2; shift 2 ;;
    --no-waf) waf=false; shift ;;
    --allow-ses-sandbox) allow_sandbox=true; shift ;;
    --replace-failed-stack) replace_failed=true; shift ;;
    --existing-stack) existing_in_dry_run=true; shift ;;
    --github-repo) need_value "$@"; github_repo=$2; param GitHubRepository "$2"; shift 2 ;;
    --cfn-role-arn) need_value "$@"; cfn_role_arn=$2; shift 2 ;;
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
waf_stack=$stack-waf
role_args=()
[[ -z $cfn_role_arn ]] || role_args=(--role-arn "$cfn_role_arn")
[[ -z $web_acl_arn ]] || $waf || die "--web-acl-arn and --no-waf contradict each other"

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

package_template() {
  run mkdir -p "$(dirname "$PACKAGED")"
  run sam package --region "$region" --template-file "$TEMPLATE" \
    --output-template-file "$PACKAGED" --resolve-s3 --s3-prefix "$stack"
  # The bucket SAM chose for the zip also carries the template: at over 51,200 bytes it is too
  # large to send inline, and CloudFormation reads templates of up to 1 MB from S3.
  printf '  artifacts bucket: the s3:// bucket named in %s\n' "$PACKAGED"
  if $dry_run; then
    artifacts_bucket="<ArtifactsBucket>"
  else
    artifacts_bucket=$(grep -o 's3://[a-z0-9.-]*' "$PACKAGED" | head -n 1)
    artifacts_bucket=${artifacts_bucket#s3://}
    [[ -n $artifacts_bucket ]] || die "$PACKAGED names no s3:// bucket"
  fi
}

# deploy_stack [Key=Value...]: creates or updates the main stack with the options' parameters.
# aws cloudformation deploy takes each Key=Value as its own argument and splits it at the first
# "=", so the CSP (spaces, quotes, semicolons) arrives byte for byte.
deploy_stack() {
  run aws cloudformation deploy --region "$region" --stack-name "$stack" "${role_args[@]}" \
    --template-file "$PACKAGED" --s3-bucket "$artifacts_bucket" --s3-prefix "$stack" \
    --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
    --no-fail-on-empty-changeset \
    --tags Project=passerelle "Environment=$env" \
    --parameter-overrides "${overrides[@]}" "$@"
}

# --- Checks ---------------------------------------------------------------------------------

# stack_status NAME REGION: sets stack_state to the stack's status, or NONE when it does not
# exist (a dry run assumes a first deploy unless --existing-stack is given).
stack_status() {
  local name=$1 where=$2 out
  print_command aws cloudformation describe-stacks --region "$where" --stack-name "$name" \
    --query "Stacks[0].StackStatus" --output text
  if $dry_run; then
    if $existing_in_dry_run; then stack_state=UPDATE_COMPLETE; else stack_state=NONE; fi
  elif out=$(aws cloudformation describe-stacks --region "$where" --stack-name "$name" \
    --query "Stacks[0].StackStatus" --output text 2>&1); then
    stack_state=$out
  elif [[ $out == *"does not exist"* ]]; then
    stack_state=NONE
  else
    die "could not read the state of stack $name in $where: $out"
  fi
}

# Stops with an explanation when a stack is in a state a deploy cannot start from. A first
# create that failed leaves ROLLBACK_COMPLETE: an empty stack (RetainExceptOnCreate deleted
# what it had made) that can only be deleted.
usable_stack() {
  local name=$1 where=$2 status=$3
  case $status in
    NONE | *_COMPLETE) ;;
    *_IN_PROGRESS) die "stack $name ($where) is busy ($status): wait for it to finish, then run again" ;;
    UPDATE_ROLLBACK_FAILED)
      die "stack $name ($where) is UPDATE_ROLLBACK_FAILED. Find the cause with
  aws cloudformation describe-stack-events --region $where --stack-name $name
then: aws cloudformation continue-update-rollback --region $where --stack-name $name" ;;
    *) die "stack $name ($where) is $status; see describe-stack-events for the cause" ;;
  esac
  if [[ $status == ROLLBACK_COMPLETE ]]; then
    printf '  stack %s: ROLLBACK_COMPLETE - its first create failed and left an empty stack.\n' "$name"
    printf '  Why it failed (the first failed events):\n'
    aws cloudformation describe-stack-events --region "$where" --stack-name "$name" \
      --query "StackEvents[?ends_with(ResourceStatus, 'FAILED')].[LogicalResourceId,ResourceStatusReason]" \
      --output text | tail -n 5 | sed 's/^/    /' || true
    $replace_failed || die "fix the cause above, then run again with --replace-failed-stack (it deletes the empty stack; a failed create keeps no data)"
    run aws cloudformation delete-stack --region "$where" --stack-name "$name"
    run aws cloudformation wait stack-delete-complete --region "$where" --stack-name "$name"
    return 1 # the stack is gone: create it
  fi
}

# A Python with PyYAML (the infra venv of scripts/test-infra.sh, or the system's).
infra_python() {
  local py
  for py in "$ROOT/.venv-infra/bin/python" python3; do
    if "$py" -c 'import yaml' 2>/dev/null; then printf '%s' "$py"; return; fi
  done
  die "checking the parameters needs Python with PyYAML: pip install pyyaml (or run scripts/test-infra.sh once)"
}

# validate_parameters FIRST_DEPLOY KEY=VALUE...: every value against the template's
# AllowedValues, AllowedPattern, MinValue and MaxValue; on a first deploy every parameter
# without a default must be given. Prints each problem with the option that sets it.
validate_parameters() {
  "$(infra_python)" - "$TEMPLATE" "$@" <<'PY'
import re, sys, yaml

class Loader(yaml.SafeLoader):
    pass
Loader.add_multi_constructor("!", lambda loader, suffix, node: None)  # !Ref, !Sub, ...

template = yaml.load(open(sys.argv[1]), Loader=Loader)
first_deploy = sys.argv[2] == "true"
given = dict(arg.split("=", 1) for arg in sys.argv[3:])
options = {"SenderAddress": "--sender", "CoordinatorAddresses": "--coordinators",
           "AlarmEmail": "--alarm-email", "DomainName": "--domain",
           "CertificateArn": "--certificate-arn", "SesIdentityDomain": "--ses-domain",
           "RetentionDays": "--retention-days", "LogRetentionDays": "--log-retention-days",
           "MonthlyBudgetUsd": "--monthly-budget", "WebAclArn": "--web-acl-arn",
           "GitHubRepository": "--github-repo"}
problems = []
for name, spec in template["Parameters"].items():
    option = options.get(name, name)
    if name not in given:
        if first_deploy and "Default" not in spec:
            problems.append(f"{option} is required on a first deploy ({name}: {' '.join(spec.get('Description', '').split())})")
        continue
    value = given[name]
    if "AllowedValues" in spec and value not in [str(v) for v in spec["AllowedValues"]]:
        problems.append(f"{option} {value!r} must be one of {', '.join(map(str, spec['AllowedValues']))}")
    if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], value):
        problems.append(f"{option} {value!r}: {spec.get('ConstraintDescription', 'does not match ' + spec['AllowedPattern'])}")
    if spec.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError:
            problems.append(f"{option} {value!r} must be a number")
            continue
        if "MinValue" in spec and number < spec["MinValue"]:
            problems.append(f"{option} {value} is below {spec['MinValue']}")
        if "MaxValue" in spec and number > spec["MaxValue"]:
            problems.append(f"{option} {value} is above {spec['MaxValue']}")
for name in given:
    if name not in template["Parameters"]:
        problems.append(f"the template has no parameter {name}")
for problem in problems:
    print(f"deploy.sh: error: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}

# The templates pass cfn-lint (when it is installed; a dry run insists).
lint_templates() {
  local lint=""
  if [[ -x $ROOT/.venv-infra/bin/cfn-lint ]]; then
    lint=$ROOT/.venv-infra/bin/cfn-lint
  elif command -v cfn-lint >/dev/null; then
    lint=cfn-lint
  fi
  if [[ -z $lint ]]; then
    $dry_run && die "a dry run validates the templates with cfn-lint: pip install cfn-lint (or run scripts/test-infra.sh once)"
    printf '  cfn-lint not installed: templates not linted here (scripts/test-infra.sh lints them)\n'
    return
  fi
  print_command cfn-lint "$TEMPLATE" "$WAF_TEMPLATE"
  "$lint" "$TEMPLATE" "$WAF_TEMPLATE" || die "cfn-lint found problems in the templates (above)"
  printf '  templates: cfn-lint clean\n'
}

# What scripts/package-lambda.sh packs must be there.
check_packaging_inputs() {
  local missing=() f
  for f in site.toml scripts/package-lambda.sh content/forms content/offerings; do
    [[ -e $f ]] || missing+=("$f")
  done
  ((${#missing[@]} == 0)) || die "the Lambda zip cannot be packaged: missing ${missing[*]}"
  bash -n scripts/package-lambda.sh || die "scripts/package-lambda.sh does not parse"
  printf '  packaging inputs: present\n'
}

# A value of the existing stack's parameter (for checks on values not given this time).
previous_parameter() {
  aws cloudformation describe-stacks --region "$region" --stack-name "$stack" \
    --query "Stacks[0].Parameters[?ParameterKey=='$1'].ParameterValue" --output text
}

# The address the site is built for must be a real one: the example address in site.toml is
# a placeholder that must never reach a published sitemap or canonical link.
real_base_url() {
  local url=$1 host placeholder
  host=${url#https://}
  host=${host%%/*}
  placeholder=$(python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["base_url"])' site.toml)
  [[ $url != "$placeholder" ]] ||
    die "the site's address is site.toml's placeholder ($placeholder); pass --domain with the real host name"
  case $host in
    example.* | *.example.* | *.example | *.invalid | *.test | localhost | "")
      die "the site's address $url is a placeholder; pass --domain with the real host name" ;;
  esac
}

# --- Steps -----------------------------------------------------------------------------------

# Set by capture.
account="" SiteBucketName="" DistributionId="" SiteUrl="" SmtpSecretArn="" invalidation=""
DistributionDomainName="" WebAclArn="" stack_state="" smtp_versions="" artifacts_bucket="" quota="" ses_production="" ses_sending=""
cert_status=""

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
  ((${#missing[@]} == 0)) || die "missing on PATH: ${missing[*]} (see the README's Deploy section)"
fi
capture account aws sts get-caller-identity --query Account --output text
printf '  AWS account: %s\n' "$account"

step "Preflight checks (nothing is created yet)"
stack_status "$stack" "$region"
printf '  stack %s: %s\n' "$stack" "$stack_state"
first_deploy=false
if [[ $stack_state == NONE ]] || ! usable_stack "$stack" "$region" "$stack_state"; then
  first_deploy=true
fi
$first_deploy && printf '  first deploy: the stack will be created\n'
validate_parameters "$first_deploy" "${overrides[@]}" ||
  die "fix the options above (see --help); nothing was changed"
printf '  parameters: valid\n'
lint_templates
check_packaging_inputs
if ! $first_deploy && [[ -z $sender ]] && ! $dry_run; then
  sender=$(previous_parameter SenderAddress)
fi
if [[ -z $domain ]] && ! $first_deploy && ! $dry_run; then
  domain=$(previous_parameter DomainName)
  [[ $domain != None ]] || domain=""
fi
if [[ -n $domain ]]; then real_base_url "https://$domain"; fi

capture quota aws lambda get-account-settings --region "$region" \
  --query AccountLimit.ConcurrentExecutions --output text
if ! $dry_run && ((quota < RESERVED_CONCURRENCY + UNRESERVED_MINIMUM)); then
  die "the account's Lambda concurrency quota in $region is $quota; the functions reserve \
$RESERVED_CONCURRENCY and AWS keeps $UNRESERVED_MINIMUM unreserved, so it must be at least \
$((RESERVED_CONCURRENCY + UNRESERVED_MINIMUM)). Ask for more in Service Quotas (Lambda,
\"Concurrent executions\") and run again."
fi
printf '  Lambda concurrency quota: %s (needs %d)\n' "$quota" $((RESERVED_CONCURRENCY + UNRESERVED_MINIMUM))

capture ses_sending aws sesv2 get-account --region "$region" --query SendingEnabled --output text
capture ses_production aws sesv2 get-account --region "$region" --query ProductionAccessEnabled --output text
if ! $dry_run; then
  [[ $ses_sending == True ]] || die "SES sending is paused for this account in $region: \
no notification can be sent. See the SES console's account dashboard."
  if [[ $ses_production != True ]]; then
    printf '\n  !!! SES is in the SANDBOX in %s: it sends only to verified addresses, so the\n' "$region"
    printf '  !!! acknowledgements people ask for will be REJECTED. Request production access\n'
    printf '  !!! (SES console, "Get set up") before going live; see the README.\n\n'
    [[ $env != production ]] || $allow_sandbox ||
      die "a production deploy while SES is in the sandbox needs --allow-ses-sandbox"
  fi
fi
if [[ -n $sender ]]; then
  sender_domain=${sender#*@}
  if [[ -n $ses_domain && $ses_domain == "$sender_domain" ]]; then
    printf '  SES identity %s: created by this stack (publish its DKIM records)\n' "$ses_domain"
  else
    print_command aws sesv2 get-email-identity --region "$region" --email-identity "$sender_domain"
    if ! $dry_run; then
      verified=$(aws sesv2 get-email-identity --region "$region" --email-identity "$sender_domain" \
        --query VerifiedForSendingStatus --output text 2>/dev/null ||
        aws sesv2 get-email-identity --region "$region" --email-identity "$sender" \
          --query VerifiedForSendingStatus --output text 2>/dev/null || echo missing)
      [[ $verified == True ]] || die "the sender $sender is not verified in SES ($region): \
verify its domain (or pass --ses-domain $sender_domain) or the address, then run again"
    fi
  fi
fi
if [[ -n $certificate_arn ]]; then
  [[ $certificate_arn == arn:aws*:acm:us-east-1:* ]] ||
    die "--certificate-arn must be a certificate in us-east-1 (CloudFront reads them only there)"
  capture cert_status aws acm describe-certificate --region us-east-1 \
    --certificate-arn "$certificate_arn" --query Certificate.Status --output text
  $dry_run || [[ $cert_status == ISSUED ]] ||
    die "the certificate is $cert_status, not ISSUED: finish its DNS validation first"
fi

step "Web application firewall ($WAF_REGION) and GitHub's sign-in"
if ! $waf; then
  printf '\n  !!! --no-waf: NO web application firewall. One client can use up the API'"'"'s\n'
  printf '  !!! throttle (20 requests/s) for everyone, and nothing filters bad inputs.\n\n'
  overrides+=("WebAclArn=")
elif [[ -n $web_acl_arn ]]; then
  printf '  using the given web ACL %s\n' "$web_acl_arn"
  overrides+=("WebAclArn=$web_acl_arn")
else
  stack_status "$waf_stack" "$WAF_REGION"
  usable_stack "$waf_stack" "$WAF_REGION" "$stack_state" || true
  run aws cloudformation deploy --region "$WAF_REGION" --stack-name "$waf_stack" "${role_args[@]}" \
    --template-file "$WAF_TEMPLATE" \
    --no-fail-on-empty-changeset \
    --tags Project=passerelle "Environment=$env" \
    --parameter-overrides "Environment=$env"
  capture WebAclArn aws cloudformation describe-stacks --region "$WAF_REGION" --stack-name "$waf_stack" \
    --query "Stacks[0].Outputs[?OutputKey=='WebAclArn'].OutputValue" --output text
  overrides+=("WebAclArn=$WebAclArn")
fi

if [[ -n $github_repo ]]; then
  # One OIDC provider per account serves every stack; create it only when it is missing.
  oidc_arn="arn:aws:iam::$account:oidc-provider/token.actions.githubusercontent.com"
  print_command aws iam get-open-id-connect-provider --open-id-connect-provider-arn "$oidc_arn"
  if $dry_run || ! aws iam get-open-id-connect-provider --open-id-connect-provider-arn "$oidc_arn" >/dev/null 2>&1; then
    run aws iam create-open-id-connect-provider --url https://token.actions.githubusercontent.com \
      --client-id-list sts.amazonaws.com
  fi
  overrides+=("GitHubOidcProviderArn=$oidc_arn")
fi

step "Create the stack (first deploy only)"
# The CloudFront address, which the site is built for, exists only once the stack does: a first
# deploy creates the stack with a provisional build (nothing is uploaded or served yet), then
# goes on as an update. The table is created without deletion protection so that a failed
# create rolls back completely; the update below turns protection on.
if $first_deploy; then
  run cargo run --quiet -p site -- build --out dist --base-url https://first-deploy.invalid
  run scripts/package-lambda.sh
  package_template
  deploy_stack TableDeletionProtection=false
else
  printf '  the stack exists: nothing to create\n'
fi

step "Read the site's address"
if [[ -n $domain ]]; then
  base_url="https://$domain"
else
  stack_output DistributionDomainName
  base_url="https://$DistributionDomainName"
fi
real_base_url "$base_url"
printf '  the site is built for %s\n' "$base_url"
stack_output SiteBucketName

step "Build the site"
run cargo run --quiet -p site -- build --out dist --base-url "$base_url"

step "Package the Lambda zip"
run scripts/package-lambda.sh
printf '  check: %s holds a Linux %s bootstrap\n' "$LAMBDA_ZIP" "$architecture"
if ! $dry_run; then
  [[ -f $LAMBDA_ZIP ]] || die "scripts/package-lambda.sh did not produce $LAMBDA_ZIP"
  built=$(zip_architecture "$LAMBDA_ZIP")
  [[ $built == "$architecture" ]] ||
    die "$LAMBDA_ZIP holds a binary for $built, but --architecture is $architecture"
fi

step "Upload the assets (before the code that references them)"
# The handler's pages in the new Lambda zip name the new fingerprinted assets: they must be
# in the bucket before the stack update switches the code. Old assets are never deleted:
# pages cached in browsers may still reference them.
dest="s3://$SiteBucketName"
if $dry_run || [[ -d dist/assets ]]; then
  run aws s3 sync dist/assets "$dest/assets" --region "$region" --only-show-errors \
    --cache-control "$CACHE_IMMUTABLE"
else
  printf '  dist/assets does not exist: no assets to upload\n'
fi

step "Deploy the stack"
package_template
deploy_stack TableDeletionProtection=true

step "Read the stack outputs"
stack_output DistributionId
stack_output SiteUrl
stack_output SmtpSecretArn

step "Upload the pages"
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

step "Check the SMTP credentials"
# Until the secret holds real SES SMTP credentials, no notification can be sent: coordinators
# would hear of no submission. The deploy is not done until it does. The check reads only the
# secret's versions, never its value: the stack made one version (the placeholder), and
# storing the credentials adds another.
capture smtp_versions aws secretsmanager describe-secret --region "$region" --secret-id "$SmtpSecretArn" \
  --query "length(VersionIdsToStages)" --output text
if ! $dry_run && ((smtp_versions < 2)); then
  printf '  Site: %s (pages are up; forms store submissions)\n' "$SiteUrl"
  die "the SMTP secret $SmtpSecretArn still holds the stack's placeholder: no notification
can be sent until it holds the SES SMTP credentials. Store them (README, Deploy, step 7),
then run this deploy again."
fi
printf '  the SMTP secret holds credentials\n'
printf '  Site: %s\n' "$SiteUrl"
if $dry_run; then
  printf 'DRY RUN complete: nothing was changed.\n'
fi
