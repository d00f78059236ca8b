"""Writes for the facts the 三包 rules turn on: a unit's voucher and use, a repair's safety and repairer.

Each one is recorded where it arises: the unit's papers and use by the agent who sees them, the
repair's facts on its repair record by the technician or agent. The engine reads them back in
``facts.py``; every write here is one transaction and leaves an event where there is a timeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.roles import Cap
from aftersales.core.errors import InvalidInput
from aftersales.dispatch.models import RepairRecord
from aftersales.entitlement.models import UnitFacts, Usage, VoucherStatus
from aftersales.entitlement.services import require, same_org
from aftersales.service.events import event_add
from aftersales.service.models import Kind, RequestEvent

if TYPE_CHECKING:
    from aftersales.accounts.models import User
    from aftersales.customers.models import Unit
    from aftersales.service.models import ServiceRequest

MAX_ODOMETER_KM = 10_000_000


def unit_facts_save(
    *,
    unit: Unit,
    by: User | None,
    voucher: str | None = None,
    usage: str | None = None,
    note: str | None = None,
) -> UnitFacts:
    """Record the unit's voucher status and use; a value left None keeps what was recorded."""
    require(by, Cap.RECORD_FACTS)
    same_org(by, unit.organization_id)
    errors: dict[str, str] = {}
    if voucher is not None and voucher not in VoucherStatus.values:
        errors["voucher"] = _("请选择：%(c)s。") % {"c": "、".join(VoucherStatus.values)}
    if usage is not None and usage not in Usage.values:
        errors["usage"] = _("请选择：%(c)s。") % {"c": "、".join(Usage.values)}
    if note is not None and len(note) > 300:
        errors["note"] = _("说明最多 300 个字符。")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        facts, _created = UnitFacts.objects.select_for_update().get_or_create(unit=unit)
        if voucher is not None:
            facts.voucher = voucher
        if usage is not None:
            facts.usage = usage
        if note is not None:
            facts.note = note.strip()
        facts.recorded_by = by
        facts.save()
    return facts


def repair_record_of(request: ServiceRequest) -> RepairRecord | None:
    return RepairRecord.objects.filter(request=request).order_by("-created_at", "-id").first()


def repair_facts_save(
    *,
    request: ServiceRequest,
    by: User | None,
    serious_safety: bool | None = None,
    fault_system: str | None = None,
    authorized_repairer: bool | None = None,
    repairer_name: str | None = None,
    odometer_km: int | None = None,
) -> RepairRecord:
    """Record a repair's 三包 facts on its (latest) repair record, creating one for a repair without a visit."""
    require(by, Cap.RECORD_FACTS)
    same_org(by, request.organization_id)
    errors: dict[str, str] = {}
    if request.kind != Kind.REPAIR:
        errors["request"] = _("只有维修服务单有维修记录。")
    if fault_system is not None and fault_system and fault_system not in RepairRecord.FaultSystem.values:
        errors["fault_system"] = _("未知的故障系统。")
    if repairer_name is not None and len(repairer_name) > 100:
        errors["repairer_name"] = _("修理者最多 100 个字符。")
    if odometer_km is not None and not 0 <= odometer_km <= MAX_ODOMETER_KM:
        errors["odometer_km"] = _("里程须为 0 到 %(n)d 公里。") % {"n": MAX_ODOMETER_KM}
    if authorized_repairer is False and not (repairer_name or "").strip():
        errors["repairer_name"] = _("由未授权的修理者修理时，请填写修理者名称。")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        record = (
            RepairRecord.objects.select_for_update()
            .filter(request=request)
            .order_by("-created_at", "-id")
            .first()
        )
        if record is None:
            record = RepairRecord.objects.create(
                organization_id=request.organization_id, request=request, created_at=timezone.now()
            )
        changes: dict[str, list[Any]] = {}
        for name, value in (
            ("serious_safety", serious_safety),
            ("fault_system", fault_system),
            ("authorized_repairer", authorized_repairer),
            ("repairer_name", repairer_name),
            ("odometer_km", odometer_km),
        ):
            if value is None:
                continue
            if isinstance(value, str):
                value = value.strip()
            old = getattr(record, name)
            if old != value:
                changes[str(RepairRecord._meta.get_field(name).verbose_name)] = [old, value]  # type: ignore[union-attr]
                setattr(record, name, value)
        if changes:
            record.save()
            event_add(
                request=request,
                kind=RequestEvent.Kind.FIELD,
                by=by,
                public=False,
                reason=_("已登记维修记录的三包事实"),
                data={"changes": changes},
            )
    return record
