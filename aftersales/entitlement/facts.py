"""The engine's facts, built from the database: the sale, the terms, and the unit's history.

Everything is read "as of" the request date: a repair, exchange or claim recorded after it is
left out, so that a decision taken later is still the one the customer was owed when they asked.

Longer than ~400 lines, on purpose: every fact the policy engine is given is built here, as of
one date, so the "as of" rule is applied in one place; the sections below (terms and rules,
rest days, the unit's history, parts replaced) are its parts.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Prefetch
from django.utils import timezone
from holidays import country_holidays

from aftersales.accounts.models import Organization
from aftersales.catalog.models import ProductCategory, ProductModel, SparePart
from aftersales.customers.models import Unit
from aftersales.dispatch.models import PartUsage, RepairRecord
from aftersales.entitlement import models as m
from aftersales.entitlement.policy import (
    CategoryExtension,
    CategoryKind,
    ConditionReport,
    Decision,
    Exchange,
    ExtendedWarrantyContract,
    Facts,
    FaultType,
    Gift,
    NoReasonExclusion,
    OrgRules,
    PartTerm,
    ProductTerms,
    RepairVisit,
    Request,
    RequestKind,
    SaleChannel,
    WarrantyClaim,
    evaluate,
)
from aftersales.service.models import Kind, RequestEvent, ServiceRequest, Status

REQUEST_KINDS = {
    Kind.RETURN: RequestKind.RETURN,
    Kind.REFUND: RequestKind.RETURN,
    Kind.EXCHANGE: RequestKind.EXCHANGE,
    Kind.REPAIR: RequestKind.REPAIR,
    Kind.MAINTENANCE: RequestKind.REPAIR,
    Kind.INSTALLATION: RequestKind.REPAIR,
}
# A repair request counts as a stay with the repairer once someone has taken it on.
ONGOING_REPAIR = {
    Status.ACCEPTED,
    Status.ASSIGNED,
    Status.SCHEDULED,
    Status.IN_PROGRESS,
    Status.AWAITING_PARTS,
    Status.AWAITING_CUSTOMER,
    Status.REOPENED,
}


def org_zone(organization: Organization) -> ZoneInfo:
    try:
        return ZoneInfo(organization.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")


def local_date(moment: datetime, organization: Organization) -> date:
    return timezone.localtime(moment, org_zone(organization)).date()


def today_for(organization: Organization) -> date:
    return local_date(timezone.now(), organization)


@dataclass(frozen=True)
class Inputs:
    """What one evaluation is made of; stored as JSON with every decision taken on it."""

    unit: Unit
    facts: Facts
    request: Request
    org_rules: OrgRules

    def evaluate(self) -> Decision:
        return evaluate(self.facts, self.request, self.org_rules)


# --- Terms and organization rules --------------------------------------------------------------


def _policy(category: ProductCategory) -> m.CategoryPolicy | None:
    try:
        return category.entitlement_policy
    except m.CategoryPolicy.DoesNotExist:
        return None


def _catalogue_terms(
    category: ProductCategory, policy: m.CategoryPolicy | None, **terms: object
) -> ProductTerms:
    extra: dict[str, object] = {}
    if policy is not None:
        extra = {
            "depreciation_rate_per_day": policy.depreciation_rate_per_day,
            "no_reason_exclusion": NoReasonExclusion(policy.no_reason_exclusion),
            "use_compensation_rate": policy.use_compensation_rate,
        }
    return ProductTerms(category=category.code, kind=CategoryKind(category.kind), **terms, **extra)  # type: ignore[arg-type]


def category_terms(category: ProductCategory) -> ProductTerms:
    """The category's own terms (its default periods): what the admin compares promises with."""
    main = tuple(
        sorted(
            {
                p.name
                for p in SparePart.objects.filter(
                    organization_id=category.organization_id, is_main_part=True, fits__category=category
                )
            }
        )
    )
    return _catalogue_terms(
        category,
        _policy(category),
        whole_unit_months=category.whole_unit_months,
        main_parts_months=category.main_parts_months,
        main_parts=main,
    )


