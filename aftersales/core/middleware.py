"""Request logging: one structured line per request, with an id to correlate log lines."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from aftersales.core.problem import problem_response

log = logging.getLogger("aftersales.request")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        if not request.path.startswith("/static/"):
            user = getattr(request, "user", None)
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": getattr(user, "pk", None),
                },
            )
        return response


class RejectNulMiddleware:
    """Answer 400 to a URL holding a NUL character instead of letting it reach the database.

    No page or endpoint takes one, and PostgreSQL refuses NUL in text, so a stray ``%00`` in a
    search box or a serial number would otherwise end as a 500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            if request.path.startswith("/api/"):
                return problem_response(
                    400, "The URL contains a NUL character.", errors=[{"field": "url", "reason": "NUL character"}]
                )
            return HttpResponseBadRequest("The URL contains a NUL character.", content_type="text/plain")
        return self.get_response(request)
