"""Email about accounts (an invitation, a password reset), sent through whatever a higher app
registers: accounts sit below notifications, whose outbox delivers it (``notifications.apps``)."""

from __future__ import annotations

from typing import Protocol

from aftersales.accounts.models import Organization


class Sender(Protocol):
    def __call__(
        self, *, organization: Organization, key: str, to: str, subject: str, body: str
    ) -> object: ...


_sender: Sender | None = None


def register(sender: Sender) -> None:
    global _sender
    _sender = sender


def send(*, organization: Organization, key: str, to: str, subject: str, body: str) -> None:
    """Queue one email inside the caller's transaction (the outbox), or fail loudly: an
    invitation that silently goes nowhere leaves a user who can never log in."""
    if _sender is None:
        raise RuntimeError("no account mail sender is registered (is aftersales.notifications installed?)")
    _sender(organization=organization, key=key, to=to, subject=subject, body=body)
