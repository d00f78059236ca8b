"""Console pages: the entitlement check, the request-page panel, a unit's warranties and decisions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts.access import get_or_404, scope
from aftersales.accounts.decorators import require
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.roles import Cap, can
from aftersales.core.errors import InvalidInput, ServiceError
from aftersales.dispatch.models import RepairRecord
from aftersales.entitlement import recorded, selectors, services
from aftersales.entitlement import snapshot as snap
from aftersales.entitlement.forms import (
    CheckForm,
    ClaimForm,
    ContractForm,
    ReasonForm,
    RepairFactsForm,
    SaleTermsForm,
    UnitFactsForm,
)
from aftersales.entitlement.models import (
    EntitlementDecision,
    ExtendedWarrantyContract,
    Quote,
    SaleTerms,
    UnitFacts,
)
from aftersales.entitlement.policy import InvalidFacts
from aftersales.entitlement.present import present
from aftersales.entitlement.quotes import QUOTABLE
from aftersales.service.models import Kind
from aftersales.service.selectors import request_for_user

T = TypeVar("T")


def show_errors(form: Any, exc: ServiceError, rename: dict[str, str] | None = None) -> None:
    """A service's field errors on the form's fields; facts that are not form fields at the top."""
    rename = rename or {}
    if not exc.errors:
        form.add_error(None, exc.message)
    for field, reason in exc.errors.items():
        name = rename.get(field, field)
        form.add_error(name if name in form.fields else None, reason)


def submit(
    request: AuthedRequest,
    form: Any,
    save: Callable[[], T],
    success: str | Callable[[T], str],
    to: str | Callable[[T], str],
    rename: dict[str, str] | None = None,
) -> HttpResponse | None:
    """A bound form saved through its service: the success message and a redirect to ``to``
    (each either given or made from what the service returned).

    None when the form is invalid or the service refused it, its errors then on the form's fields
    so that the page shown again keeps what the user typed.
    """
    if not form.is_valid():
        return None
    try:
        saved = save()
    except ServiceError as exc:
        show_errors(form, exc, rename)
        return None
    messages.success(request, success(saved) if callable(success) else success)
    return redirect(to(saved) if callable(to) else to)


def form_page(
    request: AuthedRequest,
    form: Any,
    template: str,
    context: dict[str, Any],
    save: Callable[[], T],
    success: str | Callable[[T], str],
    to: str,
) -> HttpResponse:
    """A page with one form: a POST saved (see ``submit``), else the page, 422 while the form has errors."""
    if request.method == "POST":
        done = submit(request, form, save, success, to)
        if done is not None:
            return done
    return render(request, template, {"form": form, **context}, status=422 if form.errors else 200)


def take_step(request: AuthedRequest, step: Callable[[], object], success: str) -> None:
    """A step without a form: its refusal as an error message on the next page, else ``success``."""
    try:
        step()
    except ServiceError as exc:
        messages.error(request, " ".join(exc.errors.values()) or exc.message)
    else:
        messages.success(request, success)


@require(Cap.CHECK_ENTITLEMENT)
@require_GET
def check(request: AuthedRequest) -> HttpResponse:
    """/console/entitlement/?serial=… (or ?request=SR-…): what the customer may ask for, and why."""
    number = request.GET.get("request", "").strip()
    context: dict[str, Any] = {"result": None, "number": number}
    status = 200
    if number:
        form = CheckForm()
        try:
            result = selectors.check_request(user=request.user, number=number)
        except ServiceError as exc:
            show_errors(form, exc)
            status = 422
        else:
            context["result"] = result
    else:
        form = CheckForm(request.GET or None)
        if request.GET and form.is_valid():
            data = form.cleaned_data
            try:
                unit = selectors.unit_by_serial(user=request.user, serial=data["serial"])
                result = selectors.check_unit(
                    unit=unit,
                    kind=data["kind"],
                    fault=data["fault"],
                    part=data["part"],
                    odometer_km=data["odometer_km"],
                    on=data["on"],
                )
            except Http404:
                form.add_error("serial", _("没有找到这个序列号的机器。"))
                status = 404
            except ServiceError as exc:
                show_errors(form, exc, {"odometer_km": "odometer_km", "on": "on"})
                status = 422
            else:
                context["result"] = result
        elif request.GET:
            status = 422
    result = context["result"]
    if result is not None:
        context["view"] = present(result.data)
        context["unit"] = result.inputs.unit
    context["form"] = form
    context["can_decide"] = can(request.user, Cap.DECIDE_RETURNS)
    return render(request, "entitlement/check.html", context, status=status)


@require(Cap.CHECK_ENTITLEMENT)
@require_GET
def request_panel(request: AuthedRequest, number: str) -> HttpResponse:
    """The panel on the request page (loaded by HTMX): entitlement, the return and quotes."""
    sr = request_for_user(user=request.user, number=number)
    context: dict[str, Any] = {"sr": sr, "view": None, "error": None}
    if sr.unit is not None:
        try:
            result = selectors.check_request(user=request.user, number=number)
        except ServiceError as exc:
            context["error"] = exc
        else:
            context["view"] = present(result.data)
            context["returned"] = result.returned
    context["rma"] = (
        getattr(sr, "rma", None) if sr.kind in (Kind.RETURN, Kind.EXCHANGE, Kind.REFUND) else None
    )
    context["can_attach"] = (
        context["rma"] is None
        and sr.kind in (Kind.RETURN, Kind.EXCHANGE, Kind.REFUND)
        and can(request.user, Cap.DECIDE_RETURNS)
    )
    context["quotes"] = list(
        Quote.objects.filter(request=sr).prefetch_related("lines").order_by("-created_at")
    )
    view = context["view"]
    needs_quote = view is not None and any(o.requires_quote for o in view.options)
    context["can_quote"] = needs_quote and sr.kind in QUOTABLE and sr.is_open and can(request.user, Cap.QUOTE)
    context["can_record_repair"] = sr.kind == Kind.REPAIR and can(request.user, Cap.RECORD_FACTS)
    return render(request, "entitlement/partials/_request_panel.html", context)


@require(Cap.CHECK_ENTITLEMENT)
@require_GET
def unit_section(request: AuthedRequest, pk: int) -> HttpResponse:
    """The unit page's warranty section (loaded by HTMX)."""
    unit = selectors.unit_for_user(user=request.user, pk=pk)
    return render(
        request,
        "entitlement/partials/_unit_section.html",
        {
            "story": selectors.unit_story(unit),
            "claim_form": ClaimForm(),
            "can_sell": can(request.user, Cap.SELL_WARRANTY),
            "sale_terms": SaleTerms.objects.filter(unit=unit).first(),
            "can_edit_sale": can(request.user, Cap.EDIT_CUSTOMERS),
            "unit_facts": UnitFacts.objects.filter(unit=unit).first(),
            "can_record_facts": can(request.user, Cap.RECORD_FACTS),
        },
    )


