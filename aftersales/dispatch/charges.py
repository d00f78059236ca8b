"""What the customer pays for a repair: each part and the labour, covered or charged.

Coverage comes from the entitlement engine (``aftersales.entitlement``: 三包, the organization's
warranty terms, extended warranties) when it is installed; without it, from the warranty months
of the unit's model, a part's own override, and the main-parts term for main parts, counted
from delivery (or purchase).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from django.utils.translation import gettext as _

from aftersales.catalog.models import PartWarrantyOverride, SparePart
from aftersales.core.dates import add_months
from aftersales.customers.models import Unit
from aftersales.dispatch.models import DispatchPolicy, PartUsage, RepairRecord

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Cover:
    covered: bool
    basis: str


def warranty_cover(*, unit: Unit, part: SparePart | None, on: date) -> Cover:
    """The catalogue's terms alone: model months, part override, main-parts months."""
    model = unit.product_model
    months = model.whole_unit_months
    what = _("整机保修")
    if part is not None:
        override = PartWarrantyOverride.objects.filter(product_model=model, spare_part=part).first()
        if override is not None:
            months, what = override.months, _("%(part)s保修") % {"part": part.name}
        elif part.is_main_part:
            months, what = max(model.main_parts_months, months), _("主要部件保修")
    start = unit.delivery_date or unit.purchase_date
    end = add_months(start, months)
    if on <= end:
        return Cover(True, _("%(what)s %(m)d 个月，至 %(end)s") % {"what": what, "m": months, "end": end})
    return Cover(
        False, _("已过%(what)s期（%(m)d 个月，至 %(end)s）") % {"what": what, "m": months, "end": end}
    )


class CoverCheck(Protocol):
    """Another app's answer to "is this covered?", or None to leave it to the catalogue's terms."""

    def __call__(self, *, unit: Unit, part: SparePart | None, on: date) -> Cover | None: ...


# The entitlement engine registers its check here when it is ready (``EntitlementConfig.ready``):
# that app sits above this one (its decisions read repair records), so this one never imports it.
COVER_CHECKS: list[CoverCheck] = []


def cover_check_register(check: CoverCheck) -> None:
    if check not in COVER_CHECKS:
        COVER_CHECKS.append(check)


def cover_for(*, unit: Unit | None, part: SparePart | None, on: date) -> Cover:
    """Is this part (or, with ``part=None``, the labour) covered for ``unit`` on ``on``?"""
    if unit is None:
        return Cover(False, _("没有关联机器，按收费维修处理"))
    for check in COVER_CHECKS:
        cover = check(unit=unit, part=part, on=on)
        if cover is not None:
            return cover
    return warranty_cover(unit=unit, part=part, on=on)


def recompute(record: RepairRecord, policy: DispatchPolicy, *, labour: Cover) -> RepairRecord:
    """Fill the record's cost lines and charges from its parts and labour (not saved)."""
    parts = list(record.parts.select_related("spare_part"))
    hours = Decimal(record.labour_minutes) / Decimal(60)
    record.parts_cost = money(sum((p.unit_price * p.quantity for p in parts), Decimal(0)))
    record.labour_cost = money(hours * policy.labour_rate)
    record.travel_cost = money(record.travel_km * policy.travel_cost_per_km)
    record.charge_parts = money(sum((p.charge for p in parts), Decimal(0)))
    record.charge_labour = Decimal("0.00") if labour.covered else record.labour_cost
    record.charge_visit = Decimal("0.00") if labour.covered else money(policy.visit_fee)
    record.charge_total = record.charge_parts + record.charge_labour + record.charge_visit
    covered_any = labour.covered or any(p.covered for p in parts)
    if record.charge_total == 0:
        record.coverage = RepairRecord.Coverage.COVERED
    elif covered_any:
        record.coverage = RepairRecord.Coverage.PARTLY
    else:
        record.coverage = RepairRecord.Coverage.CHARGED
    record.coverage_note = labour.basis[:300]
    return record


def price_part(usage: PartUsage, cover: Cover) -> PartUsage:
    usage.covered = cover.covered
    usage.basis = cover.basis[:300]
    usage.charge = Decimal("0.00") if cover.covered else money(usage.unit_price * usage.quantity)
    return usage