def product_terms(model: ProductModel) -> ProductTerms:
    main = tuple(sorted({p.name for p in model.spare_parts.all() if p.is_main_part}))
    overrides = tuple(
        PartTerm(o.spare_part.name, o.months)
        for o in sorted(model.part_overrides.all(), key=lambda o: o.spare_part.name)
    )
    return _catalogue_terms(
        model.category,
        _policy(model.category),
        whole_unit_months=model.whole_unit_months,
        main_parts_months=model.main_parts_months,
        main_parts=main,
        part_overrides=overrides,
    )


def extension_for(policy: m.CategoryPolicy) -> CategoryExtension:
    return CategoryExtension(
        category=policy.category.code,
        return_days=policy.return_days,
        exchange_days=policy.exchange_days,
        no_reason_days=policy.no_reason_days,
        whole_unit_months=policy.whole_unit_months,
        main_parts_months=policy.main_parts_months,
        extra_main_parts=tuple(sorted(p.name for p in policy.extra_main_parts.all())) if policy.pk else (),
        car_warranty_months=policy.car_warranty_months,
        car_warranty_km=policy.car_warranty_km,
        car_sanbao_months=policy.car_sanbao_months,
        car_sanbao_km=policy.car_sanbao_km,
    )


def org_rules_for(organization: Organization, category: ProductCategory | None = None) -> OrgRules:
    """The organization's promises; for one category only when given (keeps snapshots small)."""
    qs = m.CategoryPolicy.objects.filter(category__organization=organization).select_related("category")
    if category is not None:
        qs = qs.filter(category=category)
    return OrgRules(
        organization.name,
        tuple(extension_for(p) for p in qs.prefetch_related("extra_main_parts")),
        holiday_extends_no_reason=holiday_extends(organization),
    )


def holiday_extends(organization: Organization) -> bool:
    """The organization's reading of 《民法典》第二百零三条 for the no-reason period (default: extend)."""
    found = (
        m.EntitlementSettings.objects.filter(organization=organization)
        .values_list("no_reason_holiday_extends", flat=True)
        .first()
    )
    return True if found is None else bool(found)


# --- Statutory rest days -----------------------------------------------------------------------


@lru_cache(maxsize=16)
def _official_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """China's public holidays and 调休 working weekends of one year, from the ``holidays`` package."""
    official = country_holidays("CN", years=[year])
    return frozenset(official.keys()), frozenset(getattr(official, "weekend_workdays", ()))


def rest_days(start: date, end: date) -> tuple[date, ...]:
    """法定休假日 from start to end: public holidays and weekends not made working days by 调休."""
    found: list[date] = []
    day = start
    while day <= end:
        holidays, workdays = _official_year(day.year)
        if day in holidays or (day.weekday() >= 5 and day not in workdays):
            found.append(day)
        day += timedelta(days=1)
    return tuple(found)


# --- The unit's history ----------------------------------------------------------------------


def lineage(unit: Unit) -> list[tuple[Unit, date | None]]:
    """The unit and the units it replaced, oldest first, each with the date it was exchanged in."""
    chain: list[tuple[Unit, date | None]] = []
    current: Unit | None = unit
    seen: set[int] = set()
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        rma = (
            m.ReturnAuthorization.objects.filter(replacement_unit=current)
            .select_related("unit", "unit__product_model")
            .first()
        )
        chain.append((current, rma.exchanged_on if rma is not None else None))
        current = rma.unit if rma is not None else None
    chain.reverse()
    return chain


def _days_waiting_for_parts(events: Iterable[RequestEvent], until: date, org: Organization) -> int:
    waiting_since: date | None = None
    total = 0
    for event in events:
        day = local_date(event.created_at, org)
        if waiting_since is not None:
            total += (min(day, until) - waiting_since).days
            waiting_since = None
        if event.to_status == Status.AWAITING_PARTS and day <= until:
            waiting_since = day
    if waiting_since is not None:
        total += (until - waiting_since).days
    return max(total, 0)


