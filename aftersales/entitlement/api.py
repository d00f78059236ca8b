"""REST endpoints: entitlement checks, returns (RMA) and repair quotes. Schemas in and out; no logic.

No ``from __future__ import annotations`` here: ninja reads the parameter annotations at import.

Longer than ~400 lines, mostly declarative schemas: the three resources share one router, and a
return answers with the entitlement's own option schema (``OptionOut``), so they are kept together.
"""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from aftersales.accounts.http import AuthedRequest
from aftersales.core.errors import InvalidInput
from aftersales.entitlement import quotes as quote_services
from aftersales.entitlement import recorded, selectors
from aftersales.entitlement import rma as rma_services
from aftersales.entitlement.facts import lineage, sale_terms_of
from aftersales.entitlement.models import EntitlementDecision, Quote, ReturnAuthorization, UnitFacts
from aftersales.entitlement.present import option_json
from aftersales.service.selectors import request_for_user

router = Router(tags=["entitlements and returns"])

KindLit = Literal["return", "exchange", "repair", "inquiry"]
FaultLit = Literal[
    "none",
    "performance",
    "steering_failure",
    "brake_failure",
    "body_crack",
    "fuel_leak",
    "power_battery_fire",
    "core_assembly_replacement",
    "serious_safety",
]
RmaKindLit = Literal["return", "exchange", "refund"]
MethodLit = Literal["original_payment", "bank_transfer", "cash", "store_credit"]
ChannelLit = Literal["web", "app", "phone", "email", "chat", "social", "store", "api"]


# --- Entitlements ------------------------------------------------------------------------------


class CheckIn(Schema):
    serial: str = Field("", max_length=64, description="Serial number of the unit.")
    model: str = Field("", max_length=100, description="Model number, when two models share the serial.")
    request: str = Field(
        "", max_length=20, description="Or a service request number: its unit, kind and date."
    )
    kind: KindLit = "inquiry"
    fault: FaultLit = "performance"
    part: str = Field("", max_length=100, description="The faulty part, by spare-part number or name.")
    odometer_km: int | None = Field(None, description="Cars: the odometer reading.")
    on: date | None = Field(None, description="Decide as of this day (default today).")


class BasisOut(Schema):
    document: str = Field(description="The statute's official Chinese title, e.g. 《民法典》.")
    article: str | None = Field(
        description="The article as the statute numbers it (第二百零三条); null where the clause is cited."
    )
    clause: str
    clause_en: str = ""
    citation: str = Field(description="Title and article in Chinese.")
    citation_en: str = Field(
        "", description="The statute's English name, its Chinese title and the article as Art. N."
    )


class OptionOut(Schema):
    kind: str
    rule_id: str
    reason: str = Field(description="In the request's language (Accept-Language).")
    reason_zh: str
    reason_en: str
    basis: BasisOut
    supporting: list[dict[str, Any]] = []
    deadline: date | None = None
    amounts: dict[str, Any] = {}
    cost_borne_by: str | None = None
    return_shipping_paid_by: str | None = None
    refund_due_days: int | None = None
    refund_method: str | None = None
    requires_quote: bool = False


class RefusalOut(Schema):
    kind: str
    rule_id: str
    reason: str
    reason_zh: str
    reason_en: str
    basis: BasisOut


class UnitRef(Schema):
    serial: str
    model: str
    category: str
    organization: str
    returned: bool


class GiftOut(Schema):
    name: str
    stated_price: Decimal
    returned: bool


class SaleTermsOut(Schema):
    buyer_confirmed_no_return: bool
    confirmed_at: datetime | None
    confirmed_via: str
    confirmation_reference: str
    gifts: list[GiftOut]


class EntitlementOut(Schema):
    unit: UnitRef
    sale_terms: SaleTermsOut | None = Field(
        None, description="What was agreed at the sale (read-only): the buyer's confirmation and gifts."
    )
    request: str | None
    evaluated_on: date
    options: list[OptionOut]
    refusals: list[RefusalOut]
    facts_used: dict[str, Any]


def _sale_terms(units: list[Any]) -> dict[str, Any] | None:
    terms = sale_terms_of(units)
    if terms is None:
        return None
    return {
        "buyer_confirmed_no_return": terms.buyer_confirmed_no_return,
        "confirmed_at": terms.confirmed_at,
        "confirmed_via": terms.confirmed_via,
        "confirmation_reference": terms.confirmation_reference,
        "gifts": terms.gift_list,
    }


