"""Console pages of dispatch: the board, day plans, assignment proposals, coverage, mail-in."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.accounts.access import get_or_404
from aftersales.accounts.decorators import customer_required, require, settings_admin_required
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.roles import Cap, can
from aftersales.accounts.settings_area import settings_context
from aftersales.core.errors import ServiceError
from aftersales.dispatch import assignment, booking, config, mailin, maps, planning, selectors
from aftersales.dispatch.forms import MailInStepForm, MapSettingsForm, PlanForm, ReassignForm
from aftersales.dispatch.models import BalanceBy, MailInShipment, MapSettings, PlanObjective
from aftersales.service.selectors import request_for_user, requests_for_user
from aftersales.stations.models import ServiceStation

FIRST_SLOT_HOUR = config.SLOT_ANCHOR_HOUR


def _reason(exc: ServiceError) -> str:
    return " ".join(exc.errors.values()) if exc.errors and exc.status == 422 else exc.message


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _station(request: AuthedRequest, value: Any) -> ServiceStation | None:
    stations = selectors.stations_for_staff(request.user)
    text = str(value or "")
    if text.isdigit():
        found = stations.filter(pk=int(text)).first()
        if found is not None:
            return found
    # The dispatcher's own station first: the one most of the organization's technicians work from.
    return stations.first()


# --- board ---------------------------------------------------------------------------------------


def _board_context(
    request: AuthedRequest, station: ServiceStation, day: date, **extra: Any
) -> dict[str, Any]:
    b = selectors.board(station=station, day=day)
    waiting = selectors.pending_requests(station=station)
    crew = assignment.technicians_of(station.organization_id, [station.pk])
    pending = [(p.request, p) for p in assignment.propose_many(waiting, crew)]
    zone = config.zone_of(station.organization)
    slot_hours = config.policy_for(station.organization).slot_hours
    slots = [config.midnight(day, zone) + timedelta(hours=h) for h in range(FIRST_SLOT_HOUR, 20, slot_hours)]
    offset = slots[0].strftime("%z")
    map_data = selectors.map_data(b)
    map_data["tiles"] = maps.tile_config(station.organization)
    map_data["labels"] = {
        "station": _("网点"),
        "radius": _("服务半径 %(km)s 公里"),
        "unplanned": _("未规划的上门"),
        "schematic": _("示意图：无底图，按公里比例绘制；圆圈为网点服务半径。"),
        "km": _("公里"),
        "tiles_failed": _("地图瓦片无法加载，已切换为示意图。"),
        "visits": _("单"),
        "grid": _("网格每格 %(km)s 公里。"),
    }
    for row in b.rows:
        for block in row.blocks:
            block.why = planning.explain(block.reasons)
    choice = extra.pop("choice", None) or _plan_choice(b)
    return {
        "board": b,
        "day": day,
        "station": station,
        "stations": selectors.stations_for_staff(request.user),
        "pending": pending,
        "map": map_data,
        "slots": slots,
        "slot_hours": slot_hours,
        "first_slot": FIRST_SLOT_HOUR,
        "offset": f"{offset[:3]}:{offset[3:]}",
        "prev_day": day.fromordinal(day.toordinal() - 1),
        "next_day": day.fromordinal(day.toordinal() + 1),
        "today": timezone.localtime(timezone.now(), zone).date(),
        "choice": choice,
        "objectives": PlanObjective.choices,
        "balance_bys": BalanceBy.choices,
        **extra,
    }


def _plan_choice(b: selectors.Board) -> dict[str, Any]:
    """The objective the day was last planned with (least travel for a day not planned yet)."""
    plan = b.plan
    if plan is None or plan.objective != PlanObjective.BALANCED:
        return {
            "objective": plan.objective if plan else PlanObjective.LEAST_TRAVEL,
            "balance_by": BalanceBy.VISITS,
            "max_spread": planning.DEFAULT_SPREAD[BalanceBy.VISITS],
        }
    return {
        "objective": plan.objective,
        "balance_by": plan.balance_by,
        "max_spread": plan.max_spread
        if plan.max_spread is not None
        else planning.DEFAULT_SPREAD[BalanceBy.VISITS],
    }


def _render_board(
    request: AuthedRequest, station: ServiceStation, day: date, status: int = 200, **extra: Any
) -> HttpResponse:
    context = _board_context(request, station, day, **extra)
    htmx = getattr(request, "htmx", False)
    if htmx and status >= 400:
        # The page's htmx configuration swaps 422 answers only: a refused drop (a 409 in the API)
        # must still replace the board to show why.
        status = 422
    template = "dispatch/partials/_board.html" if htmx else "dispatch/board.html"
    return render(request, template, context, status=status)


@require(Cap.ASSIGN_JOBS)
@require_GET
def board(request: AuthedRequest) -> HttpResponse:
    station = _station(request, request.GET.get("station"))
    if station is None:
        return render(request, "dispatch/board.html", {"board": None, "stations": []})
    today = timezone.localtime(timezone.now(), config.zone_of(station.organization)).date()
    return _render_board(request, station, _day(request.GET.get("date"), today))


@require(Cap.ASSIGN_JOBS)
@require_POST
def reassign(request: AuthedRequest) -> HttpResponse:
    """Drop a block on another technician (and time): the same checks as any booking."""
    form = ReassignForm(request.POST)
    if not form.is_valid():
        station = _station(request, request.POST.get("station"))
        if station is None:
            raise Http404
        return _render_board(
            request,
            station,
            _day(request.POST.get("date"), timezone.localdate()),
            status=422,
            error=_("请选择要改派的预约和工程师。"),
        )
    appointment = selectors.appointment_for_user(user=request.user, pk=form.cleaned_data["appointment"])
    technician = get_or_404(selectors.technicians_for_user(request.user), pk=form.cleaned_data["technician"])
    zone = config.zone_of(appointment.organization)
    start = form.cleaned_data.get("start") or appointment.window_start
    length = appointment.window_end - appointment.window_start
    status = 200
    error = ""
    try:
        booking.appointment_reschedule(
            appointment=appointment,
            start=start,
            end=start + length,
            by=request.user,
            technician=technician,
        )
    except ServiceError as exc:
        status, error = exc.status, _reason(exc)
    station = appointment.station or technician.home_station
    day = timezone.localtime(appointment.window_start, zone).date()
    if not getattr(request, "htmx", False):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("已改派给 %(name)s。") % {"name": technician.name})
        return redirect(f"{reverse('dispatch:board')}?station={station.pk}&date={day.isoformat()}")
    return _render_board(
        request,
        station,
        day,
        status=status,
        error=error,
        notice="" if error else _("已改派给 %(name)s。") % {"name": technician.name},
    )


@require(Cap.ASSIGN_JOBS)
@require_POST
def plan(request: AuthedRequest) -> HttpResponse:
    form = PlanForm(request.POST)
    station = _station(request, request.POST.get("station"))
    if station is None:
        raise Http404
    if not form.is_valid():
        day = _day(request.POST.get("date"), timezone.localdate())
        errors = " ".join(str(e) for field_errors in form.errors.values() for e in field_errors)
        if not getattr(request, "htmx", False):
            messages.error(request, errors)
            return redirect(f"{reverse('dispatch:board')}?station={station.pk}&date={day.isoformat()}")
        return _render_board(request, station, day, status=422, error=errors, choice=_choice(request.POST))
    day = form.cleaned_data["date"]
    data = form.cleaned_data
    error = notice = ""
    status = 200
    try:
        stored = planning.plan_day(
            station=station,
            day=day,
            by=request.user,
            objective=data.get("objective") or PlanObjective.LEAST_TRAVEL,
            balance_by=data.get("balance_by") or None,
            max_spread=data.get("max_spread"),
        )
        notice = _("已规划：%(n)d 个上门，%(left)d 个未排入，总里程 %(km).1f 公里。") % {
            "n": stored.stops.count(),
            "left": len(stored.unassigned),
            "km": stored.distance_m / 1000,
        }
    except ServiceError as exc:
        status, error = exc.status, _reason(exc)
    if not getattr(request, "htmx", False):
        (messages.error if error else messages.success)(request, error or notice)
        return redirect(f"{reverse('dispatch:board')}?station={station.pk}&date={day.isoformat()}")
    return _render_board(
        request,
        station,
        day,
        status=status,
        error=error,
        notice=notice,
        choice=_choice(request.POST) if error else None,
    )


def _choice(values: Any) -> dict[str, Any]:
    """The planning objective as typed, to show again with an error."""
    return {
        "objective": values.get("objective", ""),
        "balance_by": values.get("balance_by", ""),
        "max_spread": values.get("max_spread", ""),
    }


@require(Cap.ASSIGN_JOBS)
@require_POST
def assign(request: AuthedRequest, number: str) -> HttpResponse:
    """Confirm the rules' proposal for one request."""
    sr = request_for_user(user=request.user, number=number)
    try:
        assignment.assignment_apply(request=sr, by=request.user, version=sr.version)
        messages.success(request, _("%(n)s 已派单。") % {"n": sr.number})
    except ServiceError as exc:
        messages.error(request, _reason(exc))
    return redirect(request.POST.get("next") or reverse("dispatch:board"))