# --- Parts replaced on a repair ----------------------------------------------------------------
#
# The car rules (第二十四条) count replacements of a core assembly, named by the engine's part kinds
# (policy.CORE_ASSEMBLIES: engine, transmission, power_battery, drive_motor), and of the same main part,
# named as the terms name main parts (the SparePart's name). The catalogue has no part-kind field
# and its part numbers follow no convention (the demo's are HJ-SEDAN-001 ...), so the kind comes
# from the part's name: a part is the assembly itself when its name ends with the assembly's word,
# optionally followed by 包/pack and 总成/assembly/assy, and a trailing note in brackets is ignored:
#
#   发动机, 2.0T发动机总成, Engine Assy              -> engine
#   变速器总成, CVT变速箱, 7速双离合变速器总成        -> transmission
#   动力电池包, 动力蓄电池总成, Power Battery Pack   -> power_battery
#   驱动电机, 行驶驱动电机总成, Drive Motor          -> drive_motor
#
# A name that goes on with something else (发动机支架, 变速器油, 动力电池冷却管, 驱动电机控制器)
# names a component or a consumable, not the assembly; flagged is_main_part, it counts under the
# same-main-part rule by its name. A 12 V 蓄电池 is not a 动力(蓄)电池.
CORE_ASSEMBLY_WORDS: dict[str, tuple[str, ...]] = {
    "engine": ("发动机", "engine"),
    "transmission": ("变速器", "变速箱", "transmission", "gearbox"),
    "power_battery": ("动力蓄电池", "动力电池", "power battery", "traction battery"),
    "drive_motor": ("行驶驱动电机", "驱动电机", "drive motor", "traction motor"),
}
_ASSEMBLY_SUFFIX = r"(?:\s*(?:包|pack))?(?:\s*(?:总成|assembly|assy\.?))?"
_CORE_NAME = {
    kind: re.compile("(?:" + "|".join(re.escape(word) for word in words) + ")" + _ASSEMBLY_SUFFIX + "$")
    for kind, words in CORE_ASSEMBLY_WORDS.items()
}
_BRACKETED_NOTE = re.compile(r"\s*[（(][^（()）]*[)）]\s*$")


def core_assembly(part: SparePart) -> str | None:
    """The engine's core-assembly kind of a spare part, from its name; None for any other part."""
    name = _BRACKETED_NOTE.sub("", part.name).strip().lower()
    for kind, pattern in _CORE_NAME.items():
        if pattern.search(name):
            return kind
    return None


def part_replaced(usages: Sequence[PartUsage], *, car: bool) -> str | None:
    """The one part RepairVisit.part_replaced can hold for a repair that used these parts.

    A car's core assembly comes first (as its kind), then a main part (by name), then any other
    part (by name, for the record: the rules only look at the first two). The engine keeps one
    part per visit, so a repair that replaced two main parts reports the first one recorded.
    """
    if car:
        for usage in usages:
            kind = core_assembly(usage.spare_part)
            if kind is not None:
                return kind
    for usage in usages:
        if usage.spare_part.is_main_part:
            return usage.spare_part.name
    return usages[0].spare_part.name if usages else None


def parts_replaced(
    requests: Sequence[ServiceRequest], *, on: date, organization: Organization
) -> dict[int, list[PartUsage]]:
    """The parts each request's repair records replaced as of `on`, in one query.

    Only parts fitted under cover count: a part the customer was charged for was not replaced for
    a quality problem (因其质量问题) as far as 三包 goes. A record counts from the day it was
    completed (or, while the repair is still going on, opened), so parts fitted after `on` are left out.
    """
    usages = (
        PartUsage.objects.filter(record__request__in=[sr.pk for sr in requests], covered=True)
        .select_related("spare_part", "record")
        .order_by("record__created_at", "record_id", "id")
    )
    found: dict[int, list[PartUsage]] = defaultdict(list)
    for usage in usages:
        record = usage.record
        if local_date(record.completed_at or record.created_at, organization) <= on:
            found[record.request_id].append(usage)
    return found


