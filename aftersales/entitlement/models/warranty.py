from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization
from aftersales.customers.models import Unit


class ExtendedWarrantyContract(models.Model):
    """延保: cover sold for one unit beyond its warranty, with optional limits on claims."""

    class State(models.TextChoices):
        NOT_STARTED = "not_started", _("未生效")
        ACTIVE = "active", _("有效")
        EXPIRED = "expired", _("已到期")
        CANCELLED = "cancelled", _("已取消")

    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    unit = models.ForeignKey(
        Unit, verbose_name=_("机器"), on_delete=models.PROTECT, related_name="warranty_contracts"
    )
    number = models.CharField(_("合同号"), max_length=40)
    starts = models.DateField(_("生效日期"))
    ends = models.DateField(_("到期日期"))
    price = models.DecimalField(_("价格"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    covers_parts = models.BooleanField(_("承担零件费"), default=True)
    covers_labour = models.BooleanField(_("承担工时费"), default=True)
    covers_travel = models.BooleanField(_("承担上门交通费"), default=False)
    max_claims = models.PositiveIntegerField(_("理赔次数上限"), null=True, blank=True)
    max_total = models.DecimalField(
        _("理赔金额上限"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    max_km = models.PositiveIntegerField(_("里程上限（公里）"), null=True, blank=True)
    request = models.ForeignKey(
        "service.ServiceRequest",
        verbose_name=_("销售服务单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("延保合同")
        verbose_name_plural = _("延保合同")
        ordering = ["-starts", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="ew_number_per_org"),
            models.CheckConstraint(
                name="ew_ends_after_starts", condition=models.Q(ends__gte=models.F("starts"))
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def state_on(self, day: date) -> str:
        if self.cancelled_at is not None:
            return self.State.CANCELLED
        if day < self.starts:
            return self.State.NOT_STARTED
        if day > self.ends:
            return self.State.EXPIRED
        return self.State.ACTIVE

    def claimed_total(self) -> Decimal:
        # Sums the prefetched claims, so a page listing contracts makes no query per row.
        return sum((claim.amount for claim in self.claims.all()), start=Decimal("0.00"))

    def remaining(self) -> Decimal | None:
        if self.max_total is None:
            return None
        return max(Decimal("0.00"), self.max_total - self.claimed_total())

    def claims_left(self) -> int | None:
        if self.max_claims is None:
            return None
        return max(0, self.max_claims - len(self.claims.all()))


class WarrantyClaim(models.Model):
    """One repair paid by a contract; counted against its claim and amount limits."""

    contract = models.ForeignKey(
        ExtendedWarrantyContract, verbose_name=_("延保合同"), on_delete=models.CASCADE, related_name="claims"
    )
    request = models.ForeignKey(
        "service.ServiceRequest",
        verbose_name=_("服务单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    quote = models.OneToOneField(
        "entitlement.Quote",
        verbose_name=_("报价单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claim",
    )
    claimed_on = models.DateField(_("理赔日期"))
    amount = models.DecimalField(
        _("理赔金额"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("延保理赔")
        verbose_name_plural = _("延保理赔")
        ordering = ["claimed_on", "id"]

    def __str__(self) -> str:
        return f"{self.contract} {self.claimed_on} {self.amount}"
