#!/usr/bin/python3
"""A real SMTP server for the tests, on 127.0.0.1, that can be told to misbehave.

    /usr/bin/python3 tests/smtp/smtp_server.py --port 0 --maildir DIR --control FILE

Prints "READY <port>" once it listens, or "IN-USE <port>" and exits with 3 if the port is taken.

Every accepted message becomes two files in DIR, written atomically (temporary name, then
rename), sharing one name that sorts by arrival: <name>.json with the envelope
({"mail_from": ..., "rcpt_tos": [...]}), written first, and <name>.eml with the DATA bytes as
received (dot-unstuffed, without the final "."), written last. A reader that sees the .eml can
rely on the .json being there.

The control FILE is read at every command, so a test changes behaviour by rewriting it:
  accept            (also: file absent or empty) take every message
  tempfail          451 4.3.0 to MAIL FROM and to DATA
  permfail          550 5.1.1 to RCPT TO
  drop-after-data   read the message, store nothing, close the connection without replying
  slow:<seconds>    wait that long before answering DATA, then accept
  drop-every:<n>    like drop-after-data for every n-th DATA (counted over all connections since
                    the server started), accept the others

AUTH (PLAIN, LOGIN) is offered without TLS, as a hostile or misconfigured server would, and every
attempt is appended to DIR/../auth.jsonl ({"mechanism": ..., "login": ..., "password": ...}) and
accepted, so a test can see whether a client sent credentials in the clear.

With --exit-on-stdin-eof it stops when its standard input closes, so it never outlives the
test process that started it. Needs Debian's python3-aiosmtpd.
"""

import argparse
import asyncio
import errno
import itertools
import json
import os
import sys
import time

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, LoginPassword

HOST = "127.0.0.1"


class Handler:
    def __init__(self, maildir, control):
        self.maildir = maildir
        self.control = control
        self.sequence = itertools.count()
        self.data_commands = itertools.count(1)

    def mode(self):
        try:
            with open(self.control, encoding="utf-8") as f:
                mode = f.read().strip()
        except FileNotFoundError:
            mode = ""
        mode = mode or "accept"
        if mode in ("accept", "tempfail", "permfail", "drop-after-data"):
            return mode, 0.0
        if mode.startswith("slow:"):
            return "slow", float(mode[len("slow:"):])
        if mode.startswith("drop-every:"):
            return "drop-every", float(int(mode[len("drop-every:"):]))
        raise ValueError(f"unknown mode {mode!r} in {self.control}")

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.mode()[0] == "tempfail":
            return "451 4.3.0 Temporary failure (test mode tempfail)"
        return MISSING

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode()[0] == "permfail":
            return "550 5.1.1 Mailbox unavailable (test mode permfail)"
        return MISSING

    async def handle_DATA(self, server, session, envelope):
        mode, seconds = self.mode()
        if mode == "drop-every":
            mode = "drop-after-data" if next(self.data_commands) % int(seconds) == 0 else "accept"
        if mode == "tempfail":
            return "451 4.3.0 Temporary failure (test mode tempfail)"
        if mode == "drop-after-data":
            server.transport.abort()
            await asyncio.sleep(3600)  # connection_lost cancels this; no reply is ever sent
            return MISSING
        if mode == "slow":
            await asyncio.sleep(seconds)
        self.store(envelope)
        return "250 2.0.0 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        record = {"mechanism": mechanism}
        if isinstance(auth_data, LoginPassword):
            record["login"] = auth_data.login.decode("utf-8", "replace")
            record["password"] = auth_data.password.decode("utf-8", "replace")
        path = os.path.join(os.path.dirname(os.path.abspath(self.maildir)), "auth.jsonl")
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return AuthResult(success=True)

    def store(self, envelope):
        name = f"{time.time_ns():020d}-{os.getpid()}-{next(self.sequence):06d}"
        sidecar = json.dumps({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos})
        self.write(name + ".json", sidecar.encode("utf-8"))
        self.write(name + ".eml", envelope.original_content)

    def write(self, filename, data):
        final = os.path.join(self.maildir, filename)
        temporary = os.path.join(self.maildir, "." + filename + ".tmp")
        with open(temporary, "wb") as f:
            f.write(data)
        os.replace(temporary, final)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--control", required=True)
    parser.add_argument("--exit-on-stdin-eof", action="store_true",
                        help="stop when standard input closes (the parent process is gone)")
    args = parser.parse_args()
    os.makedirs(args.maildir, exist_ok=True)

    handler = Handler(args.maildir, args.control)
    loop = asyncio.get_running_loop()
    try:
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="localhost", enable_SMTPUTF8=True,
                         authenticator=handler.authenticate, auth_require_tls=False),
            HOST, args.port, reuse_address=True)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        print(f"IN-USE {args.port}", flush=True)
        sys.exit(3)
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)

    async with server:
        if args.exit_on_stdin_eof:
            await asyncio.to_thread(sys.stdin.buffer.read)  # returns at end of input
        else:
            await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
