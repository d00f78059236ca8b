"""Writes of the organization admin's SLA settings: policies, targets, escalation rules, calendars.

Every write runs in one transaction with its settings-log row. The per-process caches stay right
through the paths they already watch: a policy's save and its targets' and categories' changes
move the policy version (``aftersales.sla.signals`` → ``policies_touch``); every calendar write
ends in ``calendar_touch`` (directly or through ``aftersales.sla.calendars``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction

from aftersales.accounts.settings_log import settings_change_log
from aftersales.catalog.models import ProductCategory
from aftersales.sla.calendar import Hours
from aftersales.sla.calendars import (
    calendar_create,
    calendar_day_set,
    calendar_load_official,
    calendar_touch,
    calendar_year_confirm,
    official_years,
)
from aftersales.sla.models import (
    CalendarDay,
    EscalationRule,
    ServiceCalendar,
    SlaPolicy,
    SlaTarget,
    WorkingHours,
)
from aftersales.sla.models.calendars import format_hours

if TYPE_CHECKING:
    from aftersales.accounts.models import Organization, User
    from aftersales.stations.models import ServiceStation

AREA_SLA = "sla"
AREA_CALENDARS = "calendars"
AREA_ESCALATION = "escalation"


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields that changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _log_changed(
    *,
    organization: Organization,
    actor: User,
    area: str,
    target: str,
    ref: dict[str, Any],
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    under: str = "changes",
) -> None:
    """One "changed" row in the settings log with the fields that changed (``detail``: ``ref``
    and the changes under ``under``); none when nothing did."""
    changes = _diff(before, after)
    if changes:
        settings_change_log(
            organization=organization,
            actor=actor,
            area=area,
            action="changed",
            target=target,
            detail={**ref, under: changes},
        )


# ---- policies ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyData:
    name: str
    position: int = 100
    is_active: bool = True
    kinds: list[str] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    customer_tiers: list[str] = field(default_factory=list)
    pause_statuses: list[str] = field(default_factory=list)
    product_category_ids: list[int] = field(default_factory=list)


def _policy_facts(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "name": policy.name,
        "position": policy.position,
        "is_active": policy.is_active,
        "kinds": list(policy.kinds),
        "priorities": list(policy.priorities),
        "channels": list(policy.channels),
        "customer_tiers": list(policy.customer_tiers),
        "pause_statuses": list(policy.pause_statuses),
        "product_category_ids": sorted(policy.product_categories.values_list("pk", flat=True)),
    }


def _check_categories(organization_id: int, ids: Iterable[int]) -> list[int]:
    wanted = sorted(set(ids))
    found = set(
        ProductCategory.objects.filter(organization_id=organization_id, pk__in=wanted).values_list(
            "pk", flat=True
        )
    )
    if len(found) != len(wanted):
        raise ValueError("product category of another organization")
    return wanted


def _policy_write(policy: SlaPolicy, data: PolicyData) -> None:
    categories = _check_categories(policy.organization_id, data.product_category_ids)
    for name, value in asdict(data).items():
        if name != "product_category_ids":
            setattr(policy, name, value)
    policy.full_clean(exclude=["organization"])
    policy.save()
    policy.product_categories.set(categories)


def policy_create(*, organization: Organization, actor: User, data: PolicyData) -> SlaPolicy:
    with transaction.atomic():
        policy = SlaPolicy(organization=organization)
        _policy_write(policy, data)
        settings_change_log(
            organization=organization,
            actor=actor,
            area=AREA_SLA,
            action="created",
            target=policy.name,
            detail={"policy": policy.pk, **_policy_facts(policy)},
        )
    return policy


def policy_update(*, policy: SlaPolicy, actor: User, data: PolicyData) -> SlaPolicy:
    with transaction.atomic():
        policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
        before = _policy_facts(policy)
        _policy_write(policy, data)
        _log_changed(
            organization=policy.organization,
            actor=actor,
            area=AREA_SLA,
            target=policy.name,
            ref={"policy": policy.pk},
            before=before,
            after=_policy_facts(policy),
        )
    return policy


def policy_set_active(*, policy: SlaPolicy, actor: User, active: bool) -> SlaPolicy:
    """Deactivate (or reactivate) a policy: requests already under it keep their clocks; new
    requests match the next policy in order."""
    with transaction.atomic():
        policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
        if policy.is_active != active:
            policy.is_active = active
            policy.save(update_fields=["is_active", "updated_at"])
            settings_change_log(
                organization=policy.organization,
                actor=actor,
                area=AREA_SLA,
                action="activated" if active else "deactivated",
                target=policy.name,
                detail={"policy": policy.pk, "changes": {"is_active": [not active, active]}},
            )
    return policy


def target_set(*, policy: SlaPolicy, actor: User, metric: str, minutes: int, basis: str) -> SlaTarget:
    """Add or change the policy's target for ``metric`` (one per metric)."""
    with transaction.atomic():
        existing = SlaTarget.objects.select_for_update().filter(policy=policy, metric=metric).first()
        target = existing or SlaTarget(policy=policy, metric=metric)
        before = {"minutes": target.minutes, "basis": target.basis} if existing else {}
        target.minutes, target.basis = minutes, basis
        target.full_clean(exclude=["policy"])
        target.save()  # the post_save signal moves the policy version: the next request sees it
        after = {"minutes": minutes, "basis": basis}
        if existing is None or _diff(before, after):
            settings_change_log(
                organization=policy.organization,
                actor=actor,
                area=AREA_SLA,
                action="changed" if existing else "created",
                target=f"{policy.name} · {target.get_metric_display()}",
                detail={
                    "policy": policy.pk,
                    "metric": metric,
                    "changes": _diff(before, after) if existing else {k: [None, v] for k, v in after.items()},
                },
            )
    return target


