"""Who sees which console and portal pages for service requests, through Django's test client."""

from __future__ import annotations

import pytest

from aftersales.service.models import Message

pytestmark = pytest.mark.django_db


# --- who sees what ---------------------------------------------------------------------------


def test_console_queue_and_page_render_for_staff_with_masked_phone(client_for, alice, sr):
    client = client_for(alice)

    queue = client.get("/console/requests/")
    page = client.get(f"/console/requests/{sr.number}/")

    assert queue.status_code == 200 and sr.number in queue.content.decode()
    body = page.content.decode()
    assert page.status_code == 200
    assert sr.number in body and "王卡罗" in body and "SN-CAROL-1" in body
    assert "138****5678" in body and "13812345678" not in body
    assert 'data-transition="accept"' in body  # the transition allowed now
    assert 'data-transition="resolve"' not in body  # and not one the table forbids


@pytest.mark.parametrize("who", ["bob", "oscar", "carol", "cody"])
def test_console_request_page_is_404_outside_the_organization(client_for, request, sr, who):
    client = client_for(request.getfixturevalue(who))

    assert client.get(f"/console/requests/{sr.number}/").status_code == 404
    assert client.post(f"/console/requests/{sr.number}/transition/", {"name": "accept"}).status_code == 404
    sr.refresh_from_db()
    assert sr.status == "new"


def test_another_organization_does_not_see_the_request_in_its_queue(client_for, bob, sr):
    body = client_for(bob).get("/console/requests/?queue=all").content.decode()

    assert sr.number not in body


@pytest.mark.parametrize("who", ["cody", "alice", "bob"])
def test_portal_request_page_is_404_for_anyone_but_its_customer(client_for, request, sr, who):
    client = client_for(request.getfixturevalue(who))

    assert client.get(f"/portal/requests/{sr.number}/").status_code == 404
    assert client.post(f"/portal/requests/{sr.number}/reply/", {"body": "hi"}).status_code == 404
    assert not Message.objects.filter(request=sr).exists()


def test_portal_pages_render_for_the_customer(client_for, carol, sr):
    client = client_for(carol)

    listing = client.get("/portal/requests/")
    page = client.get(f"/portal/requests/{sr.number}/")

    assert listing.status_code == 200 and sr.number in listing.content.decode()
    body = page.content.decode()
    assert page.status_code == 200 and "我们已收到您的服务单" in body
    assert 'hx-trigger="every 10s"' in body


def test_menus_link_to_the_new_pages(client_for, alice, carol):
    assert 'href="/console/requests/"' in client_for(alice).get("/console/customers/").content.decode()
    body = client_for(carol).get("/portal/").content.decode()
    assert 'href="/portal/requests/"' in body and 'href="/portal/requests/new/"' in body
