"""The customer's request page, the dispatch parts of it: the booked visit and the repair summary.

Tags rather than view context so the portal's request page (in ``service``, a lower layer) shows
them without importing dispatch: ``{% load dispatch_portal %}{% portal_visit sr %}``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.dispatch import config, skills
from aftersales.dispatch.models import Appointment, RepairRecord
from aftersales.dispatch.selectors import active_appointment, mail_in_of
from aftersales.dispatch.slots import BOOKABLE
from aftersales.service.models import Fulfilment, ServiceRequest

register = template.Library()


@register.filter(name="masked_name")
def masked_name(name: str) -> str:
    """What a customer is told of the technician: ``张伟`` → ``张师傅``; ``Tina Smith`` → ``Tina S.``.

    Enough to greet the person at the door; the full name and the phone stay with the organization.
    """
    name = (name or "").strip()
    if not name:
        return ""
    if "\u4e00" <= name[0] <= "\u9fff":
        return _("%(surname)s师傅") % {"surname": name[0]}
    first, _sep, rest = name.partition(" ")
    return f"{first} {rest.strip()[:1]}." if rest.strip() else first


def can_book(sr: ServiceRequest) -> bool:
    """Whether the page offers to book (or move) a visit: an open on-site field job that is not yet
    done. A request waiting for the customer's acceptance (待验收) offers none."""
    return (
        sr.kind in skills.FIELD_KINDS
        and sr.fulfilment == Fulfilment.ONSITE
        and sr.status in BOOKABLE
        and sr.merged_into_id is None
    )


@register.inclusion_tag("dispatch/includes/portal_visit.html")
def portal_visit(sr: ServiceRequest) -> dict[str, Any]:
    field_job = sr.kind in skills.FIELD_KINDS
    appointment: Appointment | None = active_appointment(sr) if field_job and sr.is_open else None
    window: dict[str, Any] = {}
    if appointment is not None:
        zone = config.zone_of(sr.organization)
        start = timezone.localtime(appointment.window_start, zone)
        window = {
            "start": start,
            "end": timezone.localtime(appointment.window_end, zone),
            "today": start.date() == timezone.localtime(timezone.now(), zone).date(),
        }
    return {
        "sr": sr,
        "appointment": appointment,
        "window": window,
        "technician": masked_name(appointment.technician.name)
        if appointment and appointment.technician
        else "",
        "can_book": can_book(sr),
        "mail_in": sr.is_open
        and field_job
        and sr.fulfilment == Fulfilment.MAIL_IN
        and mail_in_of(sr) is not None,
    }


def repair_records(sr: ServiceRequest) -> list[RepairRecord]:
    """The request's repair records with something in them, completed visits first, oldest first."""
    records = (
        RepairRecord.objects.filter(request=sr)
        .select_related("technician__user")
        .prefetch_related("parts__spare_part")
        .order_by("completed_at", "created_at", "id")
    )
    return [r for r in records if r.completed_at or r.diagnosis or r.parts.all()]


@register.inclusion_tag("dispatch/includes/portal_repair_summary.html")
def portal_repair_summary(sr: ServiceRequest, open_details: bool = True) -> dict[str, Any]:
    records = repair_records(sr)
    total = sum((r.charge_total for r in records), Decimal("0.00"))
    rows = []
    for record in records:
        rows.append(
            {
                "record": record,
                "parts": list(record.parts.all()),
                "technician": masked_name(record.technician.name) if record.technician else "",
                "charges": [
                    (_("上门费"), record.charge_visit),
                    (_("工时费"), record.charge_labour),
                    (_("备件费"), record.charge_parts),
                ],
            }
        )
    return {"sr": sr, "rows": rows, "total": total, "open_details": open_details}
