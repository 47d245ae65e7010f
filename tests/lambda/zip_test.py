"""The Lambda zip, run as Lambda runs it.

Unzips target/lambda/bootstrap.zip into a fresh folder, serves a local Lambda Runtime API
(the 2018-06-01 interface the runtime polls) on 127.0.0.1, and starts `bootstrap` from that
folder as provided.al2023 would, against DynamoDB and Secrets Manager on moto and an SMTP
server on 127.0.0.1. Then, with API Gateway HTTP API (payload 2.0) events as CloudFront
forwards them:

- a complete intake is stored (303 to its confirmation; the item is in the table);
- a post without its answers is refused with the page again (422), and nothing is stored;
- a post that did not come through CloudFront (no origin header) is refused (403);
- the notifier entry, invoked by the 5-minute schedule, sends the stored notices by SMTP.

Usage: python zip_test.py ZIP MOTO_ENDPOINT   (the Python of .venv-test: boto3, aiosmtpd)
Prints one line per check and "N passed, M failed"; exits non-zero on any failure.
"""

import base64
import json
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
from aiosmtpd.controller import Controller

ORIGIN = "https://peer-support.example.ca"  # site.toml's base_url, in the zip
REGION = "ca-central-1"
PREFIX = "/2018-06-01/runtime"


class RuntimeApi:
    """A Lambda Runtime API: hands out queued events, collects the answers."""

    def __init__(self, timeout_seconds):
        # The function's timeout (infra/template.yaml): the notifier plans its sends against
        # the deadline, as in Lambda, so a shorter one would make it start nothing.
        self.timeout_seconds = timeout_seconds
        self.events = queue.Queue()
        self.answers = {}
        self.answered = threading.Condition()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path != f"{PREFIX}/invocation/next":
                    self.send_error(404)
                    return
                request_id, event = api.events.get()
                body = json.dumps(event).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
                deadline = int((time.time() + api.timeout_seconds) * 1000)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(deadline))
                self.send_header(
                    "Lambda-Runtime-Invoked-Function-Arn",
                    f"arn:aws:lambda:{REGION}:123456789012:function:passerelle-test",
                )
                self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                payload = self.rfile.read(length)
                parts = self.path[len(PREFIX):].strip("/").split("/")
                if parts[:1] == ["init"]:
                    key, kind = "init", "error"
                elif len(parts) == 3 and parts[0] == "invocation":
                    key, kind = parts[1], parts[2]
                else:
                    self.send_error(404)
                    return
                with api.answered:
                    api.answers[key] = (kind, payload)
                    api.answered.notify_all()
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.address = f"127.0.0.1:{self.server.server_address[1]}"

    def invoke(self, event, seconds=150):
        """Queues `event`; returns ("response" | "error", the decoded JSON) once answered."""
        request_id = str(uuid.uuid4())
        self.events.put((request_id, event))
        deadline = time.time() + seconds
        with self.answered:
            while request_id not in self.answers and "init" not in self.answers:
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(f"no answer within {seconds} s")
                self.answered.wait(left)
            kind, payload = self.answers.get(request_id) or self.answers["init"]
        return kind, json.loads(payload or b"null")


class Inbox:
    """An SMTP server on 127.0.0.1 that keeps what it receives."""

    def __init__(self):
        self.messages = []
        inbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                inbox.messages.append((list(envelope.rcpt_tos), envelope.content))
                return "250 OK"

        with socket.socket() as probe:  # a free port (the controller checks it can connect)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()


def http_event(method, path, headers, body=None):
    """An API Gateway HTTP API (payload 2.0) event, as it arrives behind CloudFront."""
    all_headers = {
        "host": "abc123.execute-api.ca-central-1.amazonaws.com",
        "user-agent": "Amazon CloudFront",
        "x-forwarded-proto": "https",
        "x-forwarded-port": "443",
    }
    all_headers.update(headers)
    event = {
        "version": "2.0",
        "routeKey": "ANY /api/{proxy+}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.ca-central-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "198.51.100.7", "userAgent": "Amazon CloudFront"},
            "requestId": str(uuid.uuid4()),
            "routeKey": "ANY /api/{proxy+}",
            "stage": "$default",
            "time": "01/Dec/2026:12:00:00 +0000",
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": body is not None,
    }
    if body is not None:
        event["body"] = base64.b64encode(body.encode()).decode()
    return event


INTAKE = [
    ("lang", "en"), ("name", "Test Person"), ("language", "en"),
    ("contact_method", "email-only"), ("email", "person@example.ca"),
    ("phone", "613-555-0100"), ("group_type", "informal-group"),
    ("composition", "Peers, please."), ("member_status", "veteran"), ("adult", "yes"),
    ("affected", "yes"), ("device", "yes"), ("intake_meeting", "yes"),
    ("consent_contact", "yes"), ("website", ""),
]


