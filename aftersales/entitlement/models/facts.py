"""Facts the 三包 rules turn on that arise after the sale: the unit's voucher and use, the organization's reading.

The rules exclude a unit from 三包 (a paid repair remains) where its voucher is missing together with
the invoice, altered, or does not match the unit (《部分商品修理更换退货责任规定》, the clause on
不实行三包的情形), and exclude a car used for hire or other commercial operation (《家用汽车产品修理
更换退货责任规定》, 经营者可以不承担三包责任的情形: such a car is not a 家用汽车).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization
from aftersales.customers.models import Unit


class VoucherStatus(models.TextChoices):
    PRESENT = "present", _("三包凭证齐全")
    MISSING = "missing", _("无三包凭证")
    ALTERED = "altered", _("三包凭证被涂改")
    MISMATCHED = "mismatched", _("三包凭证型号与产品不符")


class Usage(models.TextChoices):
    HOUSEHOLD = "household", _("家用（个人生活消费）")
    COMMERCIAL = "commercial", _("营运（出租或其他营运目的）")


class UnitFacts(models.Model):
    """What staff established about one unit's papers and use; absent means voucher present, household use."""

    unit = models.OneToOneField(
        Unit, verbose_name=_("机器"), on_delete=models.CASCADE, related_name="entitlement_facts"
    )
    voucher = models.CharField(
        _("三包凭证"),
        max_length=12,
        choices=VoucherStatus.choices,
        default=VoucherStatus.PRESENT,
        help_text=_(
            "无凭证且无有效发票、凭证被涂改或型号不符的，不实行三包，可收费修理"
            "（《部分商品修理更换退货责任规定》；《家用汽车产品修理更换退货责任规定》）。"
        ),
    )
    usage = models.CharField(
        _("用途"),
        max_length=12,
        choices=Usage.choices,
        default=Usage.HOUSEHOLD,
        help_text=_(
            "用于出租或者其他营运目的的汽车不属家用汽车，经营者可以不承担三包责任"
            "（《家用汽车产品修理更换退货责任规定》）。"
        ),
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("机器三包事实")
        verbose_name_plural = _("机器三包事实")

    def __str__(self) -> str:
        return f"{self.unit}: {self.get_voucher_display()} / {self.get_usage_display()}"


class EntitlementSettings(models.Model):
    """One organization's choices where the law leaves room; absent means the defaults."""

    organization = models.OneToOneField(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="entitlement_settings"
    )
    no_reason_holiday_extends = models.BooleanField(
        _("七日无理由退货期最后一日为法定休假日时顺延"),
        default=True,
        help_text=_(
            "《民法典》第二百零三条：期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日。"
            "该规定是否适用于《消费者权益保护法》第二十五条的七日无理由退货期，目前没有明确规定。"
            "默认顺延：顺延从不少于法律可能要求的期限；取消勾选则按自然日计算，最后一日逢节假日也不顺延。"
        ),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("三包设置")
        verbose_name_plural = _("三包设置")

    def __str__(self) -> str:
        return str(self.organization)
