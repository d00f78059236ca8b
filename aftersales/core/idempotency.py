"""``Idempotency-Key`` on API POSTs: the same key replays the first response.

The view runs inside one transaction together with the key's row, so a retried or concurrent
duplicate either sees the stored response or loses the race on the unique key and is rolled
back before it changes anything. The same key with a different body is refused (422).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from aftersales.core.models import IdempotencyKey
from aftersales.core.problem import problem_response

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(days=1)


class _Replay(Exception):
    pass


def _principal(request: HttpRequest) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth:
        return "auth:" + hashlib.sha256(auth.encode()).hexdigest()[:40]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def _replay(record: IdempotencyKey) -> HttpResponse:
    content_type = "application/problem+json" if record.status_code >= 400 else "application/json"
    body = b"" if record.response is None else json.dumps(record.response, ensure_ascii=False).encode()
    response = HttpResponse(body, status=record.status_code, content_type=content_type)
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER, "").strip()
        if request.method != "POST" or not key or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > 200:
            return problem_response(
                422,
                "Idempotency-Key is too long.",
                errors=[{"field": HEADER, "reason": "at most 200 characters"}],
            )
        principal = _principal(request)
        if principal is None:
            return self.get_response(request)  # unauthenticated: the view answers 401
        body_hash = hashlib.sha256(request.body).hexdigest()
        existing = IdempotencyKey.objects.filter(principal=principal, key=key).first()
        if existing is not None:
            return self._answer_repeat(existing, request.path, body_hash)
        try:
            with transaction.atomic():
                response = self.get_response(request)
                if response.status_code >= 500:
                    return response
                try:
                    stored = json.loads(response.content) if response.content else None
                except ValueError:
                    stored = None
                try:
                    with transaction.atomic():
                        IdempotencyKey.objects.create(
                            principal=principal,
                            key=key,
                            endpoint=request.path[:200],
                            body_hash=body_hash,
                            status_code=response.status_code,
                            response=stored,
                        )
                except IntegrityError:
                    raise _Replay() from None
                return response
        except _Replay:
            # A concurrent duplicate won; everything this one did was rolled back.
            winner = IdempotencyKey.objects.get(principal=principal, key=key)
            return self._answer_repeat(winner, request.path, body_hash)

    def _answer_repeat(self, record: IdempotencyKey, path: str, body_hash: str) -> HttpResponse:
        if record.body_hash != body_hash or record.endpoint != path[:200]:
            return problem_response(
                422,
                "This Idempotency-Key was already used with a different request.",
                errors=[{"field": HEADER, "reason": "reused with a different body or endpoint"}],
            )
        return _replay(record)


def purge_old() -> int:
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
    return deleted
