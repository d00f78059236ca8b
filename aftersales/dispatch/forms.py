"""Forms of the dispatch pages: parsing and field errors only; the rules live in the services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import BootstrapMixin
from aftersales.dispatch.models import BalanceBy, MailInShipment, MapSettings, PlanObjective, VisitPhoto


class SlotField(forms.CharField):
    """An ISO-8601 start time with offset, as the slot buttons send it."""

    def to_python(self, value: Any) -> datetime | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise forms.ValidationError(_("请选择一个预约时段。")) from None
        if timezone.is_naive(moment):
            raise forms.ValidationError(_("请选择一个预约时段。"))
        return moment


class BookForm(BootstrapMixin, forms.Form):
    slot = SlotField(label=_("预约时段"), error_messages={"required": _("请选择一个预约时段。")})
    technician = forms.IntegerField(label=_("指定工程师"), required=False, min_value=1)


class CancelForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=300)


class ReassignForm(forms.Form):
    appointment = forms.IntegerField(min_value=1)
    technician = forms.IntegerField(min_value=1)
    start = SlotField(required=False)


class PlanForm(forms.Form):
    station = forms.IntegerField(min_value=1)
    date = forms.DateField()
    objective = forms.ChoiceField(label=_("规划目标"), choices=PlanObjective.choices, required=False)
    balance_by = forms.ChoiceField(label=_("均衡依据"), choices=BalanceBy.choices, required=False)
    max_spread = forms.IntegerField(
        label=_("最大差距"),
        min_value=0,
        max_value=200,
        required=False,
        help_text=_("单数：最忙与最闲的工程师相差的单数；工时：相差占平均工时的百分比。"),
    )


class CheckInForm(forms.Form):
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)


class RecordForm(BootstrapMixin, forms.Form):
    fault_code = forms.CharField(label=_("故障代码"), max_length=30, required=False)
    diagnosis = forms.CharField(
        label=_("故障诊断"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    cause = forms.CharField(label=_("故障原因"), max_length=200, required=False)
    labour_minutes = forms.IntegerField(label=_("工时（分钟）"), min_value=0, max_value=24 * 60, initial=0)


class PartForm(BootstrapMixin, forms.Form):
    part = forms.ChoiceField(label=_("备件"))
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=99, initial=1)
    serial_in = forms.CharField(label=_("新件序列号"), max_length=64, required=False)
    serial_out = forms.CharField(label=_("旧件序列号"), max_length=64, required=False)

    def __init__(self, *args: Any, parts: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["part"].choices = [("", _("请选择")), *(parts or [])]  # type: ignore[attr-defined]


class PhotoForm(forms.Form):
    stage = forms.ChoiceField(choices=VisitPhoto.Stage.choices)


class WaitForm(BootstrapMixin, CheckInForm):
    reason = forms.CharField(label=_("需要的备件"), max_length=500)


class CompleteForm(BootstrapMixin, CheckInForm):
    signed_by = forms.CharField(label=_("签字人"), max_length=100)
    signature = forms.CharField(
        widget=forms.HiddenInput, error_messages={"required": _("请客户在签名框内签字。")}
    )


class MailInStartForm(BootstrapMixin, forms.Form):
    method = forms.ChoiceField(
        label=_("寄送方式"), choices=MailInShipment.Method.choices, widget=forms.RadioSelect
    )


class MailInStepForm(BootstrapMixin, forms.Form):
    step = forms.ChoiceField(choices=MailInShipment.Step.choices, widget=forms.HiddenInput)
    carrier = forms.CharField(label=_("快递公司"), max_length=50, required=False)
    tracking = forms.CharField(label=_("运单号"), max_length=50, required=False)
    logistics_cost = forms.DecimalField(
        label=_("物流成本（元）"), required=False, min_value=0, max_value=99999, decimal_places=2
    )
    diagnosis = forms.CharField(
        label=_("维修说明"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    fault_code = forms.CharField(label=_("故障代码"), max_length=30, required=False)


class MapSettingsForm(BootstrapMixin, forms.Form):
    """The board's tile service. The key field starts empty: leaving it empty keeps the stored key."""

    provider = forms.ChoiceField(label=_("地图服务"), choices=MapSettings.Provider.choices)
    url_template = forms.CharField(
        label=_("瓦片地址模板"),
        max_length=500,
        required=False,
        help_text=_("留空使用该服务的默认地址；可用 {z} {x} {y} {s} {key}。"),
    )
    api_key = forms.CharField(
        label=_("密钥"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=True),
        help_text=_("服务商控制台里为本系统域名申请的浏览器端密钥（天地图必填）；留空保留已保存的密钥。"),
    )
    clear_key = forms.BooleanField(label=_("删除已保存的密钥"), required=False)
    attribution = forms.CharField(
        label=_("署名与审图号"),
        max_length=300,
        required=False,
        help_text=_("显示在地图右下角，例如服务商要求的署名和审图号。"),
    )

    def __init__(self, *args: Any, has_key: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_key = has_key

    def clean_url_template(self) -> str:
        url = self.cleaned_data["url_template"].strip()
        if url and not url.startswith("https://"):
            raise forms.ValidationError(
                _("地址须以 https:// 开头（页面通过 HTTPS 提供，混合内容会被浏览器拦截）。")
            )
        if url and not all(part in url for part in ("{x}", "{y}", "{z}")):
            raise forms.ValidationError(_("地址模板须包含 {x}、{y} 和 {z}。"))
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        provider = data.get("provider")
        key_left = bool(data.get("api_key")) or (self.has_key and not data.get("clear_key"))
        if provider == MapSettings.Provider.TIANDITU and not key_left:
            self.add_error("api_key", _("天地图需要密钥（tk）。"))
        url = data.get("url_template") or ""
        if "{key}" in url and not key_left:
            self.add_error("api_key", _("地址模板里有 {key}，请填写密钥。"))
        return data