@require(Cap.RECORD_FACTS)
def unit_facts_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """The unit's voucher status and use (an altered voucher or a car used for hire leaves 三包)."""
    unit = selectors.unit_for_user(user=request.user, pk=pk)
    facts = UnitFacts.objects.filter(unit=unit).first() or UnitFacts(unit=unit)
    form = UnitFactsForm(request.POST if request.method == "POST" else None, instance=facts)
    return form_page(
        request,
        form,
        "entitlement/unit_facts_form.html",
        {"unit": unit},
        lambda: recorded.unit_facts_save(unit=unit, by=request.user, **form.cleaned_data),
        _("三包凭证与用途已保存。"),
        reverse("customers:unit-detail", kwargs={"pk": unit.pk}),
    )


@require(Cap.RECORD_FACTS)
def repair_facts_edit(request: AuthedRequest, number: str) -> HttpResponse:
    """A repair's 三包 facts: serious safety fault, fault system, who repaired it, the mileage."""
    sr = request_for_user(user=request.user, number=number)
    if sr.kind != Kind.REPAIR:
        raise Http404
    record = recorded.repair_record_of(sr) or RepairRecord(organization_id=sr.organization_id, request=sr)
    form = RepairFactsForm(request.POST if request.method == "POST" else None, instance=record)
    return form_page(
        request,
        form,
        "entitlement/repair_facts_form.html",
        {"sr": sr},
        lambda: recorded.repair_facts_save(request=sr, by=request.user, **form.cleaned_data),
        _("维修记录的三包事实已保存。"),
        reverse("service:detail", kwargs={"number": sr.number}),
    )


