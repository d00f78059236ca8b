from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from aftersales.entitlement import services
from aftersales.entitlement.forms import GiftsField
from aftersales.entitlement.models import (
    CategoryPolicy,
    ConditionReport,
    EntitlementDecision,
    ExtendedWarrantyContract,
    Quote,
    QuoteLine,
    ReturnAuthorization,
    SaleTerms,
    UnitDisposition,
    WarrantyClaim,
)
from aftersales.entitlement.present import english


class CategoryPolicyForm(forms.ModelForm):
    class Meta:
        model = CategoryPolicy
        fields = "__all__"  # noqa: DJ007 - every rule of the category is configurable here

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or data.get("category") is None:
            return data
        # The legal minimum is a floor: a shorter promise would be ignored by the engine, so refuse it.
        candidate = CategoryPolicy(**{k: v for k, v in data.items() if k != "extra_main_parts"})
        for field, reason in services.policy_errors(candidate).items():
            self.add_error(field if field in self.fields else None, reason)
        return data


@admin.register(CategoryPolicy)
class CategoryPolicyAdmin(admin.ModelAdmin):
    form = CategoryPolicyForm
    list_display = (
        "category",
        "organization",
        "return_days",
        "exchange_days",
        "no_reason_days",
        "whole_unit_months",
        "main_parts_months",
        "no_reason_exclusion",
    )
    list_filter = ("category__organization", "category__kind")
    autocomplete_fields = ("extra_main_parts",)
    readonly_fields = ("effective_rules",)
    fieldsets = (
        (None, {"fields": ("category",)}),
        (
            _("品类条款"),
            {"fields": ("depreciation_rate_per_day", "no_reason_exclusion", "use_compensation_rate")},
        ),
        (
            _("本机构承诺（留空为法定标准，不得低于法定标准）"),
            {
                "fields": (
                    "return_days",
                    "exchange_days",
                    "no_reason_days",
                    "whole_unit_months",
                    "main_parts_months",
                    "extra_main_parts",
                    "car_warranty_months",
                    "car_warranty_km",
                    "car_sanbao_months",
                    "car_sanbao_km",
                    "seller_pays_return_shipping",
                )
            },
        ),
        (_("实际执行的规则"), {"fields": ("effective_rules",)}),
    )

    @admin.display(description=_("组织"))
    def organization(self, obj: CategoryPolicy) -> str:
        return str(obj.category.organization)

    @admin.display(description=_("实际执行的规则"))
    def effective_rules(self, obj: CategoryPolicy) -> SafeString | str:
        if obj.pk is None:
            return _("保存后显示。")
        rows = []
        for s in services.effective_settings(obj.category):
            unit = services.UNIT_LABELS.get(s.unit, s.unit)
            configured = "—" if s.configured is None else f"{s.configured} {unit}"
            flag = _("（低于法定，不采用）") if s.below_minimum else (_("（已延长）") if s.extended else "")
            label = s.label_en if english() else s.label_zh
            rows.append((label, f"{s.legal_minimum} {unit}", configured, f"{s.effective} {unit}", flag))
        body = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td><strong>{}</strong> {}</td></tr>", rows
        )
        return format_html(
            '<table id="effective-rules"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            _("规则"),
            _("法定最低"),
            _("本机构设置"),
            _("实际执行"),
            body,
        )


class ClaimInline(admin.TabularInline):
    model = WarrantyClaim
    extra = 0
    fields = ("claimed_on", "amount", "description", "request", "quote")
    raw_id_fields = ("request", "quote")


@admin.register(ExtendedWarrantyContract)
class ContractAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "unit",
        "organization",
        "starts",
        "ends",
        "price",
        "max_claims",
        "max_total",
        "cancelled_at",
    )
    list_filter = ("organization",)
    search_fields = ("number", "unit__serial_number")
    raw_id_fields = ("unit", "request", "created_by")
    inlines = [ClaimInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the workflow: viewed here, changed only through the services."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ReturnAuthorization)
class ReturnAuthorizationAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "organization",
        "status",
        "resolution",
        "unit",
        "replacement_unit",
        "refund_due_on",
        "escalation_level",
        "created_at",
    )
    list_filter = ("organization", "status", "resolution")
    search_fields = ("number", "request__number", "unit__serial_number", "replacement_unit__serial_number")


@admin.register(EntitlementDecision)
class EntitlementDecisionAdmin(ReadOnlyAdmin):
    list_display = (
        "decided_at",
        "organization",
        "outcome",
        "option_kind",
        "rule_id",
        "goodwill",
        "unit",
        "rma",
        "decided_by",
    )
    list_filter = ("organization", "outcome", "goodwill")
    search_fields = ("unit__serial_number", "rma__number", "request__number", "rule_id")


@admin.register(ConditionReport)
class ConditionReportAdmin(ReadOnlyAdmin):
    list_display = ("unit", "rma", "inspected_at", "inspected_by")
    list_filter = ("organization",)


@admin.register(UnitDisposition)
class UnitDispositionAdmin(ReadOnlyAdmin):
    list_display = ("unit", "state", "on", "rma")


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0
    can_delete = False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ("pk", "request", "organization", "status", "created_at", "decided_at")
    list_filter = ("organization", "status")
    inlines = [QuoteLineInline]


class SaleTermsAdminForm(forms.ModelForm):
    gifts = GiftsField()

    class Meta:
        model = SaleTerms
        fields = [
            "unit",
            "buyer_confirmed_no_return",
            "confirmed_at",
            "confirmed_via",
            "confirmation_reference",
            "gifts",
        ]


@admin.register(SaleTerms)
class SaleTermsAdmin(admin.ModelAdmin):
    form = SaleTermsAdminForm
    list_display = (
        "unit",
        "buyer_confirmed_no_return",
        "confirmed_at",
        "confirmed_via",
        "gift_count",
        "updated_at",
    )
    list_filter = ("buyer_confirmed_no_return", "confirmed_via", "unit__organization")
    search_fields = ("unit__serial_number", "confirmation_reference")
    raw_id_fields = ("unit",)
    readonly_fields = ("recorded_by", "updated_at")

    @admin.display(description=_("赠品数"))
    def gift_count(self, obj: SaleTerms) -> int:
        return len(obj.gifts or [])

    def save_model(self, request: Any, obj: SaleTerms, form: Any, change: bool) -> None:
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
