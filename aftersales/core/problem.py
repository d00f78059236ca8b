"""RFC 9457 problem details: the body of every API error."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse

CONTENT_TYPE = "application/problem+json"


def problem_response(
    status: int,
    detail: str = "",
    *,
    title: str | None = None,
    errors: Iterable[Mapping[str, Any]] = (),
    **extra: Any,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or HTTPStatus(status).description,
    }
    error_list = [dict(e) for e in errors]
    if error_list:
        body["errors"] = error_list
    body.update(extra)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str), status=status, content_type=CONTENT_TYPE
    )
