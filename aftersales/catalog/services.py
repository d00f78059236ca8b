"""Writes to the product catalog."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aftersales.accounts.roles import Cap, can
from aftersales.catalog.models import ProductModel, SparePart
from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied

if TYPE_CHECKING:
    from aftersales.accounts.models import Organization, User


def _require_edit(user: User) -> None:
    if not can(user, Cap.EDIT_CATALOG):
        raise PermissionDenied(_("您的角色无权修改产品目录。"))


def _check_terms(fields: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    whole = fields.get("whole_unit_months")
    main = fields.get("main_parts_months")
    for name, value in (("whole_unit_months", whole), ("main_parts_months", main)):
        if value is not None and not 0 <= int(value) <= 240:
            errors[name] = _("保修月数必须在 0 到 240 之间。")
    if whole is not None and main is not None and int(main) < int(whole):
        errors["main_parts_months"] = _("主要部件保修期不能短于整机保修期。")
    price = fields.get("list_price", fields.get("price"))
    if price is not None and Decimal(price) < 0:
        errors["list_price" if "list_price" in fields else "price"] = _("价格不能为负数。")
    if errors:
        raise InvalidInput(errors)


def product_model_update(*, product_model: ProductModel, by: User, **changes: Any) -> ProductModel:
    _require_edit(by)
    allowed = {"brand", "name", "list_price", "whole_unit_months", "main_parts_months", "is_active"}
    if set(changes) - allowed:
        raise InvalidInput({f: _("不能修改此字段。") for f in set(changes) - allowed})
    merged = {
        "whole_unit_months": product_model.whole_unit_months,
        "main_parts_months": product_model.main_parts_months,
        **changes,
    }
    _check_terms(merged)
    with transaction.atomic():
        locked = ProductModel.objects.select_for_update().get(pk=product_model.pk)
        for key, value in changes.items():
            setattr(locked, key, value)
        locked.save()
    return locked


def spare_part_save(
    *,
    organization: Organization,
    by: User,
    part: SparePart | None = None,
    part_number: str,
    name: str,
    price: Decimal,
    is_main_part: bool = False,
    fits: list[ProductModel] | None = None,
) -> SparePart:
    _require_edit(by)
    errors = {}
    if not part_number.strip():
        errors["part_number"] = _("备件编号不能为空。")
    if not name.strip():
        errors["name"] = _("名称不能为空。")
    if errors:
        raise InvalidInput(errors)
    _check_terms({"price": price})
    if fits and any(m.organization_id != organization.pk for m in fits):
        raise InvalidInput({"fits": _("适用型号必须属于同一组织。")})
    try:
        with transaction.atomic():
            target = part or SparePart(organization=organization)
            target.part_number = part_number.strip()
            target.name = name.strip()
            target.price = price
            target.is_main_part = is_main_part
            target.save()
            if fits is not None:
                target.fits.set(fits)
    except IntegrityError as exc:
        raise Conflict(_("备件编号已存在。"), {"part_number": _("备件编号已存在。")}) from exc
    return target
