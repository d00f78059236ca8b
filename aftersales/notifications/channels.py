"""Ways a message leaves the platform, each behind a small interface.

SMS has no gateway that can run here; the default ``LogSmsGateway`` records what would be
sent, and a deployment names its provider's class in ``AFTERSALES_SMS_GATEWAY``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status_code: int | None = None
    response: str = ""
    error: str = ""
    duration_ms: int = 0


class SmsGateway(Protocol):
    def send(self, *, phone: str, text: str) -> SendResult: ...


class LogSmsGateway:
    """Stands in for a real SMS provider: logs the message and keeps it for inspection."""

    sent: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str) -> SendResult:
        self.sent.append((phone, text))
        log.info("sms", extra={"phone_tail": phone[-4:], "chars": len(text)})
        return SendResult(ok=True, response="logged")


def sms_gateway() -> SmsGateway:
    path = getattr(settings, "AFTERSALES_SMS_GATEWAY", "aftersales.notifications.channels.LogSmsGateway")
    gateway: SmsGateway = import_string(path)()
    return gateway


def send_email(*, to: str, subject: str, body: str, sender_name: str = "", reply_to: str = "") -> SendResult:
    """``sender_name``: the display name before the deployment's address; ``reply_to``: where
    replies go (both from the organization's sending settings)."""
    started = time.perf_counter()
    sender = settings.DEFAULT_FROM_EMAIL
    if sender_name:
        # Quoted as is; Django encodes a non-ASCII name when it writes the header.
        quoted = sender_name.replace("\\", "\\\\").replace('"', '\\"')
        sender = f'"{quoted}" <{settings.DEFAULT_FROM_EMAIL}>'
    try:
        if reply_to:
            EmailMessage(subject, body, sender, [to], reply_to=[reply_to]).send(fail_silently=False)
        else:
            send_mail(subject, body, sender, [to], fail_silently=False)
    except Exception as exc:  # SMTP errors come in many types; all mean "try again later"
        return SendResult(ok=False, error=f"{type(exc).__name__}: {exc}")
    return SendResult(ok=True, duration_ms=int((time.perf_counter() - started) * 1000))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over ``timestamp.body``; the timestamp lets receivers refuse replays."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def post_webhook(
    *, url: str, secret: str, event_id: str, payload: dict[str, Any], timeout: float = 10
) -> SendResult:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - the URL is an admin-configured http(s) endpoint
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "aftersales-webhooks/1",
            "X-Aftersales-Event-Id": event_id,
            "X-Aftersales-Timestamp": timestamp,
            "X-Aftersales-Signature": sign(secret, timestamp, body),
        },
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            text = response.read(500).decode("utf-8", "replace")
            code = response.status
    except urllib.error.HTTPError as exc:
        return SendResult(
            ok=False,
            status_code=exc.code,
            response=exc.read(500).decode("utf-8", "replace"),
            error=f"HTTP {exc.code}",
            duration_ms=int((time.perf_counter() - started) * 1000),
        )
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return SendResult(
            ok=False,
            error=f"{type(exc).__name__}: {exc}",
            duration_ms=int((time.perf_counter() - started) * 1000),
        )
    return SendResult(
        ok=200 <= code < 300,
        status_code=code,
        response=text,
        duration_ms=int((time.perf_counter() - started) * 1000),
    )
