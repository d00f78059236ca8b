"""A benchmark-only endpoint: the cost of one insert through Django, to compare real ones with.

Routed only when ``AFTERSALES_BENCH_ENDPOINT=1`` (see ``aftersales/urls.py``); never in a normal
run. ``benchmarks/intake.py`` creates its table, ``bench_insert``, before starting the server, so
no migration adds a benchmark table to real databases.
"""

from __future__ import annotations

import json

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

TABLE = "bench_insert"


@csrf_exempt
@require_POST
def bench_insert(request: HttpRequest) -> HttpResponse:
    body = json.loads(request.body or b"{}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (body, created_at) VALUES (%s, %s)",  # noqa: S608 - a constant name
            [json.dumps(body, ensure_ascii=False)[:2000], timezone.now()],
        )
    return JsonResponse({"ok": True}, status=201)
