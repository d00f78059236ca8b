"""Console settings pages of the organization admin: SLA policies and targets, escalation rules,
business calendars and their days. Thin: forms validate, ``settings_services`` writes, every
object is looked up inside the admin's organization (another organization's is a 404)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts.access import get_or_404
from aftersales.accounts.decorators import settings_admin_required
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.models import Role
from aftersales.accounts.settings_area import settings_org, settings_org_id, settings_render
from aftersales.customers.models import Customer
from aftersales.service.models import Channel, Kind, Priority
from aftersales.sla import settings_services as svc
from aftersales.sla import yeargrid
from aftersales.sla.calendars import default_calendar, official_years
from aftersales.sla.models import (
    CalendarDay,
    CalendarYear,
    EscalationRule,
    ServiceCalendar,
    SlaPolicy,
    SlaTarget,
)
from aftersales.sla.models.calendars import WEEKDAYS, format_hours
from aftersales.sla.settings_forms import (
    CalendarForm,
    DayForm,
    PolicyForm,
    RuleForm,
    StationCalendarForm,
    TargetForm,
    WeeklyHoursForm,
    YearForm,
    split_minutes,
)

_org = settings_org
_org_id = settings_org_id
_render = settings_render


def _policies(request: AuthedRequest) -> Any:
    return SlaPolicy.objects.filter(organization_id=_org_id(request))


def _calendars(request: AuthedRequest) -> Any:
    return ServiceCalendar.objects.filter(organization_id=_org_id(request))


def _describe_minutes(minutes: int, basis: str) -> str:
    amount, unit = split_minutes(minutes, basis)
    if unit == "days":
        return (_("%(n)d 个工作日") if basis == "working" else _("%(n)d 天")) % {"n": amount}
    if unit == "hours":
        return (_("%(n)d 个工作小时") if basis == "working" else _("%(n)d 小时")) % {"n": amount}
    return (_("%(n)d 个工作分钟") if basis == "working" else _("%(n)d 分钟")) % {"n": amount}


def _conditions(policy: SlaPolicy) -> list[tuple[str, str]]:
    """What the policy matches, in words: ``[(condition, values)]``; empty matches everything."""
    out = []
    for label, values, choices in (
        (_("服务类型"), policy.kinds, Kind),
        (_("渠道"), policy.channels, Channel),
        (_("优先级"), policy.priorities, Priority),
        (_("客户等级"), policy.customer_tiers, Customer.Tier),
    ):
        if values:
            names = dict(choices.choices)
            out.append((label, ", ".join(str(names.get(v, v)) for v in values)))
    categories = [c.name for c in policy.product_categories.all()]
    if categories:
        out.append((_("产品品类"), ", ".join(categories)))
    return out


# ---- policies ----------------------------------------------------------------------------------


@settings_admin_required
def policy_list(request: AuthedRequest) -> HttpResponse:
    policies = (
        _policies(request)
        .order_by("position", "id")
        .prefetch_related("targets", "product_categories")
        .annotate(rule_count=Count("escalation_rules", distinct=True))
    )
    rows = [
        (p, _conditions(p), [(t, _describe_minutes(t.minutes, t.basis)) for t in p.targets.all()])
        for p in policies
    ]
    return _render(request, "sla/settings/policies.html", {"settings_section": "sla", "rows": rows})


@settings_admin_required
def policy_new(request: AuthedRequest) -> HttpResponse:
    form = PolicyForm(request.POST or None, organization=_org(request))
    if request.method == "POST" and form.is_valid():
        policy = svc.policy_create(
            organization=_org(request),
            actor=request.user,
            data=form.data_out(),
        )
        messages.success(request, _("已创建时效政策“%(name)s”，请添加时效目标。") % {"name": policy.name})
        return redirect("sla:settings-policy", pk=policy.pk)
    return _render(
        request, "sla/settings/policy_form.html", {"settings_section": "sla", "form": form, "policy": None}
    )


def _policy_page(
    request: AuthedRequest,
    policy: SlaPolicy,
    *,
    form: PolicyForm | None = None,
    target_form: TargetForm | None = None,
    status: int = 200,
) -> HttpResponse:
    targets = [
        (t, _describe_minutes(t.minutes, t.basis), split_minutes(t.minutes, t.basis))
        for t in policy.targets.all()
    ]
    context = {
        "settings_section": "sla",
        "policy": policy,
        "targets": targets,
        "form": form or PolicyForm(initial=PolicyForm.initial_for(policy), organization=_org(request)),
        "target_form": target_form or TargetForm(),
        "rules": policy.escalation_rules.select_related("reassign_to").order_by("position", "id"),
    }
    return _render(request, "sla/settings/policy_form.html", context, status=status)


@settings_admin_required
def policy_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    policy = get_or_404(_policies(request), pk=pk)
    if request.method == "POST":
        form = PolicyForm(request.POST, organization=_org(request))
        if form.is_valid():
            svc.policy_update(policy=policy, actor=request.user, data=form.data_out())
            messages.success(request, _("已保存。新建的服务单按新设置计时。"))
            return redirect("sla:settings-policy", pk=policy.pk)
        return _policy_page(request, policy, form=form)
    return _policy_page(request, policy)


@settings_admin_required
@require_POST
def policy_active(request: AuthedRequest, pk: int) -> HttpResponse:
    policy = get_or_404(_policies(request), pk=pk)
    active = request.POST.get("active") == "1"
    svc.policy_set_active(policy=policy, actor=request.user, active=active)
    messages.success(
        request, _("已启用。") if active else _("已停用：在办服务单保留原有计时，新服务单按后续政策匹配。")
    )
    return redirect("sla:settings-policy", pk=policy.pk)


@settings_admin_required
@require_POST
def target_save(request: AuthedRequest, pk: int) -> HttpResponse:
    policy = get_or_404(_policies(request), pk=pk)
    form = TargetForm(request.POST)
    if not form.is_valid():
        return _policy_page(request, policy, target_form=form)
    d = form.cleaned_data
    svc.target_set(
        policy=policy,
        actor=request.user,
        metric=d["metric"],
        minutes=d["minutes"],
        basis=d["basis"],
    )
    messages.success(request, _("时效目标已保存，之后新建的服务单按它计时。"))
    return redirect("sla:settings-policy", pk=policy.pk)


@settings_admin_required
@require_POST
def target_delete(request: AuthedRequest, pk: int, target_id: int) -> HttpResponse:
    policy = get_or_404(_policies(request), pk=pk)
    target = get_or_404(
        SlaTarget.objects.filter(policy=policy).select_related("policy__organization"), pk=target_id
    )
    svc.target_delete(target=target, actor=request.user)
    messages.success(request, _("时效目标已删除。"))
    return redirect("sla:settings-policy", pk=policy.pk)


# ---- escalation rules --------------------------------------------------------------------------


@settings_admin_required
def rule_list(request: AuthedRequest) -> HttpResponse:
    policies = list(
        _policies(request)
        .order_by("position", "id")
        .prefetch_related(
            Prefetch(
                "escalation_rules",
                EscalationRule.objects.select_related("reassign_to").order_by("position", "id"),
            )
        )
    )
    roles = dict(Role.choices)
    for policy in policies:
        for rule in policy.escalation_rules.all():
            rule.role_labels = ", ".join(str(roles.get(r, r)) for r in rule.notify_roles)
    return _render(
        request, "sla/settings/rules.html", {"settings_section": "escalation", "policies": policies}
    )


@settings_admin_required
def rule_new(request: AuthedRequest, pk: int) -> HttpResponse:
    policy = get_or_404(_policies(request), pk=pk)
    form = RuleForm(request.POST or None, organization=_org(request))
    if request.method == "POST" and form.is_valid():
        svc.rule_create(policy=policy, actor=request.user, data=form.data_out())
        messages.success(request, _("升级规则已创建。"))
        return redirect("sla:settings-escalation")
    return _render(
        request,
        "sla/settings/rule_form.html",
        {"settings_section": "escalation", "form": form, "policy": policy, "rule": None},
    )


@settings_admin_required
def rule_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    rule = get_or_404(
        EscalationRule.objects.filter(policy__organization_id=_org_id(request)).select_related("policy"),
        pk=pk,
    )
    if request.method == "POST":
        form = RuleForm(request.POST, organization=_org(request))
        if form.is_valid():
            svc.rule_update(rule=rule, actor=request.user, data=form.data_out())
            messages.success(request, _("升级规则已保存。"))
            return redirect("sla:settings-escalation")
    else:
        form = RuleForm(initial=RuleForm.initial_for(rule), organization=_org(request))
    return _render(
        request,
        "sla/settings/rule_form.html",
        {"settings_section": "escalation", "form": form, "policy": rule.policy, "rule": rule},
    )


@settings_admin_required
@require_POST
def rule_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    rule = get_or_404(
        EscalationRule.objects.filter(policy__organization_id=_org_id(request)).select_related(
            "policy__organization"
        ),
        pk=pk,
    )
    svc.rule_delete(rule=rule, actor=request.user)
    messages.success(request, _("升级规则已删除。"))
    return redirect("sla:settings-escalation")


# ---- calendars ---------------------------------------------------------------------------------


@settings_admin_required
def calendar_list(request: AuthedRequest) -> HttpResponse:
    default_calendar(_org(request))  # an organization that never had a request still gets one to edit
    calendars = list(
        _calendars(request).select_related("station").order_by("station_id", "name").prefetch_related("hours")
    )
    # Station calendars first by name after the default (``station_id`` NULL sorts first on SQLite,
    # last on PostgreSQL): put the default first explicitly.
    calendars.sort(key=lambda c: (c.station_id is not None, c.name))
    rows = []
    for calendar in calendars:
        by_day: dict[int, list[Any]] = {}
        for h in calendar.hours.all():
            by_day.setdefault(h.weekday, []).append((h.start, h.end))
        rows.append((calendar, [(label, format_hours(tuple(by_day.get(d, ())))) for d, label in WEEKDAYS]))
    form = StationCalendarForm(
        organization=_org(request), initial={"timezone": _org(request).timezone or "Asia/Shanghai"}
    )
    return _render(
        request,
        "sla/settings/calendars.html",
        {"settings_section": "calendars", "rows": rows, "form": form, "year": timezone.localdate().year},
    )


@settings_admin_required
@require_POST
def calendar_new(request: AuthedRequest) -> HttpResponse:
    form = StationCalendarForm(request.POST, organization=_org(request))
    if form.is_valid():
        d = form.cleaned_data
        calendar = svc.station_calendar_create(
            organization=_org(request),
            actor=request.user,
            station=d["station"],
            name=d["name"].strip() or d["station"].name,
            tz=d["timezone"],
            holiday_source=d["holiday_source"],
        )
        messages.success(request, _("网点日历已创建。"))
        return redirect("sla:settings-calendar", pk=calendar.pk)
    return _render(
        request, "sla/settings/calendar_new.html", {"settings_section": "calendars", "form": form}, status=200
    )


def _calendar_page(
    request: AuthedRequest,
    calendar: ServiceCalendar,
    *,
    form: CalendarForm | None = None,
    hours_form: WeeklyHoursForm | None = None,
) -> HttpResponse:
    weekly = svc.weekly_hours(calendar)
    years = list(CalendarYear.objects.filter(calendar=calendar).order_by("year"))
    return _render(
        request,
        "sla/settings/calendar.html",
        {
            "settings_section": "calendars",
            "calendar": calendar,
            "years": years,
            "form": form
            or CalendarForm(
                initial={
                    "name": calendar.name,
                    "timezone": calendar.timezone,
                    "holiday_source": calendar.holiday_source,
                }
            ),
            "hours_form": hours_form or WeeklyHoursForm(weekly=weekly),
            "this_year": timezone.localdate().year,
        },
    )


@settings_admin_required
def calendar_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    calendar = get_or_404(_calendars(request).select_related("station", "organization"), pk=pk)
    if request.method != "POST":
        return _calendar_page(request, calendar)
    if request.POST.get("form") == "hours":
        hours_form = WeeklyHoursForm(request.POST)
        if not hours_form.is_valid():
            return _calendar_page(request, calendar, hours_form=hours_form)
        svc.calendar_hours_set(
            calendar=calendar,
            actor=request.user,
            weekly=hours_form.cleaned_data["weekly"],
        )
        messages.success(request, _("工作时段已保存。"))
    else:
        form = CalendarForm(request.POST)
        if not form.is_valid():
            return _calendar_page(request, calendar, form=form)
        d = form.cleaned_data
        svc.calendar_update(
            calendar=calendar,
            actor=request.user,
            name=d["name"].strip(),
            tz=d["timezone"],
            holiday_source=d["holiday_source"],
        )
        messages.success(request, _("日历已保存。"))
    return redirect("sla:settings-calendar", pk=calendar.pk)


@settings_admin_required
@require_POST
def calendar_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    calendar = get_or_404(
        _calendars(request).filter(station__isnull=False).select_related("organization"), pk=pk
    )
    svc.calendar_delete(calendar=calendar, actor=request.user)
    messages.success(request, _("网点日历已删除，该网点改用组织默认日历。"))
    return redirect("sla:settings-calendars")


def _year(value: int) -> int:
    if not 2000 <= value <= 2100:
        raise Http404
    return value


@settings_admin_required
def calendar_year(request: AuthedRequest, pk: int, year: int) -> HttpResponse:
    calendar = get_or_404(_calendars(request).select_related("station"), pk=pk)
    year = _year(year)
    weekdays = frozenset(_working_weekdays(calendar))
    facts = {
        d.date: yeargrid.DayFact(d.kind, d.source, d.name, d.hours)
        for d in CalendarDay.objects.filter(calendar=calendar, date__year=year)
    }
    months = yeargrid.year_months(year, weekdays, facts)
    row = CalendarYear.objects.filter(calendar=calendar, year=year).first()
    form = YearForm(initial={"confirmed": row.confirmed if row else False, "note": row.note if row else ""})
    return _render(
        request,
        "sla/settings/calendar_year.html",
        {
            "settings_section": "calendars",
            "calendar": calendar,
            "year": year,
            "months": months,
            "counts": yeargrid.counts(months),
            "year_row": row,
            "form": form,
            "weekday_labels": [label for _d, label in WEEKDAYS],
            "today": timezone.localdate(),
            "is_china": calendar.holiday_source == ServiceCalendar.HolidaySource.CHINA,
            "loadable": year in official_years() or row is not None,
        },
    )


def _working_weekdays(calendar: ServiceCalendar) -> set[int]:
    """Weekdays that have working hours."""
    return set(calendar.hours.values_list("weekday", flat=True))


@settings_admin_required
@require_POST
def calendar_year_confirm(request: AuthedRequest, pk: int, year: int) -> HttpResponse:
    calendar = get_or_404(_calendars(request).select_related("organization"), pk=pk)
    form = YearForm(request.POST)
    if form.is_valid():
        svc.calendar_year_set(
            calendar=calendar,
            actor=request.user,
            year=_year(year),
            confirmed=form.cleaned_data["confirmed"],
            note=form.cleaned_data["note"],
        )
        messages.success(
            request,
            _("%(year)d 年的安排已确认。") % {"year": year}
            if form.cleaned_data["confirmed"]
            else _("%(year)d 年标为未确认。") % {"year": year},
        )
    else:
        messages.error(request, _("备注最长 200 字。"))
    return redirect("sla:settings-calendar-year", pk=calendar.pk, year=year)


@settings_admin_required
@require_POST
def calendar_load(request: AuthedRequest, pk: int, year: int) -> HttpResponse:
    calendar = get_or_404(_calendars(request).select_related("organization"), pk=pk)
    if calendar.holiday_source != ServiceCalendar.HolidaySource.CHINA:
        messages.error(request, _("该日历不使用法定节假日。"))
    else:
        days = svc.calendar_official_reload(calendar=calendar, actor=request.user, years=[_year(year)])
        messages.success(
            request,
            _("已载入 %(year)d 年国务院放假安排：%(n)d 天；管理员设置的日期保留。")
            % {"year": year, "n": days},
        )
    return redirect("sla:settings-calendar-year", pk=calendar.pk, year=year)


def _date(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise Http404 from exc
    _year(day.year)
    return day


@settings_admin_required
def calendar_day(request: AuthedRequest, pk: int, day: str) -> HttpResponse:
    calendar = get_or_404(_calendars(request).select_related("organization"), pk=pk)
    when = _date(day)
    row = CalendarDay.objects.filter(calendar=calendar, date=when).first()
    back = reverse("sla:settings-calendar-year", kwargs={"pk": calendar.pk, "year": when.year})
    if request.method == "POST":
        if request.POST.get("reset"):
            svc.calendar_day_reset(calendar=calendar, actor=request.user, day=when)
            messages.success(request, _("%(day)s 已恢复按默认安排。") % {"day": when.isoformat()})
            return redirect(f"{back}#m{when.month}")
        form = DayForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            svc.calendar_day_override(
                calendar=calendar,
                actor=request.user,
                day=when,
                kind=d["kind"],
                hours=d["hours"],
                name=d["name"].strip(),
            )
            messages.success(request, _("%(day)s 已保存。") % {"day": when.isoformat()})
            return redirect(f"{back}#m{when.month}")
    else:
        weekdays = _working_weekdays(calendar)
        default_kind = CalendarDay.Kind.HOLIDAY if when.weekday() in weekdays else CalendarDay.Kind.WORKDAY
        form = DayForm(
            initial={
                "kind": row.kind if row else default_kind,
                "hours": row.hours if row else "",
                "name": row.name if row else "",
            }
        )
    fact = yeargrid.DayFact(row.kind, row.source, row.name, row.hours) if row else None
    return _render(
        request,
        "sla/settings/calendar_day.html",
        {
            "settings_section": "calendars",
            "calendar": calendar,
            "day": when,
            "row": row,
            "form": form,
            "back": back,
            "current": yeargrid.classify(when, frozenset(_working_weekdays(calendar)), fact),
        },
    )
