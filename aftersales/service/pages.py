"""Request pages' shared pieces: upload checks, replies with photos, the merged timeline.

Used by the agent console (``views``) and the customer portal (``portal_views``) alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.http import HttpRequest

from aftersales.core.errors import Conflict, InvalidInput, ServiceError
from aftersales.service import attachments as attach
from aftersales.service import event_text, pending, selectors, services
from aftersales.service.forms import EVENT_LABELS
from aftersales.service.models import (
    Attachment,
    Channel,
    Fulfilment,
    Kind,
    Message,
    PendingUpload,
    Priority,
    RequestEvent,
    ServiceRequest,
    Status,
)


def reason_of(exc: ServiceError) -> str:
    """One line a person can read: field errors for bad input, the message otherwise."""
    if isinstance(exc, InvalidInput) and exc.errors:
        return " ".join(exc.errors.values())
    return exc.message


def duplicates_of(exc: ServiceError) -> list[str]:
    """The open requests a Conflict on create names, when it is the 'unit already has one' case."""
    if isinstance(exc, Conflict) and "unit" in exc.errors:
        return [n.strip() for n in exc.errors["unit"].split(",") if n.strip()]
    return []


def read_uploads(files: Iterable[Any], *, field: str) -> list[tuple[str, bytes]]:
    """Read and check every file before anything is written, so one bad photo stores nothing.

    Raises InvalidInput on ``field`` naming each refused file.
    """
    uploads, problems = [], []
    for upload in files:
        name = upload.name or "file"
        data = attach.read_upload(upload)
        try:
            attach.check_upload(name, data, field)
        except InvalidInput as exc:
            reason = exc.errors.get(field, exc.message)
            problems.append(reason if name in reason else f"{name}：{reason}")
        else:
            uploads.append((name, data))
    if problems:
        raise InvalidInput({field: " ".join(problems)})
    return uploads


@dataclass
class KeptUploads:
    """A form's files kept server-side: what the re-shown form lists and the final submit attaches."""

    token: str
    field: str
    items: list[PendingUpload] = dataclass_field(default_factory=list)

    def contents(self) -> list[tuple[str, bytes]]:
        return pending.pending_read(self.items)

    def release(self) -> None:
        """Call in the transaction that attached them."""
        pending.pending_release(self.items)


def fresh_uploads(field: str) -> KeptUploads:
    """A form shown for the first time: a new token, nothing kept yet."""
    return KeptUploads(pending.new_token(), field)


def keep_uploads(request: HttpRequest, *, field: str) -> tuple[KeptUploads, str]:
    """This submit's files: those kept from an earlier submit that the user left ticked, plus the
    newly chosen ones that pass the content check, all stored under the form's token.

    Returns them and the reasons any new file was refused ("" when none was), so the form can
    show the refusal while keeping the good files and everything typed.
    """
    user: Any = request.user
    token = pending.clean_token(request.POST.get("upload_token"))
    kept = pending.pending_list(
        owner=user, token=token, field=field, ids=request.POST.getlist("pending_upload")
    )
    pending.pending_discard(owner=user, token=token, field=field, keep={i.pk for i in kept})
    problems = []
    for upload in request.FILES.getlist(field):
        name = upload.name or "file"
        data = attach.read_upload(upload)
        try:
            kept.append(pending.pending_add(owner=user, token=token, field=field, name=name, data=data))
        except InvalidInput as exc:
            reason = exc.errors.get(field, exc.message)
            problems.append(reason if name in reason else f"{name}：{reason}")
    return KeptUploads(token, field, kept), " ".join(problems)


def post_reply(
    *,
    sr: ServiceRequest,
    by: Any,
    body: str,
    uploads: list[tuple[str, bytes]],
    internal: bool,
    field: str,
    channel: str = Channel.WEB,
) -> None:
    # A reply and its photos land together or not at all.
    with transaction.atomic():
        message = None
        if body.strip():
            message = services.message_add(request=sr, by=by, body=body, internal=internal, channel=channel)
        for name, data in uploads:
            attach.attachment_add(
                request=sr, by=by, name=name, data=data, public=not internal, message=message, field=field
            )


