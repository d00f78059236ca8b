"""Dispatch and field service: technicians, appointments, day plans, repair records, mail-in.

Longer than ~400 lines: declarative field lists of the app's tables (the guide on module size
is about logic, and these classes hold almost none).
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization
from aftersales.catalog.models import ProductCategory, SparePart
from aftersales.core.fields import EncryptedTextField
from aftersales.dispatch.travel import LatLon
from aftersales.service.models import Attachment, ServiceRequest
from aftersales.stations.models import ServiceStation


def money(label: Any, default: str = "0.00") -> models.DecimalField:
    return models.DecimalField(
        label, max_digits=12, decimal_places=2, default=Decimal(default), validators=[MinValueValidator(0)]
    )


def org_zone(organization: Organization) -> ZoneInfo:
    try:
        return ZoneInfo(organization.timezone or "Asia/Shanghai")
    except (ValueError, KeyError):
        return ZoneInfo("Asia/Shanghai")


class DispatchPolicy(models.Model):
    """An organization's dispatch settings; organizations without a row use the defaults."""

    organization = models.OneToOneField(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="dispatch_policy"
    )
    auto_assign = models.BooleanField(
        _("受理后自动派单"),
        default=False,
        help_text=_("开启后，已受理、未派单的上门服务单会按规则自动派给工程师；否则由派单员确认建议。"),
    )
    booking_days = models.PositiveSmallIntegerField(
        _("可预约天数"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    slot_hours = models.PositiveSmallIntegerField(
        _("预约时段（小时）"), default=2, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    same_day_for_priority = models.BooleanField(
        _("VIP 与紧急单可约当天"), default=True, help_text=_("其余客户最早可约次日。")
    )
    lead_minutes = models.PositiveSmallIntegerField(
        _("当天预约提前量（分钟）"), default=90, validators=[MaxValueValidator(24 * 60)]
    )
    labour_rate = money(_("工时费（元/小时）"), "120.00")
    visit_fee = money(_("上门费（元）"), "50.00")
    travel_cost_per_km = money(_("交通成本（元/公里）"), "1.20")
    road_factor = models.FloatField(
        _("道路系数"),
        default=1.3,
        validators=[MinValueValidator(1.0), MaxValueValidator(3.0)],
        help_text=_("实际道路距离与直线距离之比。"),
    )

    class Meta:
        verbose_name = _("派单设置")
        verbose_name_plural = _("派单设置")

    def __str__(self) -> str:
        return str(self.organization)


class SkillKind(models.TextChoices):
    CATEGORY = "category", _("产品品类")
    WORK = "work", _("服务类型")
    CERTIFICATION = "certification", _("资质证书")


class Certification(models.TextChoices):
    """Certificates the demo and the admin suggest; any code may be used."""

    HIGH_VOLTAGE = "high_voltage", _("高压电工证")
    REFRIGERANT = "refrigerant", _("制冷剂操作证")
    GAS = "gas", _("燃气具安装维修资质")
    HEIGHTS = "heights", _("高处作业证")


class SkillLevel(models.IntegerChoices):
    JUNIOR = 1, _("初级")
    INTERMEDIATE = 2, _("中级")
    SENIOR = 3, _("高级")


class Technician(models.Model):
    """工程师: a field or workshop technician's working profile."""

    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.CASCADE,
        related_name="technician_profile",
    )
    home_station = models.ForeignKey(
        ServiceStation, verbose_name=_("所属网点"), on_delete=models.PROTECT, related_name="technicians"
    )
    max_jobs_per_day = models.PositiveSmallIntegerField(
        _("每日最多上门单数"), default=8, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    start_latitude = models.FloatField(
        _("出发点纬度"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text=_("留空则从所属网点出发。"),
    )
    start_longitude = models.FloatField(
        _("出发点经度"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    end_latitude = models.FloatField(
        _("收工点纬度"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text=_("留空则回到出发点。"),
    )
    end_longitude = models.FloatField(
        _("收工点经度"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("工程师")
        verbose_name_plural = _("工程师")
        ordering = ["home_station_id", "id"]
        constraints = [
            models.CheckConstraint(
                name="technician_start_point_complete",
                condition=models.Q(start_latitude__isnull=True, start_longitude__isnull=True)
                | models.Q(start_latitude__isnull=False, start_longitude__isnull=False),
            ),
            models.CheckConstraint(
                name="technician_end_point_complete",
                condition=models.Q(end_latitude__isnull=True, end_longitude__isnull=True)
                | models.Q(end_latitude__isnull=False, end_longitude__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.username

    @property
    def start_point(self) -> LatLon:
        if self.start_latitude is not None and self.start_longitude is not None:
            return LatLon(self.start_latitude, self.start_longitude)
        return LatLon(self.home_station.latitude, self.home_station.longitude)

    @property
    def end_point(self) -> LatLon:
        if self.end_latitude is not None and self.end_longitude is not None:
            return LatLon(self.end_latitude, self.end_longitude)
        return self.start_point


class TechnicianSkill(models.Model):
    technician = models.ForeignKey(
        Technician, verbose_name=_("工程师"), on_delete=models.CASCADE, related_name="skills"
    )
    kind = models.CharField(_("类别"), max_length=20, choices=SkillKind.choices)
    code = models.SlugField(
        _("代码"),
        max_length=50,
        help_text=_("品类代码（如 ac）、服务类型（如 installation）或证书代码（如 high_voltage）。"),
    )
    level = models.PositiveSmallIntegerField(_("等级"), choices=SkillLevel.choices, default=SkillLevel.JUNIOR)

    class Meta:
        verbose_name = _("技能")
        verbose_name_plural = _("技能")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["technician", "kind", "code"], name="one_skill_row_per_code"),
            models.CheckConstraint(name="skill_level_1_to_3", condition=models.Q(level__range=(1, 3))),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}:{self.code}·{self.get_level_display()}"


WEEKDAYS = [
    (0, _("周一")),
    (1, _("周二")),
    (2, _("周三")),
    (3, _("周四")),
    (4, _("周五")),
    (5, _("周六")),
    (6, _("周日")),
]


class Shift(models.Model):
    """One weekday's working hours; a weekday without a row is a day off."""

    technician = models.ForeignKey(
        Technician, verbose_name=_("工程师"), on_delete=models.CASCADE, related_name="shifts"
    )
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=WEEKDAYS)
    start = models.TimeField(_("上班"), default=time(8, 0))
    end = models.TimeField(_("下班"), default=time(18, 0))

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["weekday"]
        constraints = [
            models.UniqueConstraint(fields=["technician", "weekday"], name="one_shift_per_weekday"),
            models.CheckConstraint(
                name="shift_ends_after_start", condition=models.Q(end__gt=models.F("start"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class TimeOff(models.Model):
    technician = models.ForeignKey(
        Technician, verbose_name=_("工程师"), on_delete=models.CASCADE, related_name="time_off"
    )
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("休假/请假")
        verbose_name_plural = _("休假/请假")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                name="time_off_ends_after_start", condition=models.Q(ends_at__gt=models.F("starts_at"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.technician}: {self.starts_at:%Y-%m-%d %H:%M} – {self.ends_at:%Y-%m-%d %H:%M}"


class SkillRequirement(models.Model):
    """Extra skill a kind of job needs, beyond the product category and the kind of work.

    For example: installing an air conditioner needs the refrigerant certificate; any work on
    an electric car needs the high-voltage certificate at intermediate level.
    """

    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("品类"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("留空表示所有品类。"),
    )
    request_kind = models.CharField(
        _("服务类型"), max_length=20, blank=True, help_text=_("留空表示所有类型。")
    )
    skill_kind = models.CharField(
        _("技能类别"), max_length=20, choices=SkillKind.choices, default=SkillKind.CERTIFICATION
    )
    skill_code = models.SlugField(_("技能代码"), max_length=50)
    min_level = models.PositiveSmallIntegerField(
        _("最低等级"), choices=SkillLevel.choices, default=SkillLevel.JUNIOR
    )

    class Meta:
        verbose_name = _("技能要求")
        verbose_name_plural = _("技能要求")
        ordering = ["organization", "category", "request_kind"]

    def __str__(self) -> str:
        return f"{self.category or '*'}/{self.request_kind or '*'} → {self.skill_kind}:{self.skill_code}≥{self.min_level}"


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def live(self) -> AppointmentQuerySet:
        """Active appointments of requests still open: what holds a technician's time.

        A request cancelled or closed elsewhere (the portal, the console) releases its visit
        without anyone having to cancel the appointment too.
        """
        return self.filter(status__in=Appointment.ACTIVE).exclude(request__status__in=["cancelled", "closed"])


class Appointment(models.Model):
    """预约: an arrival window promised to the customer, and the visit that keeps it."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("已预约")
        RESCHEDULED = "rescheduled", _("已改约")
        CANCELLED = "cancelled", _("已取消")
        DONE = "done", _("已完成")

    ACTIVE = (Status.BOOKED, Status.RESCHEDULED)

    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("服务单"), on_delete=models.CASCADE, related_name="appointments"
    )
    technician = models.ForeignKey(
        Technician,
        verbose_name=_("工程师"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
    )
    station = models.ForeignKey(
        ServiceStation,
        verbose_name=_("网点"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    window_start = models.DateTimeField(_("预约开始"))
    window_end = models.DateTimeField(_("预约结束"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("预约人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancel_reason = models.CharField(_("取消原因"), max_length=300, blank=True)
    checked_in_at = models.DateTimeField(_("到达签到"), null=True, blank=True)
    checked_in_latitude = models.FloatField(null=True, blank=True)
    checked_in_longitude = models.FloatField(null=True, blank=True)
    checked_out_at = models.DateTimeField(_("离开签退"), null=True, blank=True)
    checked_out_latitude = models.FloatField(null=True, blank=True)
    checked_out_longitude = models.FloatField(null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["window_start", "id"]
        indexes = [
            models.Index(fields=["technician", "window_start"]),
            models.Index(fields=["station", "window_start"]),
            models.Index(fields=["organization", "status", "window_start"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="appointment_window_ends_after_start",
                condition=models.Q(window_end__gt=models.F("window_start")),
            ),
            # The last line of defence against double booking of one request: two concurrent
            # bookings that both passed their checks cannot both commit.
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(status__in=["booked", "rescheduled"]),
                name="one_active_appointment_per_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.window_start:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class PlanObjective(models.TextChoices):
    LEAST_TRAVEL = "least_travel", _("总里程最短")
    BALANCED = "balanced", _("均衡工作量")


class BalanceBy(models.TextChoices):
    VISITS = "visits", _("上门单数")
    WORK_TIME = "work_time", _("现场工时")


class DayPlan(models.Model):
    """The planned routes of one station's day; re-planning replaces it."""

    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    station = models.ForeignKey(
        ServiceStation, verbose_name=_("网点"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("日期"))
    solver = models.CharField(_("求解器"), max_length=20)
    planned_at = models.DateTimeField(_("规划时间"))
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("规划人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    distance_m = models.PositiveIntegerField(_("总里程（米）"), default=0)
    stats = models.JSONField(default=dict, blank=True)
    # [{"appointment": id, "number": "SR-…", "reason": code, "message": "…"}]
    unassigned = models.JSONField(_("未排入"), default=list, blank=True)
    objective = models.CharField(
        _("规划目标"), max_length=20, choices=PlanObjective.choices, default=PlanObjective.LEAST_TRAVEL
    )
    balance_by = models.CharField(
        _("均衡依据"), max_length=20, choices=BalanceBy.choices, default=BalanceBy.VISITS
    )
    # visits between the busiest and the least busy technician, or % of the average on-site time
    max_spread = models.PositiveSmallIntegerField(_("最大差距"), null=True, blank=True)

    class Meta:
        verbose_name = _("日线路规划")
        verbose_name_plural = _("日线路规划")
        constraints = [models.UniqueConstraint(fields=["station", "day"], name="one_plan_per_station_day")]

    def __str__(self) -> str:
        return f"{self.station} {self.day}"

    @property
    def distance_km(self) -> float:
        return self.distance_m / 1000


class RouteStop(models.Model):
    plan = models.ForeignKey(DayPlan, on_delete=models.CASCADE, related_name="stops")
    appointment = models.ForeignKey(
        Appointment, verbose_name=_("预约"), on_delete=models.CASCADE, related_name="stops"
    )
    technician = models.ForeignKey(
        Technician, verbose_name=_("工程师"), on_delete=models.CASCADE, related_name="+"
    )
    sequence = models.PositiveSmallIntegerField(_("顺序"))
    arrival_at = models.DateTimeField(_("预计到达"))
    start_at = models.DateTimeField(_("开始服务"))
    departure_at = models.DateTimeField(_("预计离开"))
    travel_m = models.PositiveIntegerField(_("路程（米）"), default=0)
    travel_s = models.PositiveIntegerField(_("路上时间（秒）"), default=0)
    fixed = models.BooleanField(_("进行中"), default=False)
    # Why the visit went to this technician: [{"code": "...", ...parameters}], put into words
    # in the reader's language when shown (``planning.explain``).
    reasons = models.JSONField(_("派单理由"), default=list, blank=True)

    class Meta:
        verbose_name = _("线路站点")
        verbose_name_plural = _("线路站点")
        ordering = ["technician_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "appointment"], name="one_stop_per_plan_appointment")
        ]

    def __str__(self) -> str:
        return f"{self.technician_id}#{self.sequence} {self.appointment_id}"


class RepairRecord(models.Model):
    """维修记录: what one visit (or one mail-in repair) found, used and cost; kept for analysis.

    The three 三包 facts at the end feed the entitlement rules: a repair of a serious safety fault
    (严重安全性能故障, counted by 《家用汽车产品修理更换退货责任规定》第二十四条), the system the fault
    was in, and whether the repairer carries the 三包 duty (a repair elsewhere is not counted).
    """

    class Coverage(models.TextChoices):
        COVERED = "covered", _("保内免费")
        PARTLY = "partly", _("部分收费")
        CHARGED = "charged", _("保外收费")

    class FaultSystem(models.TextChoices):
        """The systems 《家用汽车产品修理更换退货责任规定》第二十四条 names, and the rest."""

        ENGINE = "engine", _("发动机")
        TRANSMISSION = "transmission", _("变速器")
        POWER_BATTERY = "power_battery", _("动力蓄电池")
        DRIVE_MOTOR = "drive_motor", _("行驶驱动电机")
        STEERING = "steering", _("转向系统")
        BRAKE = "brake", _("制动系统")
        SUSPENSION = "suspension", _("悬架系统")
        DRIVETRAIN = "drivetrain", _("传动系统")
        EMISSION_CONTROL = "emission_control", _("污染控制装置")
        BODY = "body", _("车身")
        ELECTRICAL = "electrical", _("电气系统")
        OTHER = "other", _("其他")

    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("服务单"), on_delete=models.CASCADE, related_name="repair_records"
    )
    appointment = models.OneToOneField(
        Appointment,
        verbose_name=_("预约"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repair_record",
    )
    technician = models.ForeignKey(
        Technician,
        verbose_name=_("工程师"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    fault_code = models.CharField(_("故障代码"), max_length=30, blank=True)
    diagnosis = models.TextField(_("故障诊断"), blank=True)
    cause = models.CharField(_("故障原因"), max_length=200, blank=True)
    labour_minutes = models.PositiveIntegerField(_("工时（分钟）"), default=0)
    travel_minutes = models.PositiveIntegerField(_("路途时间（分钟）"), default=0)
    onsite_minutes = models.PositiveIntegerField(_("现场时间（分钟）"), default=0)
    parts_wait_minutes = models.PositiveIntegerField(_("等待备件（分钟）"), default=0)
    travel_km = models.DecimalField(_("路程（公里）"), max_digits=8, decimal_places=1, default=Decimal("0"))
    # What the organization spends (for analysis) ...
    labour_cost = money(_("工时成本"))
    parts_cost = money(_("备件成本"))
    travel_cost = money(_("交通成本"))
    logistics_cost = money(_("物流成本"))
    # ... and what the customer pays.
    charge_labour = money(_("收取工时费"))
    charge_parts = money(_("收取备件费"))
    charge_visit = money(_("收取上门费"))
    charge_total = money(_("应收合计"))
    coverage = models.CharField(_("保修判定"), max_length=10, choices=Coverage.choices, blank=True)
    coverage_note = models.CharField(_("判定依据"), max_length=300, blank=True)
    first_time_fix = models.BooleanField(_("一次修复"), null=True, blank=True)
    signed_by = models.CharField(_("签字人"), max_length=100, blank=True)
    signature = models.ForeignKey(
        Attachment,
        verbose_name=_("客户签名"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # 三包 facts (see the class docstring).
    serious_safety = models.BooleanField(
        _("严重安全性能故障"),
        default=False,
        help_text=_(
            "危及人身、财产安全，致使无法安全使用的质量问题；三包有效期内累计修理2次仍未排除或又出现的，"
            "可换车或退车（《家用汽车产品修理更换退货责任规定》第二十四条）。"
        ),
    )
    fault_system = models.CharField(_("故障系统"), max_length=20, choices=FaultSystem.choices, blank=True)
    authorized_repairer = models.BooleanField(
        _("由承担三包责任的修理者修理"),
        default=True,
        help_text=_("取消勾选表示由未授权的修理者修理：该次修理不计入三包修理次数和时间。"),
    )
    repairer_name = models.CharField(_("修理者"), max_length=100, blank=True)
    odometer_km = models.PositiveIntegerField(_("送修里程（公里）"), null=True, blank=True)

    class Meta:
        verbose_name = _("维修记录")
        verbose_name_plural = _("维修记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.request_id} {self.fault_code}"


class PartUsage(models.Model):
    record = models.ForeignKey(
        RepairRecord, verbose_name=_("维修记录"), on_delete=models.CASCADE, related_name="parts"
    )
    spare_part = models.ForeignKey(
        SparePart, verbose_name=_("备件"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveSmallIntegerField(
        _("数量"), default=1, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    serial_in = models.CharField(_("新件序列号"), max_length=64, blank=True)
    serial_out = models.CharField(_("旧件序列号"), max_length=64, blank=True)
    unit_price = money(_("单价"))
    covered = models.BooleanField(_("保内"), default=False)
    basis = models.CharField(_("依据"), max_length=300, blank=True)
    charge = money(_("收费"))

    class Meta:
        verbose_name = _("备件使用")
        verbose_name_plural = _("备件使用")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(name="part_usage_quantity_positive", condition=models.Q(quantity__gte=1))
        ]

    def __str__(self) -> str:
        return f"{self.spare_part} ×{self.quantity}"


class VisitPhoto(models.Model):
    class Stage(models.TextChoices):
        BEFORE = "before", _("维修前")
        AFTER = "after", _("维修后")

    record = models.ForeignKey(RepairRecord, on_delete=models.CASCADE, related_name="photos")
    attachment = models.OneToOneField(Attachment, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(_("阶段"), max_length=10, choices=Stage.choices)

    class Meta:
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.record_id} {self.stage}"


class MailInShipment(models.Model):
    """寄修: the unit's trip to the repair centre and back, one step at a time."""

    class Method(models.TextChoices):
        PICKUP = "pickup", _("上门取件")
        SELF_SHIP = "self_ship", _("客户自行寄出")

    class Step(models.TextChoices):
        AWAITING = "awaiting", _("待寄出")
        IN_TRANSIT = "in_transit", _("寄往维修中心")
        RECEIVED = "received", _("维修中心已签收")
        REPAIRED = "repaired", _("已修复")
        SHIPPED_BACK = "shipped_back", _("已寄回")
        DELIVERED = "delivered", _("客户已签收")

    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    request = models.OneToOneField(
        ServiceRequest, verbose_name=_("服务单"), on_delete=models.CASCADE, related_name="mail_in"
    )
    method = models.CharField(_("寄送方式"), max_length=10, choices=Method.choices)
    repair_station = models.ForeignKey(
        ServiceStation,
        verbose_name=_("维修中心"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("进度"), max_length=15, choices=Step.choices, default=Step.AWAITING)
    inbound_carrier = models.CharField(_("寄出快递公司"), max_length=50, blank=True)
    inbound_tracking = models.CharField(_("寄出运单号"), max_length=50, blank=True)
    outbound_carrier = models.CharField(_("寄回快递公司"), max_length=50, blank=True)
    outbound_tracking = models.CharField(_("寄回运单号"), max_length=50, blank=True)
    logistics_cost = money(_("物流成本"))
    shipped_at = models.DateTimeField(_("寄出时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    repaired_at = models.DateTimeField(_("修复时间"), null=True, blank=True)
    shipped_back_at = models.DateTimeField(_("寄回时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("客户签收时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("寄修")
        verbose_name_plural = _("寄修")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.status}"


class MapSettings(models.Model):
    """The tile service the dispatcher board's map draws on, per organization.

    The product ships no map data: publishing a map of China needs an approval number
    (审图号, 《地图管理条例》第十五条), which licensed tile services carry for their tiles.
    """

    class Provider(models.TextChoices):
        NONE = "none", _("不使用在线地图（示意图）")
        OSM = "osm", _("OpenStreetMap")
        AMAP = "amap", _("高德地图")
        TIANDITU = "tianditu", _("天地图")

    organization = models.OneToOneField(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="map_settings"
    )
    provider = models.CharField(_("地图服务"), max_length=20, choices=Provider.choices, default=Provider.NONE)
    url_template = models.CharField(
        _("瓦片地址模板"),
        max_length=500,
        blank=True,
        help_text=_("留空使用该服务的默认地址；可用 {z} {x} {y} {s} {key}。"),
    )
    api_key = EncryptedTextField(_("密钥"), blank=True, default="")
    attribution = models.CharField(
        _("署名与审图号"),
        max_length=300,
        blank=True,
        help_text=_("显示在地图右下角，例如服务商要求的署名和审图号。"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("地图设置")
        verbose_name_plural = _("地图设置")

    def __str__(self) -> str:
        return f"{self.organization} {self.get_provider_display()}"
