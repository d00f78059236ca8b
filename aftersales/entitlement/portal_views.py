"""The customer portal: "what can I do?" per unit, asking for a return, following it, answering quotes."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts.decorators import customer_required
from aftersales.accounts.http import AuthedRequest
from aftersales.core.errors import ServiceError
from aftersales.customers.selectors import units_for_user
from aftersales.entitlement import quotes as quote_steps
from aftersales.entitlement import rma as steps
from aftersales.entitlement import selectors
from aftersales.entitlement.forms import PortalReturnForm, ReasonForm, ShipForm
from aftersales.entitlement.models import Quote, ReturnAuthorization
from aftersales.entitlement.policy import FaultType, RequestKind
from aftersales.entitlement.present import present
from aftersales.entitlement.views import submit, take_step
from aftersales.service.models import Kind
from aftersales.service.selectors import request_for_user


def _scenarios(unit: Any) -> list[dict[str, Any]]:
    """The two questions a customer has: "it is faulty" and "I no longer want it"."""
    out = []
    for fault, title in (
        (FaultType.PERFORMANCE, _("产品有质量问题")),
        (FaultType.NONE, _("不想要了（无质量问题）")),
    ):
        item: dict[str, Any] = {"fault": fault.value, "title": title, "view": None, "error": ""}
        try:
            item["view"] = present(
                selectors.check_unit(unit=unit, kind=RequestKind.INQUIRY, fault=fault).data
            )
        except ServiceError as exc:
            item["error"] = " ".join(exc.errors.values()) or exc.message
        out.append(item)
    return out


@customer_required
@require_GET
def unit_entitlement(request: AuthedRequest, pk: int) -> HttpResponse:
    """/portal/units/<id>/entitlement/: what can I do with this unit, until when, and on what basis."""
    unit = selectors.unit_for_user(user=request.user, pk=pk)
    story = selectors.unit_story(unit)
    open_rma = next((r for r in story.rmas if r.is_open and r.unit_id == unit.pk), None)
    return render(
        request,
        "entitlement/portal/unit.html",
        {
            "unit": unit,
            "story": story,
            "scenarios": _scenarios(unit) if story.returned is None else [],
            "open_rma": open_rma,
        },
    )


@customer_required
def return_new(request: AuthedRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_for_user(user=request.user, pk=pk)
    kind = request.GET.get("kind", "return")
    fault = request.GET.get("fault", FaultType.PERFORMANCE)
    form = PortalReturnForm(
        request.POST or None,
        initial={
            "kind": kind if kind in ("return", "exchange") else "return",
            "fault": fault if fault in ("none", "performance") else "performance",
        },
    )
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda: steps.rma_request(
                unit=unit,
                by=request.user,
                kind=form.cleaned_data["kind"],
                fault=form.cleaned_data["fault"],
                description=form.cleaned_data["description"],
                odometer_km=form.cleaned_data["odometer_km"],
                channel="web",
            ),
            lambda created: _("申请已提交，单号 %(n)s。") % {"n": created.number},
            lambda created: reverse("entitlement_portal:return-detail", kwargs={"pk": created.pk}),
        )
        if done is not None:
            return done
    view = None
    try:
        chosen = form["fault"].value() or "performance"
        view = present(
            selectors.check_unit(unit=unit, kind=form["kind"].value() or "return", fault=chosen).data
        )
    except ServiceError:
        view = None
    return render(
        request,
        "entitlement/portal/return_new.html",
        {"unit": unit, "form": form, "view": view, "is_car": unit.product_model.category.kind == "car"},
        status=422 if form.errors else 200,
    )


@customer_required
@require_GET
def return_list(request: AuthedRequest) -> HttpResponse:
    units = (
        units_for_user(request.user)
        .select_related("product_model", "organization")
        .order_by("-purchase_date")
    )
    rmas = selectors.rma_queue(user=request.user)[:50]
    quotes = (
        selectors.quotes_for_user(request.user).filter(status=Quote.Status.SENT).select_related("request")
    )
    return render(
        request, "entitlement/portal/returns.html", {"units": units, "rmas": rmas, "quotes": quotes}
    )


def _detail(
    request: AuthedRequest, rma: ReturnAuthorization, ship_form: ShipForm | None = None, status: int = 200
) -> HttpResponse:
    stage = rma.eligibility.get("inspected") or rma.eligibility.get("requested") or {}
    return render(
        request,
        "entitlement/portal/return_detail.html",
        {
            "rma": rma,
            "view": present(stage.get("decision") or {}),
            "ship_form": ship_form or ShipForm(prefix="ship"),
            "inspection": rma.inspections.all()[0] if rma.inspections.all() else None,
        },
        status=status,
    )


@customer_required
@require_GET
def return_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.rma_for_user(user=request.user, pk=pk))


@customer_required
@require_POST
def return_ship(request: AuthedRequest, pk: int) -> HttpResponse:
    rma = selectors.rma_for_user(user=request.user, pk=pk)
    form = ShipForm(request.POST, prefix="ship")
    done = submit(
        request,
        form,
        lambda: steps.rma_ship(
            rma=rma,
            by=request.user,
            carrier=form.cleaned_data["carrier"],
            tracking=form.cleaned_data["tracking"],
            shipped_on=form.cleaned_data["shipped_on"],
        ),
        _("已登记寄回运单，我们收到后会尽快检测。"),
        reverse("entitlement_portal:return-detail", kwargs={"pk": rma.pk}),
    )
    if done is not None:
        return done
    return _detail(request, selectors.rma_for_user(user=request.user, pk=pk), form, status=422)


@customer_required
@require_POST
def return_close(request: AuthedRequest, pk: int) -> HttpResponse:
    rma = selectors.rma_for_user(user=request.user, pk=pk)
    take_step(request, lambda: steps.rma_close(rma=rma, by=request.user), _("感谢确认，退换货已完成。"))
    return redirect("entitlement_portal:return-detail", pk=rma.pk)


def _quote_page(
    request: AuthedRequest, quote: Quote, form: ReasonForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "entitlement/portal/quote.html",
        {"quote": quote, "decline_form": form or ReasonForm(prefix="decline")},
        status=status,
    )


@customer_required
@require_GET
def quote_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _quote_page(request, selectors.quote_for_user(user=request.user, pk=pk))


@customer_required
@require_POST
def quote_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_for_user(user=request.user, pk=pk)
    take_step(
        request,
        lambda: quote_steps.quote_approve(quote=quote, by=request.user),
        _("已同意报价，我们将继续维修。"),
    )
    return redirect("entitlement_portal:quote", pk=quote.pk)


@customer_required
@require_POST
def quote_decline(request: AuthedRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_for_user(user=request.user, pk=pk)
    form = ReasonForm(request.POST, prefix="decline")
    done = submit(
        request,
        form,
        lambda: quote_steps.quote_decline(quote=quote, by=request.user, reason=form.cleaned_data["reason"]),
        _("已拒绝报价，我们不会进行收费维修。"),
        reverse("entitlement_portal:quote", kwargs={"pk": quote.pk}),
    )
    if done is not None:
        return done
    return _quote_page(request, selectors.quote_for_user(user=request.user, pk=pk), form, status=422)


@customer_required
@require_GET
def request_panel(request: AuthedRequest, number: str) -> HttpResponse:
    """The portal request page's panel (HTMX): the return's progress, or a quote waiting for an answer."""
    sr = request_for_user(user=request.user, number=number)
    rma = getattr(sr, "rma", None) if sr.kind in (Kind.RETURN, Kind.EXCHANGE, Kind.REFUND) else None
    quotes = list(
        Quote.objects.filter(request=sr)
        .exclude(status__in=[Quote.Status.DRAFT, Quote.Status.WITHDRAWN])
        .prefetch_related("lines")
        .order_by("-created_at")
    )
    return render(request, "entitlement/portal/_request_panel.html", {"sr": sr, "rma": rma, "quotes": quotes})
