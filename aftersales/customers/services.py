"""Every write to customers, addresses and units."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.roles import Cap, can
from aftersales.catalog.models import ProductModel
from aftersales.core.crypto import normalize_phone, phone_hash
from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied
from aftersales.core.models import RevealLog
from aftersales.customers.models import Customer, CustomerAddress, Unit

if TYPE_CHECKING:
    from aftersales.accounts.models import Organization, User

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID_NUMBER = re.compile(r"^(\d{17}[\dXx]|\d{15}|[A-Za-z0-9]{6,20})$")


def clean_phone(raw: str) -> str:
    """The normalised phone, or an error naming the field."""
    phone = normalize_phone(raw or "")
    if not phone:
        raise InvalidInput({"phone": _("手机号不能为空。")})
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise InvalidInput({"phone": _("“%(value)s”不是有效的手机号或带区号的固定电话。") % {"value": raw}})
    return phone


def _check_customer_fields(fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out = dict(fields)
    # An API client clears an optional text field by sending null; the columns hold "" for that.
    for optional in ("email", "id_number", "notes"):
        if optional in out and out[optional] is None:
            out[optional] = ""
    if "name" in out:
        out["name"] = (out["name"] or "").strip()
        if not out["name"]:
            errors["name"] = _("姓名不能为空。")
        elif len(out["name"]) > 100:
            errors["name"] = _("姓名最多 100 个字符。")
    if "phone" in out:
        try:
            out["phone"] = clean_phone(out["phone"])
        except InvalidInput as exc:
            errors.update(exc.errors)
    if out.get("email"):
        out["email"] = out["email"].strip().lower()
        if not _EMAIL.match(out["email"]):
            errors["email"] = _("邮箱格式不正确。")
    if out.get("id_number"):
        out["id_number"] = out["id_number"].strip().upper()
        if not _ID_NUMBER.match(out["id_number"]):
            errors["id_number"] = _("证件号码格式不正确。")
    if "tier" in out and out["tier"] not in Customer.Tier.values:
        errors["tier"] = _("未知的客户等级。")
    if errors:
        raise InvalidInput(errors)
    return out


def _require(user: User, cap: Cap) -> None:
    if not can(user, cap):
        raise PermissionDenied(_("您的角色无权执行此操作。"))


def customer_create(
    *,
    organization: Organization,
    by: User | None,
    name: str,
    phone: str,
    email: str = "",
    id_number: str = "",
    tier: str = Customer.Tier.STANDARD,
    notes: str = "",
) -> Customer:
    if by is not None:
        _require(by, Cap.EDIT_CUSTOMERS)
    fields = _check_customer_fields(
        {"name": name, "phone": phone, "email": email, "id_number": id_number, "tier": tier}
    )
    with transaction.atomic():
        hashed = phone_hash(fields["phone"])
        if Customer.objects.filter(organization=organization, phone_hash=hashed).exists():
            raise Conflict(_("该手机号的客户已存在。"), {"phone": _("该手机号的客户已存在。")})
        return Customer.objects.create(organization=organization, phone_hash=hashed, notes=notes, **fields)


def customer_update(*, customer: Customer, by: User, **changes: Any) -> Customer:
    _require(by, Cap.EDIT_CUSTOMERS)
    allowed = {"name", "phone", "email", "id_number", "tier", "notes"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput({f: _("不能修改此字段。") for f in sorted(unknown)})
    fields = _check_customer_fields(changes)
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if "phone" in fields:
            hashed = phone_hash(fields["phone"])
            clash = Customer.objects.filter(organization_id=locked.organization_id, phone_hash=hashed)
            if clash.exclude(pk=locked.pk).exists():
                raise Conflict(_("该手机号的客户已存在。"), {"phone": _("该手机号的客户已存在。")})
            locked.phone_hash = hashed
        for key, value in fields.items():
            setattr(locked, key, value)
        locked.save()
    return locked


def customer_delete(*, customer: Customer, by: User) -> None:
    _require(by, Cap.DELETE_CUSTOMERS)
    with transaction.atomic():
        # Units are the organization's installed base; they stay, without an owner. Service
        # requests protect their customer: the history is kept for warranty and statistics.
        try:
            customer.delete()
        except ProtectedError as exc:
            raise Conflict(
                _("该客户有服务记录，不能删除：服务历史要为保修和统计保留。"),
                {"id": _("仍被服务单等记录引用")},
            ) from exc


def address_add(
    *,
    customer: Customer,
    province: str,
    city: str,
    district: str = "",
    detail: str,
    label: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    is_default: bool = False,
) -> CustomerAddress:
    errors: dict[str, str] = {}
    if not province.strip():
        errors["province"] = _("省份不能为空。")
    if not city.strip():
        errors["city"] = _("城市不能为空。")
    if not detail.strip():
        errors["detail"] = _("详细地址不能为空。")
    if latitude is not None and not -90 <= latitude <= 90:
        errors["latitude"] = _("纬度必须在 -90 到 90 之间。")
    if longitude is not None and not -180 <= longitude <= 180:
        errors["longitude"] = _("经度必须在 -180 到 180 之间。")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        first = not customer.addresses.exists()
        if is_default:
            customer.addresses.update(is_default=False)
        return CustomerAddress.objects.create(
            customer=customer,
            province=province.strip(),
            city=city.strip(),
            district=district.strip(),
            detail=detail.strip(),
            label=label.strip(),
            latitude=latitude,
            longitude=longitude,
            is_default=is_default or first,
        )


def _check_unit_fields(fields: dict[str, Any], *, today: date) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out = dict(fields)
    for optional in ("invoice_number", "store", "order_number"):
        if optional in out and out[optional] is None:
            out[optional] = ""
    if "serial_number" in out:
        out["serial_number"] = (out["serial_number"] or "").strip()
        if not out["serial_number"]:
            errors["serial_number"] = _("序列号不能为空。")
        elif len(out["serial_number"]) > 64:
            errors["serial_number"] = _("序列号最多 64 个字符。")
    purchase = out.get("purchase_date")
    delivery = out.get("delivery_date")
    if "purchase_date" in out:
        if purchase is None:
            errors["purchase_date"] = _("购买日期不能为空。")
        elif purchase > today:
            errors["purchase_date"] = _("购买日期不能晚于今天。")
    if delivery is not None:
        if delivery > today:
            errors["delivery_date"] = _("签收日期不能晚于今天。")
        elif purchase is not None and delivery < purchase:
            errors["delivery_date"] = _("签收日期不能早于购买日期。")
    if "invoice_amount" in out:
        amount = Decimal(str(out["invoice_amount"] or 0))
        if amount < 0:
            errors["invoice_amount"] = _("发票金额不能为负数。")
        out["invoice_amount"] = amount
    if "sales_channel" in out and out["sales_channel"] not in Unit.SalesChannel.values:
        errors["sales_channel"] = _("销售渠道只能是 online 或 offline。")
    if errors:
        raise InvalidInput(errors)
    return out


def unit_create(
    *,
    organization: Organization,
    by: User | None,
    product_model: ProductModel,
    serial_number: str,
    purchase_date: date,
    customer: Customer | None = None,
    delivery_date: date | None = None,
    invoice_number: str = "",
    invoice_amount: Decimal | int | str = 0,
    sales_channel: str = Unit.SalesChannel.OFFLINE,
    store: str = "",
    order_number: str = "",
) -> Unit:
    if by is not None:
        _require(by, Cap.EDIT_CUSTOMERS)
    if product_model.organization_id != organization.pk:
        raise InvalidInput({"product_model": _("型号不属于该组织。")})
    if customer is not None and customer.organization_id != organization.pk:
        raise InvalidInput({"customer": _("客户不属于该组织。")})
    fields = _check_unit_fields(
        {
            "serial_number": serial_number,
            "purchase_date": purchase_date,
            "delivery_date": delivery_date,
            "invoice_amount": invoice_amount,
            "sales_channel": sales_channel,
        },
        today=timezone.localdate(),
    )
    try:
        with transaction.atomic():
            return Unit.objects.create(
                organization=organization,
                product_model=product_model,
                customer=customer,
                invoice_number=invoice_number.strip(),
                store=store.strip(),
                order_number=order_number.strip(),
                **fields,
            )
    except IntegrityError as exc:
        raise Conflict(_("该型号下已有此序列号。"), {"serial_number": _("该型号下已有此序列号。")}) from exc


# The fields the unit form edits on a registered unit (its model stays); ``unit_update`` also takes ``customer``.
UNIT_EDITABLE = (
    "serial_number",
    "purchase_date",
    "delivery_date",
    "invoice_number",
    "invoice_amount",
    "sales_channel",
    "store",
    "order_number",
)


def unit_update(*, unit: Unit, by: User, **changes: Any) -> Unit:
    _require(by, Cap.EDIT_CUSTOMERS)
    unknown = set(changes) - {*UNIT_EDITABLE, "customer"}
    if unknown:
        raise InvalidInput({f: _("不能修改此字段。") for f in sorted(unknown)})
    merged = {"purchase_date": unit.purchase_date, "delivery_date": unit.delivery_date, **changes}
    fields = _check_unit_fields(merged, today=timezone.localdate())
    customer = fields.get("customer")
    if customer is not None and customer.organization_id != unit.organization_id:
        raise InvalidInput({"customer": _("客户不属于该组织。")})
    try:
        with transaction.atomic():
            locked = Unit.objects.select_for_update().get(pk=unit.pk)
            for key, value in fields.items():
                setattr(locked, key, value)
            locked.save()
    except IntegrityError as exc:
        raise Conflict(_("该型号下已有此序列号。"), {"serial_number": _("该型号下已有此序列号。")}) from exc
    return locked


REVEALABLE = {
    "phone": lambda c: c.phone,
    "id_number": lambda c: c.id_number,
}


def personal_data_reveal(
    *, user: User, customer: Customer, field: str, reason: str, ip_address: str | None = None
) -> str:
    """The clear value of one personal field, recording who asked, when and why."""
    _require(user, Cap.REVEAL_PERSONAL_DATA)
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("请说明查看原因。")
    address: CustomerAddress | None = None
    if field.startswith("address:"):
        try:
            address = customer.addresses.get(pk=int(field.split(":", 1)[1]))
        except (ValueError, CustomerAddress.DoesNotExist):
            errors["field"] = _("没有这个地址。")
    elif field not in REVEALABLE:
        errors["field"] = _("不能查看此字段。")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        RevealLog.objects.create(
            user=user,
            organization_id=customer.organization_id,
            object_type="customer",
            object_id=str(customer.pk),
            field=field,
            reason=reason[:200],
            ip_address=ip_address,
        )
    if address is not None:
        return address.full
    return str(REVEALABLE[field](customer))
