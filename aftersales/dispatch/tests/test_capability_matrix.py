"""Every role × every capability: the page and the API endpoint guarded by a capability answer
exactly for the roles that ``accounts.roles`` gives it to.

A page refuses with 404 (it does not exist for that role); the API refuses with 403. "Allowed"
means anything but a refusal: a form (200), a redirect, 405 for a GET on a POST-only page, or a
validation answer (422) from the service behind an endpoint. The test lives in dispatch because
its fixtures have every object the pages need: a field request with a unit, a station, a
technician with a working profile.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from aftersales.accounts.models import Role
from aftersales.accounts.roles import CAPABILITIES, Cap
from aftersales.testing.factories import SparePartFactory

from .conftest import post_json, today

API = "/api/v1"
USERS = {
    Role.CUSTOMER: "carol",
    Role.AGENT: "alice",
    Role.DISPATCHER: "dave",
    Role.TECHNICIAN: "tina",
    Role.PARTS_MANAGER: "pam",
    Role.QUALITY_MANAGER: "quinn",
    Role.ORG_ADMIN: "olga",
    Role.PLATFORM_ADMIN: "pat",
}


@dataclass
class World:
    number: str
    customer: int
    unit: int
    serial: str
    part: int
    station: int
    version: int


Call = Callable[[Any, World], Any]

# One page per capability, asked with GET: the decorator answers before the method check.
PAGES: dict[Cap, Callable[[World], str]] = {
    Cap.VIEW_CUSTOMERS: lambda w: reverse("customers:list"),
    Cap.EDIT_CUSTOMERS: lambda w: reverse("customers:create"),
    Cap.DELETE_CUSTOMERS: lambda w: reverse("customers:delete", args=[w.customer]),
    Cap.REVEAL_PERSONAL_DATA: lambda w: reverse("customers:reveal", args=[w.customer]),
    Cap.MERGE_REQUESTS: lambda w: reverse("service:merge", args=[w.number]),
    Cap.EDIT_REQUESTS: lambda w: reverse("service:edit", args=[w.number]),
    Cap.ASSIGN_REQUESTS: lambda w: reverse("service:assign", args=[w.number]),
    Cap.VIEW_CATALOG: lambda w: reverse("catalog:models"),
    Cap.EDIT_CATALOG: lambda w: reverse("catalog:part-edit", args=[w.part]),
    Cap.IMPORT_DATA: lambda w: reverse("customers:imports"),
    Cap.EXPORT_DATA: lambda w: reverse("customers:export", args=["customers", "csv"]),
    Cap.MANAGE_TOKENS: lambda w: reverse("accounts_settings:tokens"),
    Cap.MANAGE_SETTINGS: lambda w: reverse("settings:index"),
    Cap.CHECK_ENTITLEMENT: lambda w: reverse("entitlement:check"),
    Cap.DECIDE_RETURNS: lambda w: reverse("entitlement:rma-new"),
    Cap.QUOTE: lambda w: reverse("entitlement:quote-new") + f"?request={w.number}",
    Cap.SELL_WARRANTY: lambda w: reverse("entitlement:contract-new", args=[w.unit]),
    Cap.RECORD_FACTS: lambda w: reverse("entitlement:unit-facts", args=[w.unit]),
    Cap.VIEW_VISITS: lambda w: reverse("dispatch:request-panel", args=[w.number]),
    Cap.ASSIGN_JOBS: lambda w: reverse("dispatch:board"),
    Cap.BOOK_VISITS: lambda w: reverse("dispatch:book", args=[w.number]),
    Cap.HANDLE_MAIL_IN: lambda w: reverse("dispatch:mail-in", args=[w.number]),
    Cap.VIEW_DISPATCH_REPORTS: lambda w: reverse("dispatch:coverage"),
    Cap.WORK_VISITS: lambda w: reverse("dispatch:tech-today"),
    Cap.VIEW_SLA_REPORTS: lambda w: reverse("sla:report"),
}
# Capabilities only services ask (no page of their own): the return's goods steps, the API's
# technician lists and a request's steps (one transition form serves them all, and the service
# refuses a step the role lacks). They are in the API table below or in the apps' service tests.
WITHOUT_A_PAGE = {
    Cap.HANDLE_GOODS,
    Cap.VIEW_TECHNICIANS,
    Cap.TRIAGE_REQUESTS,
    Cap.WORK_REQUESTS,
    Cap.CLOSE_REQUESTS,
}

# (call, customers_too): customers_too marks endpoints a customer also uses on their own
# request or unit (the portal's counterpart), whatever the staff capability.
ENDPOINTS: dict[Cap, tuple[Call, bool]] = {
    # A request's own steps: refused (403) before the lifecycle is asked, so a role holding the
    # capability gets the step or a 409 for a step its status does not allow.
    Cap.EDIT_REQUESTS: (
        lambda c, w: c.patch(
            f"{API}/requests/{w.number}",
            data=f'{{"priority": "high", "version": {w.version}}}',
            content_type="application/json",
        ),
        False,
    ),
    Cap.ASSIGN_REQUESTS: (
        lambda c, w: post_json(c, f"{API}/requests/{w.number}/assign", {"username": "tina"}),
        False,
    ),
    Cap.TRIAGE_REQUESTS: (
        lambda c, w: post_json(c, f"{API}/requests/{w.number}/transitions", {"name": "accept"}),
        False,
    ),
    Cap.WORK_REQUESTS: (
        lambda c, w: post_json(c, f"{API}/requests/{w.number}/transitions", {"name": "start"}),
        False,
    ),
    Cap.CLOSE_REQUESTS: (
        lambda c, w: post_json(
            c, f"{API}/requests/{w.number}/transitions", {"name": "cancel", "reason": "客户不需要了"}
        ),
        True,
    ),
    Cap.EDIT_CUSTOMERS: (
        lambda c, w: post_json(c, f"{API}/customers", {"name": "新客户", "phone": "13900001111"}),
        False,
    ),
    Cap.VIEW_TECHNICIANS: (lambda c, w: c.get(f"{API}/technicians"), False),
    Cap.BOOK_VISITS: (lambda c, w: c.get(f"{API}/appointments/slots", {"request": w.number}), True),
    Cap.ASSIGN_JOBS: (
        lambda c, w: post_json(c, f"{API}/plans", {"station": w.station, "date": today()}),
        False,
    ),
    Cap.VIEW_SLA_REPORTS: (lambda c, w: c.get(f"{API}/sla/compliance"), False),
    Cap.RECORD_FACTS: (
        lambda c, w: c.patch(
            f"{API}/units/{w.serial}/entitlement-facts", data="{}", content_type="application/json"
        ),
        False,
    ),
    Cap.QUOTE: (
        lambda c, w: post_json(
            c,
            f"{API}/quotes",
            {
                "request": w.number,
                "send": False,
                "lines": [{"kind": "labour", "description": "上门检修", "unit_price": "100.00"}],
            },
        ),
        False,
    ),
}


@pytest.fixture
def world(request, carol_request, tina_tech, station, org_a) -> World:
    for name in USERS.values():
        request.getfixturevalue(name)
    unit = carol_request.unit
    return World(
        number=carol_request.number,
        customer=carol_request.customer_id,
        unit=unit.pk,
        serial=unit.serial_number,
        part=SparePartFactory(organization=org_a).pk,
        station=station.pk,
        version=carol_request.version,
    )


def test_every_capability_is_guarded_by_a_page_or_named_as_without_one():
    assert set(PAGES) | WITHOUT_A_PAGE == set(Cap)
    assert not set(PAGES) & WITHOUT_A_PAGE


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("cap", list(PAGES), ids=str)
def test_page_exists_exactly_for_the_roles_holding_its_capability(
    role, cap, world, client_for, django_user_model
):
    client = client_for(django_user_model.objects.get(username=USERS[role]))
    # when
    status = client.get(PAGES[cap](world)).status_code
    # then
    if cap in CAPABILITIES[role]:
        assert status != 404, f"{role} holds {cap} but its page answers 404"
        assert status < 500
    else:
        assert status == 404, f"{role} lacks {cap} but its page answers {status}"


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("cap", list(ENDPOINTS), ids=str)
def test_endpoint_answers_exactly_for_the_roles_holding_its_capability(
    role, cap, world, client_for, django_user_model
):
    call, customers_too = ENDPOINTS[cap]
    client = client_for(django_user_model.objects.get(username=USERS[role]))
    # when
    status = call(client, world).status_code
    # then
    if cap in CAPABILITIES[role] or (customers_too and role == Role.CUSTOMER):
        assert status not in (401, 403, 404), f"{role} may {cap} but the API answers {status}"
        assert status < 500
    else:
        assert status == 403, f"{role} lacks {cap} but the API answers {status}"


# --- templates offer only what the views let through -----------------------------------------

LINK = re.compile(r'(?:href|action|hx-get|hx-post)="(/[^"#?]*)')
SKIP = ("/static/", "/media/", "/accounts/logout", "/i18n/", "/api/")


def _start_pages(w: World) -> list[str]:
    return [
        "/",
        reverse("service:detail", args=[w.number]),
        reverse("dispatch:request-panel", args=[w.number]),
        reverse("entitlement:request-panel", args=[w.number]),
        reverse("dispatch:mail-in", args=[w.number]),
        reverse("entitlement:rma-list"),
        reverse("entitlement:check") + f"?serial={w.serial}",
        reverse("customers:list"),
        reverse("customers:detail", args=[w.customer]),
        reverse("customers:unit-detail", args=[w.unit]),
        reverse("entitlement:unit-section", args=[w.unit]),
        reverse("entitlement:repair-facts", args=[w.number]),
        reverse("catalog:parts"),
        reverse("sla:report"),
        reverse("dispatch:board"),
        reverse("dispatch:tech-today"),
        reverse("portal_requests:detail", args=[w.number]),
    ]


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_no_page_offers_a_link_or_form_that_answers_404(role, world, client_for, django_user_model):
    client = client_for(django_user_model.objects.get(username=USERS[role]))
    offered: set[str] = set()
    for page in _start_pages(world):
        answer = client.get(page)
        if answer.status_code == 200:
            offered |= {u for u in LINK.findall(answer.content.decode()) if not u.startswith(SKIP)}
    assert offered, "the role opened no page at all"
    # when
    missing = sorted(u for u in offered if client.get(u).status_code == 404)
    # then
    assert not missing, f"{role} is offered {missing}"
