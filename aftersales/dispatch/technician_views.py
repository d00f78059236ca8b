"""The technician's phone view: today's route, and each visit from check-in to the customer's signature."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts.decorators import technician_required
from aftersales.accounts.http import AuthedRequest
from aftersales.catalog.models import SparePart
from aftersales.core.errors import ServiceError
from aftersales.core.forms import form_answer
from aftersales.core.models import RevealLog
from aftersales.dispatch import config, selectors, visits
from aftersales.dispatch.forms import CheckInForm, CompleteForm, PartForm, PhotoForm, RecordForm, WaitForm
from aftersales.dispatch.models import Appointment, PartUsage
from aftersales.service import attachments
from aftersales.service.pages import read_uploads


def nav_links(lat: float | None, lon: float | None, label: str) -> dict[str, str]:
    """Open the customer's place in the phone's map app or in Amap / Baidu Maps on the web."""
    if lat is None or lon is None:
        return {}
    name = quote(label[:40])
    return {
        "geo": f"geo:{lat},{lon}?q={lat},{lon}({name})",
        "amap": f"https://uri.amap.com/marker?position={lon},{lat}&name={name}&coordinate=wgs84&callnative=1&src=aftersales",
        "baidu": (
            f"https://api.map.baidu.com/marker?location={lat},{lon}&title={name}&content={name}"
            "&coord_type=wgs84&output=html&src=aftersales"
        ),
    }


@technician_required
@require_GET
def today(request: AuthedRequest) -> HttpResponse:
    tech = selectors.technician_of(request.user)
    assert tech is not None
    zone = config.zone_of(tech.organization)
    local_today = timezone.localtime(timezone.now(), zone).date()
    try:
        day = date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else local_today
    except ValueError:
        day = local_today
    rows = []
    for appointment, stop in selectors.technician_day(technician=tech, day=day):
        sr = appointment.request
        rows.append(
            {
                "a": appointment,
                "stop": stop,
                "sr": sr,
                "nav": nav_links(sr.latitude, sr.longitude, sr.address_region or sr.number),
            }
        )
    return render(
        request,
        "dispatch/tech/today.html",
        {
            "technician": tech,
            "day": day,
            "rows": rows,
            "is_today": day == local_today,
            "prev_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
        },
    )


def _parts_for(appointment: Appointment) -> list[tuple[str, str]]:
    sr = appointment.request
    qs = SparePart.objects.filter(organization_id=appointment.organization_id)
    if sr.unit is not None:
        fitting = qs.filter(fits=sr.unit.product_model_id)
        if fitting.exists():
            qs = fitting
    return [(str(p.pk), f"{p.part_number} {p.name} ¥{p.price}") for p in qs.order_by("part_number")[:200]]


def _log_reveal(request: AuthedRequest, appointment: Appointment) -> None:
    """The technician sees the full address and phone of their own visit; that is recorded once a day."""
    user = request.user
    key = {
        "user": user,
        "object_type": "service_request",
        "object_id": str(appointment.request_id),
        "field": "address",
        "created_at__date": timezone.localdate(),
    }
    if not RevealLog.objects.filter(**key).exists():
        RevealLog.objects.create(
            user=user,
            organization_id=appointment.organization_id,
            object_type="service_request",
            object_id=str(appointment.request_id),
            field="address",
            reason=_("上门服务"),
            ip_address=request.META.get("REMOTE_ADDR"),
        )


def _visit_page(
    request: AuthedRequest, appointment: Appointment, status: int = 200, **forms: Any
) -> HttpResponse:
    record = selectors.record_of(appointment)
    sr = appointment.request
    _log_reveal(request, appointment)
    initial = {}
    if record is not None:
        initial = {
            "fault_code": record.fault_code,
            "diagnosis": record.diagnosis,
            "cause": record.cause,
            "labour_minutes": record.labour_minutes,
        }
    photos = list(record.photos.all()) if record else []
    context = {
        "a": appointment,
        "sr": sr,
        "record": record,
        "nav": nav_links(sr.latitude, sr.longitude, sr.address_region or sr.number),
        "address": f"{sr.address_region}{sr.address_detail}",
        "phone": sr.customer.phone,
        "record_form": forms.get("record_form") or RecordForm(initial=initial),
        "part_form": forms.get("part_form") or PartForm(parts=_parts_for(appointment)),
        "wait_form": forms.get("wait_form") or WaitForm(),
        "complete_form": forms.get("complete_form") or CompleteForm(initial={"signed_by": sr.customer.name}),
        "photo_error": forms.get("photo_error", ""),
        "checkin_error": forms.get("checkin_error", ""),
        "before": [p for p in photos if p.stage == "before"],
        "after": [p for p in photos if p.stage == "after"],
        "on_site": appointment.checked_in_at is not None and appointment.checked_out_at is None,
    }
    return render(request, "dispatch/tech/visit.html", context, status=status)


def _visit(request: AuthedRequest, pk: int) -> Appointment:
    return selectors.visit_for_technician(user=request.user, pk=pk)


def _back(appointment: Appointment, anchor: str = "") -> HttpResponse:
    return redirect(reverse("dispatch:tech-visit", args=[appointment.pk]) + (f"#{anchor}" if anchor else ""))


def _submit(
    request: AuthedRequest,
    appointment: Appointment,
    form: Any,
    key: str,
    act: Callable[[dict[str, Any]], HttpResponse],
) -> HttpResponse:
    """``act``'s answer for the valid form; when the form or the service says no, the visit page
    again with this form under ``key``, its errors and what was typed."""
    return form_answer(
        form, act, lambda status: _visit_page(request, appointment, status=status, **{key: form})
    )


@technician_required
@require_GET
def visit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _visit_page(request, _visit(request, pk))


@technician_required
@require_POST
def check_in(request: AuthedRequest, pk: int) -> HttpResponse:
    appointment = _visit(request, pk)
    form = CheckInForm(request.POST)
    lat = lon = None
    if form.is_valid():
        lat, lon = form.cleaned_data.get("latitude"), form.cleaned_data.get("longitude")
    try:
        visits.visit_check_in(appointment=appointment, by=request.user, latitude=lat, longitude=lon)
    except ServiceError as exc:
        return _visit_page(request, appointment, status=exc.status, checkin_error=exc.message)
    messages.success(request, _("已签到，开始服务。"))
    return _back(appointment, "work")


@technician_required
@require_POST
def record(request: AuthedRequest, pk: int) -> HttpResponse:
    appointment = _visit(request, pk)

    def save(data: dict[str, Any]) -> HttpResponse:
        visits.repair_record_update(appointment=appointment, by=request.user, **data)
        messages.success(request, _("维修记录已保存。"))
        return _back(appointment, "parts")

    return _submit(request, appointment, RecordForm(request.POST), "record_form", save)


@technician_required
@require_POST
def part_add(request: AuthedRequest, pk: int) -> HttpResponse:
    appointment = _visit(request, pk)

    def add(data: dict[str, Any]) -> HttpResponse:
        visits.part_usage_add(appointment=appointment, by=request.user, **data)
        return _back(appointment, "parts")

    form = PartForm(request.POST, parts=_parts_for(appointment))
    return _submit(request, appointment, form, "part_form", add)


@technician_required
@require_POST
def part_remove(request: AuthedRequest, pk: int, usage_id: int) -> HttpResponse:
    appointment = _visit(request, pk)
    usage = (
        PartUsage.objects.filter(pk=usage_id, record__appointment=appointment)
        .select_related("record")
        .first()
    )
    if usage is None:
        raise Http404
    try:
        visits.part_usage_remove(usage=usage, by=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return _back(appointment, "parts")


@technician_required
@require_POST
def photo(request: AuthedRequest, pk: int) -> HttpResponse:
    appointment = _visit(request, pk)
    form = PhotoForm(request.POST)
    files = request.FILES.getlist("photos")
    if not form.is_valid() or not files:
        return _visit_page(request, appointment, status=422, photo_error=_("请选择照片。"))
    stage = form.cleaned_data["stage"]
    try:
        uploads = read_uploads(files, field="photos")
        for name, data in uploads:
            visits.visit_photo_add(
                appointment=appointment, by=request.user, stage=stage, name=name, data=data
            )
    except ServiceError as exc:
        reason = " ".join(exc.errors.values()) or exc.message
        return _visit_page(request, appointment, status=exc.status, photo_error=reason)
    return _back(appointment, "photos")


@technician_required
@require_POST
def wait_for_parts(request: AuthedRequest, pk: int) -> HttpResponse:
    appointment = _visit(request, pk)

    def wait(data: dict[str, Any]) -> HttpResponse:
        visits.visit_wait_for_parts(
            appointment=appointment,
            by=request.user,
            reason=data["reason"],
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
        )
        messages.success(request, _("已登记等待备件，备件到货后再预约上门。"))
        return redirect("dispatch:tech-today")

    return _submit(request, appointment, WaitForm(request.POST), "wait_form", wait)


@technician_required
@require_POST
def complete(request: AuthedRequest, pk: int) -> HttpResponse:
    appointment = _visit(request, pk)

    def sign(data: dict[str, Any]) -> HttpResponse:
        signature = visits.decode_signature(data["signature"])
        attachments.check_upload("signature.png", signature, "signature")
        visits.visit_complete(
            appointment=appointment,
            by=request.user,
            signature=signature,
            signed_by=data["signed_by"],
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
        )
        messages.success(request, _("客户已签字验收，服务单已解决。"))
        return redirect("dispatch:tech-today")

    return _submit(request, appointment, CompleteForm(request.POST), "complete_form", sign)
