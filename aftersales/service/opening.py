"""Opening a service request: the one intake behind the API, the agent console and the portal.

Each of them asks the same questions before a request exists: who the customer is (one picked by
id, a contact found or created by phone or email, or the signed-in customer themselves), which of
their units, which address a visit goes to, which open request it continues. ``request_open``
answers them once, with the same checks and the same messages, then creates the request and
attaches the files the form kept (``service.pending``).

Field errors name ``request_open``'s own arguments (the API's field names: ``customer_id``,
``unit_id``, ``unit_serial``, ``address_id``, ``link_to``); a form with other names renames them
with ``core.errors.renamed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.models import Role
from aftersales.accounts.roles import Cap, can
from aftersales.core.errors import InvalidInput, PermissionDenied
from aftersales.customers.models import Customer, CustomerAddress, Unit
from aftersales.customers.selectors import customers_for_user, units_for_user
from aftersales.service import attachments as attach
from aftersales.service import intake, pending, selectors, services
from aftersales.service.models import Channel, Fulfilment, PendingUpload, Priority, ServiceRequest

if TYPE_CHECKING:
    from aftersales.accounts.models import Organization, User

# The channels a customer's own request can come from; anything else they send (the API's
# default ``api``) is taken as the app.
CUSTOMER_CHANNELS = frozenset({Channel.WEB, Channel.APP})


@dataclass(frozen=True)
class Contact:
    """A caller not picked from the customer list: found by phone or email, else created."""

    name: str
    phone: str = ""
    email: str = ""


@dataclass
class _Party:
    """Whose request it is, as resolved; ``address`` is final when ``address_read``."""

    organization: Organization
    customer: Customer
    unit: Unit | None = None
    address: CustomerAddress | None = None
    address_read: bool = False
    reserved_id: int | None = None  # the new request's id, when the intake read took it (PostgreSQL)


def request_open(
    *,
    by: User,
    kind: str,
    description: str,
    channel: str,
    subject: str = "",
    priority: str = Priority.NORMAL,
    fault_category: str = "",
    fulfilment: str = Fulfilment.ONSITE,
    customer_id: int | None = None,
    contact: Contact | None = None,
    unit_id: int | None = None,
    unit_serial: str | None = None,
    address_id: int | None = None,
    link_to: str | None = None,
    preferred_start: datetime | None = None,
    preferred_end: datetime | None = None,
    allow_duplicate: bool = False,
    uploads: Sequence[PendingUpload] = (),
) -> ServiceRequest:
    """Open a request for ``by``: a customer for themselves, staff for a customer of their
    organization (``customer_id``, else ``contact``). The unit is ``unit_id`` or else the one
    with ``unit_serial`` (in any case); an onsite visit goes to ``address_id`` or the customer's
    default address. ``uploads``: files kept for this form, attached and released with it.

    Raises InvalidInput naming the argument at fault, PermissionDenied for a role that may not
    open requests, and ``services.request_create``'s errors (a Conflict naming the unit's open
    requests unless ``allow_duplicate`` or ``link_to``). Nothing is written when it raises.
    """
    serial = (unit_serial or "").strip()
    if by.role != Role.CUSTOMER and (not can(by, Cap.EDIT_CUSTOMERS) or by.organization is None):
        raise PermissionDenied(_("您的角色不能新建服务单。"))
    if any(item.owner_id != by.pk for item in uploads):
        raise PermissionDenied(_("只能附上您自己上传的文件。"))
    new_customer = by.role != Role.CUSTOMER and customer_id is None and contact is not None
    with _one_transaction(new_customer or bool(uploads)):
        if by.role == Role.CUSTOMER:
            party = _customer_party(
                by=by, customer_id=customer_id, contact=contact, unit_id=unit_id, serial=serial
            )
            channel = channel if channel in CUSTOMER_CHANNELS else Channel.APP
        else:
            assert by.organization is not None  # checked above
            party = _staff_party(
                by=by,
                organization=by.organization,
                customer_id=customer_id,
                contact=contact,
                unit_id=unit_id,
                serial=serial,
                with_address=address_id is None and fulfilment == Fulfilment.ONSITE,
            )
        address = party.address
        if address_id is not None:
            address = party.customer.addresses.filter(pk=address_id).first()
            if address is None:
                raise InvalidInput({"address_id": _("地址不属于此客户。")})
        elif fulfilment == Fulfilment.ONSITE and not party.address_read:
            address = party.customer.addresses.order_by("-is_default", "id").first()
        linked = None
        if link_to:
            linked = selectors.requests_for_user(by).filter(number=link_to).first()
            if linked is None:
                raise InvalidInput({"link_to": _("关联的服务单不存在。")})
        created = services.request_create(
            organization=party.organization,
            customer=party.customer,
            by=by,
            kind=kind,
            channel=channel,
            description=description,
            subject=subject,
            unit=party.unit,
            priority=priority,
            fault_category=fault_category,
            fulfilment=fulfilment,
            address=address,
            preferred_start=preferred_start,
            preferred_end=preferred_end,
            link_to=linked,
            allow_duplicate=allow_duplicate,
            reserved_id=party.reserved_id,
        )
        for item in uploads:
            for name, data in pending.pending_read([item]):
                attach.attachment_add(request=created, by=by, name=name, data=data, field=item.field)
        pending.pending_release(uploads)
    return created


def _one_transaction(needed: bool) -> AbstractContextManager[Any]:
    """The transaction around the whole open, when it writes more than the request.

    ``request_create`` is atomic by itself (one statement on PostgreSQL, its own transaction
    elsewhere). A new customer or the form's files must land with the request or not at all, so
    then everything runs in one transaction; without them none is opened around the reads, which
    would cost an API create BEGIN and COMMIT on PostgreSQL and hold SQLite's write lock (taken
    at BEGIN, IMMEDIATE mode) while it reads.
    """
    return transaction.atomic() if needed else nullcontext()


def _customer_party(
    *, by: User, customer_id: int | None, contact: Contact | None, unit_id: int | None, serial: str
) -> _Party:
    """A customer opens requests for themselves: for one of their units, else as their first customer record."""
    if customer_id is not None or contact is not None:
        raise InvalidInput({"customer_id": _("客户只能为自己提交服务单。")})
    mine = units_for_user(by).select_related("customer__organization", "product_model")
    unit = None
    if unit_id is not None:
        unit = mine.filter(pk=unit_id).first()
        if unit is None:
            raise InvalidInput({"unit_id": _("请选择您名下的产品。")})
    elif serial:
        unit = mine.filter(serial_number__iexact=serial).first()
        if unit is None:
            raise InvalidInput(
                {
                    "unit_serial": _("序列号“%(serial)s”没有登记在您名下，请核对或联系客服。")
                    % {"serial": serial}
                }
            )
    if unit is not None and unit.customer is not None:
        customer: Customer | None = unit.customer
    else:
        customer = customers_for_user(by).select_related("organization").order_by("id").first()
    if customer is None:
        raise InvalidInput({"unit_serial": _("请先选择产品或输入序列号。")})
    return _Party(customer.organization, customer, unit)


def _staff_party(
    *,
    by: User,
    organization: Organization,
    customer_id: int | None,
    contact: Contact | None,
    unit_id: int | None,
    serial: str,
    with_address: bool,
) -> _Party:
    """Staff open requests for a customer of their organization, picked by id or found by contact."""
    if customer_id is not None and serial and unit_id is None:
        # The common case of an integration (a customer and their unit) in one query: the unit
        # with its customer, product model (the SLA policy's category), open-request flag (the
        # duplicate check), the customer's default address and the new request's id.
        found = selectors.intake_unit(
            organization_id=organization.pk, serial=serial, customer_id=customer_id, with_address=with_address
        )
        if found is not None:
            return _Party(
                organization, found.customer, found.unit, found.address, with_address, found.next_id
            )
    if customer_id is not None:
        picked = selectors.intake_customer(
            organization_id=organization.pk, customer_id=customer_id, with_address=with_address
        )
        if picked is None:
            raise InvalidInput({"customer_id": _("没有这个客户。")})
        party = _Party(organization, picked.customer, None, picked.address, with_address, picked.next_id)
    elif contact is not None:
        customer = intake.customer_for_contact(
            organization=organization, name=contact.name, phone=contact.phone, email_address=contact.email
        )
        party = _Party(organization, customer)
    else:
        raise InvalidInput({"customer_id": _("请选择已有客户，或填写联系人的手机号或邮箱。")})
    theirs = units_for_user(by).filter(customer=party.customer).select_related("product_model")
    if unit_id is not None:
        party.unit = theirs.filter(pk=unit_id).first()
        if party.unit is None:
            raise InvalidInput({"unit_id": _("该机器不属于此客户。")})
    elif serial:
        party.unit = theirs.filter(serial_number__iexact=serial).first()
        if party.unit is None:
            raise InvalidInput(
                {"unit_serial": _("此客户名下没有序列号为“%(serial)s”的机器。") % {"serial": serial}}
            )
    return party