def target_delete(*, target: SlaTarget, actor: User) -> None:
    with transaction.atomic():
        policy = target.policy
        label = f"{policy.name} · {target.get_metric_display()}"
        detail = {
            "policy": policy.pk,
            "metric": target.metric,
            "minutes": target.minutes,
            "basis": target.basis,
        }
        target.delete()
        settings_change_log(
            organization=policy.organization,
            actor=actor,
            area=AREA_SLA,
            action="deleted",
            target=label,
            detail=detail,
        )


# ---- escalation rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleData:
    name: str
    metric: str = ""
    threshold_percent: int | None = None
    after_minutes: int | None = None
    level: int = 0
    notify_assignee: bool = True
    notify_roles: list[str] = field(default_factory=list)
    raise_priority: bool = False
    reassign_to_id: int | None = None
    position: int = 0


def _rule_facts(rule: EscalationRule) -> dict[str, Any]:
    return {f: getattr(rule, f) for f in RuleData.__dataclass_fields__}


def _rule_write(rule: EscalationRule, data: RuleData) -> None:
    for name, value in asdict(data).items():
        setattr(rule, name, value)
    rule.full_clean(exclude=["policy"])  # one trigger; reassign_to of the policy's organization
    rule.save()


def rule_create(*, policy: SlaPolicy, actor: User, data: RuleData) -> EscalationRule:
    with transaction.atomic():
        rule = EscalationRule(policy=policy)
        _rule_write(rule, data)
        settings_change_log(
            organization=policy.organization,
            actor=actor,
            area=AREA_ESCALATION,
            action="created",
            target=f"{policy.name} · {rule.name}",
            detail={"rule": rule.pk, **_rule_facts(rule)},
        )
    return rule


def rule_update(*, rule: EscalationRule, actor: User, data: RuleData) -> EscalationRule:
    with transaction.atomic():
        rule = (
            EscalationRule.objects.select_for_update().select_related("policy__organization").get(pk=rule.pk)
        )
        before = _rule_facts(rule)
        _rule_write(rule, data)
        _log_changed(
            organization=rule.policy.organization,
            actor=actor,
            area=AREA_ESCALATION,
            target=f"{rule.policy.name} · {rule.name}",
            ref={"rule": rule.pk},
            before=before,
            after=_rule_facts(rule),
        )
    return rule


