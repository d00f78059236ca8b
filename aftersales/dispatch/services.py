"""Writes to technician profiles: create one with skills and shifts, add time off.

Bookings live in ``booking``, assignment rules in ``assignment``, day plans in ``planning``,
the visit itself in ``visits`` and the mail-in path in ``mailin``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.models import Role
from aftersales.core.errors import InvalidInput
from aftersales.dispatch.models import Shift, SkillKind, Technician, TechnicianSkill, TimeOff
from aftersales.stations.models import ServiceStation

if TYPE_CHECKING:
    from aftersales.accounts.models import User

WEEKDAYS_ONLY = dict.fromkeys(range(5), (time(8, 0), time(18, 0)))


def technician_create(
    *,
    user: User,
    home_station: ServiceStation,
    skills: Iterable[tuple[str, str, int]] = (),
    shifts: Mapping[int, tuple[time, time]] | None = None,
    max_jobs_per_day: int = 8,
) -> Technician:
    """A technician profile. ``skills``: (kind, code, level); ``shifts``: weekday -> (start, end)."""
    errors: dict[str, str] = {}
    if user.role != Role.TECHNICIAN or user.organization_id is None:
        errors["user"] = _("只能为工程师账号建立档案。")
    elif user.organization_id != home_station.organization_id:
        errors["home_station"] = _("网点必须属于工程师所在组织。")
    if not 1 <= max_jobs_per_day <= 30:
        errors["max_jobs_per_day"] = _("每日上门单数必须在 1 到 30 之间。")
    rows = list(skills)
    for kind, code, level in rows:
        if kind not in SkillKind.values or not code or not 1 <= level <= 3:
            errors["skills"] = _("技能格式不正确：%(s)s") % {"s": f"{kind}:{code}:{level}"}
    hours = WEEKDAYS_ONLY if shifts is None else shifts
    for weekday, (start, end) in hours.items():
        if not 0 <= weekday <= 6 or end <= start:
            errors["shifts"] = _("班次必须在同一天内，且下班晚于上班。")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        technician = Technician.objects.create(
            organization_id=home_station.organization_id,
            user=user,
            home_station=home_station,
            max_jobs_per_day=max_jobs_per_day,
        )
        TechnicianSkill.objects.bulk_create(
            TechnicianSkill(technician=technician, kind=kind, code=code, level=level)
            for kind, code, level in rows
        )
        Shift.objects.bulk_create(
            Shift(technician=technician, weekday=day, start=start, end=end)
            for day, (start, end) in hours.items()
        )
    return technician


def time_off_add(
    *, technician: Technician, starts_at: datetime, ends_at: datetime, reason: str = ""
) -> TimeOff:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise InvalidInput({"starts_at": _("时间必须带时区。")})
    if ends_at <= starts_at:
        raise InvalidInput({"ends_at": _("结束时间必须晚于开始时间。")})
    return TimeOff.objects.create(
        technician=technician, starts_at=starts_at, ends_at=ends_at, reason=reason[:200]
    )
