"""SLA policies: which requests they cover, their targets, and how a late request escalates."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization
from aftersales.catalog.models import ProductCategory


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("首次响应")
    NEXT_RESPONSE = "next_response", _("再次响应")
    RESOLUTION = "resolution", _("解决")
    ONSITE_ARRIVAL = "onsite_arrival", _("上门到达")
    RETURN_PROCESSING = "return_processing", _("退换货处理")


class TimeBasis(models.TextChoices):
    WORKING = "working", _("工作时间")
    CALENDAR = "calendar", _("自然时间")


def _default_pause_statuses() -> list[str]:
    return ["awaiting_customer"]


class SlaPolicy(models.Model):
    """服务时效政策. Conditions left empty match anything; the first active match by position wins."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="sla_policies"
    )
    name = models.CharField(_("名称"), max_length=100)
    position = models.PositiveIntegerField(_("顺序"), default=100, help_text=_("数字小的先匹配。"))
    is_active = models.BooleanField(_("启用"), default=True)
    kinds = models.JSONField(_("服务类型"), default=list, blank=True)
    priorities = models.JSONField(_("优先级"), default=list, blank=True)
    channels = models.JSONField(_("渠道"), default=list, blank=True)
    customer_tiers = models.JSONField(_("客户等级"), default=list, blank=True)
    product_categories = models.ManyToManyField(
        ProductCategory,
        verbose_name=_("产品品类"),
        blank=True,
        related_name="+",
    )
    pause_statuses = models.JSONField(
        _("暂停计时的状态"),
        default=_default_pause_statuses,
        blank=True,
        help_text=_("服务单处于这些状态时时效暂停计时。"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("时效政策")
        verbose_name_plural = _("时效政策")
        ordering = ["organization", "position", "id"]

    def __str__(self) -> str:
        return self.name

    def matches(
        self,
        *,
        kind: str,
        priority: str,
        channel: str,
        tier: str,
        category_id: int | None,
        categories: set[int],
    ) -> bool:
        """Whether a request with these facts falls under the policy; ``categories`` are the
        policy's product categories, prefetched by the caller."""
        return (
            (not self.kinds or kind in self.kinds)
            and (not self.priorities or priority in self.priorities)
            and (not self.channels or channel in self.channels)
            and (not self.customer_tiers or tier in self.customer_tiers)
            and (not categories or category_id in categories)
        )


class SlaTarget(models.Model):
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("政策"), on_delete=models.CASCADE, related_name="targets"
    )
    metric = models.CharField(_("指标"), max_length=20, choices=Metric.choices)
    minutes = models.PositiveIntegerField(
        _("时限（分钟）"),
        validators=[MinValueValidator(1)],
        help_text=_("工作时间按日历的工作时段计：1 个工作日按 8 小时即 480 分钟。"),
    )
    basis = models.CharField(
        _("计时方式"), max_length=10, choices=TimeBasis.choices, default=TimeBasis.WORKING
    )

    class Meta:
        verbose_name = _("时效目标")
        verbose_name_plural = _("时效目标")
        ordering = ["policy", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "metric"], name="sla_one_target_per_metric"),
            models.CheckConstraint(name="sla_target_positive", condition=models.Q(minutes__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.minutes}"


class EscalationRule(models.Model):
    """At a share of a target (or after a fixed time on its clock) do something about it.

    Complaints use ``level`` to climb agent → team lead → service manager, each level with its
    own ``after_minutes``.
    """

    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("政策"), on_delete=models.CASCADE, related_name="escalation_rules"
    )
    name = models.CharField(_("名称"), max_length=100)
    metric = models.CharField(
        _("指标"),
        max_length=20,
        choices=Metric.choices,
        blank=True,
        help_text=_("留空表示该政策的所有指标。"),
    )
    threshold_percent = models.PositiveSmallIntegerField(
        _("触发比例（%）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("已用时限的百分比，100 表示超时。"),
    )
    after_minutes = models.PositiveIntegerField(
        _("触发时间（分钟）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("自计时开始按同样的计时方式经过的分钟数；与触发比例二选一。"),
    )
    level = models.PositiveSmallIntegerField(
        _("升级层级"), default=0, help_text=_("0 表示不改变层级；投诉按 1 班长、2 服务经理逐级升级。")
    )
    notify_assignee = models.BooleanField(_("通知处理人"), default=True)
    notify_roles = models.JSONField(
        _("通知角色"), default=list, blank=True, help_text=_("如组织管理员（班长）、质量经理。")
    )
    raise_priority = models.BooleanField(_("提高优先级"), default=False)
    reassign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("改派给"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("升级规则")
        verbose_name_plural = _("升级规则")
        ordering = ["policy", "position", "id"]
        constraints = [
            models.CheckConstraint(
                name="sla_rule_one_trigger",
                condition=(
                    models.Q(threshold_percent__isnull=False, after_minutes__isnull=True)
                    | models.Q(threshold_percent__isnull=True, after_minutes__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (self.threshold_percent is None) == (self.after_minutes is None):
            raise ValidationError(_("请填写触发比例或触发时间中的一项。"))
        user = self.reassign_to if self.reassign_to_id else None
        if user is not None and self.policy_id and user.organization_id != self.policy.organization_id:
            raise ValidationError({"reassign_to": _("只能改派给本组织员工。")})

    def trigger_minutes(self, target_minutes: int) -> float:
        """Used minutes at which the rule fires for a target of ``target_minutes``."""
        if self.after_minutes is not None:
            return float(self.after_minutes)
        return target_minutes * (self.threshold_percent or 0) / 100

    def describe(self) -> dict[str, Any]:
        return {
            "rule": self.name,
            "level": self.level,
            "percent": self.threshold_percent,
            "after_minutes": self.after_minutes,
        }