def repair_visits(
    units: list[Unit],
    *,
    on: date,
    organization: Organization,
    car: bool = False,
) -> tuple[RepairVisit, ...]:
    """Closed repair requests as finished stays; open ones that were taken on as ongoing stays."""
    status_events = Prefetch(
        "events",
        queryset=RequestEvent.objects.filter(kind=RequestEvent.Kind.STATUS).order_by("created_at", "id"),
        to_attr="status_events",
    )
    paid = Prefetch(
        "quotes", queryset=m.Quote.objects.filter(status=m.Quote.Status.APPROVED), to_attr="paid_quotes"
    )
    records = Prefetch(
        "repair_records", queryset=RepairRecord.objects.order_by("created_at", "id"), to_attr="sanbao_records"
    )
    requests = list(
        ServiceRequest.objects.filter(unit__in=units, kind=Kind.REPAIR, merged_into__isnull=True)
        .exclude(status__in=[Status.CANCELLED, Status.NEW])
        .prefetch_related(status_events, paid, records)
        .order_by("created_at", "id")
    )
    parts = parts_replaced(requests, on=on, organization=organization)
    visits: list[RepairVisit] = []
    for sr in requests:
        dropped_off = local_date(sr.created_at, organization)
        if dropped_off > on:
            continue
        finished_at = sr.resolved_at or sr.closed_at
        returned = local_date(finished_at, organization) if finished_at is not None else None
        if sr.status not in ONGOING_REPAIR and returned is None:
            continue
        if returned is not None and returned > on:
            returned = None  # still with the repairer as of the request date
        end = returned or on
        hours = None
        if returned is not None and finished_at is not None:
            hours = Decimal((finished_at - sr.created_at).total_seconds() / 3600).quantize(Decimal("0.1"))
        waiting = min(
            _days_waiting_for_parts(sr.status_events, end, organization),
            (end - dropped_off).days,
        )
        recorded: list[RepairRecord] = sr.sanbao_records
        readings = [r.odometer_km for r in recorded if r.odometer_km is not None]
        fault = sr.fault_category or next(
            (r.fault_code or r.fault_system for r in recorded if r.fault_code or r.fault_system), ""
        )
        visits.append(
            RepairVisit(
                dropped_off=dropped_off,
                returned=returned,
                fault=fault,
                days_waiting_for_parts=max(waiting, 0),
                quality_fault=not sr.paid_quotes,
                hours=hours,
                part_replaced=part_replaced(parts.get(sr.pk, []), car=car),
                # A repair by someone without the 三包 duty is not one of "the" repairs the rules count.
                authorized=all(r.authorized_repairer for r in recorded),
                serious_safety=any(r.serious_safety for r in recorded),
                odometer_km=min(readings) if readings else None,
            )
        )
    return tuple(visits)


def contracts_for(units: list[Unit], *, on: date) -> tuple[ExtendedWarrantyContract, ...]:
    rows = (
        m.ExtendedWarrantyContract.objects.filter(unit__in=units)
        .prefetch_related(Prefetch("claims", queryset=m.WarrantyClaim.objects.order_by("claimed_on", "id")))
        .order_by("starts", "id")
    )
    return tuple(
        ExtendedWarrantyContract(
            contract_id=c.number,
            starts=c.starts,
            ends=c.ends,
            price=c.price,
            covers_parts=c.covers_parts,
            covers_labour=c.covers_labour,
            covers_travel=c.covers_travel,
            max_claims=c.max_claims,
            max_total=c.max_total,
            max_km=c.max_km,
            cancelled=c.cancelled_at is not None,
            claims=tuple(
                WarrantyClaim(cl.claimed_on, cl.amount) for cl in c.claims.all() if cl.claimed_on <= on
            ),
        )
        for c in rows
    )


_CONDITION_FLAGS = tuple(f.name for f in dataclasses.fields(ConditionReport))


def condition_of(report: m.ConditionReport | None) -> ConditionReport | None:
    if report is None:
        return None
    return ConditionReport(**{name: getattr(report, name) for name in _CONDITION_FLAGS})


def unit_facts_of(unit: Unit) -> m.UnitFacts | None:
    return m.UnitFacts.objects.filter(unit=unit).first()


def latest_report(unit: Unit) -> m.ConditionReport | None:
    return m.ConditionReport.objects.filter(unit=unit).order_by("-inspected_at", "-id").first()


def sale_terms_of(units: list[Unit]) -> m.SaleTerms | None:
    """What was agreed at the original sale (an exchanged-in unit carries the original sale's terms)."""
    found = {t.unit_id: t for t in m.SaleTerms.objects.filter(unit__in=units)}
    for unit in units:
        if unit.pk in found:
            return found[unit.pk]
    return None


def gifts_of(terms: m.SaleTerms | None) -> tuple[Gift, ...]:
    if terms is None:
        return ()
    return tuple(Gift(g["name"], g["stated_price"], g["returned"]) for g in terms.gift_list)


_LATEST = object()


