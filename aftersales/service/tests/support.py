"""Helpers shared by the console and portal view tests (``test_views_*.py``)."""

from __future__ import annotations

import io

from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from aftersales.service import attachments, services
from aftersales.service.models import Attachment, ServiceRequest

HTMX = {"HTTP_HX_REQUEST": "true"}
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 512


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def open_request(unit, *, kind: str = "repair", description: str = "空调不制冷", **kw) -> ServiceRequest:
    return services.request_create(
        organization=unit.organization,
        customer=unit.customer,
        by=None,
        kind=kind,
        channel=kw.pop("channel", "web"),
        description=description,
        unit=unit,
        allow_duplicate=True,
        notify=False,
        **kw,
    )


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def services_attach(sr, by, name, *, public) -> Attachment:
    return attachments.attachment_add(request=sr, by=by, name=name, data=png(name).read(), public=public)