@require(Cap.VIEW_VISITS)
@require_GET
def request_panel(request: AuthedRequest, number: str) -> HttpResponse:
    """The dispatch card on the console's request page (loaded there with HTMX)."""
    sr = request_for_user(user=request.user, number=number)
    proposal = (
        assignment.propose(sr)
        if sr.assignee_id is None and sr.kind in assignment.skills.FIELD_KINDS
        else None
    )
    record = sr.repair_records.order_by("-created_at").first()
    return render(
        request,
        "dispatch/partials/_request_panel.html",
        {
            "sr": sr,
            "appointment": selectors.active_appointment(sr),
            "proposal": proposal,
            "mail_in": selectors.mail_in_of(sr),
            "record": record,
            "can_assign": can(request.user, Cap.ASSIGN_JOBS),
            "can_book": can(request.user, Cap.BOOK_VISITS),
        },
    )


# --- coverage ------------------------------------------------------------------------------------


@require(Cap.VIEW_DISPATCH_REPORTS)
@require_GET
def coverage(request: AuthedRequest) -> HttpResponse:
    days = request.GET.get("days", "365")
    span = int(days) if days.isdigit() and 1 <= int(days) <= 3650 else 365
    report = selectors.coverage_report(user=request.user, days=span)
    stations = list(selectors.stations_for_staff(request.user))
    return render(request, "dispatch/coverage.html", {"report": report, "days": span, "stations": stations})


