from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.catalog.models import ProductModel
from aftersales.core.forms import BootstrapMixin
from aftersales.customers.models import Customer, Unit


class CustomerForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=100)
    phone = forms.CharField(label=_("手机号"), max_length=30)
    email = forms.CharField(label=_("邮箱"), max_length=254, required=False)
    id_number = forms.CharField(label=_("证件号码"), max_length=30, required=False)
    tier = forms.ChoiceField(label=_("等级"), choices=Customer.Tier.choices, initial=Customer.Tier.STANDARD)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, editing: Customer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing is not None:
            # Editing must not put the clear phone or ID into the page: empty means unchanged.
            for name, masked in (("phone", editing.masked_phone), ("id_number", editing.masked_id_number)):
                self.fields[name].required = False
                self.fields[name].widget.attrs["placeholder"] = masked
                self.fields[name].help_text = _("留空表示不修改。")


class AddressForm(BootstrapMixin, forms.Form):
    label = forms.CharField(label=_("标签"), max_length=40, required=False)
    province = forms.CharField(label=_("省"), max_length=40)
    city = forms.CharField(label=_("市"), max_length=40)
    district = forms.CharField(label=_("区县"), max_length=40, required=False)
    detail = forms.CharField(label=_("详细地址"), max_length=200)
    is_default = forms.BooleanField(label=_("设为默认地址"), required=False)


class UnitForm(BootstrapMixin, forms.Form):
    product_model = forms.ModelChoiceField(label=_("型号"), queryset=ProductModel.objects.none())
    serial_number = forms.CharField(label=_("序列号"), max_length=64)
    purchase_date = forms.DateField(label=_("购买日期"), widget=forms.DateInput(attrs={"type": "date"}))
    delivery_date = forms.DateField(
        label=_("签收日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    invoice_number = forms.CharField(label=_("发票号"), max_length=64, required=False)
    invoice_amount = forms.DecimalField(label=_("发票金额"), max_digits=12, decimal_places=2, required=False)
    sales_channel = forms.ChoiceField(label=_("销售渠道"), choices=Unit.SalesChannel.choices)
    store = forms.CharField(label=_("门店/店铺"), max_length=200, required=False)
    order_number = forms.CharField(label=_("订单号"), max_length=64, required=False)

    def __init__(self, *args: Any, organization_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ModelChoiceField = self.fields["product_model"]  # type: ignore[assignment]
        field.queryset = ProductModel.objects.filter(organization_id=organization_id or 0).order_by(
            "model_number"
        )


class RevealForm(forms.Form):
    field = forms.CharField(max_length=40)
    reason = forms.CharField(max_length=200, required=False)


class ImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("文件（CSV 或 XLSX）"))
    mode = forms.ChoiceField(
        label=_("遇到错误行时"),
        choices=[("all_or_nothing", _("全部不导入")), ("good_only", _("只导入正确的行"))],
        initial="all_or_nothing",
    )
