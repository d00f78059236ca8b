from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization
from aftersales.catalog.models import SparePart

from .warranty import ExtendedWarrantyContract


class Quote(models.Model):
    """报价单 for a repair the customer pays for; work waits until they approve it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SENT = "sent", _("待客户确认")
        APPROVED = "approved", _("客户已同意")
        DECLINED = "declined", _("客户已拒绝")
        WITHDRAWN = "withdrawn", _("已撤回")

    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    request = models.ForeignKey(
        "service.ServiceRequest", verbose_name=_("服务单"), on_delete=models.CASCADE, related_name="quotes"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    contract = models.ForeignKey(
        ExtendedWarrantyContract,
        verbose_name=_("延保合同"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
        help_text=_("由延保承担部分费用时填写"),
    )
    # What the contract could still pay when the quote was made; covered lines are capped at it.
    cover_limit = models.DecimalField(
        _("延保可承担上限"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("说明"), blank=True)
    # The engine's answer that called for a paid repair, kept with the quote.
    entitlement = models.JSONField(_("权益评估"), default=dict, blank=True)
    decline_reason = models.TextField(_("拒绝原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报价人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("报价单")
        verbose_name_plural = _("报价单")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Q{self.pk} {self.request_id}"

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines.all()), start=Decimal("0.00"))

    @property
    def covered(self) -> Decimal:
        covered = sum((line.amount for line in self.lines.all() if line.covered), start=Decimal("0.00"))
        return covered if self.cover_limit is None else min(covered, self.cover_limit)

    @property
    def payable(self) -> Decimal:
        return self.total - self.covered


class QuoteLine(models.Model):
    class Kind(models.TextChoices):
        PART = "part", _("零件")
        LABOUR = "labour", _("工时")
        TRAVEL = "travel", _("上门交通")

    quote = models.ForeignKey(Quote, verbose_name=_("报价单"), on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    spare_part = models.ForeignKey(
        SparePart, verbose_name=_("备件"), null=True, blank=True, on_delete=models.PROTECT
    )
    description = models.CharField(_("项目"), max_length=200)
    quantity = models.DecimalField(
        _("数量"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)]
    )
    unit_price = models.DecimalField(
        _("单价"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    covered = models.BooleanField(_("延保承担"), default=False)

    class Meta:
        verbose_name = _("报价明细")
        verbose_name_plural = _("报价明细")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))