def main():
    zip_path, moto = sys.argv[1], sys.argv[2]
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail and not ok else ""))

    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test",
                                    region_name=REGION)
    secrets = session.client("secretsmanager", endpoint_url=moto)
    dynamodb = session.client("dynamodb", endpoint_url=moto)
    suffix = uuid.uuid4().hex[:8]
    table = f"passerelle-zip-{suffix}"
    origin_secret = secrets.create_secret(Name=f"origin-{suffix}", SecretString=uuid.uuid4().hex)
    confirmation_secret = secrets.create_secret(Name=f"confirmation-{suffix}",
                                                SecretString=uuid.uuid4().hex + uuid.uuid4().hex)
    origin_value = secrets.get_secret_value(SecretId=origin_secret["ARN"])["SecretString"]
    inbox = Inbox()

    with tempfile.TemporaryDirectory() as task:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(task)
            names = archive.namelist()
        check("the zip carries the build's record of when it goes stale",
              "dist/_passerelle/next-change.txt" in names, names)
        bootstrap = os.path.join(task, "bootstrap")
        os.chmod(bootstrap, 0o755)  # zipfile drops modes; Lambda keeps the zip's
        env = {
            "PATH": "/usr/bin:/bin",
            "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_ENDPOINT_URL": moto, "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/test", "AWS_LAMBDA_LOG_STREAM_NAME": "test",
            "PASSERELLE_STORE": f"dynamodb:{table}",
            "PASSERELLE_MAIL": f"smtp://127.0.0.1:{inbox.port}",
            "PASSERELLE_MAIL_FROM": "peer-support@example.ca",
            "PASSERELLE_COORDINATORS": "coordinator@example.ca",
            "PASSERELLE_SITE_ORIGIN": ORIGIN,
            "PASSERELLE_ORIGIN_SECRET_ID": origin_secret["ARN"],
            "PASSERELLE_CONFIRMATION_SECRET_ID": confirmation_secret["ARN"],
        }
        created = subprocess.run([bootstrap, "create-table", "--table", table], cwd=task,
                                 env=env, capture_output=True, text=True)
        check("the zip's bootstrap creates the table (handler create-table)",
              created.returncode == 0, created.stderr)

        def start(entry, timeout_seconds):
            api = RuntimeApi(timeout_seconds)
            process = subprocess.Popen(
                [bootstrap], cwd=task,
                env={**env, "AWS_LAMBDA_RUNTIME_API": api.address,
                     "AWS_LAMBDA_FUNCTION_NAME": f"passerelle-{entry}",
                     "PASSERELLE_LAMBDA_ENTRY": entry},
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            return api, process

        started = time.monotonic()  # process start to first answer: Lambda's cold start
        api, api_process = start("api", 10)
        try:
            form_headers = {"content-type": "application/x-www-form-urlencoded",
                            "origin": ORIGIN, "sec-fetch-site": "same-origin",
                            "x-passerelle-origin-verify": origin_value}
            kind, answer = api.invoke(http_event("POST", "/api/forms/intake", form_headers,
                                                 urllib.parse.urlencode(INTAKE)))
            first_answer_ms = (time.monotonic() - started) * 1000
            location = ((answer or {}).get("headers") or {}).get("location", "")
            check("a complete intake is stored: 303 to its confirmation",
                  kind == "response" and answer.get("statusCode") == 303
                  and "/api/forms/intake/confirmation" in location, f"{kind} {answer}")
            print(f"     start to first answer (process start, secrets read, a store write): "
                  f"{first_answer_ms:.0f} ms")

            kind, answer = api.invoke(http_event("POST", "/api/forms/intake", form_headers,
                                                 "lang=en&website="))
            body = (answer or {}).get("body") or ""
            check("a post without its answers gets the page again with its errors (422), "
                  "rendered from the zip's templates and the build's frame",
                  kind == "response" and answer.get("statusCode") == 422
                  and "data-ps-error-summary" in body and "<footer" in body,
                  f"{kind} {answer}")

            no_cdn = {k: v for k, v in form_headers.items() if k != "x-passerelle-origin-verify"}
            kind, answer = api.invoke(http_event("POST", "/api/forms/intake", no_cdn,
                                                 urllib.parse.urlencode(INTAKE)))
            check("a post that did not come through CloudFront is refused (403)",
                  kind == "response" and answer.get("statusCode") == 403, f"{kind} {answer}")

            items = dynamodb.scan(TableName=table)["Items"]
            submissions = [i for i in items if i["sk"]["S"] == "SUBMISSION"]
            check("exactly one submission is in the table", len(submissions) == 1,
                  f"{len(submissions)} submissions")
        finally:
            api_process.kill()
            output = api_process.communicate()[0]
        check("the api process logged no personal data", "Test Person" not in output
              and "person@example.ca" not in output, "a name or address in its log")

        notifier, notifier_process = start("notifier", 120)
        try:
            kind, answer = notifier.invoke({
                "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
                "source": "aws.events", "account": "123456789012",
                "time": "2026-12-01T12:00:00Z", "region": REGION,
                "resources": [f"arn:aws:events:{REGION}:123456789012:rule/sweep"], "detail": {},
            })
            check("the notifier's scheduled sweep completes", kind == "response", f"{kind} {answer}")
            deadline = time.time() + 20
            while time.time() < deadline and len(inbox.messages) < 2:
                time.sleep(0.2)
            recipients = sorted(r for rcpts, _ in inbox.messages for r in rcpts)
            check("it sends the coordinator's notice and the acknowledgement by SMTP",
                  recipients == ["coordinator@example.ca", "person@example.ca"], recipients)
        finally:
            notifier_process.kill()
            notifier_process.communicate()
    inbox.controller.stop()
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
