"""The goods come back: the return shipment, its receipt and the inspection (which re-decides)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.roles import Cap
from aftersales.core.errors import InvalidInput
from aftersales.entitlement import event_codes as codes
from aftersales.entitlement import facts as build
from aftersales.entitlement import flow, notify, snapshot
from aftersales.entitlement.models import ConditionReport, ReturnAuthorization
from aftersales.entitlement.policy import OptionKind
from aftersales.entitlement.rma.base import (
    RMA,
    check,
    choose,
    lock,
    not_future,
    org_language,
    org_today,
    record_step,
    refusals,
    rma_inputs,
    save,
)
from aftersales.entitlement.services import evaluate_inputs
from aftersales.service.access import request_access
from aftersales.service.attachments import attachment_add, check_upload
from aftersales.service.event_text import both
from aftersales.service.event_text import text as ev
from aftersales.service.models import Attachment, Status

if TYPE_CHECKING:
    from aftersales.accounts.models import User


MAX_PHOTOS = 10


def rma_ship(
    *,
    rma: ReturnAuthorization,
    by: User | None,
    carrier: str,
    tracking: str,
    shipped_on: date | None = None,
    version: int | None = None,
) -> ReturnAuthorization:
    """The customer (or an agent for them) records the return shipment."""
    request_access(by, rma.request, cap=Cap.HANDLE_GOODS, owner_may=True)
    carrier, tracking = (carrier or "").strip(), (tracking or "").strip()
    errors: dict[str, str] = {}
    if not carrier:
        errors["carrier"] = _("请填写承运商。")
    elif len(carrier) > 60:
        errors["carrier"] = _("最多 60 个字符。")
    if not tracking:
        errors["tracking"] = _("请填写运单号。")
    elif len(tracking) > 60:
        errors["tracking"] = _("最多 60 个字符。")
    today = org_today(rma)
    shipped_on = shipped_on or today
    not_future(errors, "shipped_on", shipped_on, today)
    if shipped_on < build.local_date(rma.created_at, rma.organization):
        errors["shipped_on"] = _("寄回日期不能早于申请日期。")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        locked = lock(rma)
        step = check(locked, version, "ship", by)
        old = [locked.return_carrier or None, locked.return_tracking or None]
        locked.status = step.target
        locked.return_carrier, locked.return_tracking, locked.return_shipped_on = (
            carrier,
            tracking,
            shipped_on,
        )
        save(locked, "status", "return_carrier", "return_tracking", "return_shipped_on")
        with org_language():
            flow.drive(
                locked.request,
                part_of=Cap.HANDLE_GOODS,
                to=Status.IN_PROGRESS,
                by=by,
                reason=ev(codes.RMA_GOODS_SHIPPED),
            )
            said = ev(codes.RMA_SHIPPED, c=carrier, t=tracking)
            record_step(
                locked,
                by,
                "shipped",
                said,
                {_("寄回运单"): [" ".join(filter(None, old)) or None, f"{carrier} {tracking}"]},
            )
            notify.rma_step(locked, "shipped", str(said))
    return locked


def rma_receive(
    *,
    rma: ReturnAuthorization,
    by: User | None,
    received_on: date | None = None,
    version: int | None = None,
) -> ReturnAuthorization:
    request_access(by, rma.request, cap=Cap.HANDLE_GOODS)
    today = org_today(rma)
    received_on = received_on or today
    errors: dict[str, str] = {}
    not_future(errors, "received_on", received_on, today)
    earliest = rma.return_shipped_on or build.local_date(rma.created_at, rma.organization)
    if received_on < earliest:
        errors["received_on"] = _("签收日期不能早于 %(d)s。") % {"d": earliest}
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        locked = lock(rma)
        step = check(locked, version, "receive", by)
        old = locked.get_status_display()
        locked.status = step.target
        locked.received_on, locked.received_by = received_on, by
        save(locked, "status", "received_on", "received_by")
        with org_language():
            flow.drive(
                locked.request,
                part_of=Cap.HANDLE_GOODS,
                to=Status.IN_PROGRESS,
                by=by,
                reason=ev(codes.RMA_GOODS_RECEIVED),
            )
            said = ev(codes.RMA_RECEIVED, d=str(received_on))
            record_step(locked, by, "received", said, {_("退换货状态"): [old, locked.get_status_display()]})
            notify.rma_step(locked, "received", str(said))
    return locked


def rma_inspect(
    *,
    rma: ReturnAuthorization,
    by: User | None,
    findings: Mapping[str, bool],
    notes: str = "",
    odometer_km: int | None = None,
    photos: Sequence[tuple[str, bytes]] = (),
    attachment_ids: Sequence[int] = (),
    version: int | None = None,
) -> ConditionReport:
    """Record the condition (with photos); the engine re-decides on it and the result is kept."""
    request_access(by, rma.request, cap=Cap.HANDLE_GOODS)
    errors: dict[str, str] = {}
    unknown = set(findings) - set(ConditionReport.FLAGS)
    if unknown:
        errors["findings"] = _("未知的检测项：%(f)s") % {"f": ", ".join(sorted(unknown))}
    if odometer_km is not None and odometer_km < 0:
        errors["odometer_km"] = _("里程表读数不能为负数。")
    if len(notes or "") > 5000:
        errors["notes"] = _("最多 5000 个字符。")
    if len(photos) + len(attachment_ids) > MAX_PHOTOS:
        errors["photos"] = _("最多 %(n)d 张照片。") % {"n": MAX_PHOTOS}
    if errors:
        raise InvalidInput(errors)
    for name, data in photos:
        check_upload(name, data, "photos")
    with transaction.atomic():
        locked = lock(rma)
        step = check(locked, version, "inspect", by)
        report = ConditionReport.objects.create(
            organization_id=locked.organization_id,
            unit=locked.unit,
            rma=locked,
            notes=(notes or "").strip(),
            odometer_km=odometer_km,
            inspected_by=by,
            inspected_at=timezone.now(),
            **{name: bool(findings.get(name)) for name in ConditionReport.FLAGS},
        )
        for name, data in photos:
            report.photos.add(
                attachment_add(request=locked.request, by=by, name=name, data=data, field="photos")
            )
        if attachment_ids:
            # Photos uploaded to the request beforehand (the API's way): they must be this request's images.
            uploaded = list(
                Attachment.objects.filter(
                    request=locked.request, pk__in=attachment_ids, content_type__startswith="image/"
                )
            )
            missing = sorted(set(attachment_ids) - {a.pk for a in uploaded})
            if missing:
                raise InvalidInput(
                    {
                        "photo_ids": _("服务单没有这些照片附件：%(ids)s")
                        % {"ids": ", ".join(str(i) for i in missing)}
                    }
                )
            report.photos.add(*uploaded)
        inputs = rma_inputs(locked, report=report)
        decision = evaluate_inputs(inputs)
        wanted = OptionKind.EXCHANGE if locked.resolution == RMA.Resolution.EXCHANGE else OptionKind.RETURN
        still = choose(decision, locked, kind=wanted)
        locked.eligibility = {
            **locked.eligibility,
            "inspected": {
                "facts": snapshot.inputs_json(inputs.facts, inputs.request, inputs.org_rules),
                "decision": snapshot.decision_json(decision),
                "still_eligible": still is not None,
            },
        }
        old = locked.get_status_display()
        locked.status = step.target
        locked.inspected_at = report.inspected_at
        save(locked, "status", "eligibility", "inspected_at")
        with org_language():
            found = both(lambda: _("；").join(str(f) for f in report.findings()) or _("无异常"))
            if still is None:
                text = ev(
                    codes.RMA_INSPECTED_NOT,
                    f=found,
                    res=locked.resolution,
                    why=both(lambda: refusals(decision, wanted) or _("见评估结果")),
                )
            else:
                text = ev(codes.RMA_INSPECTED_OK, f=found, res=locked.resolution)
            record_step(
                locked,
                by,
                "inspected",
                text,
                {_("退换货状态"): [old, locked.get_status_display()]},
                report=report.pk,
                still_eligible=still is not None,
            )
            notify.rma_step(locked, "inspected", str(text))
    return report