def facts_for_unit(
    unit: Unit,
    *,
    on: date,
    odometer_km: int | None = None,
    report: m.ConditionReport | None | object = _LATEST,
) -> Facts:
    chain = lineage(unit)
    units = [u for u, _ in chain]
    original = units[0]
    model = unit.product_model
    if report is _LATEST:
        report = latest_report(unit)
    assert report is None or isinstance(report, m.ConditionReport)
    if odometer_km is None and report is not None:
        odometer_km = report.odometer_km
    price = original.invoice_amount if original.invoice_amount > 0 else model.list_price
    policy = _policy(model.category)
    exchanges = tuple(Exchange(on=day) for _, day in chain if day is not None and day <= on)
    sale = sale_terms_of(units)
    recorded = unit_facts_of(unit)
    voucher = recorded.voucher if recorded is not None else m.VoucherStatus.PRESENT
    channel = SaleChannel(original.sales_channel)
    days_off: tuple[date, ...] = ()
    if channel == SaleChannel.ONLINE and original.delivery_date is not None:
        window = max(7, (policy.no_reason_days or 0) if policy is not None else 0)
        days_off = rest_days(original.delivery_date, original.delivery_date + timedelta(days=window + 30))
    return Facts(
        terms=product_terms(model),
        price=price,
        purchased_on=original.purchase_date,
        invoiced_on=original.purchase_date if original.invoice_number else None,
        delivered_on=original.delivery_date,
        channel=channel,
        has_voucher=voucher != m.VoucherStatus.MISSING,
        voucher_altered=voucher == m.VoucherStatus.ALTERED or bool(report and report.voucher_altered),
        voucher_matches=voucher != m.VoucherStatus.MISMATCHED and not (report and report.voucher_mismatch),
        commercial_use=recorded is not None and recorded.usage == m.Usage.COMMERCIAL,
        rest_days=days_off,
        repairs=repair_visits(
            units, on=on, organization=unit.organization, car=model.category.kind == ProductCategory.Kind.CAR
        ),
        exchanges=exchanges,
        odometer_km=odometer_km,
        contracts=contracts_for(units, on=on),
        condition=condition_of(report),
        buyer_confirmed_exclusion=bool(sale and sale.buyer_confirmed_no_return),
        gifts=gifts_of(sale),
        same_model_available=model.is_active,
        seller_pays_return_shipping=bool(policy and policy.seller_pays_return_shipping),
    )


def part_name(organization: Organization, part: str | None) -> str | None:
    """A part given by number or name, as the name the terms use."""
    part = (part or "").strip()
    if not part:
        return None
    found = SparePart.objects.filter(organization=organization, part_number=part).only("name").first()
    return found.name if found is not None else part


def inputs_for_unit(
    unit: Unit,
    *,
    on: date,
    kind: str = RequestKind.REPAIR,
    fault: str = FaultType.PERFORMANCE,
    part: str | None = None,
    odometer_km: int | None = None,
    report: m.ConditionReport | None | object = _LATEST,
) -> Inputs:
    request = Request(
        on=on, kind=RequestKind(kind), fault=FaultType(fault), part=part_name(unit.organization, part)
    )
    facts = facts_for_unit(unit, on=on, odometer_km=odometer_km, report=report)
    return Inputs(unit, facts, request, org_rules_for(unit.organization, unit.product_model.category))


def fault_of(sr: ServiceRequest) -> str:
    rma = getattr(sr, "rma", None) if sr.kind in (Kind.RETURN, Kind.EXCHANGE, Kind.REFUND) else None
    if rma is not None:
        return str(rma.fault)
    if sr.fault_category in FaultType._value2member_map_:
        return sr.fault_category
    return FaultType.PERFORMANCE


def inputs_for_request(
    sr: ServiceRequest,
    *,
    odometer_km: int | None = None,
    report: m.ConditionReport | None | object = _LATEST,
) -> Inputs:
    """The request's facts as of the day it was made (windows are judged from when the customer asked)."""
    if sr.unit is None:
        raise ValueError("request has no unit")
    rma = getattr(sr, "rma", None) if sr.kind in (Kind.RETURN, Kind.EXCHANGE, Kind.REFUND) else None
    return inputs_for_unit(
        sr.unit,
        on=local_date(sr.created_at, sr.organization),
        kind=REQUEST_KINDS.get(Kind(sr.kind), RequestKind.INQUIRY),
        fault=fault_of(sr),
        part=rma.part if rma is not None else None,
        odometer_km=odometer_km,
        report=report,
    )
