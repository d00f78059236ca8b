"""Forms for entitlement pages: parsing and field errors only; the rules are in the services."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.catalog.models import SparePart
from aftersales.core.forms import BootstrapMixin
from aftersales.dispatch.models import RepairRecord
from aftersales.entitlement.models import (
    ConditionReport,
    QuoteLine,
    ReturnAuthorization,
    SaleTerms,
    UnitFacts,
)
from aftersales.entitlement.models.returns import FaultType, RefundMethod

CHECK_KINDS = [
    ("inquiry", _("查询（不指定）")),
    ("return", _("退货")),
    ("exchange", _("换货")),
    ("repair", _("维修")),
]
RMA_KINDS = [("return", _("退货退款")), ("exchange", _("换货")), ("refund", _("仅退款"))]
DATE = forms.DateInput(attrs={"type": "date"})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; their content is checked by the attachment rules."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [f for f in files if f]


class CheckForm(BootstrapMixin, forms.Form):
    serial = forms.CharField(label=_("序列号"), max_length=64)
    kind = forms.ChoiceField(label=_("申请"), choices=CHECK_KINDS, required=False, initial="inquiry")
    fault = forms.ChoiceField(
        label=_("问题类型"), choices=FaultType.choices, required=False, initial="performance"
    )
    part = forms.CharField(
        label=_("故障部件"), max_length=100, required=False, help_text=_("备件编号或名称，可不填")
    )
    odometer_km = forms.IntegerField(label=_("里程表读数（公里）"), required=False, help_text=_("仅家用汽车"))
    on = forms.DateField(label=_("按此日期判断"), required=False, widget=DATE, help_text=_("默认今天"))

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or "inquiry"

    def clean_fault(self) -> str:
        return self.cleaned_data.get("fault") or "performance"


class PortalReturnForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("我要"), choices=RMA_KINDS[:2])
    fault = forms.ChoiceField(label=_("原因"), choices=FaultType.choices[:2], widget=forms.RadioSelect)
    description = forms.CharField(label=_("说明"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    odometer_km = forms.IntegerField(label=_("里程表读数（公里）"), required=False)


class ConsoleReturnForm(BootstrapMixin, forms.Form):
    serial = forms.CharField(label=_("序列号"), max_length=64)
    kind = forms.ChoiceField(label=_("类型"), choices=RMA_KINDS)
    fault = forms.ChoiceField(label=_("问题类型"), choices=FaultType.choices, initial="performance")
    part = forms.CharField(label=_("故障部件"), max_length=100, required=False)
    description = forms.CharField(
        label=_("问题描述"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    odometer_km = forms.IntegerField(label=_("里程表读数（公里）"), required=False)
    channel = forms.ChoiceField(
        label=_("渠道"),
        choices=[("phone", _("电话")), ("store", _("门店")), ("chat", _("在线客服")), ("email", _("邮件"))],
        initial="phone",
    )


class ApproveForm(BootstrapMixin, forms.Form):
    option = forms.ChoiceField(label=_("依据方案"), required=False, widget=forms.RadioSelect)
    goodwill = forms.BooleanField(label=_("善意处理（超出规则批准）"), required=False)
    resolution = forms.ChoiceField(
        label=_("处理方式"), choices=ReturnAuthorization.Resolution.choices, required=False
    )
    reason = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, options: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = options or []  # type: ignore[attr-defined]


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ShipForm(BootstrapMixin, forms.Form):
    carrier = forms.CharField(
        label=_("承运商"), max_length=60, widget=forms.TextInput(attrs={"list": "carriers"})
    )
    tracking = forms.CharField(label=_("运单号"), max_length=60)
    shipped_on = forms.DateField(label=_("寄出日期"), required=False, widget=DATE)


class ReceiveForm(BootstrapMixin, forms.Form):
    received_on = forms.DateField(label=_("签收日期"), required=False, widget=DATE, help_text=_("默认今天"))


class InspectForm(BootstrapMixin, forms.Form):
    notes = forms.CharField(
        label=_("检测说明"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    odometer_km = forms.IntegerField(label=_("里程表读数（公里）"), required=False)
    photos = PhotosField(label=_("照片"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ConditionReport.FLAGS:
            self.fields[name] = forms.BooleanField(
                label=ConditionReport.flag_label(name),
                required=False,
            )

    def findings(self) -> dict[str, bool]:
        return {name: bool(self.cleaned_data.get(name)) for name in ConditionReport.FLAGS}


class RefundForm(BootstrapMixin, forms.Form):
    amount = forms.DecimalField(
        label=_("退款金额"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("默认按评估结果"),
    )
    method = forms.ChoiceField(label=_("退款方式"), choices=RefundMethod.choices)
    goodwill = forms.BooleanField(label=_("善意处理（超出规则退款）"), required=False)
    reason = forms.CharField(label=_("说明"), max_length=2000, required=False)


class RefundPaidForm(BootstrapMixin, forms.Form):
    reference = forms.CharField(label=_("退款流水号"), max_length=80, required=False)
    refunded_on = forms.DateField(label=_("退款日期"), required=False, widget=DATE, help_text=_("默认今天"))


class ExchangeForm(BootstrapMixin, forms.Form):
    new_serial = forms.CharField(label=_("新机序列号"), max_length=64)
    carrier = forms.CharField(label=_("承运商"), max_length=60, required=False)
    tracking = forms.CharField(label=_("运单号"), max_length=60, required=False)
    shipped_on = forms.DateField(label=_("发货日期"), required=False, widget=DATE, help_text=_("默认今天"))
    goodwill = forms.BooleanField(label=_("善意处理（超出规则换货）"), required=False)
    reason = forms.CharField(label=_("说明"), max_length=2000, required=False)


class ContractForm(BootstrapMixin, forms.Form):
    number = forms.CharField(label=_("合同号"), max_length=40, required=False, help_text=_("留空自动生成"))
    starts = forms.DateField(label=_("生效日期"), widget=DATE)
    ends = forms.DateField(label=_("到期日期"), widget=DATE)
    price = forms.DecimalField(label=_("价格"), max_digits=12, decimal_places=2, min_value=0)
    covers_parts = forms.BooleanField(label=_("承担零件费"), required=False, initial=True)
    covers_labour = forms.BooleanField(label=_("承担工时费"), required=False, initial=True)
    covers_travel = forms.BooleanField(label=_("承担上门交通费"), required=False)
    max_claims = forms.IntegerField(label=_("理赔次数上限"), required=False, min_value=0)
    max_total = forms.DecimalField(
        label=_("理赔金额上限"), max_digits=12, decimal_places=2, required=False, min_value=0
    )
    max_km = forms.IntegerField(label=_("里程上限（公里）"), required=False, min_value=0)


class ClaimForm(BootstrapMixin, forms.Form):
    amount = forms.DecimalField(label=_("理赔金额"), max_digits=12, decimal_places=2, min_value=0)
    claimed_on = forms.DateField(label=_("理赔日期"), required=False, widget=DATE)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)


class QuoteLineForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=QuoteLine.Kind.choices)
    part = forms.ModelChoiceField(
        label=_("备件"), queryset=SparePart.objects.none(), required=False, to_field_name="part_number"
    )
    description = forms.CharField(label=_("项目"), max_length=200, required=False)
    quantity = forms.DecimalField(label=_("数量"), max_digits=8, decimal_places=2, initial=1)
    unit_price = forms.DecimalField(
        label=_("单价"), max_digits=12, decimal_places=2, required=False, help_text=_("备件默认目录价")
    )

    def __init__(self, *args: Any, organization_id: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["part"].queryset = SparePart.objects.filter(  # type: ignore[attr-defined]
            organization_id=organization_id
        ).order_by("part_number")


QuoteLineFormSet = forms.formset_factory(QuoteLineForm, extra=3, max_num=50, validate_max=True)


class QuoteForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    send = forms.BooleanField(label=_("立即发送给客户确认"), required=False, initial=True)
    odometer_km = forms.IntegerField(
        label=_("里程表读数（公里）"),
        required=False,
        min_value=0,
        max_value=10_000_000,
        help_text=_("仅家用汽车：包修期按时间和里程先到者为准，报价前需要当前读数。"),
    )


# --- Sale terms ---------------------------------------------------------------------------------

_GIFT_SEPARATOR = re.compile(r"\s*[|,，]\s*")
_KEPT = {"未退回", "未退", "kept", "not returned", "no"}


def gifts_text(gifts: list[dict[str, Any]] | None) -> str:
    """The gifts as the form shows them: one per line, "名称 | 标明价格", "| 未退回" when kept."""
    lines = []
    for g in gifts or []:
        line = f"{g['name']} | {g['stated_price']}"
        if not g.get("returned", True):
            line += " | 未退回"
        lines.append(line)
    return "\n".join(lines)


def parse_gifts(text: str) -> list[dict[str, Any]]:
    gifts: list[dict[str, Any]] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p for p in _GIFT_SEPARATOR.split(raw.strip()) if p != ""]
        if len(parts) not in (2, 3):
            raise forms.ValidationError(_("第 %(n)d 行应为“名称 | 标明价格”。") % {"n": number})
        name, price_text = parts[0], parts[1].lstrip("¥￥")
        try:
            price = Decimal(price_text)
        except InvalidOperation:
            price = Decimal(-1)
        if not price.is_finite() or price < 0 or price > Decimal("99999999.99"):
            raise forms.ValidationError(_("第 %(n)d 行的标明价格无效。") % {"n": number})
        returned = len(parts) == 2 or parts[2].strip().lower() not in _KEPT
        if len(parts) == 3 and parts[2].strip().lower() not in _KEPT | {"已退回", "returned", "yes"}:
            raise forms.ValidationError(_("第 %(n)d 行第三项只能是“未退回”或“已退回”。") % {"n": number})
        gifts.append(
            {"name": name[:100], "stated_price": str(price.quantize(Decimal("0.01"))), "returned": returned}
        )
    return gifts


class GiftsField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("赠品"))
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _("每行一件：名称 | 标明价格；未随退货退回的赠品在行尾加“| 未退回”，按标明价格扣款。"),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return gifts_text(value) if isinstance(value, list) else value

    def clean(self, value: Any) -> list[dict[str, Any]]:
        return parse_gifts(super().clean(value))


class SaleTermsForm(BootstrapMixin, forms.ModelForm):
    """The unit section's sale-terms form (and the admin's): the buyer's confirmation and the gifts."""

    gifts = GiftsField()

    class Meta:
        model = SaleTerms
        fields = [
            "buyer_confirmed_no_return",
            "confirmed_at",
            "confirmed_via",
            "confirmation_reference",
            "gifts",
        ]
        widgets = {
            "confirmed_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        }


class UnitFactsForm(BootstrapMixin, forms.ModelForm):
    """The unit's voucher status and use: facts that take it out of 三包."""

    class Meta:
        model = UnitFacts
        fields = ["voucher", "usage", "note"]


class RepairFactsForm(BootstrapMixin, forms.ModelForm):
    """A repair's 三包 facts on its repair record."""

    class Meta:
        model = RepairRecord
        fields = ["serious_safety", "fault_system", "authorized_repairer", "repairer_name", "odometer_km"]
