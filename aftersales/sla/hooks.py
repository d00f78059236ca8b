"""The SLA engine's entry points, called by ``aftersales.service.services`` at each change.

One line per call site, inside the caller's transaction. Nothing here imports the service
module back: the SLA side writes its timeline events through ``aftersales.service.events``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from aftersales.sla import handlers, services

if TYPE_CHECKING:
    from aftersales.service.models import Message, ServiceRequest

log = logging.getLogger(__name__)


def _guarded(name: str, request: ServiceRequest, work: Callable[[], object]) -> None:
    # A calendar an admin broke (no working time for years) must not stop agents from working
    # the request: the SLA change is rolled back to its savepoint and logged instead.
    try:
        with transaction.atomic():
            work()
    except ValueError:
        log.exception("sla hook failed", extra={"hook": name, "request_id": request.pk})


def on_request_created(*, request: ServiceRequest, at: datetime | None = None) -> None:
    # Called by ``request_create`` in the transaction that creates the request: it has no SLA row.
    # No savepoint (one fewer round trip on every create): ``sla_start`` with ``new`` computes
    # everything that can raise before it writes anything. Inside the create's unit of work
    # (``core.fastpath.unit``) it only adds its rows there, for the request's own write.
    try:
        services.sla_start(request=request, at=at or request.created_at, new=True)
    except ValueError:
        log.exception("sla hook failed", extra={"hook": "created", "request_id": request.pk})


def on_status_changed(*, request: ServiceRequest, old: str, at: datetime | None = None) -> None:
    _guarded(
        "status", request, lambda: handlers.status_changed(request=request, old=old, at=at or timezone.now())
    )


def on_message(*, request: ServiceRequest, message: Message) -> None:
    _guarded(
        "message",
        request,
        lambda: handlers.message_added(
            request=request, author_kind=message.author_kind, internal=message.internal, at=message.created_at
        ),
    )


def on_request_updated(
    *, request: ServiceRequest, changed: Iterable[str], at: datetime | None = None
) -> None:
    fields = list(changed)
    _guarded(
        "updated",
        request,
        lambda: handlers.fields_changed(request=request, changed=fields, at=at or timezone.now()),
    )


def on_assigned(*, request: ServiceRequest, at: datetime | None = None) -> None:
    _guarded("assigned", request, lambda: handlers.assigned(request=request, at=at or timezone.now()))
