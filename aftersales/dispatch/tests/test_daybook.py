"""The slot check without a database: windows, travel, shifts, time off, the daily limit."""

from __future__ import annotations

from aftersales.dispatch.daybook import TechDay, Visit, can_take, insertion
from aftersales.dispatch.routing import TimeWindow
from aftersales.dispatch.travel import GreatCircleTravel, LatLon

H = 3600
HOME = LatLon(31.2304, 121.4737)
TRAVEL = GreatCircleTravel()


def at(east_km: float, north_km: float) -> LatLon:
    return LatLon(HOME.lat + north_km / 111.32, HOME.lon + east_km / 95.2)


def visit(key: str, where: LatLon, start_h: float, minutes: int = 60) -> Visit:
    return Visit(key, where, TimeWindow(int(start_h * H), int((start_h + 2) * H)), minutes * 60)


def day(*visits: Visit, **kw: object) -> TechDay:
    return TechDay(
        start=HOME,
        end=HOME,
        shift=TimeWindow(8 * H, 18 * H),
        max_jobs=kw.pop("max_jobs", 8),
        visits=visits,
        **kw,
    )


def test_an_empty_day_takes_any_window_inside_the_shift():
    assert can_take(day(), visit("n", at(5, 5), 8), TRAVEL)
    assert can_take(day(), visit("n", at(5, 5), 16), TRAVEL)
    assert not can_take(day(), visit("n", at(5, 5), 18), TRAVEL)  # starts when the shift ends


def test_travel_between_promised_visits_counts():
    north = visit("a", at(0, 25), 8, minutes=110)  # busy until about 10:50 far in the north
    assert not can_take(day(north), visit("n", at(0, -25), 8), TRAVEL)
    assert can_take(day(north), visit("n", at(0, -25), 12), TRAVEL)
    assert insertion(day(north), visit("n", at(0, 24), 10, minutes=30), TRAVEL) == 1  # after it, next door


def test_time_off_and_the_daily_limit():
    off = (TimeWindow(12 * H, 18 * H),)
    assert can_take(day(busy=off), visit("n", at(1, 1), 10), TRAVEL)
    assert not can_take(day(busy=off), visit("n", at(1, 1), 12), TRAVEL)
    full = day(visit("a", at(1, 1), 8), max_jobs=1)
    assert not can_take(full, visit("n", at(1, 1), 14), TRAVEL)


def test_nothing_is_offered_before_now_on_the_current_day():
    assert not can_take(day(not_before_s=13 * H), visit("n", at(1, 1), 10), TRAVEL)
    assert can_take(day(not_before_s=13 * H), visit("n", at(1, 1), 12), TRAVEL)
