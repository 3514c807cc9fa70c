"""A tiny SMTP server for tests that need a real SMTP conversation (a Celery worker's mails): it records the
messages it accepts and can refuse the next N of them with a temporary error, like a struggling mail relay."""

from __future__ import annotations

import socketserver
import threading
from email import message_from_bytes
from email.message import Message


class SmtpSink(socketserver.ThreadingTCPServer):
    """`with SmtpSink() as sink:` listens on 127.0.0.1:`sink.port`; `sink.messages`; `sink.refuse = n`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.port = self.server_address[1]
        self.messages: list[Message] = []
        self.refused = 0
        self.refuse = 0
        self.lock = threading.Lock()

    def __enter__(self) -> SmtpSink:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()

    def accept(self, data: bytes) -> bool:
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                self.refused += 1
                return False
            self.messages.append(message_from_bytes(data))
            return True


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        self.reply("220 sink ESMTP")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 sink")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 go ahead")
                data = b""
                while (chunk := self.rfile.readline()) and chunk != b".\r\n":
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                ok = self.server.accept(data)  # type: ignore[attr-defined]
                self.reply("250 queued" if ok else "451 try again later")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")
