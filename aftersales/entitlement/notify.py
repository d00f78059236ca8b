"""What customers, staff and integrators hear about returns and quotes, written to the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from aftersales.accounts.models import Role, User
from aftersales.notifications import outbox

if TYPE_CHECKING:
    from aftersales.entitlement.models import Quote, ReturnAuthorization
    from aftersales.service.models import ServiceRequest


def rma_payload(rma: ReturnAuthorization) -> dict[str, Any]:
    return {
        "number": rma.number,
        "request": rma.request.number,
        "status": rma.status,
        "resolution": rma.resolution or None,
        "unit_serial": rma.unit.serial_number,
        "replacement_serial": rma.replacement_unit.serial_number if rma.replacement_unit else None,
        "refund_amount": str(rma.refund_amount) if rma.refund_amount is not None else None,
        "refund_due_on": rma.refund_due_on.isoformat() if rma.refund_due_on else None,
        "version": rma.version,
    }


def _to_customer(request: ServiceRequest, key: str, subject: str, text: str) -> None:
    customer, org = request.customer, request.organization
    # Messages leave in the organization's language, whatever the language of the page that caused them.
    with translation.override(settings.LANGUAGE_CODE):
        greeting = _("%(name)s，您好：") % {"name": customer.name}
        footer = _("%(org)s 售后服务") % {"org": org.name}
    outbox.put_all(
        [
            outbox.email_message(
                organization=org,
                key=key,
                to=customer.email,
                subject=f"【{org.name}】{subject}",
                body=f"{greeting}\n\n{text}\n\n{footer}",
            ),
            outbox.sms_message(organization=org, key=key, phone=customer.phone, text=f"【{org.name}】{text}"),
        ]
    )


def rma_step(rma: ReturnAuthorization, step: str, text: str) -> None:
    key = f"rma:{rma.pk}:{step}:v{rma.version}"
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("退换货单 %(number)s：%(status)s") % {
            "number": rma.number,
            "status": rma.get_status_display(),
        }
    _to_customer(rma.request, key, subject, text)
    outbox.queue_webhooks(
        organization=rma.organization, event=f"return.{step}", key=key, data=rma_payload(rma)
    )


def rma_escalation(rma: ReturnAuthorization, level: int, text: str) -> None:
    """Tell the people who can pay the refund: the request's assignee, else the organization's agents and admins."""
    key = f"rma:{rma.pk}:escalation:{level}"
    assignee = rma.request.assignee
    people = (
        [assignee]
        if assignee is not None
        else list(
            User.objects.filter(
                organization=rma.organization, role__in=[Role.AGENT, Role.ORG_ADMIN], is_active=True
            )
        )
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("退款催办：%(number)s") % {"number": rma.number}
    for person in people:
        outbox.queue_email(
            organization=rma.organization,
            key=f"{key}:{person.pk}",
            to=person.email,
            subject=f"【{rma.organization.name}】{subject}",
            body=text,
        )
    event = "return.refund_overdue" if level >= 2 else "return.refund_due_soon"
    outbox.queue_webhooks(organization=rma.organization, event=event, key=key, data=rma_payload(rma))


def quote_step(quote: Quote, step: str, text: str) -> None:
    key = f"quote:{quote.pk}:{step}"
    request = quote.request
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("服务单 %(number)s 的维修报价") % {"number": request.number}
    if step == "sent":
        _to_customer(request, key, subject, text)
    outbox.queue_webhooks(
        organization=quote.organization,
        event=f"quote.{step}",
        key=key,
        data={
            "quote": quote.pk,
            "request": request.number,
            "status": quote.status,
            "total": str(quote.total),
            "payable": str(quote.payable),
        },
    )
