"""Giving a request to another owner never moves it back: the visit stays with its technician."""

from __future__ import annotations

import json

import pytest

from aftersales.dispatch import booking
from aftersales.dispatch.models import Appointment
from aftersales.service import services as service_services
from aftersales.service.models import RequestEvent, Status

from .conftest import tomorrow_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(carol_request, tina_tech):
    appointment = booking.appointment_book(request=carol_request, start=tomorrow_at(10), by=None)
    carol_request.refresh_from_db()
    assert carol_request.status == Status.SCHEDULED and carol_request.assignee == tina_tech.user
    return appointment


def _unchanged(appointment: Appointment, tina_tech) -> None:
    appointment.refresh_from_db()
    request = appointment.request
    request.refresh_from_db()
    assert request.status == Status.SCHEDULED
    assert appointment.status in Appointment.ACTIVE and appointment.technician_id == tina_tech.pk
    assert appointment.window_start == tomorrow_at(10)
    # No status event was written by the change of owner: the last one is still the booking's.
    last = request.events.filter(kind=RequestEvent.Kind.STATUS).last()
    assert last is not None and last.to_status == Status.SCHEDULED


def test_api_assign_to_another_agent_keeps_a_scheduled_request_scheduled(
    client_for, alice, dave, scheduled, tina_tech
):
    # given a scheduled visit with tina; when the dispatcher gives the request to alice through the API
    response = client_for(dave).post(
        f"/api/v1/requests/{scheduled.request.number}/assign",
        data=json.dumps({"username": "alice", "reason": "客服跟进"}),
        content_type="application/json",
    )
    # then the owner changed, the status and the visit did not
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == Status.SCHEDULED and body["assignee"] == "alice"
    _unchanged(scheduled, tina_tech)
    event = scheduled.request.events.filter(kind=RequestEvent.Kind.ASSIGNMENT).last()
    assert event.data["to"] == "alice" and event.reason == "客服跟进"


def test_console_assign_to_another_agent_keeps_a_scheduled_request_scheduled(
    client_for, alice, scheduled, tina_tech
):
    client = client_for(alice)
    response = client.post(f"/console/requests/{scheduled.request.number}/assign/", {"assignee": alice.pk})
    assert response.status_code == 302
    _unchanged(scheduled, tina_tech)
    page = client.get(f"/console/requests/{scheduled.request.number}/")
    assert page.status_code == 200 and "已预约" in page.content.decode()


def test_bulk_assign_keeps_scheduled_requests_scheduled(client_for, alice, scheduled, tina_tech):
    response = client_for(alice).post(
        "/console/requests/bulk/",
        {"numbers": [scheduled.request.number], "action": "assign", "assignee": alice.pk},
    )
    assert response.status_code == 302
    _unchanged(scheduled, tina_tech)


@pytest.mark.parametrize("walk", [("start",), ("start", "wait_for_parts")])
def test_a_new_owner_does_not_move_work_under_way(alice, scheduled, walk):
    request = scheduled.request
    for name in walk:
        request = service_services.request_transition(request=request, name=name, by=alice, notify=False)
    before = request.status
    after = service_services.request_assign(request=request, assignee=alice, by=alice)
    assert after.status == before and after.assignee == alice


def test_an_accepted_request_still_moves_to_assigned(alice, carol_request, tina):
    assigned = service_services.request_assign(request=carol_request, assignee=tina, by=alice)
    assert assigned.status == Status.ASSIGNED
    # and giving it on to someone else leaves it there
    again = service_services.request_assign(request=assigned, assignee=alice, by=alice)
    assert again.status == Status.ASSIGNED and again.assignee == alice


def test_cancelling_the_visit_still_steps_back_to_assigned(alice, scheduled, tina_tech):
    # The visit's own steps do move the request: no time is promised once it is cancelled.
    booking.appointment_cancel(appointment=scheduled, by=alice, reason="客户改主意")
    scheduled.request.refresh_from_db()
    assert scheduled.request.status == Status.ASSIGNED