def _entitlement(check: selectors.Check) -> dict[str, Any]:
    unit = check.inputs.unit
    return {
        "sale_terms": _sale_terms([u for u, _ in lineage(unit)]),
        "unit": {
            "serial": unit.serial_number,
            "model": unit.product_model.model_number,
            "category": unit.product_model.category.code,
            "organization": unit.organization.slug,
            "returned": check.returned is not None,
        },
        "request": check.request.number if check.request else None,
        "evaluated_on": check.decision.evaluated_on,
        "options": [option_json(o) for o in check.data["options"]],
        "refusals": [option_json(r) for r in check.data["refusals"]],
        "facts_used": check.data["facts_used"],
    }


@router.get("/entitlements", response=EntitlementOut)
def entitlements(request: AuthedRequest, params: Query[CheckIn]) -> dict[str, Any]:
    """What the customer may ask for now, with reasons, legal basis and deadlines.

    Give ``serial`` (and ``kind``, ``fault``…) or ``request``. Impossible facts answer 422 naming the field.
    """
    if params.request:
        return _entitlement(
            selectors.check_request(user=request.user, number=params.request, odometer_km=params.odometer_km)
        )
    if not params.serial:
        raise InvalidInput({"serial": _("请提供序列号（serial）或服务单号（request）。")})
    unit = selectors.unit_by_serial(user=request.user, serial=params.serial, model=params.model)
    return _entitlement(
        selectors.check_unit(
            unit=unit,
            kind=params.kind,
            fault=params.fault,
            part=params.part,
            odometer_km=params.odometer_km,
            on=params.on,
        )
    )


# --- Facts the rules turn on ---------------------------------------------------------------------

VoucherLit = Literal["present", "missing", "altered", "mismatched"]
UsageLit = Literal["household", "commercial"]
FaultSystemLit = Literal[
    "",
    "engine",
    "transmission",
    "power_battery",
    "drive_motor",
    "steering",
    "brake",
    "suspension",
    "drivetrain",
    "emission_control",
    "body",
    "electrical",
    "other",
]


class UnitFactsOut(Schema):
    serial: str
    voucher: str = Field(
        description="present, missing (with no invoice: no 三包), altered or mismatched (no 三包)."
    )
    usage: str = Field(
        description="household, or commercial (a car used for hire is not a 家用汽车: no car 三包)."
    )
    note: str = ""
    updated_at: datetime | None = None


class UnitFactsIn(Schema):
    model: str = Field("", max_length=100, description="Model number, when two models share the serial.")
    voucher: VoucherLit | None = None
    usage: UsageLit | None = None
    note: str | None = Field(None, max_length=300)


def _unit_facts(unit: Any, facts: UnitFacts | None) -> dict[str, Any]:
    return {
        "serial": unit.serial_number,
        "voucher": facts.voucher if facts else "present",
        "usage": facts.usage if facts else "household",
        "note": facts.note if facts else "",
        "updated_at": facts.updated_at if facts else None,
    }


@router.get("/units/{serial}/entitlement-facts", response=UnitFactsOut)
def get_unit_facts(request: AuthedRequest, serial: str, model: str = "") -> dict[str, Any]:
    """The unit's voucher status and use, as the 三包 rules read them."""
    unit = selectors.unit_by_serial(user=request.user, serial=serial, model=model)
    return _unit_facts(unit, UnitFacts.objects.filter(unit=unit).first())


@router.patch("/units/{serial}/entitlement-facts", response=UnitFactsOut)
def patch_unit_facts(request: AuthedRequest, serial: str, payload: UnitFactsIn) -> dict[str, Any]:
    """Record the unit's voucher status and use; fields left out keep their value."""
    unit = selectors.unit_by_serial(user=request.user, serial=serial, model=payload.model)
    facts = recorded.unit_facts_save(
        unit=unit,
        by=request.user,
        voucher=payload.voucher,
        usage=payload.usage,
        note=payload.note,
    )
    return _unit_facts(unit, facts)


class RepairFactsOut(Schema):
    request: str
    serious_safety: bool
    fault_system: str
    authorized_repairer: bool
    repairer_name: str
    odometer_km: int | None


