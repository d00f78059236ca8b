"""The console's search page (``service.search``): parse, read, render."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from aftersales.accounts.decorators import require
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.roles import Cap
from aftersales.service.search import search_everything


@require(Cap.VIEW_CUSTOMERS)  # staff only: a customer (or anyone without the capability) gets 404
@require_GET
def search(request: AuthedRequest) -> HttpResponse:
    results = search_everything(user=request.user, q=request.GET.get("q", ""))
    return render(request, "service/console/search.html", {"results": results, "q": results.q})
