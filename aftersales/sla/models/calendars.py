"""Business calendars as rows: one per organization (its default) and optionally one per station.

The rows are what admins see and edit; ``aftersales.sla.calendars.business_calendar`` turns
them into the pure ``BusinessCalendar`` the SLA maths runs on.
"""

from __future__ import annotations

import re
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization
from aftersales.sla.calendar import Hours
from aftersales.stations.models import ServiceStation

WEEKDAYS = [
    (0, _("星期一")),
    (1, _("星期二")),
    (2, _("星期三")),
    (3, _("星期四")),
    (4, _("星期五")),
    (5, _("星期六")),
    (6, _("星期日")),
]

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~至]\s*(\d{1,2}):(\d{2})\s*$")


def parse_hours(text: str) -> Hours:
    """``"09:00-12:00, 13:00-17:30"`` → intervals; ``24:00`` or ``00:00`` as an end is midnight.

    Raises ``ValueError`` with a message an admin can act on.
    """
    spans: list[tuple[time, time]] = []
    for part in re.split(r"[,，;；]", text or ""):
        if not part.strip():
            continue
        match = _SPAN.match(part)
        if match is None:
            raise ValueError(gettext("无法识别“%(part)s”，请写成 09:00-12:00") % {"part": part.strip()})
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if not (0 <= h1 <= 23 and 0 <= m1 <= 59 and 0 <= h2 <= 24 and 0 <= m2 <= 59) or (h2 == 24 and m2):
            raise ValueError(gettext("时间“%(part)s”超出范围") % {"part": part.strip()})
        end = time(0) if h2 == 24 else time(h2, m2)
        start = time(h1, m1)
        if end != time(0) and end <= start:
            raise ValueError(gettext("时段“%(part)s”的结束时间必须晚于开始时间") % {"part": part.strip()})
        spans.append((start, end))
    spans.sort()
    for (_s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
        if e1 == time(0) or e1 > s2:
            raise ValueError(gettext("时段不能重叠"))
    return tuple(spans)


def format_hours(hours: Hours) -> str:
    return ", ".join(f"{s:%H:%M}-{'24:00' if e == time(0) else f'{e:%H:%M}'}" for s, e in hours)


def validate_timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("未知的时区。")) from exc


class ServiceCalendar(models.Model):
    """服务日历: working hours, holidays and make-up workdays (调休) in one time zone."""

    class HolidaySource(models.TextChoices):
        CHINA = "cn", _("中国大陆（国务院放假安排）")
        NONE = "none", _("不使用法定节假日")

    organization = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="sla_calendars"
    )
    station = models.OneToOneField(
        ServiceStation,
        verbose_name=_("服务网点"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_calendar",
        help_text=_("留空表示组织的默认日历；网点日历优先于默认日历。"),
    )
    name = models.CharField(_("名称"), max_length=100)
    timezone = models.CharField(
        _("时区"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone]
    )
    holiday_source = models.CharField(
        _("法定节假日"), max_length=10, choices=HolidaySource.choices, default=HolidaySource.CHINA
    )
    # Part of the cache key of the built calendar: every change to hours, days or years touches it.
    updated_at = models.DateTimeField(_("更新时间"), default=dj_timezone.now)
    # On the organization's default calendar: when the organization was given its default SLA
    # policies. Its own marker, not the calendar's existence: other apps (dispatch's station
    # calendars, the board) make the default calendar too, before any request is created.
    policies_seeded_at = models.DateTimeField(
        _("默认时效政策生成时间"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("服务日历")
        verbose_name_plural = _("服务日历")
        ordering = ["organization", "station", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(station__isnull=True),
                name="sla_one_default_calendar",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        station = self.station if self.station_id else None
        if station is not None and self.organization_id and station.organization_id != self.organization_id:
            raise ValidationError({"station": _("网点不属于该组织。")})


class WorkingHours(models.Model):
    """One working interval of a weekday; two rows with a gap between them make a lunch break."""

    calendar = models.ForeignKey(ServiceCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=WEEKDAYS)
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"), help_text=_("00:00 表示午夜（当天结束）。"))

    class Meta:
        verbose_name = _("工作时段")
        verbose_name_plural = _("工作时段")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(name="sla_hours_weekday", condition=models.Q(weekday__lte=6)),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {format_hours(((self.start, self.end),))}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.end != time(0) and self.end <= self.start:
            raise ValidationError({"end": _("结束时间必须晚于开始时间。")})


class CalendarDay(models.Model):
    """A date that differs from the weekly hours: a holiday, a make-up workday or special hours."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("休息（节假日）")
        WORKDAY = "workday", _("调休上班")
        SPECIAL = "special", _("特殊工作时间")

    class Source(models.TextChoices):
        OFFICIAL = "official", _("官方安排")
        ADMIN = "admin", _("管理员")

    calendar = models.ForeignKey(
        ServiceCalendar, verbose_name=_("日历"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    hours = models.CharField(
        _("工作时段"),
        max_length=200,
        blank=True,
        help_text=_("如 09:00-12:00, 13:00-17:00。调休上班留空时按星期一的时段；特殊工作时间必填。"),
    )
    name = models.CharField(_("说明"), max_length=100, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.ADMIN)

    class Meta:
        verbose_name = _("特殊日期")
        verbose_name_plural = _("特殊日期")
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="sla_one_row_per_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def clean(self) -> None:
        if self.kind == self.Kind.SPECIAL and not self.hours.strip():
            raise ValidationError({"hours": _("特殊工作时间需要填写工作时段。")})
        if self.kind == self.Kind.HOLIDAY and self.hours.strip():
            raise ValidationError({"hours": _("休息日不填写工作时段。")})
        try:
            parse_hours(self.hours)
        except ValueError as exc:
            raise ValidationError({"hours": str(exc)}) from exc

    @property
    def parsed_hours(self) -> Hours:
        return parse_hours(self.hours)


class CalendarYear(models.Model):
    """Whether a year's official holiday schedule is loaded; deadlines in other years say so."""

    calendar = models.ForeignKey(ServiceCalendar, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(
        _("年份"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    confirmed = models.BooleanField(
        _("已确认"),
        default=False,
        help_text=_("该年国务院放假安排已公布并录入；未确认年份内的期限会标注“未确认”。"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("年度安排")
        verbose_name_plural = _("年度安排")
        ordering = ["calendar", "year"]
        constraints = [models.UniqueConstraint(fields=["calendar", "year"], name="sla_one_row_per_year")]

    def __str__(self) -> str:
        return str(self.year)