class RepairFactsIn(Schema):
    serious_safety: bool | None = Field(
        None, description="A repair of a 严重安全性能故障 (counted by 第二十四条)."
    )
    fault_system: FaultSystemLit | None = None
    authorized_repairer: bool | None = Field(
        None, description="False: repaired by someone without the 三包 duty; the repair does not count."
    )
    repairer_name: str | None = Field(None, max_length=100)
    odometer_km: int | None = Field(None, description="The car's reading at drop-off.")


def _repair_facts(sr: Any, record: Any) -> dict[str, Any]:
    return {
        "request": sr.number,
        "serious_safety": bool(record and record.serious_safety),
        "fault_system": record.fault_system if record else "",
        "authorized_repairer": record.authorized_repairer if record else True,
        "repairer_name": record.repairer_name if record else "",
        "odometer_km": record.odometer_km if record else None,
    }


@router.get("/requests/{number}/repair-record", response=RepairFactsOut)
def get_repair_facts(request: AuthedRequest, number: str) -> dict[str, Any]:
    """The 三包 facts of the request's latest repair record."""
    sr = request_for_user(user=request.user, number=number)
    return _repair_facts(sr, recorded.repair_record_of(sr))


@router.patch("/requests/{number}/repair-record", response=RepairFactsOut)
def patch_repair_facts(request: AuthedRequest, number: str, payload: RepairFactsIn) -> dict[str, Any]:
    """Record the repair's 三包 facts; fields left out keep their value."""
    sr = request_for_user(user=request.user, number=number)
    record = recorded.repair_facts_save(
        request=sr,
        by=request.user,
        serious_safety=payload.serious_safety,
        fault_system=payload.fault_system,
        authorized_repairer=payload.authorized_repairer,
        repairer_name=payload.repairer_name,
        odometer_km=payload.odometer_km,
    )
    return _repair_facts(sr, record)


# --- Returns -----------------------------------------------------------------------------------


class ReturnIn(Schema):
    serial: str = Field(min_length=1, max_length=64)
    model: str = Field("", max_length=100)
    kind: RmaKindLit = "return"
    fault: FaultLit = "performance"
    description: str = Field(min_length=1, max_length=5000)
    part: str = Field("", max_length=100)
    odometer_km: int | None = None
    channel: ChannelLit = "api"


class ReturnOut(Schema):
    number: str
    request: str = Field(alias="request.number")
    organization: str = Field(alias="organization.slug")
    status: str
    kind: str = Field(alias="request.kind")
    fault: str
    resolution: str
    option: str | None = None
    unit_serial: str = Field(alias="unit.serial_number")
    replacement_serial: str | None = None
    eligible: bool | None = None
    options: list[OptionOut] = []
    refusals: list[RefusalOut] = []
    rejection_reason: str
    return_carrier: str
    return_tracking: str
    return_shipped_on: date | None
    received_on: date | None
    inspected_at: datetime | None
    refund_amount: Decimal | None
    refund_method: str
    refund_due_on: date | None
    refund_reference: str
    refunded_on: date | None
    escalation_level: int
    exchange_carrier: str
    exchange_tracking: str
    exchanged_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_option(obj: ReturnAuthorization) -> str | None:
        return f"{obj.option_kind}:{obj.option_rule_id}" if obj.option_rule_id else None

    @staticmethod
    def resolve_replacement_serial(obj: ReturnAuthorization) -> str | None:
        return (
            obj.replacement_unit.serial_number if obj.replacement_unit_id and obj.replacement_unit else None
        )

    @staticmethod
    def _latest(obj: ReturnAuthorization) -> dict[str, Any]:
        stage = obj.eligibility.get("inspected") or obj.eligibility.get("requested") or {}
        return stage.get("decision") or {}

    @staticmethod
    def resolve_options(obj: ReturnAuthorization) -> list[dict[str, Any]]:
        return [option_json(o) for o in ReturnOut._latest(obj).get("options", [])]

    @staticmethod
    def resolve_refusals(obj: ReturnAuthorization) -> list[dict[str, Any]]:
        return [option_json(o) for o in ReturnOut._latest(obj).get("refusals", [])]

    @staticmethod
    def resolve_eligible(obj: ReturnAuthorization) -> bool | None:
        options = ReturnOut._latest(obj).get("options")
        if options is None:
            return None
        return any(o["kind"] in ("return", "exchange") for o in options)


class ReturnFilter(Schema):
    status: str = Field("", description="A status, or 'open'.")
    q: str = Field("", max_length=100, description="RMA or request number, serial, customer name")