def rule_delete(*, rule: EscalationRule, actor: User) -> None:
    """Escalations already recorded keep their rule's name (the row's ``rule`` becomes null)."""
    with transaction.atomic():
        policy = rule.policy
        detail = {"rule": rule.pk, **_rule_facts(rule)}
        label = f"{policy.name} · {rule.name}"
        rule.delete()
        settings_change_log(
            organization=policy.organization,
            actor=actor,
            area=AREA_ESCALATION,
            action="deleted",
            target=label,
            detail=detail,
        )


# ---- calendars ---------------------------------------------------------------------------------


def _calendar_facts(calendar: ServiceCalendar) -> dict[str, Any]:
    return {"name": calendar.name, "timezone": calendar.timezone, "holiday_source": calendar.holiday_source}


def weekly_hours(calendar: ServiceCalendar) -> dict[int, Hours]:
    weekly: dict[int, list[Any]] = {d: [] for d in range(7)}
    for row in WorkingHours.objects.filter(calendar=calendar).order_by("weekday", "start"):
        weekly[row.weekday].append((row.start, row.end))
    return {d: tuple(spans) for d, spans in weekly.items()}


def station_calendar_create(
    *,
    organization: Organization,
    actor: User,
    station: ServiceStation,
    name: str,
    tz: str,
    holiday_source: str,
) -> ServiceCalendar:
    """A station's own calendar, starting from the organization default's weekly hours."""
    if station.organization_id != organization.pk:
        raise ValueError("station belongs to another organization")
    with transaction.atomic():
        default = ServiceCalendar.objects.filter(organization=organization, station__isnull=True).first()
        weekly = weekly_hours(default) if default is not None else None
        calendar = calendar_create(
            organization=organization,
            station=station,
            name=name,
            tz=tz,
            holiday_source=holiday_source,
            weekly=weekly,
        )
        settings_change_log(
            organization=organization,
            actor=actor,
            area=AREA_CALENDARS,
            action="created",
            target=calendar.name,
            detail={"calendar": calendar.pk, "station": station.pk, **_calendar_facts(calendar)},
        )
    return calendar


def calendar_update(
    *, calendar: ServiceCalendar, actor: User, name: str, tz: str, holiday_source: str
) -> ServiceCalendar:
    with transaction.atomic():
        calendar = ServiceCalendar.objects.select_for_update(of=("self",)).get(pk=calendar.pk)
        before = _calendar_facts(calendar)
        calendar.name, calendar.timezone, calendar.holiday_source = name, tz, holiday_source
        calendar.full_clean(exclude=["organization", "station"])
        calendar.save(update_fields=["name", "timezone", "holiday_source"])
        if (
            holiday_source == ServiceCalendar.HolidaySource.CHINA
            and before["holiday_source"] != holiday_source
        ):
            calendar_load_official(calendar=calendar, years=official_years())
        calendar_touch(calendar.pk)
        _log_changed(
            organization=calendar.organization,
            actor=actor,
            area=AREA_CALENDARS,
            target=calendar.name,
            ref={"calendar": calendar.pk},
            before=before,
            after=_calendar_facts(calendar),
        )
    calendar.refresh_from_db()
    return calendar


def calendar_hours_set(*, calendar: ServiceCalendar, actor: User, weekly: Mapping[int, Hours]) -> None:
    """Replace the weekly working hours (several intervals a day make breaks)."""
    with transaction.atomic():
        ServiceCalendar.objects.select_for_update(of=("self",)).filter(pk=calendar.pk).first()
        before = {str(d): format_hours(h) for d, h in weekly_hours(calendar).items()}
        WorkingHours.objects.filter(calendar=calendar).delete()
        WorkingHours.objects.bulk_create(
            WorkingHours(calendar=calendar, weekday=day, start=start, end=end)
            for day, spans in sorted(weekly.items())
            for start, end in spans
        )
        calendar_touch(calendar.pk)
        _log_changed(
            organization=calendar.organization,
            actor=actor,
            area=AREA_CALENDARS,
            target=calendar.name,
            ref={"calendar": calendar.pk},
            before=before,
            after={str(d): format_hours(weekly.get(d, ())) for d in range(7)},
            under="working_hours",
        )


