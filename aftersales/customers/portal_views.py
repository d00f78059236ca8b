"""The customer portal: what a customer owns, across every organization they bought from."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from aftersales.accounts.decorators import customer_required
from aftersales.accounts.http import AuthedRequest
from aftersales.customers.selectors import units_for_user


@customer_required
def home(request: AuthedRequest) -> HttpResponse:
    units = units_for_user(request.user).select_related(
        "product_model", "product_model__category", "organization"
    )
    return render(request, "customers/portal_home.html", {"units": units})
