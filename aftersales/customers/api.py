"""REST endpoints for customers and units. Schemas in, schemas out; logic lives in services."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.roles import Cap, can
from aftersales.catalog.selectors import product_models_for_user
from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied
from aftersales.core.patching import patch_changes
from aftersales.customers import selectors, services
from aftersales.customers.models import Customer, Unit

router = Router(tags=["customers and units"])


class AddressOut(Schema):
    id: int
    label: str
    province: str
    city: str
    district: str
    masked: str
    is_default: bool


class CustomerOut(Schema):
    id: int
    organization: str = Field(alias="organization.slug")
    name: str
    phone: str = Field(
        alias="masked_phone", description="Masked; use the reveal endpoint for the full value."
    )
    email: str
    tier: str
    created_at: datetime


class CustomerDetailOut(CustomerOut):
    addresses: list[AddressOut]


class CustomerIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=1, max_length=30)
    email: str = Field("", max_length=254)
    id_number: str = Field("", max_length=30)
    tier: Literal["standard", "silver", "gold", "vip"] = "standard"
    notes: str = ""


class CustomerPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    phone: str | None = Field(None, min_length=1, max_length=30)
    email: str | None = Field(None, max_length=254)
    tier: Literal["standard", "silver", "gold", "vip"] | None = None
    notes: str | None = None


class CustomerFilter(Schema):
    q: str = Field("", description="Name, exact phone, email, serial or invoice number")
    tier: Literal["", "standard", "silver", "gold", "vip"] = ""


class RevealIn(Schema):
    field: str = Field(description="phone, id_number or address:<id>")
    reason: str = Field(min_length=1, max_length=200)


class RevealOut(Schema):
    field: str
    value: str


def _staff(request: AuthedRequest, cap: Cap) -> None:
    if not can(request.user, cap):
        raise PermissionDenied(_("您的角色不能执行此操作。"))


@router.get("/customers", response=list[CustomerOut])
@paginate(LimitOffsetPagination)
def list_customers(request: AuthedRequest, filters: Query[CustomerFilter]) -> object:
    return selectors.customer_search(user=request.user, q=filters.q, tier=filters.tier)


@router.post("/customers", response={201: CustomerDetailOut})
def create_customer(request: AuthedRequest, payload: CustomerIn) -> tuple[int, Customer]:
    _staff(request, Cap.EDIT_CUSTOMERS)
    org = request.user.organization
    if org is None:
        raise InvalidInput({"organization": _("只有组织员工可以新建客户。")})
    customer = services.customer_create(organization=org, by=request.user, **payload.dict())
    return 201, selectors.customer_for_user(user=request.user, pk=customer.pk)


@router.get("/customers/{int:customer_id}", response=CustomerDetailOut)
def get_customer(request: AuthedRequest, customer_id: int) -> Customer:
    return selectors.customer_for_user(user=request.user, pk=customer_id)


@router.patch("/customers/{int:customer_id}", response=CustomerDetailOut)
def update_customer(request: AuthedRequest, customer_id: int, payload: CustomerPatch) -> Customer:
    customer = selectors.customer_for_user(user=request.user, pk=customer_id)
    changes = patch_changes(payload, Customer)
    services.customer_update(customer=customer, by=request.user, **changes)
    return selectors.customer_for_user(user=request.user, pk=customer_id)


@router.delete("/customers/{int:customer_id}", response={204: None})
def delete_customer(request: AuthedRequest, customer_id: int) -> tuple[int, None]:
    customer = selectors.customer_for_user(user=request.user, pk=customer_id)
    services.customer_delete(customer=customer, by=request.user)
    return 204, None


@router.post("/customers/{int:customer_id}/reveal", response=RevealOut)
def reveal_customer_field(request: AuthedRequest, customer_id: int, payload: RevealIn) -> dict[str, str]:
    customer = selectors.customer_for_user(user=request.user, pk=customer_id)
    value = services.personal_data_reveal(
        user=request.user,
        customer=customer,
        field=payload.field,
        reason=payload.reason,
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return {"field": payload.field, "value": value}


class UnitOut(Schema):
    id: int
    organization: str = Field(alias="organization.slug")
    serial_number: str
    product_model_id: int
    model_number: str = Field(alias="product_model.model_number")
    customer_id: int | None
    purchase_date: date
    delivery_date: date | None
    invoice_number: str
    invoice_amount: Decimal
    sales_channel: str
    store: str
    order_number: str


class UnitIn(Schema):
    product_model_id: int
    serial_number: str = Field(min_length=1, max_length=64)
    customer_id: int | None = None
    purchase_date: date
    delivery_date: date | None = None
    invoice_number: str = Field("", max_length=64)
    invoice_amount: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    sales_channel: Literal["online", "offline"] = "offline"
    store: str = Field("", max_length=200)
    order_number: str = Field("", max_length=64)


class UnitPatch(Schema):
    customer_id: int | None = None
    purchase_date: date | None = None
    delivery_date: date | None = None
    invoice_number: str | None = Field(None, max_length=64)
    invoice_amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    sales_channel: Literal["online", "offline"] | None = None
    store: str | None = Field(None, max_length=200)
    order_number: str | None = Field(None, max_length=64)


class UnitFilter(Schema):
    q: str = ""
    serial: str = ""
    channel: Literal["", "online", "offline"] = ""
    product_model_id: int | None = None
    customer_id: int | None = None


def _unit_by_serial(request: AuthedRequest, serial: str, model: str | None) -> Unit:
    qs = selectors.unit_search(user=request.user, serial=serial)
    if model:
        qs = qs.filter(product_model__model_number=model)
    units = list(qs[:10])
    if not units:
        return selectors.unit_for_user(user=request.user, pk=0)  # raises the uniform 404
    if len(units) > 1:
        models = sorted({u.product_model.model_number for u in units})
        raise Conflict(
            _("多个型号使用这个序列号，请加上 ?model=… 选择其中一个。"),
            {"model": _("可选：%(models)s") % {"models": ", ".join(models)}},
        )
    return units[0]


@router.get("/units", response=list[UnitOut])
@paginate(LimitOffsetPagination)
def list_units(request: AuthedRequest, filters: Query[UnitFilter]) -> object:
    qs = selectors.unit_search(
        user=request.user,
        q=filters.q,
        serial=filters.serial,
        channel=filters.channel,
        model_id=filters.product_model_id,
    )
    if filters.customer_id is not None:
        qs = qs.filter(customer_id=filters.customer_id)
    return qs


@router.get("/units/{serial}", response=UnitOut)
def get_unit(request: AuthedRequest, serial: str, model: str | None = None) -> Unit:
    return _unit_by_serial(request, serial, model)


@router.post("/units", response={201: UnitOut})
def create_unit(request: AuthedRequest, payload: UnitIn) -> tuple[int, Unit]:
    _staff(request, Cap.EDIT_CUSTOMERS)
    org = request.user.organization
    if org is None:
        raise InvalidInput({"organization": _("只有组织员工可以登记机器。")})
    data = payload.dict()
    try:
        product_model = product_models_for_user(request.user).get(pk=data.pop("product_model_id"))
    except Exception:
        raise InvalidInput({"product_model_id": _("本组织没有这个产品型号。")}) from None
    customer = None
    customer_id = data.pop("customer_id")
    if customer_id is not None:
        customer = selectors.customers_for_user(request.user).filter(pk=customer_id).first()
        if customer is None:
            raise InvalidInput({"customer_id": _("没有这个客户。")})
    unit = services.unit_create(
        organization=org,
        by=request.user,
        product_model=product_model,
        customer=customer,
        **data,
    )
    return 201, selectors.unit_for_user(user=request.user, pk=unit.pk)


@router.patch("/units/{serial}", response=UnitOut)
def update_unit(request: AuthedRequest, serial: str, payload: UnitPatch, model: str | None = None) -> Unit:
    unit = _unit_by_serial(request, serial, model)
    changes = patch_changes(payload, Unit, nullable=frozenset({"customer_id"}))
    if "customer_id" in changes:
        customer_id = changes.pop("customer_id")
        customer = None
        if customer_id is not None:
            customer = selectors.customers_for_user(request.user).filter(pk=customer_id).first()
            if customer is None:
                raise InvalidInput({"customer_id": _("没有这个客户。")})
        changes["customer"] = customer
    services.unit_update(unit=unit, by=request.user, **changes)
    return selectors.unit_for_user(user=request.user, pk=unit.pk)
