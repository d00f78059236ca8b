"""The dispatcher's objective: least travel, or balanced workload within a spread limit; and why each visit went where."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from aftersales.core.errors import InvalidInput
from aftersales.dispatch import booking, planning
from aftersales.dispatch.models import DayPlan, RouteStop
from aftersales.dispatch.routing import (
    Balance,
    BalanceBy,
    Job,
    Problem,
    PyVRPSolver,
    RoutingInputError,
    Technician,
    TimeWindow,
)
from aftersales.dispatch.travel import LatLon

from .conftest import STATION, field_request, make_technician, near, today, tomorrow_at

FAST = 0.4
H = 3600


def _point(east_km: float, north_km: float) -> LatLon:
    return LatLon(*near(east_km, north_km))


def _quiet_day(
    n_jobs: int = 5, skills: frozenset[str] = frozenset({"ac"})
) -> tuple[list[Job], list[Technician]]:
    """Five visits in a row 20-30 km east of the station, one per two-hour window: one technician
    could drive the whole string; least travel sends one, and the other two stay at the station."""
    techs = [
        Technician(id=f"T{i}", start=STATION, shift=TimeWindow(8 * H, 18 * H), skills=frozenset({"ac"}))
        for i in range(3)
    ]
    jobs = [
        Job(
            id=f"J{i}",
            location=_point(20 + 2 * i, 1 - i),
            window=TimeWindow((8 + 2 * i) * H, (9 + 2 * i) * H),
            service_s=45 * 60,
            skills_required=skills if i == 0 else frozenset({"ac"}),
        )
        for i in range(n_jobs)
    ]
    return jobs, techs


def _counts(plan, techs) -> list[int]:
    return [len(r.stops) if (r := plan.route_for(t.id)) else 0 for t in techs]


def test_balanced_gives_every_technician_work_within_the_spread_and_costs_some_travel():
    jobs, techs = _quiet_day()
    least = PyVRPSolver().solve(Problem(jobs=jobs, technicians=techs), time_limit_s=FAST)
    balanced = PyVRPSolver().solve(
        Problem(jobs=jobs, technicians=techs, balance=Balance(BalanceBy.VISITS, 1)), time_limit_s=FAST
    )
    assert not least.unassigned and not balanced.unassigned
    assert max(_counts(least, techs)) == 5  # the quiet day as reported: everything on one technician
    counts = _counts(balanced, techs)
    assert min(counts) >= 1 and max(counts) - min(counts) <= 1
    assert balanced.stats["spread"] <= 1 and not balanced.over_limit
    assert least.distance_m <= balanced.distance_m


def test_a_spread_the_uniform_share_cannot_hold_gets_exact_shares():
    # 4 visits, 3 technicians, at most 1 apart: only 2-1-1 will do, which a uniform cap of 2 does not force.
    jobs, techs = _quiet_day(4)
    plan = PyVRPSolver().solve(
        Problem(jobs=jobs, technicians=techs, balance=Balance(BalanceBy.VISITS, 1)), time_limit_s=FAST
    )
    assert sorted(_counts(plan, techs)) == [1, 1, 2]


def test_a_wider_spread_lets_the_solver_save_travel():
    jobs, techs = _quiet_day()
    tight = PyVRPSolver().solve(
        Problem(jobs=jobs, technicians=techs, balance=Balance(BalanceBy.VISITS, 1)), time_limit_s=FAST
    )
    loose = PyVRPSolver().solve(
        Problem(jobs=jobs, technicians=techs, balance=Balance(BalanceBy.VISITS, 3)), time_limit_s=FAST
    )
    counts = _counts(loose, techs)
    assert max(counts) - min(counts) <= 3 and loose.distance_m <= tight.distance_m


def test_balance_by_working_time_caps_each_share_of_on_site_minutes():
    jobs, techs = _quiet_day()
    plan = PyVRPSolver().solve(
        Problem(jobs=jobs, technicians=techs, balance=Balance(BalanceBy.WORK_TIME, 60)), time_limit_s=FAST
    )
    assert not plan.unassigned
    minutes = [
        sum(s.job.service_s for s in r.stops) / 60 if (r := plan.route_for(t.id)) else 0 for t in techs
    ]
    average = sum(minutes) / 3
    assert (max(minutes) - min(minutes)) / average * 100 <= 60
    assert plan.stats["spread"] <= 60


def test_a_visit_only_one_technician_can_take_is_planned_beyond_the_limit_and_says_so():
    # Only T0 holds the gas certificate the first three visits need: within a spread of 1 T0 could take 2.
    jobs, techs = _quiet_day()
    techs[0] = Technician(
        id="T0", start=STATION, shift=TimeWindow(8 * H, 18 * H), skills=frozenset({"ac", "gas"})
    )
    jobs = [
        Job(
            id=j.id,
            location=j.location,
            window=j.window,
            service_s=j.service_s,
            skills_required=frozenset({"ac", "gas"}) if n < 4 else j.skills_required,
        )
        for n, j in enumerate(jobs)
    ]
    plan = PyVRPSolver().solve(
        Problem(jobs=jobs, technicians=techs, balance=Balance(BalanceBy.VISITS, 1)), time_limit_s=FAST
    )
    assert not plan.unassigned  # nothing dropped for the sake of balance
    assert len(plan.over_limit) >= 1 and plan.stats["over_limit"] == len(plan.over_limit)


def test_a_balance_limit_out_of_range_names_the_field():
    with pytest.raises(RoutingInputError, match="max_spread"):
        Balance(BalanceBy.VISITS, 0)
    with pytest.raises(InvalidInput) as caught:
        planning.balance_of("balanced", "visits", 0)
    assert "max_spread" in caught.value.errors


@pytest.mark.django_db
def test_the_quiet_day_in_the_database_balanced_persisted_and_explained(
    org_a, station, carol_customer, ac_model
):
    techs = [make_technician(org_a, station, name) for name in ("amy", "ben", "cai")]
    for i, hour in enumerate((8, 10, 12, 14, 14)):
        sr = field_request(org_a, carol_customer, ac_model, where=near(14 + 2 * i, 1 - i))
        booking.appointment_book(request=sr, start=tomorrow_at(hour), by=None)
    day = today() + timedelta(days=1)

    least = planning.plan_day(station=station, day=day, by=None, time_limit_s=FAST)
    least_m = least.distance_m
    assert least.objective == "least_travel" and least.max_spread is None

    plan = planning.plan_day(
        station=station,
        day=day,
        by=None,
        time_limit_s=FAST,
        objective="balanced",
        balance_by="visits",
        max_spread=1,
    )
    assert plan.objective == "balanced" and plan.balance_by == "visits" and plan.max_spread == 1
    counts = [RouteStop.objects.filter(plan=plan, technician=t).count() for t in techs]
    assert min(counts) >= 1 and max(counts) - min(counts) <= 1 and sum(counts) == 5
    assert least_m <= plan.distance_m

    # every visit says why it went where it did, in words
    for stop in RouteStop.objects.filter(plan=plan).select_related("appointment__request"):
        codes = [r["code"] for r in stop.reasons]
        assert (
            codes[:2] == ["skills", "coverage"]
            and "leg" in codes
            and "window" in codes
            and "balance" in codes
        )
        words = " ".join(planning.explain(stop.reasons))
        assert "具备所需技能" in words and "服务半径内" in words and "预约时段" in words
        assert "相差不超过 1 单" in words

    # a re-plan after a booking (the background job passes no objective) keeps the dispatcher's choice
    again = planning.plan_day(station=station, day=day, by=None, time_limit_s=FAST)
    assert again.objective == "balanced" and again.max_spread == 1
    assert DayPlan.objects.count() == 1


def test_no_user_interface_template_names_the_solver():
    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(p.relative_to(root))
        for p in root.glob("**/templates/**/*.html")
        if "pyvrp" in p.read_text(encoding="utf-8").lower()
    ]
    offenders += [
        str(p.relative_to(root))
        for p in root.glob("**/static/dispatch/*.js")
        if "pyvrp" in p.read_text(encoding="utf-8").lower()
    ]
    assert offenders == []
