from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.dispatch.routing import (
    GreedyDispatcher,
    Job,
    Plan,
    Problem,
    PyVRPSolver,
    RoutingInputError,
    Technician,
    TimeWindow,
    UnassignedReason,
    service_seconds,
    solve_data,
)
from aftersales.dispatch.routing.synthetic import field_day
from aftersales.dispatch.routing.vrptw import best_known_cost, best_known_solution, read_instance, unscaled
from aftersales.dispatch.travel import InvalidCoordinatesError, LatLon

H = 3600
DAY = TimeWindow(8 * H, 18 * H)
STATION = LatLon(31.2304, 121.4737)
VRPTW = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "vrptw"

SOLVERS = [PyVRPSolver(), GreedyDispatcher()]


def near(east_km: float, north_km: float) -> LatLon:
    return LatLon(STATION.lat + north_km / 111.32, STATION.lon + east_km / 95.2)


def job(ident: str, east: float, north: float, start_h: float = 8, end_h: float = 18, **kw: object) -> Job:
    return Job(
        id=ident,
        location=near(east, north),
        window=TimeWindow(int(start_h * H), int(end_h * H)),
        service_s=kw.pop("service_s", 30 * 60),
        **kw,
    )


def tech(ident: str, skills: set[str] | None = None, **kw: object) -> Technician:
    start = kw.pop("start", STATION)
    shift = kw.pop("shift", DAY)
    return Technician(id=ident, start=start, shift=shift, skills=frozenset(skills or set()), **kw)


def assert_plan_keeps_the_rules(problem: Problem, plan: Plan) -> None:
    """Skills, windows, shifts, job limits and arithmetic of every ETA, whichever solver planned."""
    techs = {t.id: t for t in problem.technicians}
    seen: list[str] = []
    for route in plan.routes:
        t = techs[route.technician_id]
        assert route.return_s <= t.shift.end
        assert route.depart_s >= t.shift.start
        if t.max_jobs is not None:
            assert len(route.stops) <= t.max_jobs
        previous_departure, after_fixed = route.depart_s, False
        for stop in route.stops:
            seen.append(stop.job.id)
            if not stop.fixed:
                assert stop.job.skills_required <= t.skills, f"{stop.job.id} served by unqualified {t.id}"
                if after_fixed:  # may wait where the job in progress ends
                    assert stop.arrival_s >= previous_departure + stop.travel_s
                else:
                    assert stop.arrival_s == previous_departure + stop.travel_s
            after_fixed = stop.fixed
            assert stop.job.window.start <= stop.start_s <= stop.job.window.end, stop
            assert stop.arrival_s <= stop.start_s
            if stop.fixed:  # an overrun job in progress ends no earlier than now
                assert stop.departure_s >= stop.start_s + stop.job.service_s
            else:
                assert stop.departure_s == stop.start_s + stop.job.service_s
            previous_departure = stop.departure_s
    unassigned = [u.job.id for u in plan.unassigned]
    assert sorted(seen + unassigned) == sorted(j.id for j in problem.jobs), (
        "every job planned or explained once"
    )


# --- input checks -----------------------------------------------------------------------


def test_window_that_ends_before_it_starts_names_the_job_and_field():
    with pytest.raises(RoutingInputError) as excinfo:
        job("J7", 1, 1, start_h=12, end_h=10)
    assert "job 'J7' window" in str(excinfo.value)
    assert "ends at 10:00 before it starts at 12:00" in str(excinfo.value)


def test_shift_that_ends_before_it_starts_names_the_technician():
    with pytest.raises(
        RoutingInputError, match=r"technician 'T1' shift: ends at 08:00 before it starts at 18:00"
    ):
        tech("T1", shift=TimeWindow(18 * H, 8 * H))


@pytest.mark.parametrize("where", [(91.0, 121.0), (31.0, 181.0), (float("inf"), 0.0)])
def test_job_with_coordinates_out_of_range_is_refused(where):
    with pytest.raises(InvalidCoordinatesError, match=r"job 'J1' location"):
        Job(id="J1", location=LatLon(*where), window=DAY, service_s=600)


