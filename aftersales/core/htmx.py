"""One answer to "the rows or the whole page?" for list views that HTMX refreshes in place.

A filter form or a pager with ``hx-get`` asks for the same URL as a plain link; HTMX marks its
request (``HX-Request``, read by django-htmx's middleware into ``request.htmx``) and swaps in
only the partial, while a plain visit, a bookmark or a reload gets the full page. Like netbox's
``utilities/htmx.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def htmx_partial(request: HttpRequest) -> bool:
    """True when HTMX made the request, so the view should answer with its partial only."""
    # Absent on requests that did not pass the middleware (RequestFactory in tests).
    return bool(getattr(request, "htmx", False))


def render_htmx(
    request: HttpRequest,
    *,
    page: str,
    partial: str,
    context: Mapping[str, Any],
    status: int = 200,
) -> HttpResponse:
    """Render ``partial`` for an HTMX request and ``page`` (which includes it) otherwise."""
    return render(request, partial if htmx_partial(request) else page, context, status=status)
