"""Uploads survive a re-shown form: a duplicate warning, a field error, a refused file.

Through real HTTP requests with real files (Django's test client, multipart bodies).
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from aftersales.core.errors import InvalidInput
from aftersales.service import pending, services
from aftersales.service.models import Attachment, Message, PendingUpload, ServiceRequest
from aftersales.service.tasks import expire_pending_uploads
from aftersales.testing.factories import AddressFactory, CustomerFactory, UnitFactory

pytestmark = pytest.mark.django_db
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 512


def png_bytes(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def png(name: str = "photo.png", colour: tuple[int, int, int] = (200, 30, 30)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(colour), content_type="image/png")


def token_of(html: str) -> str:
    match = re.search(r'name="upload_token" value="([^"]+)"', html)
    assert match, "the form carries its upload token"
    return match.group(1)


def kept_ids(html: str) -> list[str]:
    return re.findall(r'name="pending_upload" value="(\d+)"', html)


@pytest.fixture
def carols_unit(org_a, carol):
    customer = CustomerFactory(organization=org_a, user=carol, name="王卡罗", phone="13812345678")
    AddressFactory(customer=customer)
    return UnitFactory(organization=org_a, customer=customer, serial_number="SN-CAROL-1")


@pytest.fixture
def open_sr(carols_unit) -> ServiceRequest:
    return services.request_create(
        organization=carols_unit.organization,
        customer=carols_unit.customer,
        by=None,
        kind="repair",
        channel="web",
        description="空调不制冷",
        unit=carols_unit,
        notify=False,
    )


# --- portal: new request -----------------------------------------------------------------------


def test_portal_photo_survives_the_duplicate_warning_and_is_attached_on_confirm(
    client_for, carol, carols_unit, open_sr
):
    client = client_for(carol)
    form = {
        "unit": carols_unit.pk,
        "kind": "repair",
        "description": "室外机异响",
        "preferred_start": "2030-05-01T09:00",
    }

    # given a unit with an open request, when the customer submits a new one with a photo
    warned = client.get("/portal/requests/new/")
    first = client.post(
        "/portal/requests/new/",
        {**form, "upload_token": token_of(warned.content.decode()), "photos": [png("photo.png")]},
    )

    # then the warning is shown, with the photo listed and everything typed still there
    html = first.content.decode()
    assert first.status_code == 422 and open_sr.number in html and 'id="submit-anyway"' in html
    assert "已上传：" in html and "photo.png" in html
    assert "室外机异响" in html and 'value="2030-05-01T09:00"' in html
    ids = kept_ids(html)
    assert len(ids) == 1 and ServiceRequest.objects.count() == 1

    # when they confirm (the file input is empty now, as a browser sends it)
    confirmed = client.post(
        "/portal/requests/new/",
        {**form, "allow_duplicate": "on", "upload_token": token_of(html), "pending_upload": ids},
    )

    # then the new request has the photo, byte for byte, and nothing is left pending
    assert confirmed.status_code == 302
    created = ServiceRequest.objects.exclude(pk=open_sr.pk).get()
    assert created.description == "室外机异响"
    [photo] = created.attachments.all()
    assert photo.name == "photo.png" and photo.content_type == "image/png" and photo.public
    assert photo.file.read() == png_bytes()
    assert not PendingUpload.objects.exists()
    page = client.get(confirmed["Location"]).content.decode()
    assert "photo.png" in page


def test_portal_photos_survive_a_field_error_and_new_ones_add_to_them(client_for, carol, carols_unit):
    client = client_for(carol)
    first = client.post(
        "/portal/requests/new/",
        {"unit": carols_unit.pk, "kind": "repair", "description": " ", "photos": [png("a.png")]},
    )
    html = first.content.decode()
    assert first.status_code == 422 and "a.png" in html and not ServiceRequest.objects.exists()

    fixed = client.post(
        "/portal/requests/new/",
        {
            "unit": carols_unit.pk,
            "kind": "repair",
            "description": "洗衣机不排水",
            "upload_token": token_of(html),
            "pending_upload": kept_ids(html),
            "photos": [png("b.png", (0, 0, 255))],
        },
    )

    assert fixed.status_code == 302
    created = ServiceRequest.objects.get()
    assert sorted(a.name for a in created.attachments.all()) == ["a.png", "b.png"]
    assert not PendingUpload.objects.exists()


def test_portal_a_refused_file_is_named_and_the_good_one_kept(client_for, carol, carols_unit):
    client = client_for(carol)
    response = client.post(
        "/portal/requests/new/",
        {
            "unit": carols_unit.pk,
            "kind": "repair",
            "description": "屏幕碎了",
            "photos": [png("good.png"), SimpleUploadedFile("screen.jpg", EXE, content_type="image/jpeg")],
        },
    )
    html = response.content.decode()
    assert response.status_code == 422 and "screen.jpg" in html and "内容与扩展名不符" in html
    assert "good.png" in html and len(kept_ids(html)) == 1
    assert not ServiceRequest.objects.exists() and not Attachment.objects.exists()
    assert list(PendingUpload.objects.values_list("name", flat=True)) == ["good.png"]


def test_portal_a_file_taken_off_is_not_attached(client_for, carol, carols_unit, open_sr):
    client = client_for(carol)
    form = {"unit": carols_unit.pk, "kind": "repair", "description": "又坏了"}
    html = client.post(
        "/portal/requests/new/", {**form, "photos": [png("keep.png"), png("drop.png", (0, 9, 0))]}
    ).content.decode()
    keep = PendingUpload.objects.get(name="keep.png")

    # the customer clicked ✕ on drop.png: its box is not ticked, so its id is not sent
    client.post(
        "/portal/requests/new/",
        {**form, "allow_duplicate": "on", "upload_token": token_of(html), "pending_upload": [str(keep.pk)]},
    )

    created = ServiceRequest.objects.exclude(pk=open_sr.pk).get()
    assert [a.name for a in created.attachments.all()] == ["keep.png"]
    assert not PendingUpload.objects.exists()


def test_another_customer_cannot_claim_someone_elses_kept_photo(
    client_for, carol, cody, carols_unit, org_a, open_sr
):
    html = (
        client_for(carol)
        .post(
            "/portal/requests/new/",
            {"unit": carols_unit.pk, "kind": "repair", "description": "x", "photos": [png("private.png")]},
        )
        .content.decode()
    )
    token, ids = token_of(html), kept_ids(html)
    codys = CustomerFactory(organization=org_a, user=cody)
    unit = UnitFactory(organization=org_a, customer=codys)

    client = client_for(cody)
    stolen = client.post(
        "/portal/requests/new/",
        {
            "unit": unit.pk,
            "kind": "repair",
            "description": "我的",
            "upload_token": token,
            "pending_upload": ids,
        },
    )

    assert stolen.status_code == 302
    mine = ServiceRequest.objects.get(customer=codys)
    assert not mine.attachments.exists()
    assert PendingUpload.objects.filter(owner=carol).count() == 1  # carol's file untouched


# --- console: new request and replies ----------------------------------------------------------


def test_console_new_request_keeps_files_through_the_duplicate_warning(
    client_for, alice, carols_unit, open_sr
):
    client = client_for(alice)
    form = {
        "customer": carols_unit.customer_id,
        "unit": carols_unit.pk,
        "kind": "repair",
        "channel": "phone",
        "priority": "normal",
        "fulfilment": "onsite",
        "description": "客户来电：漏水",
    }
    warned = client.post("/console/requests/new/", {**form, "uploads": [png("leak.png")]})
    html = warned.content.decode()
    assert warned.status_code == 422 and 'id="create-anyway"' in html and "leak.png" in html
    assert "客户来电：漏水" in html

    created = client.post(
        "/console/requests/new/",
        {**form, "allow_duplicate": "on", "upload_token": token_of(html), "pending_upload": kept_ids(html)},
    )

    assert created.status_code == 302
    sr = ServiceRequest.objects.exclude(pk=open_sr.pk).get()
    assert [a.name for a in sr.attachments.all()] == [
        "leak.png"
    ] and sr.attachments.get().uploaded_by == alice
    assert not PendingUpload.objects.exists()


def test_console_new_request_linked_to_the_open_one_keeps_files_too(client_for, alice, carols_unit, open_sr):
    client = client_for(alice)
    form = {
        "customer": carols_unit.customer_id,
        "unit": carols_unit.pk,
        "kind": "repair",
        "channel": "phone",
        "priority": "normal",
        "fulfilment": "onsite",
        "description": "补充",
    }
    html = client.post("/console/requests/new/", {**form, "uploads": [png("more.png")]}).content.decode()
    client.post(
        "/console/requests/new/",
        {**form, "link_to": open_sr.number, "upload_token": token_of(html), "pending_upload": kept_ids(html)},
    )
    sr = ServiceRequest.objects.exclude(pk=open_sr.pk).get()
    assert sr.linked_to == open_sr and [a.name for a in sr.attachments.all()] == ["more.png"]


def test_console_reply_keeps_the_good_file_after_a_refused_one(client_for, alice, open_sr):
    client = client_for(alice)
    first = client.post(
        f"/console/requests/{open_sr.number}/reply/",
        {
            "body": "附上照片",
            "visibility": "public",
            "uploads": [
                png("ok.png"),
                SimpleUploadedFile("invoice-photo.jpg", EXE, content_type="image/jpeg"),
            ],
        },
    )
    html = first.content.decode()
    assert (
        first.status_code == 422 and "invoice-photo.jpg" in html and "ok.png" in html and "附上照片" in html
    )
    assert not Message.objects.exists()

    # sent again without choosing any file: the kept one counts as chosen
    sent = client.post(
        f"/console/requests/{open_sr.number}/reply/",
        {
            "body": "",
            "visibility": "public",
            "upload_token": token_of(html),
            "pending_upload": kept_ids(html),
        },
    )

    assert sent.status_code == 302
    assert [a.name for a in open_sr.attachments.all()] == ["ok.png"] and not PendingUpload.objects.exists()


def test_portal_reply_keeps_the_photo_through_an_error(client_for, carol, open_sr):
    client = client_for(carol)
    first = client.post(
        f"/portal/requests/{open_sr.number}/reply/", {"body": "x" * 20001, "photos": [png("more.png")]}
    )
    html = first.content.decode()
    assert first.status_code == 422 and "more.png" in html

    sent = client.post(
        f"/portal/requests/{open_sr.number}/reply/",
        {"body": "补一张照片", "upload_token": token_of(html), "pending_upload": kept_ids(html)},
    )

    assert sent.status_code == 302
    message = Message.objects.get(request=open_sr)
    assert [a.name for a in message.attachments.all()] == ["more.png"]


def test_a_forged_token_finds_nothing_and_is_replaced(client_for, carol, carols_unit):
    response = client_for(carol).post(
        "/portal/requests/new/",
        {
            "unit": carols_unit.pk,
            "kind": "repair",
            "description": " ",
            "upload_token": "../../etc/passwd",
            "pending_upload": ["1", "x"],
        },
    )
    assert response.status_code == 422
    assert token_of(response.content.decode()) != "../../etc/passwd"


# --- expiry --------------------------------------------------------------------------------------


def test_unclaimed_uploads_expire_with_their_files(carol):
    old = pending.pending_add(
        owner=carol, token=pending.new_token(), field="photos", name="old.png", data=png_bytes()
    )
    fresh = pending.pending_add(
        owner=carol, token=pending.new_token(), field="photos", name="new.png", data=png_bytes()
    )
    PendingUpload.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - pending.KEEP_FOR - timedelta(minutes=1)
    )
    storage, path = old.file.storage, old.file.name
    assert storage.exists(path)

    with_commit = expire_pending_uploads()

    assert with_commit == 1
    assert list(PendingUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert expire_pending_uploads() == 0  # safe to run twice


def test_expiry_removes_the_stored_file(carol, django_capture_on_commit_callbacks):
    old = pending.pending_add(
        owner=carol, token=pending.new_token(), field="photos", name="old.png", data=png_bytes()
    )
    storage, path = old.file.storage, old.file.name
    with django_capture_on_commit_callbacks(execute=True):
        pending.expire_pending(now=timezone.now() + pending.KEEP_FOR + timedelta(minutes=1))
    assert not storage.exists(path)


def test_pending_uploads_are_checked_by_content(carol):
    with pytest.raises(InvalidInput) as exc:
        pending.pending_add(owner=carol, token=pending.new_token(), field="photos", name="x.png", data=EXE)
    assert "photos" in exc.value.errors and not PendingUpload.objects.exists()
