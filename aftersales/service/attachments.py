"""Attachments: size limits and a check that the content is what the name says."""

from __future__ import annotations

from pathlib import PurePath
from typing import IO, TYPE_CHECKING

import filetype
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from aftersales.core.errors import InvalidInput
from aftersales.service.access import request_access
from aftersales.service.events import event_add
from aftersales.service.models import Attachment, Message, RequestEvent, ServiceRequest

if TYPE_CHECKING:
    from aftersales.accounts.models import User

# extension → accepted MIME types (as detected from the bytes, not as claimed by the client)
ALLOWED: dict[str, set[str]] = {
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
    "png": {"image/png"},
    "gif": {"image/gif"},
    "webp": {"image/webp"},
    "heic": {"image/heic", "image/heif"},
    "heif": {"image/heif", "image/heic"},
    "mp4": {"video/mp4"},
    "mov": {"video/quicktime"},
    "pdf": {"application/pdf"},
}
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 50 * 1024 * 1024
MAX_OTHER_BYTES = 10 * 1024 * 1024


def check_upload(name: str, data: bytes, field: str = "file") -> str:
    """The detected MIME type, or InvalidInput naming the field and the reason."""
    ext = PurePath(name).suffix.lower().lstrip(".")
    if ext not in ALLOWED:
        raise InvalidInput(
            {field: _("不支持的文件类型“.%(ext)s”（支持照片、短视频和 PDF）。") % {"ext": ext or "?"}}
        )
    if not data:
        raise InvalidInput({field: _("文件“%(name)s”是空的。") % {"name": name}})
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind else ""
    if mime not in ALLOWED[ext]:
        raise InvalidInput(
            {
                field: _("“%(name)s”的内容与扩展名不符（检测为 %(mime)s）。")
                % {"name": name, "mime": mime or _("未知")}
            }
        )
    limit = (
        MAX_VIDEO_BYTES
        if mime.startswith("video/")
        else (MAX_IMAGE_BYTES if mime.startswith("image/") else MAX_OTHER_BYTES)
    )
    if len(data) > limit:
        raise InvalidInput(
            {field: _("“%(name)s”超过大小限制 %(mb)d MB。") % {"name": name, "mb": limit // (1024 * 1024)}}
        )
    return mime


def read_upload(upload: IO[bytes], *, limit: int = MAX_VIDEO_BYTES + 1) -> bytes:
    # Read at most one byte past the largest limit: enough to reject, never the whole of a huge file.
    return upload.read(limit + 1)


def attachment_add(
    *,
    request: ServiceRequest,
    by: User | None,
    name: str,
    data: bytes,
    public: bool = True,
    message: Message | None = None,
    field: str = "file",
) -> Attachment:
    request_access(by, request)
    mime = check_upload(name, data, field)
    safe_name = get_valid_filename(PurePath(name).name)[:150] or "file"
    with transaction.atomic():
        attachment = Attachment(
            request=request,
            message=message,
            name=safe_name,
            content_type=mime,
            size=len(data),
            uploaded_by=by,
            public=public,
            created_at=timezone.now(),
        )
        attachment.file.save(safe_name, ContentFile(data), save=False)
        attachment.save()
        ServiceRequest.objects.filter(pk=request.pk).update(version=request.version + 1)
        request.version += 1
        event_add(
            request=request,
            kind=RequestEvent.Kind.ATTACHMENT,
            by=by,
            public=public,
            data={"attachment_id": attachment.pk, "name": safe_name, "content_type": mime, "size": len(data)},
        )
    return attachment
