"""The request timeline: who acted, and the events every write to a request leaves behind.

Its own module, below ``services``, so that the apps that write events on a request's timeline
(SLA, entitlement, dispatch) need not import the request services, which call back into them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from aftersales.accounts.models import Role
from aftersales.core.fastpath.rows import new as rows_new
from aftersales.service import event_text, lifecycle
from aftersales.service.models import RequestEvent, ServiceRequest

if TYPE_CHECKING:
    from aftersales.accounts.models import User

Reason = str | event_text.EventText  # typed by a person, or a system sentence as a code


def actor_of(user: User | None) -> lifecycle.Actor:
    if user is None:
        return lifecycle.Actor.SYSTEM
    return lifecycle.Actor.CUSTOMER if user.role == Role.CUSTOMER else lifecycle.Actor.STAFF


def _label(user: User | None) -> str:
    if user is None:
        return "系统"  # the source word, shown in the reader's language (``RequestEvent.actor_text``)
    return user.get_full_name() or user.username


def event_new(
    *,
    request: ServiceRequest,
    kind: str,
    by: User | None,
    public: bool = True,
    reason: Reason = "",
    from_status: str = "",
    to_status: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> RequestEvent:
    """A timeline event, not yet saved (``event_add`` saves it). A system-written ``reason`` is an
    ``event_text.text(code, ...)``, stored as its code and rendered in the reader's language."""
    sentence, code, params = event_text.split(reason)
    return rows_new(
        RequestEvent,
        request=request,
        kind=kind,
        actor=by,
        actor_label=_label(by),
        public=public,
        reason=sentence,
        code=code,
        params=params,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
        created_at=at or timezone.now(),
    )


def event_add(
    *,
    request: ServiceRequest,
    kind: str,
    by: User | None,
    public: bool = True,
    reason: Reason = "",
    from_status: str = "",
    to_status: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> RequestEvent:
    event = event_new(
        request=request,
        kind=kind,
        by=by,
        public=public,
        reason=reason,
        from_status=from_status,
        to_status=to_status,
        data=data,
        at=at,
    )
    event.save(force_insert=True)
    return event
