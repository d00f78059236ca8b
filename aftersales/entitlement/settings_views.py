"""The entitlement section of the settings area: each category's terms, and the organization's readings.

Organization admins only (``settings_admin_required``); another organization's category answers 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from aftersales.accounts.decorators import settings_admin_required
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.settings_area import settings_context
from aftersales.catalog.models import ProductCategory
from aftersales.core.errors import InvalidInput
from aftersales.entitlement import services
from aftersales.entitlement.models import CategoryPolicy
from aftersales.entitlement.present import english
from aftersales.entitlement.settings_forms import CategoryTermsForm, HolidaySettingForm
from aftersales.entitlement.settings_services import (
    category_terms_save,
    entitlement_settings_of,
    entitlement_settings_save,
)

SECTION = "entitlement"


def _rows(category: ProductCategory, policy: CategoryPolicy | None) -> list[dict[str, Any]]:
    rows = []
    for s in services.effective_settings(category, policy):
        unit = services.UNIT_LABELS.get(s.unit, s.unit)
        rows.append(
            {
                "label": s.label_en if english() else s.label_zh,
                "legal": f"{s.legal_minimum} {unit}",
                "configured": "—" if s.configured is None else f"{s.configured} {unit}",
                "effective": f"{s.effective} {unit}",
                "extended": s.extended,
                "below": s.below_minimum,
            }
        )
    return rows


@settings_admin_required
def entitlement_settings(request: AuthedRequest) -> HttpResponse:
    organization = request.user.organization
    assert organization is not None  # settings_admin_required: an admin of an organization
    current = entitlement_settings_of(organization)
    form = HolidaySettingForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        entitlement_settings_save(
            organization=organization,
            by=request.user,
            no_reason_holiday_extends=form.cleaned_data["no_reason_holiday_extends"],
        )
        messages.success(request, _("已保存。"))
        return redirect("entitlement_settings:index")
    categories = list(
        ProductCategory.objects.filter(organization=organization)
        .select_related("entitlement_policy")
        .order_by("kind", "name")
    )
    listed = []
    for category in categories:
        policy = getattr(category, "entitlement_policy", None)
        listed.append({"category": category, "policy": policy})
    return render(
        request,
        "entitlement/settings/index.html",
        settings_context(SECTION)
        | {
            "form": form,
            "categories": listed,
            "default_extends": True,
        },
    )


@settings_admin_required
def category_terms(request: AuthedRequest, pk: int) -> HttpResponse:
    organization = request.user.organization
    category = get_object_or_404(ProductCategory, pk=pk, organization=organization)
    policy = CategoryPolicy.objects.filter(category=category).first() or CategoryPolicy(category=category)
    form = CategoryTermsForm(
        request.POST if request.method == "POST" else None, instance=policy, category=category
    )
    if request.method == "POST" and form.is_valid():
        try:
            category_terms_save(
                category=category,
                by=request.user,
                values=form.values(),
                extra_main_parts=list(form.cleaned_data["extra_main_parts"])
                if "extra_main_parts" in form.fields
                else None,
            )
        except InvalidInput as exc:
            for field, reason in exc.errors.items():
                form.add_error(field if field in form.fields else None, reason)
        else:
            messages.success(request, _("已保存“%(c)s”的三包规则。") % {"c": category.name})
            return redirect("entitlement_settings:category", pk=category.pk)
    saved = CategoryPolicy.objects.filter(category=category).first()
    return render(
        request,
        "entitlement/settings/category.html",
        settings_context(SECTION)
        | {
            "category": category,
            "form": form,
            "rows": _rows(category, saved),
            "is_car": category.kind == ProductCategory.Kind.CAR,
        },
        status=422 if form.errors else 200,
    )
