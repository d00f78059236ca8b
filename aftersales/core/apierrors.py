"""Database errors that bad input or a lost database cause, told to the client as what they are.

None of these is a bug to log as a 500: a number beyond what a database column holds is the
client's input (422, naming it), a delete that other records still need is a conflict (409), and
a lost database connection is a moment to retry (503 with ``Retry-After``).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest, HttpResponse

from aftersales.core.problem import problem_response

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
RETRY_AFTER_SECONDS = 5


def _too_big(text: str) -> bool:
    try:
        value = int(text)
    except (TypeError, ValueError):
        return False
    return not INT64_MIN <= value <= INT64_MAX


def _body_numbers(value: Any, path: str = "") -> Iterator[str]:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _body_numbers(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _body_numbers(item, f"{path}.{index}" if path else str(index))


def out_of_range_fields(request: HttpRequest) -> list[str]:
    """The query parameters, path parts and body fields holding integers no database column holds."""
    fields = [name for name, values in request.GET.lists() if any(_too_big(v) for v in values)]
    resolver = getattr(request, "resolver_match", None)
    if resolver is not None:
        fields += [name for name, v in resolver.kwargs.items() if _too_big(str(v))]
    if request.content_type == "application/json" and request.body:
        with contextlib.suppress(ValueError):
            fields += list(_body_numbers(json.loads(request.body)))
    return fields


def out_of_range_response(request: HttpRequest) -> HttpResponse:
    fields = out_of_range_fields(request) or ["__all__"]
    reason = f"must be an integer from {INT64_MIN} to {INT64_MAX}"
    return problem_response(
        422,
        "A number in the request is out of range.",
        errors=[{"field": f, "reason": reason} for f in fields],
    )


def is_out_of_range(exc: BaseException) -> bool:
    """SQLite's "Python int too large to convert" and PostgreSQL's "out of range" errors."""
    text = str(exc).lower()
    return isinstance(exc, OverflowError) or "out of range" in text or "too large" in text


def still_referenced_response(exc: ProtectedError | RestrictedError) -> HttpResponse:
    kinds = sorted(
        {str(obj._meta.verbose_name_plural) for obj in exc.protected_objects}
        if isinstance(exc, ProtectedError)
        else {str(obj._meta.verbose_name_plural) for obj in exc.restricted_objects}
    )
    return problem_response(
        409,
        "This object cannot be deleted while other records refer to it.",
        errors=[{"field": "id", "reason": "still referred to by: " + ", ".join(kinds)}],
    )


def database_unavailable_response() -> HttpResponse:
    response = problem_response(503, "The database is not reachable at the moment; retry shortly.")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
