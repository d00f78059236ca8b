"""Opening a return: the customer (or an agent) asks, the engine's eligibility is stored with it."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.roles import Cap
from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied
from aftersales.entitlement import event_codes as codes
from aftersales.entitlement import facts as build
from aftersales.entitlement import notify, snapshot
from aftersales.entitlement.models import ReturnAuthorization
from aftersales.entitlement.models.returns import FaultType
from aftersales.entitlement.rma.base import (
    RMA,
    choose,
    is_customer,
    option_key,
    org_language,
    record_step,
    summary,
)
from aftersales.entitlement.rma.table import FINAL
from aftersales.entitlement.services import evaluate_inputs, require, same_org, unit_is_returned
from aftersales.service.event_text import both
from aftersales.service.event_text import text as ev
from aftersales.service.lifecycle import RETURN_KINDS
from aftersales.service.models import Fulfilment, ServiceRequest, Status
from aftersales.service.services import request_create

if TYPE_CHECKING:
    from aftersales.accounts.models import User
    from aftersales.customers.models import Unit


def _check_unit(unit: Unit, by: User | None) -> None:
    if is_customer(by):
        assert by is not None
        if unit.customer is None or unit.customer.user_id != by.pk:
            raise PermissionDenied(_("这不是您的机器。"))
    else:
        require(by, Cap.DECIDE_RETURNS)
        same_org(by, unit.organization_id)
    if unit.customer is None:
        raise InvalidInput({"unit": _("这台机器没有登记客户。")})
    if unit_is_returned(unit):
        raise Conflict(_("这台机器已经退回。"), {"unit": _("已退回")})
    open_rma = RMA.objects.filter(unit=unit).exclude(status__in=FINAL).first()
    if open_rma is not None:
        raise Conflict(
            _("这台机器已有进行中的退换货单 %(n)s。") % {"n": open_rma.number}, {"unit": open_rma.number}
        )


def _check_request_fields(kind: str, fault: str, part: str, odometer_km: int | None) -> None:
    errors: dict[str, str] = {}
    if kind not in RETURN_KINDS:
        errors["kind"] = _("只能申请退货、换货或退款。")
    if fault not in FaultType.values:
        errors["fault"] = _("未知的问题类型。")
    if odometer_km is not None and odometer_km < 0:
        errors["odometer_km"] = _("里程表读数不能为负数。")
    if len(part or "") > 100:
        errors["part"] = _("最多 100 个字符。")
    if errors:
        raise InvalidInput(errors)


def _open(
    request: ServiceRequest, unit: Unit, by: User | None, fault: str, part: str, odometer_km: int | None
) -> ReturnAuthorization:
    """The RMA record for a request, with the engine's eligibility; inside the caller's transaction."""
    rma = RMA.objects.create(
        number=uuid.uuid4().hex[:20],
        organization=unit.organization,
        request=request,
        unit=unit,
        fault=fault,
        part=(part or "").strip(),
        created_by=by,
        created_at=request.created_at,
    )
    rma.number = f"RA-{rma.created_at.year}-{rma.pk:06d}"
    inputs = build.inputs_for_request(request, odometer_km=odometer_km)
    decision = evaluate_inputs(inputs)
    rma.eligibility = {
        "requested": {
            "facts": snapshot.inputs_json(inputs.facts, inputs.request, inputs.org_rules),
            "decision": snapshot.decision_json(decision),
        }
    }
    rma.save(update_fields=["number", "eligibility"])
    with org_language():
        offered = choose(decision, rma)
        text = ev(
            codes.RMA_REQUESTED, kind=request.kind, number=rma.number, summary=both(lambda: summary(decision))
        )
        record_step(
            rma,
            by,
            "requested",
            text,
            {_("退换货单"): [None, rma.number]},
            eligible=offered is not None,
            option=option_key(offered) if offered else None,
        )
        notify.rma_step(rma, "requested", str(text))
    return rma


def rma_request(
    *,
    unit: Unit,
    by: User | None,
    kind: str,
    fault: str,
    description: str,
    channel: str = "web",
    part: str = "",
    odometer_km: int | None = None,
) -> ReturnAuthorization:
    """Open a return, exchange or refund for a unit; the engine's eligibility is stored with it."""
    _check_request_fields(kind, fault, part, odometer_km)
    _check_unit(unit, by)
    assert unit.customer is not None
    with transaction.atomic():
        request = request_create(
            organization=unit.organization,
            customer=unit.customer,
            by=by,
            kind=kind,
            channel=channel,
            description=description,
            unit=unit,
            fault_category=fault,
            fulfilment=Fulfilment.MAIL_IN,
            allow_duplicate=True,
            notify=False,
        )
        return _open(request, unit, by, fault, part, odometer_km)


def rma_attach(
    *,
    request: ServiceRequest,
    by: User | None,
    fault: str = FaultType.PERFORMANCE,
    part: str = "",
    odometer_km: int | None = None,
) -> ReturnAuthorization:
    """Start the return workflow on a return/exchange/refund request opened elsewhere (phone, email)."""
    _check_request_fields(request.kind, fault, part, odometer_km)
    if request.unit is None:
        raise InvalidInput({"unit": _("服务单没有关联机器。")})
    if not request.is_open or request.status not in (Status.NEW, Status.ACCEPTED, Status.ASSIGNED):
        raise Conflict(_("只能为尚未处理的服务单开始退换货流程。"), {"status": request.status})
    if RMA.objects.filter(request=request).exists():
        raise Conflict(_("这张服务单已有退换货单。"), {"request": request.number})
    _check_unit(request.unit, by)
    with transaction.atomic():
        return _open(request, request.unit, by, fault, part, odometer_km)
