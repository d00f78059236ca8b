"""Approving or rejecting a return, on the engine's options or as goodwill with a reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.roles import Cap
from aftersales.core.errors import InvalidInput
from aftersales.entitlement import event_codes as codes
from aftersales.entitlement import facts as build
from aftersales.entitlement import flow, notify, snapshot
from aftersales.entitlement.models import EntitlementDecision, ReturnAuthorization
from aftersales.entitlement.policy import Decision, InvalidFacts, OptionKind
from aftersales.entitlement.rma.base import (
    RMA,
    check,
    choose,
    lock,
    open_step,
    org_language,
    record_step,
    rma_inputs,
    save,
    wanted_kind,
)
from aftersales.entitlement.rma.table import S
from aftersales.entitlement.services import decision_record
from aftersales.service.access import request_access
from aftersales.service.event_text import both
from aftersales.service.event_text import text as ev
from aftersales.service.models import Status

if TYPE_CHECKING:
    from aftersales.accounts.models import User


def rma_approve(
    *,
    rma: ReturnAuthorization,
    by: User | None,
    option: str = "",
    reason: str = "",
    goodwill: bool = False,
    resolution: str = "",
    version: int | None = None,
) -> ReturnAuthorization:
    """Approve on one of the engine's options (by key "kind:rule_id"), or as goodwill with a reason."""
    request_access(by, rma.request, cap=Cap.DECIDE_RETURNS)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked, step, inputs, decision = open_step(rma, version, "approve", by)
        chosen = choose(decision, locked, option)
        if chosen is None and not goodwill:
            field_reason = (
                _("所选方案已不适用。")
                if option
                else _("引擎没有给出退货或换货方案。如仍要批准，请选择善意处理并说明原因，或拒绝申请。")
            )
            raise InvalidInput({"option": field_reason})
        if chosen is None:
            if not reason:
                raise InvalidInput({"reason": _("善意处理须说明原因。")})
            if resolution not in RMA.Resolution.values:
                resolution = (
                    RMA.Resolution.EXCHANGE
                    if wanted_kind(locked) == OptionKind.EXCHANGE
                    else RMA.Resolution.REFUND
                )
        else:
            resolution = (
                RMA.Resolution.REFUND if chosen.kind == OptionKind.RETURN else RMA.Resolution.EXCHANGE
            )
        decision_record(
            inputs=inputs,
            decision=decision,
            outcome=EntitlementDecision.Outcome.APPROVED,
            by=by,
            option=chosen,
            option_kind=wanted_kind(locked).value if chosen is None else "",
            reason=reason,
            goodwill=chosen is None,
            rma=locked,
            request=locked.request,
        )
        old = locked.get_status_display()
        locked.status = step.target
        locked.resolution = resolution
        locked.option_kind = chosen.kind.value if chosen else wanted_kind(locked).value
        locked.option_rule_id = chosen.rule_id if chosen else "goodwill"
        save(locked, "status", "resolution", "option_kind", "option_rule_id")
        with org_language():
            basis = (
                {"zh": chosen.basis.citation(), "en": chosen.basis.citation_en()}
                if chosen
                else both(lambda: _("善意处理"))
            )
            text = (
                ev(codes.RMA_APPROVED_NOTE, res=locked.resolution, basis=basis, r=reason)
                if reason
                else ev(codes.RMA_APPROVED, res=locked.resolution, basis=basis)
            )
            flow.drive(
                locked.request,
                part_of=Cap.DECIDE_RETURNS,
                to=Status.AWAITING_CUSTOMER,
                by=by,
                reason=ev(codes.RMA_APPROVED_WAITING),
            )
            record_step(
                locked,
                by,
                "approved",
                text,
                {_("退换货状态"): [old, locked.get_status_display()]},
                option=f"{locked.option_kind}:{locked.option_rule_id}",
                goodwill=chosen is None,
            )
            notify.rma_step(locked, "approved", str(text))
    return locked


def _decision_or_invalid(inputs: build.Inputs) -> Decision | None:
    try:
        return inputs.evaluate()
    except InvalidFacts:
        return None


def rma_reject(
    *, rma: ReturnAuthorization, by: User | None, reason: str, version: int | None = None
) -> ReturnAuthorization:
    """Refuse, with the reason the customer will read; after inspection the goods go back to them."""
    request_access(by, rma.request, cap=Cap.DECIDE_RETURNS)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": _("请填写拒绝原因。")})
    if len(reason) > 2000:
        raise InvalidInput({"reason": _("最多 2000 个字符。")})
    with transaction.atomic():
        locked = lock(rma)
        step = check(locked, version, "reject", by)
        inputs = rma_inputs(locked)
        decision = _decision_or_invalid(inputs)
        if decision is not None:
            decision_record(
                inputs=inputs,
                decision=decision,
                outcome=EntitlementDecision.Outcome.REJECTED,
                by=by,
                reason=reason,
                rma=locked,
                request=locked.request,
            )
        else:
            # Facts the engine refuses are still the facts the rejection was taken on.
            EntitlementDecision.objects.create(
                organization_id=locked.organization_id,
                unit=locked.unit,
                request=locked.request,
                rma=locked,
                outcome=EntitlementDecision.Outcome.REJECTED,
                reason=reason,
                facts=snapshot.inputs_json(inputs.facts, inputs.request, inputs.org_rules),
                decision={"invalid_facts": True},
                decided_by=by,
                decided_at=timezone.now(),
            )
        before_goods = locked.status == S.REQUESTED
        old = locked.get_status_display()
        locked.status = step.target
        locked.rejection_reason = reason
        save(locked, "status", "rejection_reason")
        with org_language():
            if before_goods:
                flow.drive(
                    locked.request,
                    part_of=Cap.DECIDE_RETURNS,
                    to=Status.CANCELLED,
                    by=by,
                    reason=reason,
                    allow=frozenset({"cancel"}),
                )
                said = ev(codes.RMA_REJECTED, r=reason)
            else:
                flow.drive(
                    locked.request, part_of=Cap.DECIDE_RETURNS, to=Status.RESOLVED, by=by, reason=reason
                )
                said = ev(codes.RMA_REJECTED_AFTER, r=reason)
            record_step(locked, by, "rejected", said, {_("退换货状态"): [old, locked.get_status_display()]})
            notify.rma_step(locked, "rejected", str(said))
    return locked
