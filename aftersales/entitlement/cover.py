"""The entitlement engine's answer to the repair desk's question: is this part (or the labour)
covered, and on what grounds? Registered with ``dispatch.charges`` when this app is ready."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from aftersales.catalog.models import SparePart
from aftersales.core.errors import InvalidInput
from aftersales.customers.models import Unit
from aftersales.dispatch.charges import Cover
from aftersales.entitlement.policy import OptionKind, Payer
from aftersales.entitlement.selectors import check_unit


def repair_cover(*, unit: Unit, part: SparePart | None, on: date) -> Cover | None:
    """None when the engine cannot decide (facts it rejects): the catalogue's terms decide then."""
    try:
        decision = check_unit(unit=unit, kind="repair", part=part.part_number if part else "", on=on).decision
    except InvalidInput:
        return None
    free = decision.find(OptionKind.FREE_REPAIR)
    if free is not None:
        return Cover(True, free.reason_zh)
    for option in decision.options:
        if option.kind == OptionKind.PAID_REPAIR and option.cost_borne_by == Payer.WARRANTY_PROVIDER:
            return Cover(True, option.reason_zh)
    paid = decision.find(OptionKind.PAID_REPAIR)
    refusal = next((r for r in decision.refusals if r.kind == OptionKind.FREE_REPAIR), None)
    return Cover(
        False, (paid.reason_zh if paid else "") or (refusal.reason_zh if refusal else "") or _("保外收费维修")
    )
