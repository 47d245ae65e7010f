"""An SMTP server that refuses some recipients, as a real relay does. Used by
handler/tests/services/delivery.rs; binds 127.0.0.1 only.

    python refusing_smtp.py PORT MAILDIR EVENTS_FILE

A recipient whose local part starts with `refused` gets `550 5.1.1` (refused for good), one
starting with `later` gets `451 4.3.0` (try again later); the others are accepted and stored in
MAILDIR. Every RCPT is appended to EVENTS_FILE as a JSON line {"rcpt": ..., "code": ...}, so a
test can count the attempts at each recipient.
"""

import asyncio
import json
import sys

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP

port, maildir, events = sys.argv[1:4]


def record(event):
    with open(events, "a", encoding="utf-8") as out:
        out.write(json.dumps(event) + "\n")


class RefusingMailbox(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0]
        if local.startswith("refused"):
            reply = "550 5.1.1 <%s>: Recipient address rejected: user unknown" % address
        elif local.startswith("later"):
            reply = "451 4.3.0 <%s>: Temporary failure, try again later" % address
        else:
            envelope.rcpt_tos.append(address)
            reply = "250 OK"
        record({"rcpt": address, "code": int(reply[:3])})
        return reply


handler = RefusingMailbox(maildir)


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="localhost"), host="127.0.0.1", port=int(port)
    )
    async with server:
        await server.serve_forever()


asyncio.run(main())
