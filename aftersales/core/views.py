from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.models import Role
from aftersales.core.problem import problem_response
from aftersales.core.start import figures_for, start_url


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.CUSTOMER:
        return redirect("portal:home")
    return render(request, "core/home.html", {"figures": figures_for(user), "start": start_url(user)})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return problem_response(404, "No such resource.")
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return problem_response(500, "An unexpected error occurred; it has been logged.")
    return render(request, "500.html", status=500)