def calendar_day_override(
    *, calendar: ServiceCalendar, actor: User, day: date, kind: str, hours: str = "", name: str = ""
) -> CalendarDay:
    """An admin's override of one date; kept when the official schedule is reloaded."""
    with transaction.atomic():
        old = CalendarDay.objects.filter(calendar=calendar, date=day).first()
        before = {"kind": old.kind, "hours": old.hours, "name": old.name, "source": old.source} if old else {}
        row = calendar_day_set(calendar=calendar, day=day, kind=kind, hours=hours, name=name)
        settings_change_log(
            organization=calendar.organization,
            actor=actor,
            area=AREA_CALENDARS,
            action="changed" if old else "created",
            target=f"{calendar.name} · {day.isoformat()}",
            detail={
                "calendar": calendar.pk,
                "date": day.isoformat(),
                "before": before,
                "after": {"kind": kind, "hours": hours, "name": name},
            },
        )
    return row


def calendar_day_reset(*, calendar: ServiceCalendar, actor: User, day: date) -> None:
    """Drop an admin's override: the day follows the weekly hours and, for China, the official
    schedule again (the year's official rows are reloaded)."""
    with transaction.atomic():
        old = CalendarDay.objects.filter(calendar=calendar, date=day, source=CalendarDay.Source.ADMIN).first()
        if old is None:
            return
        before = {"kind": old.kind, "hours": old.hours, "name": old.name}
        old.delete()
        if calendar.holiday_source == ServiceCalendar.HolidaySource.CHINA:
            calendar_load_official(calendar=calendar, years=[day.year])
        calendar_touch(calendar.pk)
        settings_change_log(
            organization=calendar.organization,
            actor=actor,
            area=AREA_CALENDARS,
            action="deleted",
            target=f"{calendar.name} · {day.isoformat()}",
            detail={"calendar": calendar.pk, "date": day.isoformat(), "before": before},
        )


def calendar_year_set(
    *, calendar: ServiceCalendar, actor: User, year: int, confirmed: bool, note: str = ""
) -> None:
    with transaction.atomic():
        calendar_year_confirm(calendar=calendar, year=year, confirmed=confirmed, note=note)
        settings_change_log(
            organization=calendar.organization,
            actor=actor,
            area=AREA_CALENDARS,
            action="confirmed" if confirmed else "unconfirmed",
            target=f"{calendar.name} · {year}",
            detail={"calendar": calendar.pk, "year": year, "confirmed": confirmed, "note": note},
        )


def calendar_official_reload(*, calendar: ServiceCalendar, actor: User, years: Iterable[int]) -> int:
    wanted = sorted(set(years))
    with transaction.atomic():
        days = calendar_load_official(calendar=calendar, years=wanted)
        settings_change_log(
            organization=calendar.organization,
            actor=actor,
            area=AREA_CALENDARS,
            action="loaded",
            target=calendar.name,
            detail={"calendar": calendar.pk, "years": wanted, "days": days},
        )
    return days


def calendar_delete(*, calendar: ServiceCalendar, actor: User) -> None:
    """Only a station's calendar: the station then follows the organization's default."""
    if calendar.station_id is None:
        raise ValueError("the organization's default calendar cannot be deleted")
    with transaction.atomic():
        organization, facts, pk = calendar.organization, _calendar_facts(calendar), calendar.pk
        calendar.delete()  # ServiceCalendar is watched: the organization's settings stamp moves
        settings_change_log(
            organization=organization,
            actor=actor,
            area=AREA_CALENDARS,
            action="deleted",
            target=facts["name"],
            detail={"calendar": pk, **facts},
        )