@require(Cap.CHECK_ENTITLEMENT)
def sale_terms_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """What was agreed at the sale: the buyer's confirmation of a no-reason-return exclusion, and gifts."""
    if not can(request.user, Cap.EDIT_CUSTOMERS):
        raise Http404
    unit = selectors.unit_for_user(user=request.user, pk=pk)
    terms = SaleTerms.objects.filter(unit=unit).first() or SaleTerms(unit=unit)
    form = SaleTermsForm(request.POST or None, instance=terms)
    return form_page(
        request,
        form,
        "entitlement/sale_terms_form.html",
        {"unit": unit},
        lambda: services.sale_terms_save(terms=form.instance, by=request.user),
        _("销售约定已保存。"),
        reverse("customers:unit-detail", kwargs={"pk": unit.pk}),
    )


@require(Cap.SELL_WARRANTY)
def contract_new(request: AuthedRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_for_user(user=request.user, pk=pk)
    form = ContractForm(request.POST or None)
    return form_page(
        request,
        form,
        "entitlement/contract_form.html",
        {"unit": unit},
        lambda: services.contract_create(unit=unit, by=request.user, **form.cleaned_data),
        lambda contract: _("延保合同 %(n)s 已登记。") % {"n": contract.number},
        reverse("customers:unit-detail", kwargs={"pk": unit.pk}),
    )


def _contract(request: AuthedRequest, pk: int) -> ExtendedWarrantyContract:
    return get_or_404(
        scope(ExtendedWarrantyContract.objects.select_related("unit", "organization"), request.user), pk=pk
    )


@require(Cap.SELL_WARRANTY)
@require_POST
def claim_new(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    form = ClaimForm(request.POST)
    if form.is_valid():
        try:
            services.claim_add(contract=contract, by=request.user, **form.cleaned_data)
        except ServiceError as exc:
            show_errors(form, exc)
    if form.errors:
        problems = " ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("理赔未登记：%(p)s") % {"p": problems})
    else:
        messages.success(request, _("理赔已登记。"))
    return redirect("customers:unit-detail", pk=contract.unit_id)


@require(Cap.SELL_WARRANTY)
@require_POST
def contract_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    form = ReasonForm(request.POST)

    def cancel() -> object:
        if not form.is_valid():
            raise InvalidInput({"reason": _("请填写原因。")})
        return services.contract_cancel(
            contract=contract, by=request.user, reason=form.cleaned_data["reason"]
        )

    take_step(request, cancel, _("合同已取消。"))
    return redirect("customers:unit-detail", pk=contract.unit_id)


@require(Cap.CHECK_ENTITLEMENT)
@require_GET
def decision_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A past decision explained: the facts it was taken on, and the engine run again on them."""
    record = get_or_404(
        scope(
            EntitlementDecision.objects.select_related("unit", "rma", "request", "decided_by"), request.user
        ),
        pk=pk,
    )
    stored = present(record.decision)
    again = None
    rerun_error = ""
    if record.decision.get("options") is not None:
        try:
            again = present(snap.decision_json(services.explain(record)))
        except InvalidFacts as exc:
            # e.g. a use-compensation coefficient the repealed 2013 text allowed and the 2021 one does not.
            rerun_error = "; ".join(f"{field}: {reason}" for field, reason in exc.errors)
    return render(
        request,
        "entitlement/decision_detail.html",
        {
            "record": record,
            "stored": stored,
            "again": again,
            "facts": record.facts,
            "rerun_error": rerun_error,
        },
    )
