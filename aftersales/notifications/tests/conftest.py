"""A real HTTP receiver for webhook tests, and a clean SMS log per test."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aftersales.notifications.channels import LogSmsGateway


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every POST; answers with ``answers`` in turn, then ``default``.

    An answer is an HTTP status code, or ``"garbage"`` for a reply that is not HTTP at all.
    """

    url: str = ""
    received: list[Received] = field(default_factory=list)
    answers: list[int | str] = field(default_factory=list)
    default: int | str = 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self) -> int | str:
        with self.lock:
            return self.answers.pop(0) if self.answers else self.default


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            answer = receiver.next_answer()
            if answer == "garbage":
                self.wfile.write(b"NOT HTTP AT ALL\r\n\r\n")
                return
            assert isinstance(answer, int)
            text = b'{"ok": true}' if answer < 400 else b"receiver is down"
            self.send_response(answer)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            pass  # keep test output quiet

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An ``http.server`` on 127.0.0.1 (a free port), running in a thread for the test."""
    rec = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(rec))
    host, port = server.server_address[:2]
    rec.url = f"http://{host}:{port}/hooks/aftersales"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def sms_log(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """What the fake SMS gateway sent during this test only."""
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(LogSmsGateway, "sent", sent)
    return sent
