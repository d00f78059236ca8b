"""One rule for who may act on a request, whichever service does the acting (service.access).

Booking a visit, sending a unit in and writing on the request used to check it three ways; the
mail-in copy refused platform admins, who reach every request everywhere else. Now they all ask
``request_access``: the customer on their own request, staff of its organization, a platform
admin on any request, the system (``by=None``) always. Booking and mail-in also need their
capability, which is organization work: a platform admin writes on any request but books no visit.
"""

from __future__ import annotations

import pytest
from django.http import Http404

from aftersales.accounts.roles import Cap
from aftersales.core.errors import PermissionDenied
from aftersales.dispatch import booking, mailin
from aftersales.service import services
from aftersales.service.access import request_access, request_for_user
from aftersales.service.models import ServiceRequest

from .conftest import tomorrow_at

ACTS = {
    "book": lambda sr, by: booking.appointment_book(request=sr, start=tomorrow_at(10), by=by),
    "mail_in": lambda sr, by: mailin.mail_in_start(request=sr, by=by, method="self_ship"),
    "message": lambda sr, by: services.message_add(request=sr, by=by, body="请尽快上门。", notify=False),
}
ALLOWED = ["carol", "alice", None]  # the request is carol's, in alice's organization
REFUSED = {"cody": "这不是您的服务单。", "bob": "这不是本组织的服务单。"}


@pytest.mark.parametrize("who", ALLOWED, ids=str)
@pytest.mark.parametrize("act", list(ACTS))
def test_the_owner_its_organization_a_platform_admin_and_the_system_may_act(request, act, who, carol_request):
    by = request.getfixturevalue(who) if who else None
    # when / then: no PermissionDenied
    ACTS[act](carol_request, by)


def test_a_platform_admin_writes_on_any_request_but_books_and_receives_no_unit(pat, carol_request):
    ACTS["message"](carol_request, pat)
    for act in ("book", "mail_in"):
        with pytest.raises(PermissionDenied) as refused:
            ACTS[act](carol_request, pat)
        assert refused.value.message == "您的角色无权执行此操作。"


@pytest.mark.parametrize("who", list(REFUSED))
@pytest.mark.parametrize("act", list(ACTS))
def test_another_customer_and_another_organization_are_refused(request, act, who, carol_request):
    by = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied) as refused:
        ACTS[act](carol_request, by)
    assert refused.value.message == REFUSED[who]


def test_a_capability_is_asked_of_everyone_acting_even_the_owner(carol, tina, alice, carol_request):
    request_access(alice, carol_request, cap=Cap.MERGE_REQUESTS)
    for user in (carol, tina):
        with pytest.raises(PermissionDenied):
            request_access(user, carol_request, cap=Cap.ASSIGN_JOBS)


def test_owner_may_lets_the_requests_own_customer_act_without_the_staff_capability(
    carol, cody, tina, carol_request
):
    request_access(carol, carol_request, cap=Cap.DECIDE_RETURNS, owner_may=True)
    for user in (cody, tina):  # another customer; staff without the capability
        with pytest.raises(PermissionDenied):
            request_access(user, carol_request, cap=Cap.DECIDE_RETURNS, owner_may=True)


def test_request_for_user_finds_checks_and_locks(alice, bob, carol_request):
    found = request_for_user(alice, carol_request.pk, for_update=True)
    assert found == carol_request
    assert found.customer.pk == carol_request.customer_id
    with pytest.raises(PermissionDenied):
        request_for_user(bob, carol_request.pk)
    with pytest.raises(Http404):
        request_for_user(alice, carol_request.pk + 1000)


def test_merge_needs_the_merge_capability(alice, carol, carol_request, org_a):
    twin = ServiceRequest.objects.get(pk=carol_request.pk)
    twin.pk = None
    twin.number = "SR-TWIN"
    twin.save()
    with pytest.raises(PermissionDenied):
        services.request_merge(source=twin, target=carol_request, by=carol)
    merged = services.request_merge(source=twin, target=carol_request, by=alice)
    assert merged.pk == carol_request.pk
