"""Request middleware: a structured log line per request, NUL rejection, HTMX login redirects,
database errors as 404/503 pages."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DataError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render, resolve_url
from django.template.loader import render_to_string
from django_htmx.http import HttpResponseClientRedirect

from aftersales.core import apierrors
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
                    400,
                    "The URL contains a NUL character.",
                    errors=[{"field": "url", "reason": "NUL character"}],
                )
            return HttpResponseBadRequest("The URL contains a NUL character.", content_type="text/plain")
        return self.get_response(request)


class HtmxLoginRedirectMiddleware:
    """Send the whole page to the login form when an HTMX request finds the session gone.

    A polled fragment (a request's live status, an import's progress bar) answered with a
    redirect to the login page would otherwise have the login form swapped into the card.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "htmx", False) and response.status_code in (301, 302):
            location = response.get("Location", "")
            if urlsplit(location).path == resolve_url(settings.LOGIN_URL):
                return HttpResponseClientRedirect(location)
        return response


class DatabaseErrorMiddleware:
    """Pages answer what a database error means instead of a 500: a lost connection is a 503 to
    retry (with ``Retry-After``), and a number too large for any row id means no such page (404).
    The API answers the same in problem+json through its own exception handlers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OverflowError) or (
            isinstance(exception, (DataError, OperationalError)) and apierrors.is_out_of_range(exception)
        ):
            return render(request, "404.html", status=404)
        if isinstance(exception, OperationalError):
            log.warning("database unavailable", extra={"path": request.path, "error": str(exception)})
            response = HttpResponse(
                render_to_string("503.html"), status=503, content_type="text/html; charset=utf-8"
            )
            response["Retry-After"] = str(apierrors.RETRY_AFTER_SECONDS)
            return response
        return None


# --- 三包 explained once per page for English readers --------------------------------------------

SANBAO_GLOSS = " (sānbāo: the statutory duty to repair, replace or take back faulty goods)"
_TOKENS = re.compile(r"<!--.*?-->|<[^>]*>|[^<]+", re.S)
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z0-9]+)")
# Text inside these is not prose a reader takes in order (or cannot hold markup).
_NO_GLOSS = frozenset(
    {"script", "style", "textarea", "option", "select", "title", "button", "a", "th", "code"}
)


def gloss_first_sanbao(html: str) -> str:
    """Add the English gloss after the first 三包 in the page's running text, and only there.

    English pages keep the term 三包 (it is what the customer's voucher says), so its first
    occurrence in the main content is explained (in a panel loaded into a page, in the panel's
    text, since the page it lands in is already rendered). Tags, attributes, form fields, links and
    buttons are left alone: the gloss goes where it reads as part of a sentence.
    """
    start = max(html.find("<main"), 0)  # a partial (an HTMX panel) has no <main>: its own text counts
    if "三包" not in html[start:]:
        return html
    open_skips: list[str] = []
    for token in _TOKENS.finditer(html, start):
        text = token.group(0)
        if text.startswith("<"):
            name = _TAG_NAME.match(text)
            if name is None or text.startswith("<!--"):
                continue
            tag = name.group(1).lower()
            if tag in _NO_GLOSS:
                if text.startswith("</"):
                    if tag in open_skips:
                        open_skips.remove(tag)
                elif not text.endswith("/>"):
                    open_skips.append(tag)
            continue
        if open_skips or "三包" not in text:
            continue
        at = token.start() + text.index("三包") + len("三包")
        return f'{html[:at]}<span class="gloss">{SANBAO_GLOSS}</span>{html[at:]}'
    return html


class SanbaoGlossMiddleware:
    """English HTML pages explain 三包 the first time it appears (issue: one gloss per page)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            getattr(request, "LANGUAGE_CODE", "").startswith("en")
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and "三包".encode() in response.content
        ):
            charset = response.charset or "utf-8"
            response.content = gloss_first_sanbao(response.content.decode(charset)).encode(charset)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
