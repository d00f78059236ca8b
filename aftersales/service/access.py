"""May this user act on this request? The one check every write on a request asks.

In the style of zulip's ``access_message``: services fetch (or lock) the request through
``request_for_user`` or, when they already hold it locked their own way, call ``request_access``.
The rule is the one ``accounts.access.scope`` applies to reads, so what a user can see and what
they can act on never drift apart:

- ``user`` None is the system (jobs, inbound mail, the demo) and may act on any request;
- a customer acts only on their own requests;
- a platform admin acts on every organization's requests (they reach them all in ``scope`` too);
- other staff act only on their organization's requests.

``cap`` adds the capability the action needs (``accounts.roles``), asked of everyone: customers hold
none, so a staff-only action refuses them. Actions a customer also takes on their own request pass
no ``cap`` (a message, booking a visit), or ``owner_may=True`` when staff need the capability but
the request's own customer does not (a return's shipment, confirming its end).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404
from django.utils.translation import gettext as _

from aftersales.accounts.models import Role
from aftersales.accounts.roles import Cap, can
from aftersales.core.errors import PermissionDenied
from aftersales.service.models import ServiceRequest

if TYPE_CHECKING:
    from aftersales.accounts.models import User

# The capability each of a request's own steps needs (the names are ``service.lifecycle``'s).
# A step taken as part of a larger action is authorized by that action's capability instead:
# a technician's check-in starts the request (``WORK_VISITS``), a return's inspection moves it on
# (``HANDLE_GOODS``). Its service checks that capability and passes it on as ``part_of``.
STEP_CAPS: dict[str, Cap] = {
    "accept": Cap.TRIAGE_REQUESTS,
    "assign": Cap.ASSIGN_REQUESTS,
    "schedule": Cap.ASSIGN_REQUESTS,
    "start": Cap.WORK_REQUESTS,
    "wait_for_parts": Cap.WORK_REQUESTS,
    "wait_for_customer": Cap.WORK_REQUESTS,
    "resume": Cap.WORK_REQUESTS,
    "resolve": Cap.WORK_REQUESTS,
    "close": Cap.CLOSE_REQUESTS,
    "cancel": Cap.CLOSE_REQUESTS,
    "customer_accept": Cap.CLOSE_REQUESTS,
    "customer_reject": Cap.CLOSE_REQUESTS,
    "merge": Cap.MERGE_REQUESTS,
}


def step_cap(name: str) -> Cap:
    """The capability staff need to take step ``name`` on a request of their own accord."""
    return STEP_CAPS.get(name, Cap.MANAGE_SETTINGS)


def request_access(
    user: User | None,
    request: ServiceRequest,
    *,
    cap: Cap | None = None,
    owner_may: bool = False,
) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may act on ``request`` (and holds ``cap``)."""
    if user is None:
        return
    if user.role == Role.CUSTOMER:
        if request.customer.user_id != user.pk:
            raise PermissionDenied(_("这不是您的服务单。"))
        if owner_may:
            return
    elif user.role != Role.PLATFORM_ADMIN and user.organization_id != request.organization_id:
        raise PermissionDenied(_("这不是本组织的服务单。"))
    if cap is not None and not can(user, cap):
        raise PermissionDenied(_("您的角色无权执行此操作。"))


def request_for_user(
    user: User | None,
    pk: int,
    *,
    cap: Cap | None = None,
    owner_may: bool = False,
    for_update: bool = False,
    related: tuple[str, ...] = (),
) -> ServiceRequest:
    """The request ``pk`` if ``user`` may act on it: Http404 when there is none, ``PermissionDenied``
    when it is not theirs. ``for_update`` locks the request's own row (call inside a transaction);
    ``related`` are further ``select_related`` paths the caller reads."""
    qs = ServiceRequest.objects.select_related("customer", *related)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        request = qs.get(pk=pk)
    except ServiceRequest.DoesNotExist as exc:
        raise Http404(str(ServiceRequest._meta.verbose_name)) from exc
    request_access(user, request, cap=cap, owner_may=owner_may)
    return request
