"""Uploads are checked by content, not by name, and by size."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from aftersales.core.errors import InvalidInput
from aftersales.service import attachments, services
from aftersales.service.models import Attachment
from aftersales.testing.factories import CustomerFactory, UnitFactory

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return out.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.fixture
def request_(org_a, carol):
    customer = CustomerFactory(organization=org_a, user=carol)
    unit = UnitFactory(organization=org_a, customer=customer)
    return services.request_create(
        organization=org_a,
        customer=customer,
        by=None,
        kind="repair",
        channel="web",
        description="屏幕裂了",
        unit=unit,
    )


def test_a_real_photo_is_kept_with_its_detected_type(request_, carol):
    a = attachments.attachment_add(request=request_, by=carol, name="photo.png", data=png_bytes())
    assert a.content_type == "image/png" and a.size > 0
    assert a.file.read() == png_bytes()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("photo.jpg", EXE, "内容与扩展名不符"),
        ("virus.exe", EXE, "不支持的文件类型"),
        ("photo.png", b"", "是空的"),
        ("photo.jpg", png_bytes(), "内容与扩展名不符"),  # a PNG named .jpg is not a JPEG either
    ],
)
def test_bad_files_are_refused_naming_the_field(request_, carol, name, data, reason):
    with pytest.raises(InvalidInput) as exc:
        attachments.attachment_add(request=request_, by=carol, name=name, data=data)
    assert reason in exc.value.errors["file"]
    assert not Attachment.objects.exists()


def test_size_limit(request_, carol, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_IMAGE_BYTES", 100)
    with pytest.raises(InvalidInput) as exc:
        attachments.attachment_add(request=request_, by=carol, name="big.png", data=png_bytes() + b"\0" * 200)
    assert "超过大小限制" in exc.value.errors["file"]


def test_api_upload_answers_422_problem_for_a_disguised_exe(client_for, carol, request_):
    c = client_for(carol)

    r = c.post(
        f"/api/v1/requests/{request_.number}/attachments",
        {"file": SimpleUploadedFile("a.jpg", EXE, "image/jpeg")},
    )
    assert r.status_code == 422 and r["Content-Type"] == "application/problem+json"
    assert json.loads(r.content)["errors"][0]["field"] == "file"
    ok = c.post(
        f"/api/v1/requests/{request_.number}/attachments",
        {"file": SimpleUploadedFile("a.png", png_bytes(), "image/png")},
    )
    assert ok.status_code == 201 and ok.json()["content_type"] == "image/png"