def test_technician_with_bad_end_point_is_refused():
    with pytest.raises(InvalidCoordinatesError, match=r"technician 'T1' end: latitude -95.0"):
        Technician(id="T1", start=STATION, end=LatLon(-95.0, 0.0), shift=DAY)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Problem([job("J1", 0, 1), job("J1", 1, 1)], [tech("T1")]), "job id 'J1' appears twice"),
        (lambda: Problem([job("J1", 0, 1, fixed_technician="T9")], [tech("T1")]), "no technician 'T9'"),
        (lambda: job("J1", 0, 1, in_progress=True), "needs its fixed_technician"),
        (lambda: job("J1", 0, 1, service_s=-5), "service_s: -5 is outside"),
        (lambda: job("J1", 0, 1, skills_required="gas"), "expected a set of skill names"),
        (
            lambda: Problem(
                [
                    job("J1", 0, 1, fixed_technician="T1", in_progress=True),
                    job("J2", 0, 2, fixed_technician="T1", in_progress=True),
                ],
                [tech("T1")],
            ),
            "already on job 'J1'",
        ),
    ],
)
def test_inconsistent_problems_are_refused_with_a_clear_message(build, message):
    with pytest.raises(RoutingInputError, match=message):
        build()


def test_window_from_aware_datetimes():
    tz = ZoneInfo("Asia/Shanghai")
    window = TimeWindow.from_datetimes(
        datetime(2026, 5, 4, 10, 0, tzinfo=tz), datetime(2026, 5, 4, 12, 30, tzinfo=tz), day=date(2026, 5, 4)
    )
    assert window == TimeWindow(10 * H, 12 * H + 1800)
    assert str(window) == "10:00-12:30"


def test_service_duration_by_kind():
    assert service_seconds("installation") == 90 * 60
    with pytest.raises(RoutingInputError, match="no service duration for kind 'juggling'"):
        service_seconds("juggling")


# --- planning rules, for the solver and the baseline alike --------------------------------


def skills_problem() -> Problem:
    jobs = [job(f"A{i}", east=i, north=1, skills_required=frozenset({"aircon"})) for i in range(-3, 4)] + [
        job(f"W{i}", east=i, north=-1, skills_required=frozenset({"washer"})) for i in range(-3, 4)
    ]
    return Problem(jobs, [tech("T-air", {"aircon"}), tech("T-wash", {"washer", "tv"})])


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: s.name)
def test_no_job_is_served_by_an_unqualified_technician(solver):
    problem = skills_problem()
    plan = solver.solve(problem, time_limit_s=0.5)
    assert_plan_keeps_the_rules(problem, plan)
    assignment = plan.assignment()
    assert len(assignment) == 14
    assert {assignment[f"A{i}"] for i in range(-3, 4)} == {"T-air"}
    assert {assignment[f"W{i}"] for i in range(-3, 4)} == {"T-wash"}


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: s.name)
def test_etas_fall_inside_time_windows(solver):
    # given: windows that force an order different from the geographic one
    problem = Problem(
        [
            job("late-near", 1, 0, start_h=15, end_h=17),
            job("early-far", 8, 0, start_h=9, end_h=10),
            job("mid", 4, 3, start_h=11, end_h=13),
            job("tight", -2, -2, start_h=13, end_h=13.25),
        ],
        [tech("T1")],
    )

    # when
    plan = solver.solve(problem, time_limit_s=0.5)

    # then
    assert_plan_keeps_the_rules(problem, plan)
    route = plan.route_for("T1")
    assert route is not None
    assert [s.job.id for s in route.stops] == ["early-far", "mid", "tight", "late-near"]
    # Leaves just in time for the first window rather than waiting at the customer's door.
    assert route.stops[0].arrival_s == 9 * H
    assert route.depart_s == 9 * H - route.stops[0].travel_s


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: s.name)
def test_job_nobody_is_qualified_for_is_unassigned_with_its_reason(solver):
    problem = Problem(
        [job("J1", 1, 1, skills_required=frozenset({"gas", "boiler"})), job("J2", 2, 2)],
        [tech("T1", {"gas"}), tech("T2", {"washer"})],
    )
    plan = solver.solve(problem, time_limit_s=0.3)
    assert_plan_keeps_the_rules(problem, plan)
    [left] = plan.unassigned
    assert left.job.id == "J1"
    assert left.reason is UnassignedReason.NO_QUALIFIED_TECHNICIAN
    assert left.message == "no technician has skills boiler, gas"


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: s.name)
def test_unreachable_window_and_full_technicians_are_explained(solver):
    problem = Problem(
        [
            job("far-and-early", 60, 60, start_h=8, end_h=8.25),  # 85 km away, 15 minutes after shift start
            job("J1", 1, 0),
            job("J2", 2, 0),
            job("J3", 3, 0),
        ],
        [tech("T1", max_jobs=2)],
    )
    plan = solver.solve(problem, time_limit_s=0.3)
    assert_plan_keeps_the_rules(problem, plan)
    reasons = {u.job.id: u.reason for u in plan.unassigned}
    assert reasons.pop("far-and-early") is UnassignedReason.WINDOW_UNREACHABLE
    assert list(reasons.values()) == [UnassignedReason.MAX_JOBS_REACHED]


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: s.name)
def test_job_pinned_to_a_technician_goes_to_them(solver):
    problem = Problem(
        [job("J1", 5, 5, fixed_technician="T2"), job("J2", 5, 6)],
        [tech("T1", start=near(5, 5)), tech("T2", start=near(-10, -10))],
    )
    plan = solver.solve(problem, time_limit_s=0.3)
    assert plan.assignment()["J1"] == "T2"


