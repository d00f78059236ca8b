"""What the SLA engine stores per request: the policy in force, pauses, clocks and escalations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization
from aftersales.service.models import ServiceRequest
from aftersales.sla.models.calendars import ServiceCalendar
from aftersales.sla.models.policies import EscalationRule, Metric, SlaPolicy, TimeBasis
from aftersales.stations.models import ServiceStation


class RequestSla(models.Model):
    """The SLA facts of one request that are not per target."""

    request = models.OneToOneField(
        ServiceRequest, verbose_name=_("服务单"), on_delete=models.CASCADE, related_name="sla"
    )
    # No index on the policy or the calendar: nothing looks these rows up by either but the
    # clearing of it when a policy or calendar is deleted, which is rare, and each index is one
    # more write on every request create (the clocks carry none for the same reason).
    policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("时效政策"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
    )
    station = models.ForeignKey(
        ServiceStation,
        verbose_name=_("服务网点"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # partial, in Meta
    )
    calendar = models.ForeignKey(
        ServiceCalendar,
        verbose_name=_("日历"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    escalation_level = models.PositiveSmallIntegerField(_("升级层级"), default=0)
    applied_at = models.DateTimeField(_("政策应用时间"))

    class Meta:
        verbose_name = _("服务单时效")
        verbose_name_plural = _("服务单时效")
        indexes = [
            models.Index(fields=["station"], condition=Q(station__isnull=False), name="sla_request_station")
        ]

    def __str__(self) -> str:
        return str(self.request_id)


class SlaPause(models.Model):
    """A stretch during which the request sat in one of its policy's pause statuses."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="sla_pauses")
    status = models.CharField(max_length=20)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("时效暂停")
        verbose_name_plural = _("时效暂停")
        ordering = ["request", "started_at", "id"]
        indexes = [models.Index(fields=["request", "started_at"])]

    def __str__(self) -> str:
        return f"{self.request_id} {self.started_at:%Y-%m-%d %H:%M}"


class SlaClock(models.Model):
    """One target on one request. ``next_response`` has one clock per customer message that
    waited for a reply (``cycle``); a reopened request starts a new resolution cycle.

    ``active`` clocks are still ticking: not met and not stopped (a breached, unanswered clock
    stays active so its overdue time grows and later escalations fire). ``revision`` changes with
    every write that is not the periodic recompute, which only updates the revision it read.
    """

    class State(models.TextChoices):
        RUNNING = "running", _("计时中")
        PAUSED = "paused", _("已暂停")
        MET = "met", _("已达成")
        BREACHED = "breached", _("已超时")
        STOPPED = "stopped", _("已停止")

    # No single-column indexes on these two: the composite ones below start with them, and a
    # table rewritten every minute pays for every index it carries. For the same reason the
    # organization, policy and calendar carry no database constraint: they are copies (the
    # request's organization, the policy and calendar in force when the clock was set), checked
    # by the code that sets them, and the request's own keys are constrained. Deleting a policy
    # or calendar still clears them (Django's SET_NULL); a deleted organization takes its
    # requests, and with them their clocks.
    request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("服务单"),
        on_delete=models.CASCADE,
        related_name="sla_clocks",
        db_index=False,
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("组织"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    metric = models.CharField(_("指标"), max_length=20, choices=Metric.choices)
    cycle = models.PositiveSmallIntegerField(_("轮次"), default=1)
    policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("时效政策"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    calendar = models.ForeignKey(
        ServiceCalendar,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    basis = models.CharField(_("计时方式"), max_length=10, choices=TimeBasis.choices)
    target_minutes = models.PositiveIntegerField(_("时限（分钟）"))
    started_at = models.DateTimeField(_("开始"))
    applied_at = models.DateTimeField(_("时限设定时间"))
    due_at = models.DateTimeField(_("到期"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.RUNNING)
    active = models.BooleanField(default=True)
    met_at = models.DateTimeField(_("达成时间"), null=True, blank=True)
    breached_at = models.DateTimeField(_("超时时间"), null=True, blank=True)
    outcome_at = models.DateTimeField(_("结果时间"), null=True, blank=True)
    breached_by_minutes = models.PositiveIntegerField(_("超时（分钟）"), default=0)
    fraction_used = models.FloatField(_("已用比例"), default=0)
    confirmed = models.BooleanField(_("期限已确认"), default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # partial, in Meta: a new clock has no owner yet
    )
    escalation_mark = models.FloatField(default=0)
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("时效计时")
        verbose_name_plural = _("时效计时")
        ordering = ["request", "due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "metric", "cycle"], name="sla_one_clock_per_cycle"),
        ]
        indexes = [
            models.Index(fields=["active", "id"]),
            # Partial: reports ask for outcomes in a period, and a new clock (three on every
            # request create) has none yet, so its insert skips this index.
            models.Index(
                fields=["organization", "outcome_at"],
                condition=Q(outcome_at__isnull=False),
                name="sla_clock_outcome",
            ),
            models.Index(fields=["owner"], condition=Q(owner__isnull=False), name="sla_clock_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.metric}#{self.cycle}"

    @property
    def remaining_minutes(self) -> int:
        return int(self.target_minutes * (1 - self.fraction_used))


class Escalation(models.Model):
    """One escalation rule applied to one clock: recorded once, whatever runs it twice."""

    clock = models.ForeignKey(
        SlaClock, verbose_name=_("时效计时"), on_delete=models.CASCADE, related_name="escalations"
    )
    rule = models.ForeignKey(
        EscalationRule,
        verbose_name=_("升级规则"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("服务单"), on_delete=models.CASCADE, related_name="sla_escalations"
    )
    rule_name = models.CharField(_("规则"), max_length=100)
    level = models.PositiveSmallIntegerField(_("升级层级"), default=0)
    actions = models.JSONField(_("动作"), default=dict)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("时效升级")
        verbose_name_plural = _("时效升级")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["clock", "rule"], name="sla_escalate_once")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.rule_name}"
