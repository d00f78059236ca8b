"""Console pages for returns, exchanges and refunds: the queue, one RMA and its steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts.decorators import require
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.roles import Cap, can
from aftersales.core.errors import ServiceError
from aftersales.core.htmx import render_htmx
from aftersales.entitlement import facts as build
from aftersales.entitlement import rma as steps
from aftersales.entitlement import selectors, snapshot
from aftersales.entitlement.forms import (
    ApproveForm,
    ConsoleReturnForm,
    ExchangeForm,
    InspectForm,
    ReasonForm,
    ReceiveForm,
    RefundForm,
    RefundPaidForm,
    ShipForm,
)
from aftersales.entitlement.models import ReturnAuthorization
from aftersales.entitlement.present import KIND_LABELS, present
from aftersales.entitlement.views import show_errors, submit, take_step
from aftersales.service.attachments import read_upload
from aftersales.service.models import RequestEvent, Status
from aftersales.service.selectors import request_for_user, timeline_for_user

S = ReturnAuthorization.Status
STATUS_FILTERS = [
    ("open", gettext_lazy("进行中")),
    *ReturnAuthorization.Status.choices,
    ("", gettext_lazy("全部")),
]


@require(Cap.CHECK_ENTITLEMENT)
@require_GET
def rma_list(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    q = request.GET.get("q", "")
    page = Paginator(selectors.rma_queue(user=request.user, status=status, q=q), 25).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "status": status, "q": q, "statuses": STATUS_FILTERS}
    return render_htmx(
        request,
        page="entitlement/rma_list.html",
        partial="entitlement/partials/_rma_rows.html",
        context=context,
    )


@require(Cap.DECIDE_RETURNS)
def rma_new(request: AuthedRequest) -> HttpResponse:
    form = ConsoleReturnForm(request.POST or None, initial={"serial": request.GET.get("serial", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = selectors.unit_by_serial(user=request.user, serial=data["serial"])
            created = steps.rma_request(
                unit=unit,
                by=request.user,
                kind=data["kind"],
                fault=data["fault"],
                description=data["description"],
                part=data["part"],
                odometer_km=data["odometer_km"],
                channel=data["channel"],
            )
        except Http404:
            form.add_error("serial", _("没有找到这个序列号的机器。"))
        except ServiceError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("退换货单 %(n)s 已创建。") % {"n": created.number})
            return redirect("entitlement:rma-detail", pk=created.pk)
    return render(request, "entitlement/rma_new.html", {"form": form}, status=422 if form.errors else 200)


@require(Cap.DECIDE_RETURNS)
@require_POST
def rma_attach(request: AuthedRequest, number: str) -> HttpResponse:
    sr = request_for_user(user=request.user, number=number)
    try:
        created = steps.rma_attach(
            request=sr, by=request.user, fault=request.POST.get("fault", "performance")
        )
    except ServiceError as exc:
        messages.error(request, " ".join(exc.errors.values()) or exc.message)
        return redirect("service:detail", number=number)
    return redirect("entitlement:rma-detail", pk=created.pk)


def _option_choices(view: Any) -> list[tuple[str, str]]:
    if view is None:
        return []
    out = []
    for o in view.options:
        if o.kind in ("return", "exchange"):
            deadline = _("，截止 %(d)s") % {"d": o.deadline} if o.deadline else ""
            out.append((f"{o.kind}:{o.rule_id}", f"{KIND_LABELS[o.kind]} · {o.citation}{deadline}"))
    return out


def _live(rma: ReturnAuthorization) -> tuple[Any, str]:
    """The engine on today's records (with the latest inspection); an error text if the facts are impossible."""
    try:
        decision = steps.rma_inputs(rma).evaluate()
    except Exception as exc:  # noqa: BLE001 - impossible facts are shown, not raised, on a read page
        return None, str(exc)
    return present(snapshot.decision_json(decision)), ""


FORMS: dict[str, type[forms.Form]] = {
    "approve": ApproveForm,
    "reject": ReasonForm,
    "ship": ShipForm,
    "receive": ReceiveForm,
    "inspect": InspectForm,
    "refund": RefundForm,
    "refund_paid": RefundPaidForm,
    "exchange": ExchangeForm,
}


