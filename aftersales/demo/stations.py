"""Demo step: service stations in each organization's cities, each with its radius and capacity."""

from __future__ import annotations

from aftersales.accounts.config import config_touch
from aftersales.demo.context import DemoContext
from aftersales.demo.data import CITIES, ORGS, STREETS
from aftersales.stations.models import ServiceStation


def step_stations(ctx: DemoContext) -> None:
    stations = []
    for spec in ORGS:
        org = ctx.orgs[spec["slug"]]
        for n, city_index in enumerate(spec["station_cities"], start=1):
            city, province, lat, lon, districts = CITIES[city_index]
            district = districts[n % len(districts)]
            # A few kilometres off the city centre, as real stations are.
            stations.append(
                ServiceStation(
                    organization=org,
                    code=f"{spec['prefix']}-{n:02d}",
                    name=f"{org.name}{city.rstrip('市')}{district}服务中心",
                    province=province,
                    city=city,
                    district=district,
                    address=f"{district}{ctx.rng.choice(STREETS)}{ctx.rng.randint(1, 300)}号",
                    latitude=round(lat + ctx.rng.uniform(-0.05, 0.05), 5),
                    longitude=round(lon + ctx.rng.uniform(-0.05, 0.05), 5),
                    service_radius_km=50 if spec["kind"] == "dealer" else 30,
                    daily_capacity=60 if spec["kind"] == "brand" else 30,
                    phone=f"400-{ctx.rng.randint(100, 999)}-{ctx.rng.randint(1000, 9999)}",
                )
            )
    ServiceStation.objects.bulk_create(stations)
    for organization_id in sorted({s.organization_id for s in stations}):
        config_touch(organization_id)  # bulk_create sends no signals
    ctx.report(f"{len(stations)} service stations in {len({s.city for s in stations})} cities")
