"""Console pages for repair quotes: build one from the catalog, send it, record a phone answer."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts.decorators import require
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.roles import Cap, can
from aftersales.catalog.models import ProductCategory
from aftersales.core.errors import ServiceError
from aftersales.entitlement import quotes as steps
from aftersales.entitlement import selectors
from aftersales.entitlement.forms import QuoteForm, QuoteLineFormSet, ReasonForm
from aftersales.entitlement.present import present
from aftersales.entitlement.views import show_errors, take_step
from aftersales.service.selectors import request_for_user


@require(Cap.QUOTE)
def quote_new(request: AuthedRequest) -> HttpResponse:
    """/console/quotes/new/?request=SR-…: lines from the catalog, labour and travel."""
    number = request.GET.get("request", "") or request.POST.get("request", "")
    sr = request_for_user(user=request.user, number=number)
    form = QuoteForm(request.POST or None, initial={"send": True})
    lines = QuoteLineFormSet(
        request.POST or None,
        form_kwargs={"organization_id": sr.organization_id},
        initial=[{"kind": "part"}, {"kind": "labour"}, {"kind": "travel"}] if not request.POST else None,
    )
    is_car = sr.unit is not None and sr.unit.product_model.category.kind == ProductCategory.Kind.CAR
    valid = request.method == "POST" and form.is_valid()
    odometer = form.cleaned_data.get("odometer_km") if valid else None
    entitlement = None
    preview_error = ""
    if not is_car or odometer is not None:  # a car's entitlement needs the reading the form asks for
        try:
            entitlement = present(
                selectors.check_request(user=request.user, number=sr.number, odometer_km=odometer).data
            )
        except ServiceError as exc:  # shown above the form; the form itself is still valid input
            preview_error = " ".join(str(e) for e in exc.errors.values()) or exc.message
    if valid and lines.is_valid():
        rows = [
            steps.LineIn(
                kind=d["kind"],
                part=d["part"].part_number if d.get("part") else "",
                description=d.get("description", ""),
                quantity=d["quantity"],
                unit_price=d.get("unit_price"),
            )
            for d in lines.cleaned_data
            if d and d.get("kind") and d.get("quantity") is not None
        ]
        try:
            quote = steps.quote_create(
                request=sr,
                by=request.user,
                lines=rows,
                note=form.cleaned_data["note"],
                send=form.cleaned_data["send"],
                odometer_km=form.cleaned_data["odometer_km"],
            )
        except ServiceError as exc:
            show_errors(form, exc)
        else:
            messages.success(
                request, _("报价已创建。") if quote.status == "draft" else _("报价已发送给客户。")
            )
            return redirect("entitlement:quote-detail", pk=quote.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "entitlement/quote_form.html",
        {
            "sr": sr,
            "form": form,
            "lines": lines,
            "view": entitlement,
            "is_car": is_car,
            "preview_error": preview_error,
        },
        status=status,
    )


@require(Cap.CHECK_ENTITLEMENT)
@require_GET
def quote_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_for_user(user=request.user, pk=pk)
    return render(
        request,
        "entitlement/quote_detail.html",
        {
            "quote": quote,
            "decline_form": ReasonForm(),
            "can_quote": can(request.user, Cap.QUOTE),
            "view": present((quote.entitlement or {}).get("decision") or {}),
        },
    )


@require(Cap.QUOTE)
@require_POST
def quote_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    quote = selectors.quote_for_user(user=request.user, pk=pk)
    by: Any = request.user

    def act() -> object:
        if action == "send":
            return steps.quote_send(quote=quote, by=by)
        if action == "withdraw":
            return steps.quote_withdraw(quote=quote, by=by)
        if action == "approve":
            return steps.quote_approve(quote=quote, by=by)
        if action == "decline":
            return steps.quote_decline(quote=quote, by=by, reason=request.POST.get("reason", ""))
        raise Http404

    take_step(request, act, _("报价单已更新。"))
    return redirect("entitlement:quote-detail", pk=quote.pk)
