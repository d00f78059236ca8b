"""Moving the underlying service request along its lifecycle table as a return or quote advances.

The RMA and quote steps do not add transitions of their own: they take the shortest path of the
request's existing staff transitions to the status the step implies (for example "approved,
waiting for the goods" is awaiting_customer), so the request's table stays the single rule.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from aftersales.accounts.models import Role
from aftersales.accounts.roles import Cap
from aftersales.core.errors import Conflict
from aftersales.service import lifecycle
from aftersales.service.events import Reason
from aftersales.service.models import ServiceRequest
from aftersales.service.services import request_transition

if TYPE_CHECKING:
    from aftersales.accounts.models import User

# Ending a request is always a named step, never a detour found by the search.
_DETOURS = {"cancel", "customer_accept", "customer_reject", "close"}


def path(kind: str, source: str, target: str, allow: frozenset[str] = frozenset()) -> list[str] | None:
    if source == target:
        return []
    table = [
        t
        for t in lifecycle.transitions_for(kind)
        if lifecycle.Actor.STAFF in t.actors and (t.name not in _DETOURS or t.name in allow)
    ]
    seen = {source}
    queue: deque[tuple[str, list[str]]] = deque([(source, [])])
    while queue:
        status, names = queue.popleft()
        for t in table:
            if lifecycle.Status(status) in t.sources and t.target.value not in seen:
                if t.target.value == target:
                    return [*names, t.name]
                seen.add(t.target.value)
                queue.append((t.target.value, [*names, t.name]))
    return None


def drive(
    request: ServiceRequest,
    *,
    to: str,
    by: User | None,
    reason: Reason = "",
    allow: frozenset[str] = frozenset(),
    part_of: Cap,
) -> ServiceRequest:
    """Take the request to status ``to``; Conflict if its table has no way there from where it is.

    ``part_of`` is the capability of the return or quote step that moves it (checked by that step's
    service): it authorizes each of the request's steps on the way (``request_transition``)."""
    fresh = ServiceRequest.objects.get(pk=request.pk)
    names = path(fresh.kind, fresh.status, to, allow)
    if names is None:
        raise Conflict(
            _("服务单 %(number)s 当前为“%(status)s”，不能进入此步骤。")
            % {"number": fresh.number, "status": fresh.get_status_display()},
            {"status": fresh.status},
        )
    # Customers take these steps through the return, not through staff transitions: the system
    # moves the request on their behalf and the step's own event names them.
    actor = None if by is not None and by.role == Role.CUSTOMER else by
    for i, name in enumerate(names):
        fresh = request_transition(
            request=fresh,
            name=name,
            by=actor,
            reason=reason if i == len(names) - 1 else "",
            notify=False,
            part_of=part_of,
        )
    return fresh