def test_day_with_too_much_work_serves_required_jobs_first():
    # given: one technician, room for about four one-hour visits in a four-hour shift
    jobs = [job(f"opt{i}", i, 0, service_s=H, required=False) for i in range(4)]
    jobs += [job(f"req{i}", i, 1, service_s=H) for i in range(3)]
    problem = Problem(jobs, [tech("T1", shift=TimeWindow(8 * H, 12 * H))])

    # when
    plan = PyVRPSolver().solve(problem, time_limit_s=0.5)

    # then
    assert_plan_keeps_the_rules(problem, plan)
    served = set(plan.assignment())
    assert {"req0", "req1", "req2"} <= served
    assert all(u.reason is UnassignedReason.NO_ROOM for u in plan.unassigned)


def test_empty_problems_give_empty_plans():
    assert PyVRPSolver().solve(Problem([], [tech("T1")])).routes == ()
    plan = PyVRPSolver().solve(Problem([job("J1", 0, 1)], []))
    assert plan.unassigned[0].reason is UnassignedReason.NO_QUALIFIED_TECHNICIAN


# --- re-planning ---------------------------------------------------------------------------


def test_replanning_keeps_the_job_in_progress_first_and_fits_the_urgent_one():
    # given: a morning plan
    jobs = [job(f"J{i}", east=i, north=(i % 3) - 1, start_h=8 + i % 4, end_h=10 + i % 4) for i in range(8)]
    techs = [tech("T1"), tech("T2", start=near(6, 0))]
    morning = PyVRPSolver().solve(Problem(jobs, techs), time_limit_s=0.5)
    first = morning.routes[0]
    on_site = first.stops[0]

    # when: ten minutes into that job an urgent job arrives
    now = on_site.start_s + 600
    updated = [
        Job(
            **{
                **j.__dict__,
                "in_progress": True,
                "started_s": on_site.start_s,
                "fixed_technician": first.technician_id,
            }
        )
        if j.id == on_site.job.id
        else j
        for j in jobs
    ]
    updated.append(job("URGENT", 2, 2, start_h=10, end_h=12, priority=9))
    replan = PyVRPSolver().solve(Problem(updated, techs, now_s=now), time_limit_s=0.5, warm_start=morning)

    # then
    assert_plan_keeps_the_rules(Problem(updated, techs, now_s=now), replan)
    route = replan.route_for(first.technician_id)
    assert route is not None
    assert route.stops[0].job.id == on_site.job.id and route.stops[0].fixed
    assert route.stops[0].start_s == on_site.start_s
    assert list(replan.assignment()).count(on_site.job.id) == 1
    assert "URGENT" in replan.assignment()
    later = [s for r in replan.routes for s in r.stops if not s.fixed]
    assert all(s.arrival_s >= now for s in later), "nobody is sent anywhere in the past"


def test_replanning_explains_windows_that_have_passed():
    problem = Problem([job("J1", 1, 1, start_h=8, end_h=9)], [tech("T1")], now_s=11 * H)
    [left] = PyVRPSolver().solve(problem, time_limit_s=0.2).unassigned
    assert left.reason is UnassignedReason.WINDOW_PASSED
    assert "ended before now (11:00)" in left.message


# --- quality -------------------------------------------------------------------------------


def test_solver_beats_greedy_on_a_small_generated_day():
    problem = field_day(n_jobs=80, n_technicians=8, n_stations=2, city_km=20, seed=7)
    greedy = GreedyDispatcher().solve(problem)
    plan = PyVRPSolver().solve(problem, time_limit_s=2, seed=1)
    assert_plan_keeps_the_rules(problem, plan)
    assert_plan_keeps_the_rules(problem, greedy)
    assert len(plan.unassigned) <= len(greedy.unassigned)
    assert plan.distance_m < 0.85 * greedy.distance_m


