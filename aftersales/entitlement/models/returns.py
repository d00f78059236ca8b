from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization
from aftersales.customers.models import Unit


class FaultType(models.TextChoices):
    """Mirrors policy.FaultType, with labels for forms."""

    NONE = "none", _("无质量问题（不想要了）")
    PERFORMANCE = "performance", _("性能故障 / 质量问题")
    STEERING_FAILURE = "steering_failure", _("转向系统失效")
    BRAKE_FAILURE = "brake_failure", _("制动系统失效")
    BODY_CRACK = "body_crack", _("车身开裂")
    FUEL_LEAK = "fuel_leak", _("燃油泄漏")
    POWER_BATTERY_FIRE = "power_battery_fire", _("动力蓄电池起火")
    CORE_ASSEMBLY_REPLACEMENT = "core_assembly_replacement", _("需更换发动机、变速器、动力蓄电池或驱动电机")
    SERIOUS_SAFETY = "serious_safety", _("严重安全性能故障")


class RefundMethod(models.TextChoices):
    ORIGINAL = "original_payment", _("原路退回")
    BANK_TRANSFER = "bank_transfer", _("银行转账")
    CASH = "cash", _("现金")
    STORE_CREDIT = "store_credit", _("店铺余额")


class ReturnAuthorization(models.Model):
    """退换货单 (RMA): one return, exchange or refund, riding on a service request.

    The faulty serial going out and the replacement serial coming in are on this one record.
    Its status is finer than the request's: the request says who is waiting, this says which
    step of the return the goods are at.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待审核")
        APPROVED = "approved", _("已批准，待寄回")
        REJECTED = "rejected", _("已拒绝")
        SHIPPED = "shipped", _("已寄回")
        RECEIVED = "received", _("已签收")
        INSPECTED = "inspected", _("已检测")
        REFUND_PENDING = "refund_pending", _("待退款")
        REFUNDED = "refunded", _("已退款")
        EXCHANGE_SHIPPED = "exchange_shipped", _("换货已发出")
        CLOSED = "closed", _("已完成")

    class Resolution(models.TextChoices):
        REFUND = "refund", _("退货退款")
        EXCHANGE = "exchange", _("换货")

    number = models.CharField(_("退换货单号"), max_length=20, unique=True)
    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.PROTECT)
    request = models.OneToOneField(
        "service.ServiceRequest", verbose_name=_("服务单"), on_delete=models.PROTECT, related_name="rma"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("退回机器"), on_delete=models.PROTECT, related_name="rmas")
    replacement_unit = models.OneToOneField(
        Unit,
        verbose_name=_("换出机器"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces_rma",
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    fault = models.CharField(
        _("问题类型"), max_length=30, choices=FaultType.choices, default=FaultType.PERFORMANCE
    )
    part = models.CharField(_("故障部件"), max_length=100, blank=True)
    resolution = models.CharField(_("处理方式"), max_length=10, choices=Resolution.choices, blank=True)
    option_kind = models.CharField(_("依据方案"), max_length=20, blank=True)
    option_rule_id = models.CharField(_("依据规则"), max_length=80, blank=True)
    # What the engine said when the customer asked, shown to agent and customer alike.
    eligibility = models.JSONField(_("资格评估"), default=dict, blank=True)
    rejection_reason = models.TextField(_("拒绝原因"), blank=True)
    # Return shipment (customer → us).
    return_carrier = models.CharField(_("退回承运商"), max_length=60, blank=True)
    return_tracking = models.CharField(_("退回运单号"), max_length=60, blank=True)
    return_shipped_on = models.DateField(_("寄回日期"), null=True, blank=True)
    received_on = models.DateField(_("签收日期"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签收人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    inspected_at = models.DateTimeField(_("检测时间"), null=True, blank=True)
    # Refund.
    refund_amount = models.DecimalField(
        _("退款金额"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    refund_method = models.CharField(_("退款方式"), max_length=20, choices=RefundMethod.choices, blank=True)
    refund_due_on = models.DateField(_("退款期限"), null=True, blank=True, db_index=True)
    refund_reference = models.CharField(_("退款流水号"), max_length=80, blank=True)
    refunded_on = models.DateField(_("退款日期"), null=True, blank=True)
    # 0: none, 1: due soon, 2: overdue. Raised only upwards, by one conditional update per level.
    escalation_level = models.PositiveSmallIntegerField(_("催办级别"), default=0)
    escalated_at = models.DateTimeField(_("催办时间"), null=True, blank=True)
    # Exchange shipment (us → customer).
    exchange_carrier = models.CharField(_("换货承运商"), max_length=60, blank=True)
    exchange_tracking = models.CharField(_("换货运单号"), max_length=60, blank=True)
    exchanged_on = models.DateField(_("换货日期"), null=True, blank=True)
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("申请时间"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("退换货单")
        verbose_name_plural = _("退换货单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status", "-created_at"]),
            models.Index(fields=["status", "refund_due_on"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.CLOSED, self.Status.REJECTED)


class ConditionReport(models.Model):
    """What an inspection of the unit found; the latest one feeds the engine."""

    FLAGS = (
        "package_opened",
        "tested",
        "seal_broken",
        "activated",
        "personal_data_traces",
        "serial_or_label_damaged",
        "unauthorized_repair",
        "wear_marks",
        "accessories_missing",
        "tags_removed",
        "soiled_or_damaged",
        "misuse_or_storage_damage",
        "unauthorized_disassembly",
        "force_majeure_damage",
        "voucher_altered",
        "voucher_mismatch",
    )

    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    unit = models.ForeignKey(
        Unit, verbose_name=_("机器"), on_delete=models.CASCADE, related_name="condition_reports"
    )
    rma = models.ForeignKey(
        ReturnAuthorization,
        verbose_name=_("退换货单"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inspections",
    )
    package_opened = models.BooleanField(_("包装已拆开（查验所需，不影响完好）"), default=False)
    tested = models.BooleanField(_("已合理调试（不影响完好）"), default=False)
    seal_broken = models.BooleanField(_("一次性密封包装或封条被破坏"), default=False)
    activated = models.BooleanField(_("已激活或留有授权信息"), default=False)
    personal_data_traces = models.BooleanField(_("留有个人使用数据"), default=False)
    serial_or_label_damaged = models.BooleanField(_("认证标志、标贴或序列号被破坏"), default=False)
    unauthorized_repair = models.BooleanField(_("经未授权维修、改动"), default=False)
    wear_marks = models.BooleanField(_("有难以恢复的使用痕迹"), default=False)
    accessories_missing = models.BooleanField(_("配件、商标标识不齐全"), default=False)
    tags_removed = models.BooleanField(_("商标标识被摘、被剪"), default=False)
    soiled_or_damaged = models.BooleanField(_("商品受污、受损"), default=False)
    misuse_or_storage_damage = models.BooleanField(_("因使用、维护、保管不当损坏"), default=False)
    unauthorized_disassembly = models.BooleanField(_("被非授权修理者拆动"), default=False)
    force_majeure_damage = models.BooleanField(_("因不可抗力损坏"), default=False)
    # The voucher as checked at inspection (不实行三包的情形: 凭证型号与修理产品型号不符或者涂改).
    voucher_altered = models.BooleanField(_("三包凭证被涂改"), default=False)
    voucher_mismatch = models.BooleanField(_("三包凭证型号与产品不符"), default=False)
    odometer_km = models.PositiveIntegerField(_("里程表读数（公里）"), null=True, blank=True)
    notes = models.TextField(_("检测说明"), blank=True)
    photos = models.ManyToManyField(
        "service.Attachment", verbose_name=_("照片"), blank=True, related_name="+"
    )
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("检测人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    inspected_at = models.DateTimeField(_("检测时间"))

    class Meta:
        verbose_name = _("检测报告")
        verbose_name_plural = _("检测报告")
        ordering = ["-inspected_at", "-id"]

    def __str__(self) -> str:
        return f"{self.unit} {self.inspected_at:%Y-%m-%d}"

    @classmethod
    def flag_label(cls, name: str) -> str:
        """The finding's name as the inspector reads it (the flag field's verbose name)."""
        field = cls._meta.get_field(name)
        assert isinstance(field, models.Field)
        return str(field.verbose_name)

    def findings(self) -> list[str]:
        return [self.flag_label(name) for name in self.FLAGS if getattr(self, name)]


class UnitDisposition(models.Model):
    """Marks a unit that came back to the seller: it is no longer the customer's to claim on."""

    class State(models.TextChoices):
        RETURNED = "returned", _("已退回")

    unit = models.OneToOneField(
        Unit, verbose_name=_("机器"), on_delete=models.CASCADE, related_name="disposition"
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.RETURNED)
    on = models.DateField(_("日期"))
    rma = models.ForeignKey(
        ReturnAuthorization, verbose_name=_("退换货单"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("机器去向")
        verbose_name_plural = _("机器去向")

    def __str__(self) -> str:
        return f"{self.unit}: {self.get_state_display()}"
