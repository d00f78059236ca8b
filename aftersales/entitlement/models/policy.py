from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization
from aftersales.catalog.models import ProductCategory, SparePart
from aftersales.customers.models import Unit


class NoReasonExclusion(models.TextChoices):
    """Mirrors policy.NoReasonExclusion: the clause of the online-return rules a category falls under."""

    NONE = "none", _("适用七日无理由退货")
    CUSTOMIZED = "customized", _("定作商品（不适用）")
    PERISHABLE = "perishable", _("鲜活易腐商品（不适用）")
    DIGITAL_DOWNLOAD = "digital_download", _("在线下载的数字化商品（不适用）")
    DIGITAL_MEDIA = "digital_media", _("音像制品、软件（拆封后不适用）")
    PERIODICAL = "periodical", _("报纸、期刊（不适用）")
    UNSEALING_CHANGES = "unsealing_changes", _("拆封后影响安全或品质的商品（经购买时确认可不适用）")
    ACTIVATION_DEVALUES = "activation_devalues", _("激活后价值贬损较大的商品（经购买时确认可不适用）")
    DISCLOSED_NEAR_EXPIRY_OR_FLAWED = (
        "disclosed_near_expiry_or_flawed",
        _("已明示临期或瑕疵商品（经购买时确认可不适用）"),
    )


def _days() -> list[MinValueValidator | MaxValueValidator]:
    return [MinValueValidator(0), MaxValueValidator(3650)]


class CategoryPolicy(models.Model):
    """One category's terms in one organization.

    Two kinds of values live here: catalogue details the rules leave to the category (the
    depreciation rate, whether online no-reason returns apply), and the organization's own
    promises beyond the law. A promise left empty keeps the legal value; one below the legal
    minimum is refused when saved (the engine would ignore it anyway).
    """

    category = models.OneToOneField(
        ProductCategory, verbose_name=_("品类"), on_delete=models.CASCADE, related_name="entitlement_policy"
    )
    # Catalogue terms.
    depreciation_rate_per_day = models.DecimalField(
        _("日折旧率"),
        max_digits=6,
        decimal_places=5,
        default=Decimal("0.00100"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("按《实施三包的部分商品目录》，如 0.001 表示每日 0.1%。"),
    )
    no_reason_exclusion = models.CharField(
        _("七日无理由退货"), max_length=40, choices=NoReasonExclusion.choices, default=NoReasonExclusion.NONE
    )
    use_compensation_rate = models.DecimalField(
        _("汽车合理使用补偿系数 n"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.0050"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.005"))],
        help_text=_(
            "仅家用汽车：由生产者确定并在三包凭证上明示，不得高于0.5%（0.005）"
            "（《家用汽车产品修理更换退货责任规定》2021年版；2013年旧规的0.5%～0.8%已废止）。"
        ),
    )
    # The organization's promises (empty: the legal minimum applies).
    return_days = models.PositiveSmallIntegerField(
        _("性能故障退货期（日）"), null=True, blank=True, validators=_days()
    )
    exchange_days = models.PositiveSmallIntegerField(
        _("性能故障换货期（日）"), null=True, blank=True, validators=_days()
    )
    no_reason_days = models.PositiveSmallIntegerField(
        _("无理由退货期（日）"), null=True, blank=True, validators=_days()
    )
    whole_unit_months = models.PositiveSmallIntegerField(_("整机三包有效期（月）"), null=True, blank=True)
    main_parts_months = models.PositiveSmallIntegerField(_("主要部件三包有效期（月）"), null=True, blank=True)
    extra_main_parts = models.ManyToManyField(
        SparePart, verbose_name=_("另按主要部件保修的备件"), blank=True, related_name="+"
    )
    car_warranty_months = models.PositiveSmallIntegerField(_("汽车包修期（月）"), null=True, blank=True)
    car_warranty_km = models.PositiveIntegerField(_("汽车包修期（公里）"), null=True, blank=True)
    car_sanbao_months = models.PositiveSmallIntegerField(_("汽车三包有效期（月）"), null=True, blank=True)
    car_sanbao_km = models.PositiveIntegerField(_("汽车三包有效期（公里）"), null=True, blank=True)
    seller_pays_return_shipping = models.BooleanField(
        _("无理由退货由商家承担运费"),
        default=False,
        help_text=_("法律默认由消费者承担；勾选表示本机构承诺承担。"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("品类三包规则")
        verbose_name_plural = _("品类三包规则")
        ordering = ["category__organization", "category__name"]

    def __str__(self) -> str:
        return str(self.category)


class EntitlementDecision(models.Model):
    """A decision someone took, with the facts and the engine's answer it was taken on.

    Both are stored as JSON so that the decision can be explained (and re-evaluated) later,
    whatever has changed in the unit's records since.
    """

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("批准")
        REJECTED = "rejected", _("拒绝")
        REFUND = "refund", _("退款")
        EXCHANGE = "exchange", _("换货")

    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    unit = models.ForeignKey(Unit, verbose_name=_("机器"), on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(
        "service.ServiceRequest",
        verbose_name=_("服务单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entitlement_decisions",
    )
    rma = models.ForeignKey(
        "entitlement.ReturnAuthorization",
        verbose_name=_("退换货单"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="decisions",
    )
    outcome = models.CharField(_("结论"), max_length=12, choices=Outcome.choices)
    option_kind = models.CharField(_("方案"), max_length=20, blank=True)
    rule_id = models.CharField(_("规则"), max_length=80, blank=True)
    goodwill = models.BooleanField(_("超出规则的善意处理"), default=False)
    reason = models.TextField(_("说明"), blank=True)
    facts = models.JSONField(_("依据的事实"))
    decision = models.JSONField(_("引擎结论"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间"))

    class Meta:
        verbose_name = _("权益决定")
        verbose_name_plural = _("权益决定")
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.rule_id}"
