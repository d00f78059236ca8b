"""The customer portal: what a customer owns, across every organization they bought from."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from aftersales.accounts.models import Role
from aftersales.customers.selectors import units_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.user.role != Role.CUSTOMER:  # type: ignore[union-attr]
        raise Http404
    units = units_for_user(request.user).select_related("product_model", "product_model__category", "organization")
    return render(request, "customers/portal_home.html", {"units": units})
