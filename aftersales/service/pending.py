"""Uploads kept across a re-shown form.

A form with files can come back: a duplicate warning to confirm, a field to fix. The browser
cannot refill a file input, so the files that passed the content check are stored here on the
first submit, under the user and a token the form carries; the re-shown form lists them, and the
submit that succeeds attaches them and removes them from here. Unclaimed ones expire
(``expire_pending``, run by the ``service.expire_pending_uploads`` job).
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from aftersales.core.errors import InvalidInput
from aftersales.service.attachments import check_upload
from aftersales.service.models import PendingUpload

if TYPE_CHECKING:
    from aftersales.accounts.models import User

KEEP_FOR = timedelta(hours=24)
MAX_PER_FORM = 20
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,43}$")


def new_token() -> str:
    return secrets.token_urlsafe(16)


def clean_token(value: str | None) -> str:
    """The form's token when it looks like one of ours, else a fresh one (nothing is found under it)."""
    return value if value and _TOKEN.match(value) else new_token()


def pending_list(
    *, owner: User, token: str, field: str, ids: Iterable[str | int] | None = None
) -> list[PendingUpload]:
    """This user's files under this form token; only those in ``ids`` when given."""
    qs = PendingUpload.objects.filter(owner=owner, token=token, field=field)
    if ids is not None:
        wanted = [int(i) for i in ids if str(i).isdigit()]
        qs = qs.filter(pk__in=wanted)
    return list(qs.order_by("created_at", "id"))


def pending_add(*, owner: User, token: str, field: str, name: str, data: bytes) -> PendingUpload:
    """Check the content as an attachment is checked, then keep the file for this form."""
    mime = check_upload(name, data, field)
    if PendingUpload.objects.filter(owner=owner, token=token, field=field).count() >= MAX_PER_FORM:
        raise InvalidInput({field: _("一次最多上传 %(n)d 个文件。") % {"n": MAX_PER_FORM}})
    safe_name = get_valid_filename(PurePath(name).name)[:150] or "file"
    with transaction.atomic():
        item = PendingUpload(
            owner=owner,
            token=token,
            field=field,
            name=safe_name,
            content_type=mime,
            size=len(data),
            created_at=timezone.now(),
        )
        item.file.save(safe_name, ContentFile(data), save=False)
        item.save()
    return item


def pending_read(items: Iterable[PendingUpload]) -> list[tuple[str, bytes]]:
    """Each kept file's name and bytes; a file gone from storage is left out."""
    out = []
    for item in items:
        try:
            with item.file.open("rb") as handle:
                out.append((item.name, handle.read()))
        except OSError:
            continue
    return out


def _delete_files(names: list[str], storage: Storage) -> None:
    for name in names:
        with contextlib.suppress(OSError):
            storage.delete(name)


def pending_release(items: Iterable[PendingUpload]) -> int:
    """Forget these files: the rows now, the stored files once the transaction commits."""
    items = list(items)
    if not items:
        return 0
    names = [i.file.name for i in items if i.file and i.file.name]
    storage = items[0].file.storage
    deleted, _counts = PendingUpload.objects.filter(pk__in=[i.pk for i in items]).delete()
    transaction.on_commit(lambda: _delete_files(names, storage))
    return deleted


def pending_discard(*, owner: User, token: str, field: str, keep: Iterable[int]) -> int:
    """Drop this form's files the user took off (✕), keeping those in ``keep``."""
    keep = set(keep)
    gone = [i for i in pending_list(owner=owner, token=token, field=field) if i.pk not in keep]
    return pending_release(gone)


def expire_pending(
    *, now: datetime | None = None, older_than: timedelta = KEEP_FOR, limit: int = 1000
) -> int:
    """Remove files no submit claimed within ``older_than``. Safe to run twice."""
    cutoff = (now or timezone.now()) - older_than
    with transaction.atomic():
        old = list(PendingUpload.objects.filter(created_at__lt=cutoff).order_by("created_at")[:limit])
        return pending_release(old)