class Versioned(Schema):
    version: int | None = Field(None, description="The version you read; a stale one answers 409.")


class ApproveIn(Versioned):
    option: str = Field(
        "", max_length=120, description="kind:rule_id of one of the options; default the one asked for."
    )
    reason: str = Field("", max_length=2000)
    goodwill: bool = Field(
        False, description="Approve although the engine offers no option (reason required)."
    )
    resolution: Literal["", "refund", "exchange"] = ""


class ReasonIn(Versioned):
    reason: str = Field(min_length=1, max_length=2000)


class ShipmentIn(Versioned):
    carrier: str = Field(min_length=1, max_length=60)
    tracking: str = Field(min_length=1, max_length=60)
    shipped_on: date | None = None


class ReceiveIn(Versioned):
    received_on: date | None = None


class InspectionIn(Versioned):
    findings: dict[str, bool] = Field(default_factory=dict, description="Condition flags that are true.")
    notes: str = Field("", max_length=5000)
    odometer_km: int | None = None
    photo_ids: list[int] = Field(
        default_factory=list, description="Image attachments already on the request."
    )


class RefundIn(Versioned):
    method: MethodLit = "original_payment"
    amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    reason: str = Field("", max_length=2000)
    goodwill: bool = False


class RefundPaidIn(Versioned):
    reference: str = Field("", max_length=80)
    refunded_on: date | None = None


class ExchangeIn(Versioned):
    new_serial: str = Field(min_length=1, max_length=64)
    carrier: str = Field("", max_length=60)
    tracking: str = Field("", max_length=60)
    shipped_on: date | None = None
    reason: str = Field("", max_length=2000)
    goodwill: bool = False


class DecisionOut(Schema):
    outcome: str
    option_kind: str
    rule_id: str
    goodwill: bool
    reason: str
    decided_by: str | None = None
    decided_at: datetime
    facts: dict[str, Any]
    decision: dict[str, Any]

    @staticmethod
    def resolve_decided_by(obj: EntitlementDecision) -> str | None:
        return obj.decided_by.username if obj.decided_by_id and obj.decided_by else None


def _rma(request: AuthedRequest, number: str) -> ReturnAuthorization:
    return selectors.rma_for_user(user=request.user, pk=number)


@router.get("/returns", response=list[ReturnOut])
@paginate(LimitOffsetPagination)
def list_returns(request: AuthedRequest, filters: Query[ReturnFilter]) -> Any:
    return selectors.rma_queue(user=request.user, status=filters.status, q=filters.q)


@router.post("/returns", response={201: ReturnOut})
def create_return(request: AuthedRequest, payload: ReturnIn) -> tuple[int, ReturnAuthorization]:
    unit = selectors.unit_by_serial(user=request.user, serial=payload.serial, model=payload.model)
    created = rma_services.rma_request(
        unit=unit,
        by=request.user,
        kind=payload.kind,
        fault=payload.fault,
        description=payload.description,
        part=payload.part,
        odometer_km=payload.odometer_km,
        channel=payload.channel,
    )
    return 201, _rma(request, created.number)


@router.get("/returns/{number}", response=ReturnOut)
def get_return(request: AuthedRequest, number: str) -> ReturnAuthorization:
    return _rma(request, number)


@router.get("/returns/{number}/decisions", response=list[DecisionOut])
def return_decisions(request: AuthedRequest, number: str) -> Any:
    return list(_rma(request, number).decisions.all())


# Each step after the request takes its payload's fields as the service's keywords (the payload
# says ``photo_ids`` where the service says ``attachment_ids``) and answers with the return as it
# now stands: one endpoint per row, named as the row says (the name is the operation id and URL name).
_STEP_KEYWORDS = {"photo_ids": "attachment_ids"}
_STEPS: tuple[tuple[str, str, type[Versioned], Callable[..., object]], ...] = (
    ("approve_return", "approve", ApproveIn, rma_services.rma_approve),
    ("reject_return", "reject", ReasonIn, rma_services.rma_reject),
    ("ship_return", "shipment", ShipmentIn, rma_services.rma_ship),
    ("receive_return", "receive", ReceiveIn, rma_services.rma_receive),
    ("inspect_return", "inspection", InspectionIn, rma_services.rma_inspect),
    ("refund_return", "refund", RefundIn, rma_services.rma_refund),
    ("refund_paid", "refund-paid", RefundPaidIn, rma_services.rma_refund_paid),
    ("exchange_return", "exchange", ExchangeIn, rma_services.rma_exchange),
    ("close_return", "close", Versioned, rma_services.rma_close),
)


