from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.catalog.models import ProductModel
from aftersales.core.forms import BootstrapMixin


class ProductModelForm(BootstrapMixin, forms.Form):
    brand = forms.CharField(label=_("品牌"), max_length=100)
    name = forms.CharField(label=_("名称"), max_length=200)
    list_price = forms.DecimalField(label=_("指导价"), max_digits=12, decimal_places=2, min_value=0)
    whole_unit_months = forms.IntegerField(label=_("整机保修（月）"), min_value=0, max_value=240)
    main_parts_months = forms.IntegerField(label=_("主要部件保修（月）"), min_value=0, max_value=240)
    is_active = forms.BooleanField(label=_("在售"), required=False)


class SparePartForm(BootstrapMixin, forms.Form):
    part_number = forms.CharField(label=_("备件编号"), max_length=64)
    name = forms.CharField(label=_("名称"), max_length=200)
    price = forms.DecimalField(label=_("价格"), max_digits=12, decimal_places=2, min_value=0)
    is_main_part = forms.BooleanField(label=_("主要部件"), required=False)
    fits = forms.ModelMultipleChoiceField(
        label=_("适用型号"), queryset=ProductModel.objects.none(), required=False
    )

    def __init__(self, *args: Any, organization_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ModelMultipleChoiceField = self.fields["fits"]  # type: ignore[assignment]
        field.queryset = ProductModel.objects.filter(organization_id=organization_id or 0).order_by(
            "model_number"
        )
        field.widget.attrs["size"] = 8
