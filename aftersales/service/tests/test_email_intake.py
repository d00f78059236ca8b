"""Requests arriving by email: from a mailbox folder, over HTTP, replies threaded, one customer."""

from __future__ import annotations

import json
import logging
import struct
import zlib
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from aftersales.accounts.tokens import token_create
from aftersales.customers.models import Customer
from aftersales.jobs import runner
from aftersales.jobs.registry import enqueue
from aftersales.notifications import outbox
from aftersales.notifications.models import OutboxMessage
from aftersales.service import intake, services
from aftersales.service.models import Attachment, Message, RequestEvent, ServiceRequest
from aftersales.service.tasks import ingest_mailbox

pytestmark = pytest.mark.django_db


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real (tiny, grey) PNG: signature, IHDR, IDAT, IEND with correct CRCs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# The start of a Windows executable ("MZ" header, DOS stub), the kind of file mail filters see
# renamed to look like a photo.
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run in DOS mode." * 4
)


def mail(
    *,
    sender: str = "王芳 <wangfang@example.com>",
    subject: str = "空调不制冷",
    body: str = "家里的空调开了一小时还是不凉。",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
    charset: str = "utf-8",
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "service@acme.example"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="example.com")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body, charset=charset)
    for name, mime, data in attachments:
        maintype, subtype = mime.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def test_new_message_opens_a_consultation_for_a_new_customer(org_a):
    # when a stranger writes in
    sr, created = intake.ingest_email(organization=org_a, raw=mail(message_id="<first@example.com>"))
    # then a consultation by email exists for a new customer known by that address
    assert created
    sr.refresh_from_db()
    assert (sr.kind, sr.channel, sr.status) == ("consultation", "email", "new")
    assert sr.subject == "空调不制冷" and "不凉" in sr.description
    customer = Customer.objects.get(organization=org_a)
    assert customer.email == "wangfang@example.com" and customer.name == "王芳"
    assert sr.customer == customer
    message = Message.objects.get(request=sr)
    assert (message.author_kind, message.channel, message.email_message_id) == (
        "customer",
        "email",
        "<first@example.com>",
    )
    assert list(sr.events.values_list("kind", flat=True)) == ["created", "message"]
    # and the customer is told, by email, that it was received
    outbox.expand_notices()
    ack = OutboxMessage.objects.get(channel="email", recipient="wangfang@example.com")
    assert sr.number in ack.subject


def test_reply_with_the_number_in_the_subject_is_appended(org_a, alice):
    # given a request opened by email and a staff reply sent to the customer
    sr, _ = intake.ingest_email(organization=org_a, raw=mail())
    services.message_add(request=sr, by=alice, body="请问是哪个型号？")
    staff_mail = OutboxMessage.objects.filter(channel="email", subject__contains="新回复").get()
    # when the customer answers it from their mail client, quoting the history
    reply = mail(
        subject="Re: " + staff_mail.subject, body="型号是 KFR-35GW/A1。\n\n> 请问是哪个型号？\n> Acme 售后"
    )
    again, created = intake.ingest_email(organization=org_a, raw=reply)
    # then it joins the same request, without the quoted history
    assert not created and again.pk == sr.pk
    assert ServiceRequest.objects.count() == 1
    bodies = list(Message.objects.filter(request=sr).values_list("body", flat=True))
    assert bodies[-1] == "型号是 KFR-35GW/A1。"
    assert len(bodies) == 3


def test_reply_matched_by_in_reply_to_without_a_number(org_a):
    sr, _ = intake.ingest_email(organization=org_a, raw=mail(message_id="<orig-1@example.com>"))
    reply = mail(subject="Re: 空调不制冷", body="补充：室外机不转。", in_reply_to="<orig-1@example.com>")
    again, created = intake.ingest_email(organization=org_a, raw=reply)
    assert not created and again.pk == sr.pk
    assert Message.objects.filter(request=sr).count() == 2
    assert ServiceRequest.objects.count() == 1


def test_the_same_message_twice_is_ingested_once(org_a):
    raw = mail(message_id="<dup@example.com>")
    first, created = intake.ingest_email(organization=org_a, raw=raw)
    second, created_again = intake.ingest_email(organization=org_a, raw=raw)
    assert created and not created_again and first.pk == second.pk
    assert Message.objects.count() == 1


def test_a_message_without_message_id_is_still_deduplicated(org_a):
    raw = b"From: li@example.com\r\nSubject: =?utf-8?b?5rSX6KGj5py65ryP5rC0?=\r\n\r\nwasher leaks\r\n"
    first, created = intake.ingest_email(organization=org_a, raw=raw)
    second, created_again = intake.ingest_email(organization=org_a, raw=raw)
    assert created and not created_again and first.pk == second.pk
    assert first.subject == "洗衣机漏水"
    assert ServiceRequest.objects.count() == 1 and Message.objects.count() == 1