def _step_endpoint(
    name: str, payload_schema: type[Versioned], service: Callable[..., object]
) -> Callable[..., ReturnAuthorization]:
    def endpoint(request: AuthedRequest, number: str, payload: Versioned) -> ReturnAuthorization:
        keywords = {_STEP_KEYWORDS.get(f, f): getattr(payload, f) for f in type(payload).model_fields}
        service(rma=_rma(request, number), by=request.user, **keywords)
        return _rma(request, number)

    # ninja reads the body's schema from the annotation, so it names the step's own schema.
    endpoint.__annotations__["payload"] = payload_schema
    endpoint.__name__ = endpoint.__qualname__ = name
    return endpoint


for _name, _path, _payload, _service in _STEPS:
    router.post(f"/returns/{{number}}/{_path}", response=ReturnOut)(_step_endpoint(_name, _payload, _service))


# --- Quotes ------------------------------------------------------------------------------------


class QuoteLineIn(Schema):
    kind: Literal["part", "labour", "travel"]
    part: str = Field("", max_length=64, description="Spare-part number from the catalog (kind part).")
    description: str = Field("", max_length=200)
    quantity: Decimal = Field(Decimal(1), gt=0, max_digits=8, decimal_places=2)
    unit_price: Decimal | None = Field(
        None, ge=0, max_digits=12, decimal_places=2, description="Default: the part's catalog price."
    )


class QuoteIn(Schema):
    request: str = Field(min_length=1, max_length=20)
    lines: list[QuoteLineIn] = Field(min_length=1, max_length=50)
    note: str = Field("", max_length=2000)
    send: bool = True
    odometer_km: int | None = Field(
        None,
        ge=0,
        le=10_000_000,
        description="Cars: the odometer reading, which decides whether the repair is still free.",
    )


class QuoteLineOut(Schema):
    kind: str
    part: str | None = None
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    covered: bool

    @staticmethod
    def resolve_part(obj: Any) -> str | None:
        return obj.spare_part.part_number if obj.spare_part_id else None


class QuoteOut(Schema):
    id: int
    request: str = Field(alias="request.number")
    status: str
    contract: str | None = None
    lines: list[QuoteLineOut]
    total: Decimal
    covered: Decimal
    payable: Decimal
    note: str
    decline_reason: str
    created_at: datetime
    sent_at: datetime | None
    decided_at: datetime | None

    @staticmethod
    def resolve_contract(obj: Quote) -> str | None:
        return obj.contract.number if obj.contract_id and obj.contract else None

    @staticmethod
    def resolve_lines(obj: Quote) -> list[Any]:
        return list(obj.lines.all())


def _quote(request: AuthedRequest, pk: int) -> Quote:
    return selectors.quote_for_user(user=request.user, pk=pk)


@router.post("/quotes", response={201: QuoteOut})
def create_quote(request: AuthedRequest, payload: QuoteIn) -> tuple[int, Quote]:
    sr = request_for_user(user=request.user, number=payload.request)
    lines = [
        quote_services.LineIn(
            kind=line.kind,
            part=line.part,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
        )
        for line in payload.lines
    ]
    quote = quote_services.quote_create(
        request=sr,
        by=request.user,
        lines=lines,
        note=payload.note,
        send=payload.send,
        odometer_km=payload.odometer_km,
    )
    return 201, _quote(request, quote.pk)


@router.get("/quotes/{pk}", response=QuoteOut)
def get_quote(request: AuthedRequest, pk: int) -> Quote:
    return _quote(request, pk)


@router.post("/quotes/{pk}/approve", response=QuoteOut)
def approve_quote(request: AuthedRequest, pk: int) -> Quote:
    quote_services.quote_approve(quote=_quote(request, pk), by=request.user)
    return _quote(request, pk)


@router.post("/quotes/{pk}/decline", response=QuoteOut)
def decline_quote(request: AuthedRequest, pk: int, payload: ReasonIn) -> Quote:
    quote_services.quote_decline(quote=_quote(request, pk), by=request.user, reason=payload.reason)
    return _quote(request, pk)
