"""Intake: one customer across channels, and requests arriving by email."""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, MIMEPart
from email.utils import parseaddr
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aftersales.core.crypto import lookup_hash, phone_hash, phone_tail_hash
from aftersales.core.errors import InvalidInput
from aftersales.customers.models import Customer
from aftersales.customers.services import clean_phone
from aftersales.service import attachments as attach
from aftersales.service import services
from aftersales.service.events import event_add
from aftersales.service.models import Channel, Kind, Message, ServiceRequest

if TYPE_CHECKING:
    from aftersales.accounts.models import Organization

NUMBER = re.compile(r"SR-\d{4}-\d{6,}")


def customer_for_contact(
    *, organization: Organization, name: str, phone: str = "", email_address: str = ""
) -> Customer:
    """The organization's customer with this phone or email, created if there is none.

    The same person calling, emailing and using the web form becomes one customer, so their
    requests share one history.
    """
    email_address = (email_address or "").strip().lower()
    if phone:
        phone = clean_phone(phone)
        found = Customer.objects.filter(organization=organization, phone_hash=phone_hash(phone)).first()
        if found:
            if email_address and not found.email:
                Customer.objects.filter(pk=found.pk).update(email=email_address)
                found.email = email_address
            return found
    if email_address:
        found = Customer.objects.filter(organization=organization, email__iexact=email_address).first()
        if found:
            if phone and not found.phone:
                # First known by email only (its key is the email's hash); now the phone is known
                # too, so a later call finds the same person by phone.
                # An update() skips the fields' pre_save: the tail hash is set here, as the hash is.
                keys = {"phone_hash": phone_hash(phone), "phone_tail_hash": phone_tail_hash(phone)}
                Customer.objects.filter(pk=found.pk).update(phone=phone, **keys)
                found.phone, found.phone_hash, found.phone_tail_hash = (
                    phone,
                    keys["phone_hash"],
                    keys["phone_tail_hash"],
                )
            return found
    if not phone and not email_address:
        raise InvalidInput({"phone": _("请提供手机号或邮箱。")})
    # Without a phone the row still needs a unique lookup key; the email's keyed hash serves.
    key = phone_hash(phone) if phone else lookup_hash("email:" + email_address)
    try:
        with transaction.atomic():
            return Customer.objects.create(
                organization=organization,
                name=(name or email_address or phone)[:100],
                phone=phone,
                phone_hash=key,
                email=email_address,
            )
    except IntegrityError:
        # A concurrent intake created the same person a moment ago.
        return Customer.objects.get(organization=organization, phone_hash=key)


@dataclass
class ParsedEmail:
    message_id: str
    sender_name: str
    sender: str
    subject: str
    body: str
    in_reply_to: list[str]
    attachments: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def request_number(self) -> str | None:
        match = NUMBER.search(self.subject)
        return match.group(0) if match else None


def parse_email(raw: bytes) -> ParsedEmail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage):
        raise ValueError("not an RFC 822 message")
    name, address = parseaddr(str(message.get("From", "")))
    if not address or "@" not in address:
        raise InvalidInput({"from": _("邮件缺少发件人地址。")})
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = _text_of(body_part) if body_part is not None else ""
    if body_part is not None and body_part.get_content_type() == "text/html":
        body = re.sub(r"<[^>]+>", " ", body)
    attachments = []
    for part in message.iter_attachments():
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        if filename and isinstance(payload, bytes):
            attachments.append((filename, payload))
    refs = " ".join(str(message.get(h, "")) for h in ("In-Reply-To", "References"))
    # Without a Message-ID the content itself identifies the message, so a retried delivery
    # of the same bytes is still recognised as a duplicate.
    message_id = (
        str(message.get("Message-ID", "")).strip()
        or f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id>"
    )
    return ParsedEmail(
        message_id=message_id,
        sender_name=name,
        sender=address.lower(),
        subject=str(message.get("Subject", "")).strip(),
        body=_strip_quoted(body),
        in_reply_to=re.findall(r"<[^>]+>", refs),
        attachments=attachments,
    )


def _text_of(part: MIMEPart) -> str:
    charset = (part.get_content_charset() or "").lower()
    payload = part.get_payload(decode=True)
    if charset in ("gb2312", "gbk") and isinstance(payload, bytes):
        # Chinese mail clients label GBK (and GB18030) text as gb2312; the superset reads all of it.
        return payload.decode("gb18030", "replace")
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError):
        # An unknown or lying charset: keep what is readable rather than refuse the message.
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def _strip_quoted(body: str) -> str:
    """Drop the quoted history of a reply so the timeline shows what was newly written."""
    lines = []
    for line in body.splitlines():
        if line.startswith(">") or re.match(r"^(On .* wrote:|在.*写道：?)\s*$", line.strip()):
            break
        lines.append(line)
    return "\n".join(lines).strip() or body.strip()


def ingest_email(*, organization: Organization, raw: bytes) -> tuple[ServiceRequest, bool]:
    """A new message makes a request; a reply (number in the subject or a known Message-ID) is
    appended to it. Returns the request and whether it was created. Safe to run twice."""
    parsed = parse_email(raw)
    if parsed.message_id:
        seen = Message.objects.filter(
            request__organization=organization, email_message_id=parsed.message_id
        ).first()
        if seen:
            return seen.request, False
    target = None
    number = parsed.request_number
    if number:
        target = ServiceRequest.objects.filter(organization=organization, number=number).first()
    if target is None and parsed.in_reply_to:
        known = Message.objects.filter(
            request__organization=organization, email_message_id__in=parsed.in_reply_to
        ).first()
        target = known.request if known else None
    customer = customer_for_contact(
        organization=organization, name=parsed.sender_name, email_address=parsed.sender
    )
    if target is not None and target.customer_id != customer.pk:
        target = None  # someone else quoting a number does not get into that request
    with transaction.atomic():
        created = target is None
        if target is None:
            target = services.request_create(
                organization=organization,
                customer=customer,
                by=None,
                kind=Kind.CONSULTATION,
                channel=Channel.EMAIL,
                subject=parsed.subject[:200] or _("邮件咨询"),
                description=parsed.body or parsed.subject or "-",
            )
        message = services.message_add(
            request=target,
            by=None,
            body=parsed.body or parsed.subject or "-",
            channel=Channel.EMAIL,
            email_message_id=parsed.message_id,
        )
        for filename, data in parsed.attachments:
            try:
                attach.attachment_add(request=target, by=None, name=filename, data=data, message=message)
            except InvalidInput:
                event_add(
                    request=target, kind="attachment", by=None, public=False, data={"rejected": filename}
                )
    return target, created