def test_someone_else_quoting_a_number_gets_a_request_of_their_own(org_a):
    sr, _ = intake.ingest_email(organization=org_a, raw=mail())
    other, created = intake.ingest_email(
        organization=org_a,
        raw=mail(sender="stranger@example.net", subject=f"Re: {sr.number}", body="我也要问"),
    )
    assert created and other.pk != sr.pk
    assert Message.objects.filter(request=sr).count() == 1


def test_a_photo_is_kept_and_a_disguised_executable_refused_but_recorded(org_a):
    png = png_bytes()
    raw = mail(attachments=[("室外机.png", "image/png", png), ("发票.jpg", "image/jpeg", EXE)])
    sr, _ = intake.ingest_email(organization=org_a, raw=raw)
    # the photo is stored, byte for byte, and belongs to the customer's message
    photo = Attachment.objects.get(request=sr)
    assert photo.content_type == "image/png" and photo.size == len(png)
    with photo.file.open("rb") as fh:
        assert fh.read() == png
    assert photo.message == Message.objects.get(request=sr)
    # the executable pretending to be a JPEG is not stored, but the timeline says it was refused
    assert Attachment.objects.filter(request=sr).count() == 1
    refused = RequestEvent.objects.get(request=sr, kind="attachment", data__rejected="发票.jpg")
    assert refused.public is False


def test_chinese_mail_labelled_gb2312_keeps_gbk_characters(org_a):
    # 镕 is in GBK but not in GB2312; Chinese mail clients label such text gb2312 all the same.
    body = "朱镕先生的热水器不点火。"
    raw = (
        b"From: zhu@example.com\r\nSubject: help\r\nMessage-ID: <gbk@example.com>\r\n"
        b"Content-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + body.encode("gbk")
    )
    sr, _ = intake.ingest_email(organization=org_a, raw=raw)
    assert sr.description == body


