"""Forms of the assignment settings: validation and field names; the services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization
from aftersales.catalog.models import ProductCategory
from aftersales.dispatch.models import Certification, DispatchPolicy, SkillKind, SkillRequirement
from aftersales.dispatch.settings_services import POLICY_FIELDS
from aftersales.service.models import Kind


def _style(form: forms.BaseForm) -> None:
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        if name in (getattr(form, "_errors", None) or {}):  # not .errors: that would validate now
            css += " is-invalid"
        widget.attrs["class"] = css


class DispatchPolicyForm(forms.ModelForm):
    class Meta:
        model = DispatchPolicy
        fields = list(POLICY_FIELDS)
        help_texts = {
            "booking_days": _("客户最多可提前多少天预约上门（1–60）。"),
            "slot_hours": _("每个预约时段的长度；时段从 08:00 起整点排列。"),
            "lead_minutes": _("当天预约至少提前多少分钟，给工程师留出路上时间。"),
            "labour_rate": _("保外维修按工时收费的单价。"),
            "visit_fee": _("保外上门收取的上门费。"),
            "travel_cost_per_km": _("用于成本报表和路线规划的每公里交通成本。"),
        }

    def full_clean(self) -> None:
        super().full_clean()
        _style(self)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class SkillRequirementForm(forms.ModelForm):
    request_kind = forms.ChoiceField(
        label=_("服务类型"),
        required=False,
        choices=[("", _("所有类型")), *Kind.choices],
        help_text=_("留空表示所有类型。"),
    )
    skill_code = forms.SlugField(
        label=_("技能代码"),
        max_length=50,
        help_text=_(
            "资质证书可用：high_voltage（高压电工证）、refrigerant（制冷剂操作证）、gas（燃气具安装维修资质）、"
            "heights（高处作业证），也可自定义；须与工程师档案中的技能代码一致。"
        ),
        widget=forms.TextInput(attrs={"list": "skill-codes"}),
    )

    class Meta:
        model = SkillRequirement
        fields = ["category", "request_kind", "skill_kind", "skill_code", "min_level"]

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ProductCategory.objects.filter(  # type: ignore[attr-defined]
            organization=organization
        ).order_by("name")
        self.fields["category"].empty_label = _("所有品类")  # type: ignore[attr-defined]
        self.fields["skill_kind"].initial = SkillKind.CERTIFICATION
        _style(self)

    def full_clean(self) -> None:
        super().full_clean()
        _style(self)

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        category = d.get("category")
        return {
            "category_id": category.pk if category else None,
            "request_kind": d.get("request_kind") or "",
            "skill_kind": d["skill_kind"],
            "skill_code": d["skill_code"],
            "min_level": d["min_level"],
        }


CERTIFICATIONS = Certification.choices
