"""The customer portal's service requests: report a problem, follow it, accept and rate the work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts.decorators import customer_required
from aftersales.accounts.http import AuthedRequest
from aftersales.core.errors import ServiceError, renamed
from aftersales.core.forms import form_submit
from aftersales.core.htmx import htmx_partial
from aftersales.customers.selectors import units_for_user
from aftersales.service import lifecycle, opening, selectors, services
from aftersales.service.forms import PortalReplyForm, PortalRequestForm, RatingForm, RejectForm
from aftersales.service.models import Channel, Fulfilment, Rating, ServiceRequest, Status
from aftersales.service.pages import (
    KeptUploads,
    duplicates_of,
    fresh_uploads,
    keep_uploads,
    reply_submit,
    timeline_entries,
)

View = Callable[..., HttpResponse]

# What happens next, in plain words, for each status.
NEXT_STEP = {
    Status.NEW: gettext_lazy("我们已收到您的服务单，客服会尽快受理。"),
    Status.ACCEPTED: gettext_lazy("客服已受理，我们正在安排工程师。"),
    Status.ASSIGNED: gettext_lazy("工程师已确定，会尽快与您联系约定上门时间。"),
    Status.SCHEDULED: gettext_lazy("上门时间已约好，请保持电话畅通。"),
    Status.IN_PROGRESS: gettext_lazy("工程师正在处理您的问题。"),
    Status.AWAITING_PARTS: gettext_lazy("正在等待备件到货，到货后会继续处理。"),
    Status.AWAITING_CUSTOMER: gettext_lazy("我们需要您的回复或配合，请查看下方消息。"),
    Status.RESOLVED: gettext_lazy("工程师已处理完毕，请确认问题是否解决。"),
    Status.REOPENED: gettext_lazy("您反馈仍有问题，我们正在重新安排处理。"),
    Status.CLOSED: gettext_lazy("服务已完成，感谢您的信任。"),
    Status.CANCELLED: gettext_lazy("服务单已取消。"),
}

# Steps shown as a progress bar, per kind: where such a request usually goes, in order. A field
# job booked for a home visit has its own 已预约 step; desk work (consultations, complaints,
# returns) has no dispatch steps at all.
FIELD_STEPS = (
    Status.NEW,
    Status.ACCEPTED,
    Status.ASSIGNED,
    Status.SCHEDULED,
    Status.IN_PROGRESS,
    Status.RESOLVED,
    Status.CLOSED,
)
DESK_STEPS = (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED)
# A status without a step of its own shows as the step it belongs to.
STEP_OF = {
    Status.AWAITING_PARTS: Status.IN_PROGRESS,
    Status.AWAITING_CUSTOMER: Status.IN_PROGRESS,
    Status.REOPENED: Status.IN_PROGRESS,
    Status.SCHEDULED: Status.ASSIGNED,
    Status.ASSIGNED: Status.ACCEPTED,
}


def steps_for(sr: ServiceRequest) -> tuple[Status, ...]:
    if lifecycle.find(sr.kind, "schedule") is None:  # no visits in this kind's flow
        return DESK_STEPS
    if sr.fulfilment != Fulfilment.ONSITE:  # mailed in or brought in: nothing to book
        return tuple(s for s in FIELD_STEPS if s != Status.SCHEDULED)
    return FIELD_STEPS


def _get(request: AuthedRequest, number: str) -> ServiceRequest:
    return selectors.request_for_user(user=request.user, number=number)


@customer_required
@require_GET
def request_list(request: AuthedRequest) -> HttpResponse:
    qs = selectors.requests_for_user(request.user).select_related(
        "unit", "unit__product_model", "organization"
    )
    page = Paginator(qs.order_by("-created_at", "-id"), 20).get_page(request.GET.get("page"))
    return render(request, "service/portal/list.html", {"page": page})


# The portal form's names for ``request_open``'s arguments.
PORTAL_FIELDS = {"unit_id": "unit", "unit_serial": "serial"}


@customer_required
def request_new(request: AuthedRequest) -> HttpResponse:
    units = list(
        units_for_user(request.user)
        .select_related("product_model", "customer", "organization")
        .order_by("-purchase_date", "-id")
    )
    initial = {}
    wanted = request.GET.get("unit", "")
    chosen = next((u for u in units if str(u.pk) == wanted or u.serial_number == wanted), None)
    if chosen is not None:
        initial["unit"] = chosen.pk
    form = PortalRequestForm(request.POST or None, request.FILES or None, units=units, initial=initial)
    duplicates: list[str] = []
    kept = fresh_uploads("photos")
    if request.method == "POST":
        valid = form.is_valid()
        # The photos are kept before anything else is judged: a warning or an error below
        # re-shows the form with them listed, and the confirming submit attaches them.
        kept, refused = keep_uploads(request, field="photos")
        if refused:
            form.add_error("photos", refused)
            valid = False
        if valid:
            created = _create(request, form, kept, duplicates)
            if created is not None:
                messages.success(
                    request, _("已提交，服务单号 %(number)s。我们会尽快联系您。") % {"number": created.number}
                )
                return redirect("portal_requests:detail", number=created.number)
    return render(
        request,
        "service/portal/new.html",
        {"form": form, "units": units, "duplicates": duplicates, "kept": kept},
        status=422 if form.errors else 200,
    )


def _create(
    request: AuthedRequest, form: PortalRequestForm, kept: KeptUploads, duplicates: list[str]
) -> ServiceRequest | None:
    """The request with its photos, or None with the form's errors (and ``duplicates``) filled in."""
    data = form.cleaned_data
    try:
        # Home visits go to the customer's default address; the agent can change the plan.
        return opening.request_open(
            by=request.user,
            kind=data["kind"],
            channel=Channel.WEB,
            description=data["description"],
            unit_id=data["unit"],
            unit_serial=data["serial"],
            fulfilment=Fulfilment.ONSITE,
            preferred_start=data["preferred_start"],
            preferred_end=data["preferred_end"],
            allow_duplicate=data["allow_duplicate"],
            uploads=kept.items,
        )
    except ServiceError as exc:
        duplicates.extend(duplicates_of(exc))
        if duplicates:
            form.add_error(None, _("这台产品已有未完成的服务单，可以先查看进度；如果是新的问题，仍可提交。"))
        else:
            form.add_service_error(renamed(exc, PORTAL_FIELDS))
        return None


