"""Shared steps of the return workflow: locking the RMA, checking its table, saving and recording."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.accounts.models import Role
from aftersales.core import workflow
from aftersales.core.errors import Conflict
from aftersales.entitlement import facts as build
from aftersales.entitlement.models import ReturnAuthorization
from aftersales.entitlement.policy import Decision, Option, OptionKind
from aftersales.entitlement.rma.table import LABELS, TABLE, Transition
from aftersales.entitlement.services import evaluate_inputs
from aftersales.service import event_text
from aftersales.service.event_text import EventText
from aftersales.service.events import actor_of, event_add
from aftersales.service.models import Kind, RequestEvent

if TYPE_CHECKING:
    from aftersales.accounts.models import User

RMA = ReturnAuthorization


@contextmanager
def org_language() -> Iterator[None]:
    """Timeline texts and customer messages are written in the organization's language."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def option_key(option: Option) -> str:
    return f"{option.kind.value}:{option.rule_id}"


def is_customer(by: User | None) -> bool:
    return by is not None and by.role == Role.CUSTOMER


def lock(rma: ReturnAuthorization) -> ReturnAuthorization:
    return (
        RMA.objects.select_for_update(of=("self",))
        .select_related(
            "organization",
            "request",
            "request__customer",
            "request__organization",
            "unit",
            "unit__organization",
            "unit__product_model",
            "unit__product_model__category",
            "replacement_unit",
        )
        .get(pk=rma.pk)
    )


def check(rma: ReturnAuthorization, version: int | None, name: str, by: User | None) -> Transition:
    """The step ``name`` of the return's table, if it may be taken now; Conflict otherwise."""
    if version is not None and version != rma.version:
        raise Conflict(
            _("退换货单已被他人修改（当前版本 %(v)d），请刷新后再试。") % {"v": rma.version},
            {"version": str(rma.version)},
        )
    try:
        return workflow.take(TABLE, name, rma.status, actor_of(by))
    except workflow.Refused:
        raise Conflict(
            _("退换货单当前为“%(status)s”，不能执行“%(step)s”。")
            % {"status": rma.get_status_display(), "step": LABELS[name]},
            {"status": rma.status},
        ) from None


def save(rma: ReturnAuthorization, *fields: str) -> None:
    rma.version += 1
    rma.save(update_fields=[*fields, "version", "updated_at"])


def record_step(
    rma: ReturnAuthorization,
    by: User | None,
    step: str,
    text: str | EventText,
    changes: Mapping[str, list[Any]],
    public: bool = True,
    **data: Any,
) -> None:
    # The request's timeline lists a field event's changes; the step's text goes in as one of them
    # (as its code when it has one, so the page shows it in the reader's language).
    said = event_text.as_value(text)
    rows = {**changes, gettext_noop("说明"): [None, said]}
    event_add(
        request=rma.request,
        kind=RequestEvent.Kind.FIELD,
        by=by,
        public=public,
        reason=text,
        data={"rma": rma.number, "step": step, "changes": rows, **data},
    )


def org_today(rma: ReturnAuthorization) -> date:
    return build.today_for(rma.organization)


def not_future(errors: dict[str, str], field: str, day: date | None, today: date) -> None:
    if day is not None and day > today:
        errors[field] = _("日期不能晚于今天。")


def _requested_odometer(rma: ReturnAuthorization) -> int | None:
    """The odometer reading given with the request (a car's facts need one before any inspection)."""
    facts = ((rma.eligibility or {}).get("requested") or {}).get("facts") or {}
    value = (facts.get("facts") or {}).get("odometer_km")
    return value if isinstance(value, int) else None


def rma_inputs(rma: ReturnAuthorization, report: object = build._LATEST) -> build.Inputs:
    if report is build._LATEST:
        report = rma.inspections.order_by("-inspected_at", "-id").first() or build.latest_report(rma.unit)
    # An inspection's reading wins; until one is taken the reading given with the request stands.
    read = getattr(report, "odometer_km", None)
    return build.inputs_for_request(
        rma.request, report=report, odometer_km=None if read is not None else _requested_odometer(rma)
    )


def wanted_kind(rma: ReturnAuthorization) -> OptionKind:
    return OptionKind.EXCHANGE if rma.request.kind == Kind.EXCHANGE else OptionKind.RETURN


def choose(
    decision: Decision, rma: ReturnAuthorization, key: str = "", kind: OptionKind | None = None
) -> Option | None:
    """The option named by key, else the approved one, else one of the kind asked for."""
    kinds = (kind,) if kind is not None else (OptionKind.RETURN, OptionKind.EXCHANGE)
    candidates = [o for o in decision.options if o.kind in kinds]
    if key:
        return next((o for o in candidates if option_key(o) == key), None)
    if rma.option_rule_id:
        approved = next(
            (o for o in candidates if option_key(o) == f"{rma.option_kind}:{rma.option_rule_id}"), None
        )
        if approved is not None:
            return approved
    wanted = kind or wanted_kind(rma)
    return next((o for o in candidates if o.kind == wanted), candidates[0] if candidates else None)


def refusals(decision: Decision, kind: OptionKind) -> str:
    en = translation.get_language() == "en"
    return "；".join(r.reason_en if en else r.reason_zh for r in decision.refusals if r.kind == kind)


def summary(decision: Decision) -> str:
    en = translation.get_language() == "en"
    return "；".join(o.reason_en if en else o.reason_zh for o in decision.options)


def open_step(
    rma: ReturnAuthorization, version: int | None, name: str, by: User | None
) -> tuple[ReturnAuthorization, Transition, build.Inputs, Decision]:
    """Inside the step's transaction: the locked return, the step its table allows, and the
    engine's answer on the return's facts as they stand now."""
    locked = lock(rma)
    step = check(locked, version, name, by)
    inputs = rma_inputs(locked)
    return locked, step, inputs, evaluate_inputs(inputs)