def test_phone_call_and_email_from_the_same_person_are_one_customer(client_for, alice, org_a):
    # given an agent who took a phone call and typed in the caller's phone and email
    agent = client_for(alice)
    r = agent.post(
        "/api/v1/requests",
        data=json.dumps(
            {
                "kind": "consultation",
                "description": "电话咨询安装费用",
                "channel": "phone",
                "contact": {"name": "王芳", "phone": "139 1234 5678", "email": "WangFang@Example.com"},
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    # when the same person later writes in by email
    by_mail, _ = intake.ingest_email(organization=org_a, raw=mail(sender="wangfang@example.com"))
    # then both requests belong to one customer
    assert Customer.objects.filter(organization=org_a).count() == 1
    assert by_mail.customer_id == r.json()["customer_id"]


def test_email_first_then_phone_is_one_customer_and_learns_the_phone(client_for, alice, org_a):
    by_mail, _ = intake.ingest_email(organization=org_a, raw=mail(sender="wangfang@example.com"))
    agent = client_for(alice)
    r = agent.post(
        "/api/v1/requests",
        data=json.dumps(
            {
                "kind": "consultation",
                "description": "来电",
                "channel": "phone",
                "contact": {"name": "王芳", "phone": "13912345678", "email": "wangfang@example.com"},
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["customer_id"] == by_mail.customer_id
    # a later call with the phone alone finds the same person
    again = intake.customer_for_contact(organization=org_a, name="王女士", phone="13912345678")
    assert again.pk == by_mail.customer_id and again.phone == "13912345678"
    assert Customer.objects.filter(organization=org_a).count() == 1


def test_the_same_address_at_two_organizations_is_two_customers(org_a, org_b):
    a, _ = intake.ingest_email(organization=org_a, raw=mail(message_id="<x1@example.com>"))
    b, _ = intake.ingest_email(organization=org_b, raw=mail(message_id="<x1@example.com>"))
    assert a.customer_id != b.customer_id and a.organization_id != b.organization_id


# --- over HTTP -------------------------------------------------------------------------------


@pytest.fixture
def gateway_token(alice):
    _token, raw = token_create(user=alice, name="mail gateway")
    return raw


def _post_mail(client, raw: bytes, token: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post("/api/v1/inbound/email", data=raw, content_type="message/rfc822", **headers)


def test_inbound_endpoint_creates_then_replays(client, gateway_token, org_a):
    raw = mail(message_id="<http-1@example.com>")
    r = _post_mail(client, raw, gateway_token)
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    assert r.json()["created"] is True
    sr = ServiceRequest.objects.get(number=number)
    assert sr.organization == org_a and sr.channel == "email"
    # a gateway retrying the same delivery gets the same request, not a second one
    r = _post_mail(client, raw, gateway_token)
    assert r.status_code == 200 and r.json() == {"number": number, "created": False}
    # a reply is appended and answered 200
    r = _post_mail(client, mail(subject=f"Re: {number}", body="还有噪音"), gateway_token)
    assert r.status_code == 200 and r.json()["number"] == number
    assert ServiceRequest.objects.count() == 1 and Message.objects.count() == 2


def test_inbound_endpoint_refuses_bad_input_and_strangers(client, gateway_token):
    assert _post_mail(client, mail(), None).status_code == 401
    assert _post_mail(client, mail(), "as_nope_nope").status_code == 401
    r = _post_mail(client, b"this is not an email", gateway_token)
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "from"
    r = _post_mail(client, b"", gateway_token)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    # an unknown charset is read as best it can, not a server error
    odd = b"From: x@example.com\r\nSubject: s\r\nContent-Type: text/plain; charset=x-bogus\r\n\r\nhello\r\n"
    assert _post_mail(client, odd, gateway_token).status_code == 201
    assert ServiceRequest.objects.count() == 1


def test_each_token_posts_into_its_own_organization(client, gateway_token, bob, org_b):
    _t, bolt = token_create(user=bob, name="bolt gateway")
    r = _post_mail(client, mail(message_id="<same@example.com>"), bolt)
    assert r.status_code == 201
    assert ServiceRequest.objects.get(number=r.json()["number"]).organization == org_b
    # the same message at the other organization is news there, not a duplicate
    assert _post_mail(client, mail(message_id="<same@example.com>"), gateway_token).status_code == 201
    assert ServiceRequest.objects.count() == 2


def test_a_customer_session_cannot_post_mail(client_for, carol):
    r = client_for(carol).post("/api/v1/inbound/email", data=mail(), content_type="message/rfc822")
    assert r.status_code == 403
    assert ServiceRequest.objects.count() == 0


# --- from a mailbox folder -------------------------------------------------------------------


@pytest.fixture
def mailbox(settings, tmp_path, org_a):
    settings.AFTERSALES_MAILBOX_DIR = tmp_path
    folder = tmp_path / org_a.slug
    (folder / "new").mkdir(parents=True)
    return folder


def test_folder_job_ingests_new_files_and_moves_them(mailbox, org_a, caplog):
    # given two messages, a reply and an unreadable file dropped into new/
    (mailbox / "new" / "1.eml").write_bytes(mail(message_id="<m1@example.com>"))
    (mailbox / "new" / "2.eml").write_bytes(
        mail(sender="li@example.com", subject="电视黑屏", body="开机无画面")
    )
    (mailbox / "new" / "3.eml").write_bytes(
        mail(subject="Re: 空调不制冷", body="补充", in_reply_to="<m1@example.com>")
    )
    (mailbox / "new" / "junk.eml").write_bytes(b"\x00\x01 not a message at all")
    (mailbox / "new" / ".tmp-writing").write_bytes(b"half")
    # when the periodic job runs through the job runner
    with caplog.at_level(logging.WARNING, logger="aftersales.service.tasks"):
        enqueue("service.ingest_mailbox")
        assert runner.run_pending() == 1
    # then two requests exist, the reply joined the first, and the files moved
    assert ServiceRequest.objects.filter(organization=org_a).count() == 2
    first = ServiceRequest.objects.get(messages__email_message_id="<m1@example.com>")
    assert first.messages.count() == 2
    assert sorted(p.name for p in (mailbox / "cur").iterdir()) == ["1.eml", "2.eml", "3.eml"]
    assert [p.name for p in (mailbox / "failed").iterdir()] == ["junk.eml"]
    assert [p.name for p in (mailbox / "new").iterdir()] == [".tmp-writing"]
    failure = next(r for r in caplog.records if r.getMessage() == "mailbox message failed")
    assert failure.file == "junk.eml" and "InvalidInput" in failure.reason


def test_folder_job_twice_and_a_redelivered_file_duplicate_nothing(mailbox, org_a):
    raw = mail(message_id="<again@example.com>")
    (mailbox / "new" / "a.eml").write_bytes(raw)
    assert ingest_mailbox() == {"created": 1, "appended": 0, "failed": 0}
    assert ingest_mailbox() == {"created": 0, "appended": 0, "failed": 0}
    # the mail server delivers the same message again under the same name
    (mailbox / "new" / "a.eml").write_bytes(raw)
    assert ingest_mailbox() == {"created": 0, "appended": 1, "failed": 0}
    assert ServiceRequest.objects.count() == 1 and Message.objects.count() == 1
    assert len(list((mailbox / "cur").iterdir())) == 2  # both copies kept, neither overwritten


def test_folder_job_ignores_unknown_organizations_and_missing_folders(settings, tmp_path, org_a):
    settings.AFTERSALES_MAILBOX_DIR = tmp_path / "nowhere"
    assert ingest_mailbox() == {"created": 0, "appended": 0, "failed": 0}
    settings.AFTERSALES_MAILBOX_DIR = tmp_path
    (tmp_path / "no-such-org" / "new").mkdir(parents=True)
    (tmp_path / "no-such-org" / "new" / "x.eml").write_bytes(mail())
    assert ingest_mailbox() == {"created": 0, "appended": 0, "failed": 0}
    assert (tmp_path / "no-such-org" / "new" / "x.eml").exists()
    assert ServiceRequest.objects.count() == 0
