from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.customers.models import Unit


class ConfirmedVia(models.TextChoices):
    CHECKOUT = "checkout", _("下单页勾选确认")
    SIGNED_FORM = "signed_form", _("书面签字确认")
    ORDER_PAGE = "order_page", _("商品页显著提示并确认")
    OTHER = "other", _("其他")


def validate_gifts(value: Any) -> None:
    """A list of {"name": str, "stated_price": "decimal", "returned": bool}."""
    if not isinstance(value, list):
        raise ValidationError(_("赠品须为列表。"))
    for item in value:
        if not isinstance(item, dict) or not str(item.get("name", "")).strip():
            raise ValidationError(_("每件赠品须有名称。"))
        try:
            price = Decimal(str(item.get("stated_price")))
        except (InvalidOperation, ValueError):
            raise ValidationError(_("赠品“%(n)s”的标明价格无效。") % {"n": item["name"]}) from None
        if not price.is_finite() or price < 0:
            raise ValidationError(_("赠品“%(n)s”的标明价格无效。") % {"n": item["name"]})
        if not isinstance(item.get("returned", True), bool):
            raise ValidationError(_("赠品“%(n)s”的退回标记无效。") % {"n": item["name"]})


class SaleTerms(models.Model):
    """What was agreed at the sale that the unit record does not hold.

    The buyer's confirmation that the goods fall outside the seven-day no-reason return (goods
    that change once unsealed, lose value once activated, or were sold near expiry / flawed) only
    counts if it was given at purchase: when and how it was given is kept with it. Gifts are
    listed with their stated price: on a no-reason return a gift that is not handed back is
    charged at that price.
    """

    unit = models.OneToOneField(
        Unit, verbose_name=_("机器"), on_delete=models.CASCADE, related_name="sale_terms"
    )
    buyer_confirmed_no_return = models.BooleanField(
        _("购买时已确认不适用七日无理由退货"),
        default=False,
        help_text=_("仅对拆封后影响安全或品质、激活后价值贬损较大、已明示临期或瑕疵的商品有效。"),
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_via = models.CharField(_("确认方式"), max_length=20, choices=ConfirmedVia.choices, blank=True)
    confirmation_reference = models.CharField(
        _("确认凭据"),
        max_length=200,
        blank=True,
        help_text=_("如订单号、签字单编号。"),
    )
    gifts = models.JSONField(_("赠品"), default=list, blank=True, validators=[validate_gifts])
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
        verbose_name = _("销售约定")
        verbose_name_plural = _("销售约定")

    def __str__(self) -> str:
        return f"{self.unit}"

    def clean(self) -> None:
        super().clean()
        if self.buyer_confirmed_no_return and (self.confirmed_at is None or not self.confirmed_via):
            raise ValidationError({"confirmed_at": _("请填写买家确认的时间和方式。")})

    @property
    def gift_list(self) -> list[dict[str, Any]]:
        return [
            {
                "name": str(g["name"]),
                "stated_price": Decimal(str(g["stated_price"])).quantize(Decimal("0.01")),
                "returned": bool(g.get("returned", True)),
            }
            for g in (self.gifts or [])
        ]
