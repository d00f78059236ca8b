"""A reproducible, city-scale field-service day for benchmarks, tests and demos.

Real station data cannot ship with the project, so this generates one: stations scattered
over a square city, technicians with a few product skills each, customers booked into
two-hour appointment slots, service times by kind of visit. The same seed always yields the
same day, so planners can be compared run against run.
"""

from __future__ import annotations

import math
import random

from aftersales.dispatch.travel import LatLon

from .model import Job, Problem, Technician, TimeWindow

SKILLS = ("air_conditioner", "washer", "refrigerator", "water_heater", "television")
# (kind, minutes, share of visits): mostly 30-60 minute repairs and upkeep, some 90-minute
# installations, which averages about three quarters of an hour on site.
VISIT_KINDS: tuple[tuple[str, int, float], ...] = (
    ("maintenance", 30, 0.30),
    ("exchange", 30, 0.10),
    ("repair", 45, 0.30),
    ("repair", 60, 0.15),
    ("installation", 90, 0.15),
)
SHANGHAI = LatLon(31.2304, 121.4737)
HOUR = 3600


def _offset(center: LatLon, east_km: float, north_km: float) -> LatLon:
    lat = center.lat + north_km / 111.32
    lon = center.lon + east_km / (111.32 * math.cos(math.radians(center.lat)))
    return LatLon(round(lat, 6), round(lon, 6))


def field_day(
    *,
    n_jobs: int = 1000,
    n_technicians: int = 100,
    n_stations: int = 10,
    city_km: float = 40.0,
    seed: int = 2024,
    center: LatLon = SHANGHAI,
    max_jobs: int | None = 14,
) -> Problem:
    rng = random.Random(seed)
    half = city_km / 2

    def somewhere() -> LatLon:
        return _offset(center, rng.uniform(-half, half), rng.uniform(-half, half))

    stations = [somewhere() for _ in range(n_stations)]
    technicians = []
    for i in range(n_technicians):
        home = stations[i % n_stations]
        skills = frozenset(rng.sample(SKILLS, rng.randint(2, 4)))
        technicians.append(
            Technician(
                id=f"T{i + 1:03d}",
                start=home,
                shift=TimeWindow(8 * HOUR, 18 * HOUR),
                skills=skills,
                max_jobs=max_jobs,
            )
        )

    shares = [share for _, _, share in VISIT_KINDS]
    jobs = []
    for i in range(n_jobs):
        _, minutes, _ = rng.choices(VISIT_KINDS, weights=shares)[0]
        # Appointment slots start on the hour; the last one (16:00-18:00) is booked less often
        # because a visit that starts at 17:30 rarely fits before the shift ends.
        slot = rng.choices(range(8, 17), weights=[1, 1, 1, 1, 1, 1, 1, 1, 0.5])[0]
        jobs.append(
            Job(
                id=f"J{i + 1:04d}",
                location=somewhere(),
                window=TimeWindow(slot * HOUR, (slot + 2) * HOUR),
                service_s=minutes * 60,
                skills_required=frozenset({rng.choice(SKILLS)}),
                priority=1 if rng.random() < 0.1 else 0,
            )
        )
    # Jobs appear in booking order, which has nothing to do with their slot order.
    return Problem(jobs=jobs, technicians=technicians)
