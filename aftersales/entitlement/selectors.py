"""Reads for entitlement pages and the API, narrowed to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from aftersales.accounts.access import get_or_404, scope
from aftersales.core.errors import InvalidInput
from aftersales.customers.models import Unit
from aftersales.customers.selectors import units_for_user
from aftersales.entitlement import facts as build
from aftersales.entitlement import snapshot
from aftersales.entitlement.models import (
    ConditionReport,
    EntitlementDecision,
    ExtendedWarrantyContract,
    Quote,
    ReturnAuthorization,
    UnitDisposition,
    WarrantyClaim,
)
from aftersales.entitlement.policy import Decision, FaultType, RequestKind
from aftersales.entitlement.services import evaluate_inputs
from aftersales.service.models import ServiceRequest
from aftersales.service.selectors import request_for_user

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from aftersales.accounts.models import User

    AnyUser = User | AnonymousUser

UNIT_RELATED = ("product_model", "product_model__category", "customer", "organization")


def unit_by_serial(*, user: AnyUser, serial: str, model: str = "") -> Unit:
    """The visible unit with this serial; a model number settles a serial two models share."""
    serial = (serial or "").strip()
    if not serial:
        raise InvalidInput({"serial": _("请输入序列号。")})
    qs = units_for_user(user).select_related(*UNIT_RELATED).filter(serial_number=serial)
    if model:
        qs = qs.filter(product_model__model_number=model)
    units = list(qs[:2])
    if not units:
        raise Http404("unit")
    if len(units) > 1:
        raise InvalidInput({"model": _("有多个型号使用此序列号，请同时给出型号。")})
    return units[0]


def unit_for_user(*, user: AnyUser, pk: int) -> Unit:
    return get_or_404(units_for_user(user).select_related(*UNIT_RELATED), pk=pk)


@dataclass(frozen=True)
class Check:
    """One entitlement check: the inputs, the engine's answer and its JSON form."""

    inputs: build.Inputs
    decision: Decision
    data: dict[str, Any]
    returned: UnitDisposition | None
    request: ServiceRequest | None = None


def _disposition(unit: Unit) -> UnitDisposition | None:
    return UnitDisposition.objects.filter(unit=unit).select_related("rma").first()


def check_unit(
    *,
    unit: Unit,
    kind: str = RequestKind.INQUIRY,
    fault: str = FaultType.PERFORMANCE,
    part: str = "",
    odometer_km: int | None = None,
    on: date | None = None,
) -> Check:
    errors: dict[str, str] = {}
    today = build.today_for(unit.organization)
    if on is not None and on > today:
        errors["on"] = _("不能查询未来的日期（今天是 %(d)s）。") % {"d": today}
    if kind not in RequestKind._value2member_map_:
        errors["kind"] = _("未知的申请类型。")
    if fault not in FaultType._value2member_map_:
        errors["fault"] = _("未知的问题类型。")
    if errors:
        raise InvalidInput(errors)
    inputs = build.inputs_for_unit(
        unit, on=on or today, kind=kind, fault=fault, part=part or None, odometer_km=odometer_km
    )
    decision = evaluate_inputs(inputs)
    return Check(inputs, decision, snapshot.decision_json(decision), _disposition(unit))


def check_request(*, user: AnyUser, number: str, odometer_km: int | None = None) -> Check:
    sr = request_for_user(user=user, number=number)
    if sr.unit is None:
        raise InvalidInput({"request": _("这张服务单没有关联机器。")})
    inputs = build.inputs_for_request(sr, odometer_km=odometer_km)
    decision = evaluate_inputs(inputs)
    return Check(inputs, decision, snapshot.decision_json(decision), _disposition(sr.unit), sr)


# --- Returns -------------------------------------------------------------------------------------


def rmas_for_user(user: AnyUser) -> QuerySet[ReturnAuthorization]:
    return scope(ReturnAuthorization.objects.all(), user, customer_field="request__customer__user")


RMA_RELATED = (
    "organization",
    "request",
    "request__customer",
    "unit",
    "unit__product_model",
    "unit__product_model__category",
    "replacement_unit",
    "received_by",
)


def rma_queue(*, user: AnyUser, status: str = "", q: str = "") -> QuerySet[ReturnAuthorization]:
    qs = rmas_for_user(user).select_related(*RMA_RELATED)
    if status == "open":
        qs = qs.exclude(status__in=[ReturnAuthorization.Status.CLOSED, ReturnAuthorization.Status.REJECTED])
    elif status:
        qs = qs.filter(status=status)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(number__iexact=q)
            | Q(request__number__iexact=q)
            | Q(unit__serial_number__iexact=q)
            | Q(replacement_unit__serial_number__iexact=q)
            | Q(request__customer__name__icontains=q)
        )
    return qs.order_by("-created_at", "-id")


def rma_for_user(*, user: AnyUser, pk: int | str) -> ReturnAuthorization:
    qs = (
        rmas_for_user(user)
        .select_related(*RMA_RELATED)
        .prefetch_related(
            Prefetch(
                "inspections",
                queryset=ConditionReport.objects.prefetch_related("photos").select_related("inspected_by"),
            ),
            Prefetch("decisions", queryset=EntitlementDecision.objects.select_related("decided_by")),
        )
    )
    if isinstance(pk, str) and not pk.isdigit():
        return get_or_404(qs, number=pk)
    return get_or_404(qs, pk=pk)


# --- Units: contracts, claims, what happened to them ------------------------------------------------


def contracts_for_unit(unit: Unit) -> list[ExtendedWarrantyContract]:
    units = [u for u, _ in build.lineage(unit)]
    return list(
        ExtendedWarrantyContract.objects.filter(unit__in=units)
        .prefetch_related(Prefetch("claims", queryset=WarrantyClaim.objects.order_by("claimed_on", "id")))
        .order_by("-starts", "-id")
    )


@dataclass(frozen=True)
class UnitStory:
    """What the entitlement section of a unit page shows."""

    unit: Unit
    today: date
    contracts: list[ExtendedWarrantyContract]
    returned: UnitDisposition | None
    replaced: ReturnAuthorization | None  # the RMA that shipped this unit as a replacement
    rmas: list[ReturnAuthorization]
    period: dict[str, Any]


def unit_story(unit: Unit) -> UnitStory:
    today = build.today_for(unit.organization)
    replaced = ReturnAuthorization.objects.filter(replacement_unit=unit).select_related("unit").first()
    period: dict[str, Any] = {}
    try:
        decision = build.inputs_for_unit(unit, on=today, kind=RequestKind.INQUIRY).evaluate()
        period = dict(decision.facts_used)
    except Exception:  # noqa: BLE001, S110 - a unit page must show even when its facts are impossible
        period = {}
    rmas = list(
        ReturnAuthorization.objects.filter(Q(unit=unit) | Q(replacement_unit=unit)).order_by("-created_at")
    )
    return UnitStory(unit, today, contracts_for_unit(unit), _disposition(unit), replaced, rmas, period)


# --- Quotes ------------------------------------------------------------------------------------


def quotes_for_user(user: AnyUser) -> QuerySet[Quote]:
    return scope(Quote.objects.all(), user, customer_field="request__customer__user")


def quote_for_user(*, user: AnyUser, pk: int) -> Quote:
    qs = quotes_for_user(user).select_related(
        "request",
        "request__customer",
        "request__unit",
        "request__unit__product_model",
        "contract",
        "organization",
    )
    return get_or_404(qs.prefetch_related("lines", "lines__spare_part"), pk=pk)
