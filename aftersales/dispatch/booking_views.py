"""Booking pages: the customer's in the portal and the agent's in the console, one flow for both.

Parse the POST, call ``booking``/``mailin``, render. A slot someone else took a moment ago comes
back as a form error on the same page (409), never as a crash.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aftersales.accounts.decorators import customer_required, require
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.roles import Cap
from aftersales.core.errors import InvalidInput, ServiceError
from aftersales.dispatch import booking, config, mailin, selectors
from aftersales.dispatch.forms import BookForm, CancelForm, MailInStartForm
from aftersales.dispatch.models import Technician
from aftersales.service import services as service_services
from aftersales.service.models import Fulfilment, ServiceRequest
from aftersales.service.selectors import request_for_user
from aftersales.stations.models import ServiceStation

View = Any


def _portal(view: View) -> View:
    @customer_required
    @wraps(view)
    def wrapped(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, *args, portal=True, **kwargs)

    return wrapped


def _console(view: View) -> View:
    @require(Cap.BOOK_VISITS)
    @wraps(view)
    def wrapped(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, *args, portal=False, **kwargs)

    return wrapped


def _context(request: AuthedRequest, sr: ServiceRequest, *, portal: bool, **extra: Any) -> dict[str, Any]:
    appointment = selectors.active_appointment(sr)
    avail: booking.Availability | None = None
    problem = ""
    try:
        avail = booking.availability(request=sr, moving=appointment)
        problem = avail.problem
    except ServiceError as exc:
        problem = (
            " ".join(exc.errors.values()) if isinstance(exc, InvalidInput) and exc.errors else exc.message
        )
    technicians: dict[int, Technician] = {}
    if avail is not None and not portal:
        ids = {i for slot in avail.slots for i in slot.technician_ids}
        technicians = {t.pk: t for t in Technician.objects.filter(pk__in=ids).select_related("user")}
    here = "dispatch:portal-book" if portal else "dispatch:book"
    book_form = extra.pop("book_form", None) or BookForm()
    return {
        "sr": sr,
        "appointment": appointment,
        "avail": avail,
        "problem": problem,
        "portal": portal,
        "technicians": technicians,
        "action_url": reverse(here, args=[sr.number]),
        "back_url": reverse("portal_requests:detail" if portal else "service:detail", args=[sr.number]),
        "mail_in": selectors.mail_in_of(sr),
        "book_form": book_form,
        "days": _days(avail, sr, str(book_form.data.get("slot", "")) if book_form.is_bound else ""),
        "cancel_form": extra.pop("cancel_form", None) or CancelForm(),
        "mail_form": extra.pop("mail_form", None) or MailInStartForm(),
        **extra,
    }


def _days(avail: booking.Availability | None, sr: ServiceRequest, chosen: str) -> list[dict[str, Any]]:
    """The bookable days as tabs, each with its slots; the tab open first holds the chosen slot
    (a form shown again after an error), else the earliest day."""
    if avail is None:
        return []
    zone = config.zone_of(sr.organization)
    today = timezone.localtime(timezone.now(), zone).date()
    names = {today: _("今天"), today + timedelta(days=1): _("明天"), today + timedelta(days=2): _("后天")}
    days = [
        {
            "day": day,
            "key": day.strftime("%Y%m%d"),
            "slots": slots,
            "name": names.get(day, ""),
            "active": any(s.key == chosen for s in slots),
        }
        for day, slots in avail.by_day()
    ]
    if days and not any(d["active"] for d in days):
        days[0]["active"] = True
    return days


def _page(
    request: AuthedRequest, sr: ServiceRequest, *, portal: bool, status: int = 200, **extra: Any
) -> HttpResponse:
    template = "dispatch/portal_book.html" if portal else "dispatch/console_book.html"
    return render(request, template, _context(request, sr, portal=portal, **extra), status=status)


@require_http_methods(["GET", "POST"])
def book(request: AuthedRequest, number: str, *, portal: bool) -> HttpResponse:
    sr = request_for_user(user=request.user, number=number)
    if request.method == "GET":
        return _page(request, sr, portal=portal)
    action = request.POST.get("action", "book")
    handler = {"book": _book, "cancel": _cancel, "mail_in": _mail_in, "carry_in": _carry_in}.get(action)
    if handler is None:
        return _page(request, sr, portal=portal, status=400)
    return handler(request, sr, portal=portal)


def _book(request: AuthedRequest, sr: ServiceRequest, *, portal: bool) -> HttpResponse:
    form = BookForm(request.POST)
    if not form.is_valid():
        return _page(request, sr, portal=portal, status=422, book_form=form)
    technician = None
    if not portal and form.cleaned_data.get("technician"):
        technician = Technician.objects.filter(
            pk=form.cleaned_data["technician"], organization_id=sr.organization_id
        ).first()
    current = selectors.active_appointment(sr)
    try:
        if current is None:
            booking.appointment_book(
                request=sr,
                start=form.cleaned_data["slot"],
                by=request.user,
                technician=technician,
            )
            messages.success(request, _("已预约上门。"))
        else:
            booking.appointment_reschedule(
                appointment=current, start=form.cleaned_data["slot"], by=request.user, technician=technician
            )
            messages.success(request, _("已改约。"))
    except ServiceError as exc:
        form.add_service_error(exc)
        return _page(request, sr, portal=portal, status=exc.status, book_form=form)
    return redirect(reverse("portal_requests:detail" if portal else "service:detail", args=[sr.number]))


def _cancel(request: AuthedRequest, sr: ServiceRequest, *, portal: bool) -> HttpResponse:
    form = CancelForm(request.POST)
    current = selectors.active_appointment(sr)
    if current is None:
        messages.info(request, _("没有需要取消的预约。"))
        return redirect(reverse("dispatch:portal-book" if portal else "dispatch:book", args=[sr.number]))
    if not form.is_valid():
        return _page(request, sr, portal=portal, status=422, cancel_form=form)
    try:
        booking.appointment_cancel(appointment=current, by=request.user, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        form.add_service_error(exc)
        return _page(request, sr, portal=portal, status=exc.status, cancel_form=form)
    messages.success(request, _("预约已取消。"))
    return redirect(reverse("dispatch:portal-book" if portal else "dispatch:book", args=[sr.number]))


def _mail_in(request: AuthedRequest, sr: ServiceRequest, *, portal: bool) -> HttpResponse:
    form = MailInStartForm(request.POST)
    if not form.is_valid():
        return _page(request, sr, portal=portal, status=422, mail_form=form)
    try:
        mailin.mail_in_start(request=sr, by=request.user, method=form.cleaned_data["method"])
    except ServiceError as exc:
        form.add_service_error(exc)
        return _page(request, sr, portal=portal, status=exc.status, mail_form=form)
    messages.success(request, _("已改为寄修，请按页面提示寄出机器。"))
    if portal:
        return redirect(reverse("dispatch:portal-mail-in", args=[sr.number]))
    return redirect(reverse("dispatch:mail-in", args=[sr.number]))


def _carry_in(request: AuthedRequest, sr: ServiceRequest, *, portal: bool) -> HttpResponse:
    station = (
        ServiceStation.objects.filter(
            pk=request.POST.get("station") or 0,
            organization_id=sr.organization_id,
            is_active=True,
            accepts_carry_in=True,
        ).first()
        if (request.POST.get("station") or "").isdigit()
        else None
    )
    if station is None:
        return _page(request, sr, portal=portal, status=422, carry_error=_("请选择一个网点。"))
    try:
        service_services.request_update(
            request=sr,
            by=request.user,
            version=None,
            fulfilment=Fulfilment.CARRY_IN,
            part_of=Cap.BOOK_VISITS,
            owner_may=True,
        )
        service_services.message_add(
            request=sr,
            by=request.user,
            body=_("选择送到网点维修：%(name)s，%(addr)s，电话 %(phone)s")
            % {"name": station.name, "addr": station.address, "phone": station.phone or "—"},
            notify=False,
        )
    except ServiceError as exc:
        return _page(request, sr, portal=portal, status=exc.status, carry_error=exc.message)
    messages.success(request, _("已改为到店维修：%(name)s。") % {"name": station.name})
    return redirect(reverse("portal_requests:detail" if portal else "service:detail", args=[sr.number]))


portal_book = _portal(book)
console_book = _console(book)