def _progress(sr: ServiceRequest) -> list[dict[str, Any]]:
    steps = steps_for(sr)
    here: Status | None = Status(sr.status)
    while here is not None and here not in steps:
        here = STEP_OF.get(here)
    reached = steps.index(here) if here is not None else -1
    return [
        {"status": s.value, "label": s.label, "done": i < reached, "current": i == reached}
        for i, s in enumerate(steps)
    ]


def _status_context(request: AuthedRequest, sr: ServiceRequest) -> dict[str, Any]:
    names = {t.name for t in selectors.allowed_transitions(user=request.user, request=sr)}
    return {
        "sr": sr,
        "next_step": NEXT_STEP.get(Status(sr.status), ""),
        "progress": _progress(sr),
        "can_accept": "customer_accept" in names,
        "can_reject": "customer_reject" in names,
    }


def _render_detail(
    request: AuthedRequest, sr: ServiceRequest, status: int = 200, **forms: Any
) -> HttpResponse:
    rating = getattr(sr, "rating", None)
    context: dict[str, Any] = {
        **_status_context(request, sr),
        "timeline": timeline_entries(user=request.user, sr=sr),
        "rating": rating,
        "rating_rows": [
            (getattr(Rating._meta.get_field(d), "verbose_name", d), getattr(rating, d))
            for d in Rating.DIMENSIONS
        ]
        if rating
        else [],
        "can_rate": sr.status == Status.CLOSED and rating is None and sr.merged_into_id is None,
        "reply_form": PortalReplyForm(),
        "reply_kept": fresh_uploads("photos"),
        "reject_form": RejectForm(),
        "rating_form": RatingForm(),
    }
    context.update(forms)
    return render(request, "service/portal/detail.html", context, status=status)


@customer_required
@require_GET
def request_detail(request: AuthedRequest, number: str) -> HttpResponse:
    return _render_detail(request, _get(request, number))


@customer_required
@require_GET
def request_status(request: AuthedRequest, number: str) -> HttpResponse:
    """The live status block, polled by the page; a change reloads the page so its actions follow."""
    sr = _get(request, number)
    response = render(request, "service/portal/partials/_status.html", _status_context(request, sr))
    seen = request.GET.get("seen", "")
    if htmx_partial(request) and seen and seen != sr.status:
        response["HX-Refresh"] = "true"
    return response


def _done(request: AuthedRequest, number: str, text: str, anchor: str = "") -> HttpResponse:
    messages.success(request, text)
    return redirect(reverse("portal_requests:detail", args=[number]) + anchor)


def _again(request: AuthedRequest, number: str, **forms: Any) -> HttpResponse:
    """The page again (422) for a form the customer must correct, as it is now, with the form as sent."""
    return _render_detail(request, _get(request, number), status=422, **forms)


@customer_required
@require_POST
def request_accept(request: AuthedRequest, number: str) -> HttpResponse:
    sr = _get(request, number)
    try:
        services.request_transition(request=sr, name="customer_accept", by=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("portal_requests:detail", number=number)
    return _done(request, number, _("感谢确认！欢迎为这次服务打分。"), "#rating")


@customer_required
@require_POST
def request_reject(request: AuthedRequest, number: str) -> HttpResponse:
    sr = _get(request, number)
    form = RejectForm(request.POST)

    def reject(data: dict[str, Any]) -> HttpResponse:
        services.request_transition(
            request=sr, name="customer_reject", by=request.user, reason=data["reason"]
        )
        return _done(request, number, _("已收到您的反馈，我们会重新安排处理。"))

    return form_submit(form, reject) or _again(request, number, reject_form=form)


@customer_required
@require_POST
def request_reply(request: AuthedRequest, number: str) -> HttpResponse:
    sr = _get(request, number)
    kept, refused = keep_uploads(request, field="photos")
    form = PortalReplyForm(request.POST, request.FILES, kept=len(kept.items))
    if reply_submit(form, sr=sr, by=request.user, kept=kept, refused=refused):
        return _done(request, number, _("留言已发送。"), "#timeline")
    return _again(request, number, reply_form=form, reply_kept=kept)


@customer_required
@require_POST
def request_rate(request: AuthedRequest, number: str) -> HttpResponse:
    sr = _get(request, number)
    form = RatingForm(request.POST)

    def rate(data: dict[str, Any]) -> HttpResponse:
        services.rating_submit(request=sr, by=request.user, **data)
        return _done(request, number, _("感谢您的评价！"), "#rating")

    return form_submit(form, rate) or _again(request, number, rating_form=form)