def _render(
    request: AuthedRequest,
    rma: ReturnAuthorization,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    live, live_error = _live(rma)
    choices = _option_choices(live)
    initial: dict[str, dict[str, Any]] = {
        "approve": {"option": choices[0][0] if choices else ""},
        "refund": {"method": "original_payment"},
    }
    made: dict[str, forms.Form] = {}
    for name, cls in FORMS.items():
        kwargs: dict[str, Any] = {"initial": initial.get(name), "prefix": name}
        if name == "approve":
            kwargs["options"] = choices
        made[name] = cls(**kwargs)
    made.update(bound or {})
    labels = dict(Status.choices)
    events = []
    for e in timeline_for_user(user=request.user, request=rma.request):
        if e.kind == RequestEvent.Kind.STATUS:
            text = f"{labels.get(e.from_status, e.from_status)} → {labels.get(e.to_status, e.to_status)}"
            text += f"：{e.text}" if e.text else ""
        elif e.kind == RequestEvent.Kind.SLA or (e.kind == RequestEvent.Kind.FIELD and e.data.get("rma")):
            text = e.text
        else:
            continue
        events.append({"actor": e.actor_text, "at": e.created_at, "public": e.public, "text": text})
    inspection = rma.inspections.all()[0] if rma.inspections.all() else None
    context = {
        "rma": rma,
        "sr": rma.request,
        "live": live,
        "live_error": live_error,
        "forms": made,
        "requested": present((rma.eligibility.get("requested") or {}).get("decision") or {}),
        "inspected": present((rma.eligibility.get("inspected") or {}).get("decision") or {}),
        "still_eligible": (rma.eligibility.get("inspected") or {}).get("still_eligible"),
        "inspection": inspection,
        "decisions": list(rma.decisions.all()),
        "events": events,
        "can_decide": can(request.user, Cap.DECIDE_RETURNS),
        "can_handle": can(request.user, Cap.HANDLE_GOODS),
        "today": build.today_for(rma.organization),
        "is_car": rma.unit.product_model.category.kind == "car",
    }
    return render(request, "entitlement/rma_detail.html", context, status=status)


@require(Cap.CHECK_ENTITLEMENT)
@require_GET
def rma_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _render(request, selectors.rma_for_user(user=request.user, pk=pk))


def _approve(rma: ReturnAuthorization, by: Any, data: dict[str, Any], form: forms.Form) -> Any:
    return steps.rma_approve(
        rma=rma,
        by=by,
        option=data["option"],
        reason=data["reason"],
        goodwill=data["goodwill"],
        resolution=data["resolution"],
    )


def _inspect(rma: ReturnAuthorization, by: Any, data: dict[str, Any], form: forms.Form) -> Any:
    assert isinstance(form, InspectForm)
    photos = [(f.name or "photo", read_upload(f)) for f in data["photos"]]
    return steps.rma_inspect(
        rma=rma,
        by=by,
        findings=form.findings(),
        notes=data["notes"],
        odometer_km=data["odometer_km"],
        photos=photos,
    )


ACTIONS: dict[str, Callable[[ReturnAuthorization, Any, dict[str, Any], forms.Form], Any]] = {
    "approve": _approve,
    "reject": lambda rma, by, d, f: steps.rma_reject(rma=rma, by=by, reason=d["reason"]),
    "ship": lambda rma, by, d, f: steps.rma_ship(
        rma=rma, by=by, carrier=d["carrier"], tracking=d["tracking"], shipped_on=d["shipped_on"]
    ),
    "receive": lambda rma, by, d, f: steps.rma_receive(rma=rma, by=by, received_on=d["received_on"]),
    "inspect": _inspect,
    "refund": lambda rma, by, d, f: steps.rma_refund(
        rma=rma, by=by, method=d["method"], amount=d["amount"], reason=d["reason"], goodwill=d["goodwill"]
    ),
    "refund_paid": lambda rma, by, d, f: steps.rma_refund_paid(
        rma=rma, by=by, reference=d["reference"], refunded_on=d["refunded_on"]
    ),
    "exchange": lambda rma, by, d, f: steps.rma_exchange(
        rma=rma,
        by=by,
        new_serial=d["new_serial"],
        carrier=d["carrier"],
        tracking=d["tracking"],
        shipped_on=d["shipped_on"],
        reason=d["reason"],
        goodwill=d["goodwill"],
    ),
}
DONE = {
    "approve": gettext_lazy("已批准。"),
    "reject": gettext_lazy("已拒绝。"),
    "ship": gettext_lazy("已登记寄回运单。"),
    "receive": gettext_lazy("已签收。"),
    "inspect": gettext_lazy("检测已记录。"),
    "refund": gettext_lazy("退款已安排。"),
    "refund_paid": gettext_lazy("已确认退款。"),
    "exchange": gettext_lazy("换货已发出。"),
    "close": gettext_lazy("退换货单已完成。"),
}


@require(Cap.CHECK_ENTITLEMENT)
@require_POST
def rma_step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    rma = selectors.rma_for_user(user=request.user, pk=pk)
    if step == "close":
        take_step(request, lambda: steps.rma_close(rma=rma, by=request.user), str(DONE[step]))
        return redirect("entitlement:rma-detail", pk=rma.pk)
    if step not in ACTIONS:
        raise Http404
    kwargs: dict[str, Any] = {"prefix": step}
    if step == "approve":
        kwargs["options"] = _option_choices(_live(rma)[0])
    form = FORMS[step](request.POST, request.FILES, **kwargs)
    done = submit(
        request,
        form,
        lambda: ACTIONS[step](rma, request.user, form.cleaned_data, form),
        str(DONE[step]),
        reverse("entitlement:rma-detail", kwargs={"pk": rma.pk}),
        {"new_serial": "new_serial", "photos": "photos"},
    )
    if done is not None:
        return done
    rma = selectors.rma_for_user(user=request.user, pk=pk)
    return _render(request, rma, {step: form}, status=422)