# --- mail-in -------------------------------------------------------------------------------------


def _mail_in_page(
    request: AuthedRequest, sr: Any, *, portal: bool, form: MailInStepForm | None = None, status: int = 200
) -> HttpResponse:
    shipment = selectors.mail_in_of(sr)
    nxt = mailin.next_step(shipment.status) if shipment else None
    may_step = nxt is not None and (not portal or mailin.customer_may(nxt))
    steps = [
        (value, label, shipment is not None and _reached(shipment, value))
        for value, label in MailInShipment.Step.choices
    ]
    template = "dispatch/portal_mail_in.html" if portal else "dispatch/mail_in.html"
    return render(
        request,
        template,
        {
            "sr": sr,
            "shipment": shipment,
            "next_step": nxt,
            "next_label": MailInShipment.Step(nxt).label if nxt else "",
            "may_step": may_step,
            "form": form or MailInStepForm(initial={"step": nxt}),
            "steps": steps,
            "stations": list(
                ServiceStation.objects.filter(organization_id=sr.organization_id, is_active=True)[:5]
            ),
        },
        status=status,
    )


def _reached(shipment: MailInShipment, step: str) -> bool:
    order = [s for s, _label in MailInShipment.Step.choices]
    return order.index(step) <= order.index(shipment.status)


def _mail_in_post(request: AuthedRequest, sr: Any, *, portal: bool) -> HttpResponse:
    shipment = selectors.mail_in_of(sr)
    if shipment is None:
        raise Http404
    form = MailInStepForm(request.POST)
    if not form.is_valid():
        return _mail_in_page(request, sr, portal=portal, form=form, status=422)
    data = form.cleaned_data
    try:
        mailin.mail_in_step(
            shipment=shipment,
            by=request.user,
            step=data["step"],
            carrier=data["carrier"],
            tracking=data["tracking"],
            logistics_cost=None if portal else data["logistics_cost"],
            diagnosis="" if portal else data["diagnosis"],
            fault_code="" if portal else data["fault_code"],
        )
    except ServiceError as exc:
        form.add_service_error(exc)
        return _mail_in_page(request, sr, portal=portal, form=form, status=exc.status)
    messages.success(request, _("寄修进度已更新。"))
    return redirect(reverse("dispatch:portal-mail-in" if portal else "dispatch:mail-in", args=[sr.number]))


@require(Cap.HANDLE_MAIL_IN)
@require_http_methods(["GET", "POST"])
def mail_in(request: AuthedRequest, number: str) -> HttpResponse:
    sr = request_for_user(user=request.user, number=number)
    if request.method == "POST":
        return _mail_in_post(request, sr, portal=False)
    return _mail_in_page(request, sr, portal=False)


@customer_required
@require_http_methods(["GET", "POST"])
def portal_mail_in(request: AuthedRequest, number: str) -> HttpResponse:
    sr = get_or_404(requests_for_user(request.user).select_related("organization"), number=number)
    if request.method == "POST":
        return _mail_in_post(request, sr, portal=True)
    return _mail_in_page(request, sr, portal=True)


# --- settings: the board's map ------------------------------------------------------------------


@settings_admin_required
@require_http_methods(["GET", "POST"])
def map_settings(request: AuthedRequest) -> HttpResponse:
    organization = request.user.organization
    assert organization is not None  # settings_admin_required
    current = maps.settings_of(organization)
    initial = {
        "provider": current.provider,
        "url_template": current.url_template,
        "attribution": current.attribution,
    }
    status = 200
    if request.method == "POST":
        form = MapSettingsForm(request.POST, initial=initial, has_key=bool(current.api_key))
        if form.is_valid():
            data = form.cleaned_data
            key = "" if data["clear_key"] else (data["api_key"] or None)
            maps.map_settings_update(
                organization=organization,
                by=request.user,
                provider=data["provider"],
                url_template=data["url_template"],
                api_key=key,
                attribution=data["attribution"],
            )
            messages.success(request, _("地图设置已保存。"))
            return redirect("dispatch:settings-map")
        status = 422
    else:
        form = MapSettingsForm(initial=initial, has_key=bool(current.api_key))
    defaults = [(value, label, maps.DEFAULTS.get(value)) for value, label in MapSettings.Provider.choices]
    context = settings_context("map") | {
        "form": form,
        "masked_key": maps.masked(current.api_key),
        "defaults": defaults,
    }
    return render(request, "dispatch/settings_map.html", context, status=status)
