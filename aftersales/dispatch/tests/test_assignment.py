"""Assignment rules: skills, coverage, the unit's earlier technician, load; applied with reasons."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aftersales.core.errors import Conflict
from aftersales.dispatch import assignment
from aftersales.dispatch.models import DispatchPolicy
from aftersales.dispatch.tasks import auto_assign
from aftersales.service.models import RequestEvent, ServiceRequest, Status

from .conftest import field_request, make_technician

pytestmark = pytest.mark.django_db


def test_only_qualified_technicians_of_a_covering_station_are_proposed(
    org_a, station, far_station, carol_customer, ac_model
):
    make_technician(org_a, station, "washer", skills=[("category", "washer", 3), ("work", "repair", 3)])
    make_technician(org_a, far_station, "beijing")  # qualified, but Beijing does not cover Shanghai
    good = make_technician(org_a, station, "good")
    sr = field_request(org_a, carol_customer, ac_model)
    proposal = assignment.propose(sr)
    assert [c.technician for c in proposal.candidates] == [good]
    assert proposal.reason.startswith("技能匹配（空调、维修）")  # levels only show where a job asks for one
    assert "上海静安服务中心覆盖该地址" in proposal.reason


def test_the_least_loaded_technician_wins_and_the_unit_s_earlier_technician_wins_over_load(
    org_a, station, carol_customer, ac_model
):
    busy = make_technician(org_a, station, "busy")
    idle = make_technician(org_a, station, "idle")
    for _ in range(3):
        assignment.assignment_apply(
            request=field_request(org_a, carol_customer, ac_model),
            by=None,
            proposal=assignment.Proposal(None, [assignment.Candidate(busy, False, 0, 1.0)]),
        )
    sr = field_request(org_a, carol_customer, ac_model)
    assert assignment.propose(sr).best.technician == idle

    ServiceRequest.objects.create(
        number="SR-OLD-2",
        organization=org_a,
        customer=carol_customer,
        unit=sr.unit,
        kind="repair",
        channel="web",
        subject="x",
        description="x",
        status="closed",
        assignee=busy.user,
        created_at=sr.created_at - timedelta(days=30),
    )
    proposal = assignment.propose(sr)
    assert proposal.best.technician == busy
    assert "曾为这台机器服务" in proposal.reason


def test_applying_a_proposal_assigns_with_the_reason_on_the_timeline(
    org_a, station, carol_customer, ac_model, dave
):
    tech = make_technician(org_a, station, "ann")
    sr = field_request(org_a, carol_customer, ac_model)
    sr = assignment.assignment_apply(request=sr, by=dave)
    assert sr.assignee == tech.user and sr.status == Status.ASSIGNED
    event = sr.events.get(kind=RequestEvent.Kind.ASSIGNMENT)
    assert event.reason.startswith("按派单建议：技能匹配") and event.actor == dave


def test_nobody_qualified_is_explained_and_not_applied(org_a, station, carol_customer, ac_model):
    make_technician(org_a, station, "tv", skills=[("category", "tv", 3), ("work", "repair", 3)])
    sr = field_request(org_a, carol_customer, ac_model)
    proposal = assignment.propose(sr)
    assert proposal.best is None and "没有具备所需技能（空调、维修）的工程师" in proposal.problem
    with pytest.raises(Conflict):
        assignment.assignment_apply(request=sr, by=None)


def test_an_address_outside_the_network_has_no_proposal(org_a, station, carol_customer, ac_model):
    make_technician(org_a, station, "ann")
    sr = field_request(org_a, carol_customer, ac_model, where=(30.2741, 120.1551))
    assert "寄修" in assignment.propose(sr).problem


def test_auto_assign_runs_only_for_organizations_that_turned_it_on(org_a, station, carol_customer, ac_model):
    tech = make_technician(org_a, station, "ann")
    sr = field_request(org_a, carol_customer, ac_model)
    assert auto_assign() == {"assigned": 0}
    DispatchPolicy.objects.create(organization=org_a, auto_assign=True)
    assert auto_assign() == {"assigned": 1}
    sr.refresh_from_db()
    assert sr.assignee == tech.user
    assert sr.events.get(kind=RequestEvent.Kind.ASSIGNMENT).reason.startswith("自动派单：")
    assert auto_assign() == {"assigned": 0}  # safe to run twice
