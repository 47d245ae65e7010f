"""An SMTP server that, like Amazon SES on port 587, takes nothing before STARTTLS and nothing
before a login. Used by handler/tests/services/starttls.rs; binds 127.0.0.1 only.

    python starttls_smtp.py PORT MAILDIR CERT_PEM KEY_PEM EVENTS_FILE

The one accepted login is SMTP_TEST_USER / SMTP_TEST_PASSWORD (environment). Each delivered
message is stored in MAILDIR with two headers saying how it came: X-Test-TLS (the session's TLS
version, from aiosmtpd's session.ssl) and X-Test-Auth (the login). Every login attempt and every
message is also appended to EVENTS_FILE as a JSON line, so that a test can tell that nothing,
not even a login, was sent when TLS was not set up.
"""

import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

port, maildir, cert, key, events = sys.argv[1:6]
user = os.environ["SMTP_TEST_USER"].encode()
password = os.environ["SMTP_TEST_PASSWORD"].encode()


def record(event):
    with open(events, "a", encoding="utf-8") as out:
        out.write(json.dumps(event) + "\n")


def tls_version(session):
    """The TLS version of the session, or None before STARTTLS."""
    if session.ssl is None:
        return None
    return session.ssl["ssl_object"].version()


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        user,
        password,
    )
    record({"event": "auth", "mechanism": mechanism, "ok": ok, "tls": tls_version(session)})
    # auth_data on success becomes session.login_data, which the X-Test-Auth header reports.
    # handled=False: aiosmtpd then answers a refused login with 535 itself (by default it
    # leaves the answer to the authenticator, and the client would wait for one forever).
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class RecordingMailbox(Mailbox):
    def prepare_message(self, session, envelope):
        message = super().prepare_message(session, envelope)
        tls = tls_version(session)
        login = session.login_data.decode() if session.login_data else None
        message["X-Test-TLS"] = tls or "none"
        message["X-Test-Auth"] = login or "none"
        record({"event": "message", "tls": tls, "auth": login})
        return message


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
handler = RecordingMailbox(maildir)


def smtp():
    return SMTP(
        handler,
        hostname="localhost",
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=True,
    )


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(smtp, host="127.0.0.1", port=int(port))
    async with server:
        await server.serve_forever()


asyncio.run(main())