class ManhattanTravel:
    """A stand-in for a road-network service: the planner must not care which one it gets."""

    def matrix(self, points):
        xy = np.array([(p.lon * 95_200, p.lat * 111_320) for p in points])
        distance = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2).astype(np.int64)
        return distance, distance // 8


@pytest.mark.parametrize("solver_cls", [PyVRPSolver, GreedyDispatcher])
def test_any_travel_provider_can_be_plugged_in(solver_cls):
    problem = skills_problem()
    travel = ManhattanTravel()
    plan = solver_cls(travel=travel).solve(problem, time_limit_s=0.3)
    assert len(plan.assignment()) == 14
    for route in plan.routes:
        points = [STATION, *(s.job.location for s in route.stops)]
        distance, duration = travel.matrix(points)
        assert [s.travel_m for s in route.stops] == [distance[i, i + 1] for i in range(len(points) - 1)]
        assert [s.travel_s for s in route.stops] == [duration[i, i + 1] for i in range(len(points) - 1)]


needs_vrptw = pytest.mark.skipif(
    not (VRPTW / "solomon" / "C101.txt").exists(), reason="shared VRPTW data not present"
)


@needs_vrptw
@pytest.mark.parametrize("instance", ["solomon/RC208.txt", "gh1000/C1_10_1.vrp"])
def test_best_known_solutions_cost_what_their_files_say(instance):
    # The DIMACS convention (x10, truncated) must reproduce the published costs exactly, or
    # every gap the benchmark prints would be off.
    path = VRPTW / instance
    solution = best_known_solution(path.with_suffix(".sol"), read_instance(path))
    assert solution.is_feasible()
    assert unscaled(solution.distance()) == pytest.approx(best_known_cost(path.with_suffix(".sol")), abs=1e-9)


@needs_vrptw
def test_solomon_c101_within_one_percent_in_two_seconds():
    data = read_instance(VRPTW / "solomon" / "C101.txt")
    result = solve_data(data, time_limit_s=2, seed=1)
    best = best_known_cost(VRPTW / "solomon" / "C101.sol")
    assert result.best.is_feasible() and result.best.is_complete()
    assert unscaled(result.best.distance()) <= 1.01 * best


# --- whatever the input, a plan that keeps the rules or a clear error, never a crash --------


@st.composite
def small_days(draw: st.DrawFn) -> Problem:
    skills = ["aircon", "washer", "gas"]
    n_techs = draw(st.integers(0, 3))
    techs = []
    for i in range(n_techs):
        start = draw(st.integers(6, 12))
        techs.append(
            tech(
                f"T{i}",
                set(draw(st.lists(st.sampled_from(skills), max_size=3))),
                start=near(draw(st.floats(-15, 15)), draw(st.floats(-15, 15))),
                shift=TimeWindow(start * H, draw(st.integers(start, 20)) * H),
                max_jobs=draw(st.none() | st.integers(0, 4)),
            )
        )
    jobs = []
    for i in range(draw(st.integers(0, 8))):
        begin = draw(st.integers(6 * 4, 19 * 4)) * 900
        jobs.append(
            Job(
                id=f"J{i}",
                location=near(draw(st.floats(-20, 20)), draw(st.floats(-20, 20))),
                window=TimeWindow(begin, begin + draw(st.integers(0, 16)) * 900),
                service_s=draw(st.integers(0, 8)) * 900,
                skills_required=frozenset(draw(st.lists(st.sampled_from(skills), max_size=2))),
                priority=draw(st.integers(0, 9)),
                required=draw(st.booleans()),
                fixed_technician=draw(st.none() | st.sampled_from([t.id for t in techs])) if techs else None,
            )
        )
    return Problem(jobs, techs, now_s=draw(st.none() | st.integers(6 * H, 14 * H)))


@settings(max_examples=25, deadline=None)
@given(small_days())
def test_any_small_day_gets_a_plan_that_keeps_the_rules(problem):
    for solver in SOLVERS:
        plan = solver.solve(problem, time_limit_s=0.05)
        assert_plan_keeps_the_rules(problem, plan)
        if problem.now_s is not None:
            assert all(s.arrival_s >= problem.now_s for r in plan.routes for s in r.stops)
        for left in plan.unassigned:
            assert left.message
