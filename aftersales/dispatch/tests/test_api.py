"""The dispatch API: slots, booking, rescheduling, cancelling, coverage, plans; errors as problem+json."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aftersales.dispatch.models import Appointment

from .conftest import post_json, today, tomorrow_at

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_customer_gets_slots_books_reschedules_and_cancels_their_visit(client_for, carol, carol_request):
    client = client_for(carol)
    slots = client.get(f"{API}/appointments/slots", {"request": carol_request.number})
    assert slots.status_code == 200, slots.content
    body = slots.json()
    assert body["slots"] and body["slots"][0]["technicians"] is None  # customers do not see who
    first = body["slots"][0]["start"]

    booked = post_json(client, f"{API}/appointments", {"request": carol_request.number, "start": first})
    assert booked.status_code == 201, booked.content
    appointment = booked.json()
    assert appointment["status"] == "booked" and appointment["request"] == carol_request.number

    moved = post_json(
        client,
        f"{API}/appointments/{appointment['id']}/reschedule",
        {"start": tomorrow_at(14).isoformat(), "version": appointment["version"]},
    )
    assert moved.status_code == 200 and moved.json()["status"] == "rescheduled"
    stale = post_json(
        client,
        f"{API}/appointments/{appointment['id']}/reschedule",
        {"start": tomorrow_at(12).isoformat(), "version": appointment["version"]},
    )
    assert stale.status_code == 409 and stale["Content-Type"] == "application/problem+json"

    cancelled = post_json(client, f"{API}/appointments/{appointment['id']}/cancel", {"reason": "改主意了"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    listed = client.get(f"{API}/appointments").json()
    assert [a["id"] for a in listed["items"]] == [appointment["id"]]


def test_bad_booking_input_answers_422_or_409_and_books_nothing(client_for, alice, carol_request):
    client = client_for(alice)
    url = f"{API}/appointments"
    backwards = post_json(
        client,
        url,
        {
            "request": carol_request.number,
            "start": tomorrow_at(10).isoformat(),
            "end": tomorrow_at(9).isoformat(),
        },
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "end"
    naive = post_json(client, url, {"request": carol_request.number, "start": "2030-01-01T10:00:00"})
    assert naive.status_code == 422
    odd = post_json(
        client,
        url,
        {"request": carol_request.number, "start": tomorrow_at(10).replace(minute=17).isoformat()},
    )
    assert odd.status_code == 409 and "已约满或不可预约" in odd.json()["detail"]
    garbage = post_json(client, url, {"request": carol_request.number, "start": "soon"})
    assert garbage.status_code == 422
    assert not Appointment.objects.exists()


def test_coverage_of_a_point(client_for, alice, station):
    client = client_for(alice)
    near = client.get(f"{API}/stations/{station.pk}/coverage", {"lat": 31.25, "lon": 121.5})
    assert near.status_code == 200 and near.json()["covers"] is True and near.json()["distance_km"] < 5
    far = client.get(f"{API}/stations/{station.pk}/coverage", {"lat": 39.9, "lon": 116.4})
    assert far.json()["covers"] is False and far.json()["distance_km"] > 1000
    for params in (
        {"lat": 91, "lon": 0},
        {"lat": 0, "lon": 181},
        {"lat": "nan", "lon": 0},
        {"lat": "x", "lon": 1},
        {},
    ):
        bad = client.get(f"{API}/stations/{station.pk}/coverage", params)
        assert bad.status_code == 422, params
        assert bad["Content-Type"] == "application/problem+json"


def test_plan_a_day_and_read_it_back(client_for, dave, alice, station, carol_request):
    post_json(
        client_for(alice),
        f"{API}/appointments",
        {"request": carol_request.number, "start": tomorrow_at(10).isoformat()},
    )
    day = (today() + timedelta(days=1)).isoformat()
    assert (
        post_json(client_for(alice), f"{API}/plans", {"station": station.pk, "date": day}).status_code == 403
    )
    client = client_for(dave)
    planned = post_json(client, f"{API}/plans", {"station": station.pk, "date": day, "time_limit_s": 0.2})
    assert planned.status_code == 200, planned.content
    plan = planned.json()
    assert plan["unassigned"] == [] and plan["routes"][0]["stops"][0]["request"] == carol_request.number
    assert (
        client.get(f"{API}/plans", {"station": station.pk, "date": day}).json()["distance_m"]
        == plan["distance_m"]
    )
    past = post_json(client, f"{API}/plans", {"station": station.pk, "date": "2001-01-01"})
    assert past.status_code == 422
    assert plan["objective"] == "least_travel" and plan["max_spread"] is None
    assert "skills" in [r["code"] for r in plan["routes"][0]["stops"][0]["reasons"]]
    assert plan["routes"][0]["stops"][0]["why"]
    # balanced, with a limit the planner refuses: a problem naming the field
    bad = post_json(
        client,
        f"{API}/plans",
        {"station": station.pk, "date": day, "time_limit_s": 0.2, "objective": "balanced", "max_spread": 0},
    )
    assert bad.status_code == 422 and bad["Content-Type"] == "application/problem+json"
    assert "max_spread" in bad.content.decode()
    balanced = post_json(
        client,
        f"{API}/plans",
        {"station": station.pk, "date": day, "time_limit_s": 0.2, "objective": "balanced", "max_spread": 2},
    ).json()
    assert (
        balanced["objective"] == "balanced"
        and balanced["balance_by"] == "visits"
        and balanced["max_spread"] == 2
    )


def test_technicians_list_with_skills_and_shifts(client_for, dave, tina_tech, carol):
    body = client_for(dave).get(f"{API}/technicians").json()
    [tech] = body["items"]
    assert tech["username"] == "tina" and {"kind": "category", "code": "ac", "level": 2} in tech["skills"]
    assert len(tech["shifts"]) == 7
    assert client_for(carol).get(f"{API}/technicians").status_code == 403


def test_other_organizations_and_customers_get_404(client_for, bob, cody, alice, station, carol_request):
    appointment = post_json(
        client_for(alice),
        f"{API}/appointments",
        {"request": carol_request.number, "start": tomorrow_at(10).isoformat()},
    ).json()
    for user in (bob, cody):
        client = client_for(user)
        assert client.get(f"{API}/appointments/slots", {"request": carol_request.number}).status_code == 404
        assert client.get(f"{API}/appointments/{appointment['id']}").status_code == 404
        assert (
            post_json(client, f"{API}/appointments/{appointment['id']}/cancel", {"reason": "x"}).status_code
            == 404
        )
        assert client.get(f"{API}/appointments").json()["items"] == []
    assert (
        client_for(bob).get(f"{API}/stations/{station.pk}/coverage", {"lat": 31, "lon": 121}).status_code
        == 404
    )
    assert client_for(bob).get(f"{API}/technicians").json()["items"] == []
