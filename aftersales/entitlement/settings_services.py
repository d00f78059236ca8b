"""Writes for the entitlement section of the settings area: a category's terms, the organization's readings.

Each save re-checks the law's floors and ceilings (whatever the form did), runs in one transaction
and writes one line of the settings log with the fields before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.roles import Cap, can
from aftersales.accounts.settings_log import settings_change_log
from aftersales.core.errors import InvalidInput, PermissionDenied
from aftersales.entitlement.models import CategoryPolicy, EntitlementSettings
from aftersales.entitlement.policy.rules import USE_COMPENSATION_MAX, USE_COMPENSATION_MIN
from aftersales.entitlement.services import policy_errors

if TYPE_CHECKING:
    from aftersales.accounts.models import Organization, User
    from aftersales.catalog.models import ProductCategory

AREA = "entitlement"
TERM_FIELDS = (
    "depreciation_rate_per_day",
    "no_reason_exclusion",
    "use_compensation_rate",
    "return_days",
    "exchange_days",
    "no_reason_days",
    "whole_unit_months",
    "main_parts_months",
    "car_warranty_months",
    "car_warranty_km",
    "car_sanbao_months",
    "car_sanbao_km",
    "seller_pays_return_shipping",
)


def use_compensation_error(value: Decimal | None) -> str | None:
    """Why n is refused: the 2021 text caps it at 0.5% (the 2013 range of 0.5%–0.8% is repealed)."""
    if value is None:
        return None
    if not value.is_finite() or not USE_COMPENSATION_MIN <= value <= USE_COMPENSATION_MAX:
        return _(
            "使用补偿系数 n 须在 0 到 0.005（0.5%%）之间：《家用汽车产品修理更换退货责任规定》（2021年，"
            "市场监管总局令第43号）规定 n 由生产者确定并在三包凭证上明示，不得高于0.5%%；"
            "2013年旧规的0.5%%～0.8%%已废止。填写了 %(v)s。"
        ) % {"v": value}
    return None


def _require(by: User | None, organization_id: int) -> None:
    if by is None or not can(by, Cap.MANAGE_SETTINGS) or by.organization_id != organization_id:
        raise PermissionDenied(_("您的角色无权执行此操作。"))


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def category_terms_save(
    *,
    category: ProductCategory,
    by: User | None,
    values: Mapping[str, Any],
    extra_main_parts: list[Any] | None = None,
) -> CategoryPolicy:
    """Save one category's terms; values below the legal floor or above a legal ceiling are refused."""
    _require(by, category.organization_id)
    unknown = set(values) - set(TERM_FIELDS)
    if unknown:
        raise InvalidInput({name: _("未知的字段。") for name in sorted(unknown)})
    with transaction.atomic():
        policy = CategoryPolicy.objects.select_for_update().filter(category=category).first()
        created = policy is None
        if policy is None:
            policy = CategoryPolicy(category=category)
        before = {name: _plain(getattr(policy, name)) for name in TERM_FIELDS}
        before_parts = sorted(p.name for p in policy.extra_main_parts.all()) if policy.pk else []
        for name, value in values.items():
            setattr(policy, name, value)
        errors = dict(policy_errors(policy))
        reason = use_compensation_error(policy.use_compensation_rate)
        if reason:
            errors["use_compensation_rate"] = reason
        if errors:
            raise InvalidInput(errors)
        policy.save()
        if extra_main_parts is not None:
            policy.extra_main_parts.set(extra_main_parts)
        after = {name: _plain(getattr(policy, name)) for name in TERM_FIELDS}
        changes: dict[str, list[Any]] = {
            n: [before[n], after[n]] for n in TERM_FIELDS if before[n] != after[n]
        }
        parts = sorted(p.name for p in policy.extra_main_parts.all())
        if parts != before_parts:
            changes["extra_main_parts"] = [before_parts, parts]
        if changes or created:
            settings_change_log(
                organization=category.organization,
                actor=by,
                area=AREA,
                action="created" if created else "changed",
                target=_("品类三包规则：%(c)s") % {"c": category.name},
                detail=changes,
            )
    return policy


def entitlement_settings_of(organization: Organization) -> EntitlementSettings:
    found = EntitlementSettings.objects.filter(organization=organization).first()
    return found if found is not None else EntitlementSettings(organization=organization)


def entitlement_settings_save(
    *, organization: Organization, by: User | None, no_reason_holiday_extends: bool
) -> EntitlementSettings:
    """The organization's reading of 《民法典》第二百零三条 for the seven-day no-reason return."""
    _require(by, organization.pk)
    with transaction.atomic():
        row, created = EntitlementSettings.objects.select_for_update().get_or_create(
            organization=organization
        )
        before = True if created else row.no_reason_holiday_extends
        if before != no_reason_holiday_extends or created:
            row.no_reason_holiday_extends = no_reason_holiday_extends
            row.save()
            settings_change_log(
                organization=organization,
                actor=by,
                area=AREA,
                action="created" if created else "changed",
                target=_("七日无理由退货期节假日顺延"),
                detail={"no_reason_holiday_extends": [before, no_reason_holiday_extends]},
            )
    return row
