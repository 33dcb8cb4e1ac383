"""Fixtures of the notification tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest


class Receiver(BaseHTTPRequestHandler):
    """A gateway adapter on localhost: records what it receives, answers 204."""

    seen: list[tuple[str, dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.seen.append((self.path, dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[Receiver]]]:
    """A small HTTP receiver in a thread; its URL and the handler class with ``seen``."""
    Receiver.seen = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/gateway", Receiver
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def perkim(db: Any, now: Any) -> Any:
    """A staff member of Dinas Perkimtan, the agency waiting on PUPR's pipes (5.6 → 5.7)."""
    from sinergi.accounts.models import User
    from sinergi.agencies.models import Agency, Membership

    user = User.objects.create_user(
        username="perkim", email="perkim@demo.sinergi.invalid", password="x"
    )
    Membership.objects.create(
        user=user,
        agency=Agency.objects.get(slug="perkimtan-sanggau"),
        role="staff",
        created_at=now,
        updated_at=now,
    )
    return user
