from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from aftersales.accounts.access import get_or_404
from aftersales.accounts.http import AuthedRequest
from aftersales.stations.models import ServiceStation
from aftersales.stations.selectors import stations_for_user

router = Router(tags=["stations"])


class StationOut(Schema):
    id: int
    organization: str = Field(alias="organization.slug")
    code: str
    name: str
    province: str
    city: str
    district: str
    address: str
    latitude: float
    longitude: float
    service_radius_km: int
    daily_capacity: int
    accepts_carry_in: bool
    phone: str
    is_active: bool


class StationFilter(Schema):
    city: str = ""


@router.get("/stations", response=list[StationOut])
@paginate(LimitOffsetPagination)
def list_stations(request: AuthedRequest, filters: Query[StationFilter]) -> object:
    qs = stations_for_user(request.user)
    if filters.city:
        qs = qs.filter(city=filters.city)
    return qs.order_by("city", "name")


@router.get("/stations/{int:station_id}", response=StationOut)
def get_station(request: AuthedRequest, station_id: int) -> ServiceStation:
    return get_or_404(stations_for_user(request.user), pk=station_id)