def reply_submit(form: Any, *, sr: ServiceRequest, by: Any, kept: KeptUploads, refused: str) -> bool:
    """Post a reply form's message and files (``keep_uploads``'s ``kept`` and ``refused``), the kept
    files released in the same transaction.

    False, with the reasons on the form, when it is not valid, a new file was refused or the
    service says no. The console's form can make it an internal note (``visibility``); the
    portal's has no such choice.
    """
    valid = form.is_valid()
    if refused:
        form.add_error(kept.field, refused)
        valid = False
    if not valid:
        return False
    data = form.cleaned_data
    try:
        with transaction.atomic():
            post_reply(
                sr=sr,
                by=by,
                body=data["body"],
                uploads=kept.contents(),
                internal=data.get("visibility") == "internal",
                field=kept.field,
            )
            kept.release()
    except ServiceError as exc:
        form.add_service_error(exc)
        return False
    return True


STATUS_LABELS: dict[str, Any] = dict(Status.choices)
_CHOICE_LABELS: dict[str, dict[str, Any]] = {
    "priority": dict(Priority.choices),
    "kind": dict(Kind.choices),
    "fulfilment": dict(Fulfilment.choices),
    "status": dict(Status.choices),
}


def _change_value(value: Any, names: dict[str, Any]) -> str:
    if isinstance(value, dict) and "code" in value:  # a sentence kept as its code (event_text)
        return event_text.render(value["code"], value.get("params") or {}) or "—"
    if value in names:
        return str(names[value])
    # Other words the system wrote were kept in the source language; people's text is left alone
    # (gettext returns what it does not know).
    return event_text.word(value) if isinstance(value, str) else str(value or "—") or "—"


def _field_changes(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows = []
    for field, (old, new) in (data.get("changes") or {}).items():
        try:
            label = str(getattr(ServiceRequest._meta.get_field(field), "verbose_name", field))
        except FieldDoesNotExist:  # not a request field: a label the system wrote, in the source language
            label = event_text.word(field)
        names = _CHOICE_LABELS.get(field, {})
        rows.append((label, _change_value(old, names) or "—", _change_value(new, names) or "—"))
    return rows


def timeline_entries(*, user: Any, sr: ServiceRequest) -> list[dict[str, Any]]:
    """Events interleaved with the messages and files they refer to, as the user may see them."""
    events = list(selectors.timeline_for_user(user=user, request=sr))
    msgs: dict[int, Message] = {m.pk: m for m in selectors.messages_for_user(user=user, request=sr)}
    files: dict[int, Attachment] = {a.pk: a for a in selectors.attachments_for_user(user=user, request=sr)}
    entries: list[dict[str, Any]] = []
    shown: set[int] = set()
    for event in events:
        entry: dict[str, Any] = {"event": event, "at": event.created_at, "kind": event.kind}
        if event.kind in (RequestEvent.Kind.MESSAGE, RequestEvent.Kind.NOTE):
            message = msgs.get(event.data.get("message_id") or 0)
            if message is not None:
                shown.add(message.pk)
            entry["message"] = message
        elif event.kind == RequestEvent.Kind.ATTACHMENT:
            attachment = files.get(event.data.get("attachment_id") or 0)
            if attachment is not None and attachment.message_id in msgs:
                continue  # shown under its message
            entry["attachment"] = attachment
        elif event.kind == RequestEvent.Kind.FIELD:
            entry["changes"] = _field_changes(event.data)
        elif event.kind == RequestEvent.Kind.STATUS:
            entry["from_label"] = STATUS_LABELS.get(event.from_status, event.from_status)
            entry["to_label"] = STATUS_LABELS.get(event.to_status, event.to_status)
            entry["transition"] = EVENT_LABELS.get(event.data.get("transition", ""), "")
        elif event.kind in (RequestEvent.Kind.LINK, RequestEvent.Kind.MERGE, RequestEvent.Kind.SPLIT):
            entry["other"] = (
                event.data.get("number") or event.data.get("into") or event.data.get("from") or ""
            )
            entry["merged_away"] = bool(event.data.get("into"))
        entries.append(entry)
    # Messages brought in by a merge have their events on the other request.
    for message in msgs.values():
        if message.pk not in shown:
            kind = RequestEvent.Kind.NOTE if message.internal else RequestEvent.Kind.MESSAGE
            entries.append({"event": None, "at": message.created_at, "kind": kind, "message": message})
    entries.sort(key=lambda e: e["at"])
    return entries
