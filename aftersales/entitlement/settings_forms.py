"""Forms of the entitlement section of the settings area, with help text citing the rule each value feeds."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.catalog.models import ProductCategory, SparePart
from aftersales.entitlement.models import CategoryPolicy, EntitlementSettings
from aftersales.entitlement.services import policy_errors
from aftersales.entitlement.settings_services import use_compensation_error

GOODS_FIELDS = (
    "depreciation_rate_per_day",
    "no_reason_exclusion",
    "no_reason_days",
    "seller_pays_return_shipping",
    "return_days",
    "exchange_days",
    "whole_unit_months",
    "main_parts_months",
    "extra_main_parts",
)
CAR_FIELDS = (
    "use_compensation_rate",
    "no_reason_exclusion",
    "no_reason_days",
    "seller_pays_return_shipping",
    "car_warranty_months",
    "car_warranty_km",
    "car_sanbao_months",
    "car_sanbao_km",
)

HELP = {
    "depreciation_rate_per_day": _(
        "《部分商品修理更换退货责任规定》第十三条：有同型号同规格产品而消费者不愿调换、要求退货的，按《实施三包的部分"
        "商品目录》的折旧率收取折旧费，自开具发票之日起至退货之日止，扣除修理占用和待修的时间。0.001 即每日 0.1%。"
    ),
    "no_reason_exclusion": _(
        "《消费者权益保护法》第二十五条与《网络购买商品七日无理由退货暂行办法》第六条（定作、鲜活易腐等不适用）、"
        "第七条（经消费者在购买时确认方可不适用）。"
    ),
    "no_reason_days": _(
        "《消费者权益保护法》第二十五条：自签收次日起至少7日；留空为7日，可承诺更长，不得更短。"
    ),
    "seller_pays_return_shipping": _(
        "无理由退货的运费依《消费者权益保护法》第二十五条由消费者承担，另有约定的按约定；勾选表示本机构承担。"
        "质量问题的退货、换货、修理，运输等必要费用依第二十四条始终由经营者承担。"
    ),
    "return_days": _(
        "《部分商品修理更换退货责任规定》第九条：售出之日起7日内发生性能故障可退货；留空为7日，不得更短。"
    ),
    "exchange_days": _("同规定第十条：售出之日起15日内发生性能故障可换货；留空为15日，不得更短。"),
    "whole_unit_months": _("同规定第八条及所附目录：整机三包有效期；留空为型号的法定期限，不得更短。"),
    "main_parts_months": _("主要部件三包有效期（目录所列）；留空为法定期限，不得更短。"),
    "extra_main_parts": _("本机构另按主要部件期限保修的备件。"),
    "use_compensation_rate": _(
        "《家用汽车产品修理更换退货责任规定》（2021年）：合理使用补偿费用＝车价款×行驶里程÷1000×n，n 由生产者确定"
        "并在三包凭证上明示，不得高于0.5%（0.005）。"
    ),
    "car_warranty_months": _("同规定：包修期不低于3年（36个月）或6万公里，以先到者为准；留空为法定标准。"),
    "car_warranty_km": _("包修期里程，不低于60,000公里。"),
    "car_sanbao_months": _("三包有效期不低于2年（24个月）或5万公里，以先到者为准；留空为法定标准。"),
    "car_sanbao_km": _("三包有效期里程，不低于50,000公里。"),
}


class CategoryTermsForm(forms.ModelForm):
    """One category's terms; which fields show depends on whether the category is goods or a car."""

    class Meta:
        model = CategoryPolicy
        fields = GOODS_FIELDS + tuple(f for f in CAR_FIELDS if f not in GOODS_FIELDS)

    def __init__(self, *args: Any, category: ProductCategory, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category = category
        wanted = CAR_FIELDS if category.kind == ProductCategory.Kind.CAR else GOODS_FIELDS
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        for name, field in self.fields.items():
            field.help_text = HELP.get(name, field.help_text)
            if not isinstance(field.widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                field.widget.attrs.setdefault(
                    "class", "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                )
        if "extra_main_parts" in self.fields:
            parts = self.fields["extra_main_parts"]
            assert isinstance(parts, forms.ModelMultipleChoiceField)
            parts.queryset = SparePart.objects.filter(organization_id=category.organization_id).order_by(
                "name"
            )
            parts.widget = forms.CheckboxSelectMultiple(choices=parts.choices)  # type: ignore[arg-type]
            parts.required = False

    def clean_use_compensation_rate(self) -> Any:
        value = self.cleaned_data.get("use_compensation_rate")
        reason = use_compensation_error(value)
        if reason:
            raise forms.ValidationError(reason)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        candidate = CategoryPolicy(
            category=self.category, **{k: v for k, v in data.items() if k != "extra_main_parts"}
        )
        for field, reason in policy_errors(candidate).items():
            self.add_error(field if field in self.fields else None, reason)
        return data

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "extra_main_parts"}


class HolidaySettingForm(forms.ModelForm):
    class Meta:
        model = EntitlementSettings
        fields = ("no_reason_holiday_extends",)
