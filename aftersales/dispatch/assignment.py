"""Who should take a job: rules a dispatcher can read, applied automatically or confirmed.

In order: the technician must hold the skills the job needs; their home station must cover
the address; the customer's earlier technician for the same unit comes first (they know the
unit and the customer); then the one with the least open work; then the nearest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from django.db.models import Count
from django.utils.translation import gettext as _

from aftersales.catalog.models import ProductCategory
from aftersales.core.errors import Conflict
from aftersales.dispatch import event_codes as codes
from aftersales.dispatch import skills
from aftersales.dispatch.models import DispatchPolicy, SkillRequirement, Technician
from aftersales.dispatch.travel import InvalidCoordinatesError, LatLon
from aftersales.service import services as service_services
from aftersales.service.event_text import EventText, text
from aftersales.service.models import ServiceRequest, Status
from aftersales.stations.coverage import covering, distances

if TYPE_CHECKING:
    from aftersales.accounts.models import User

OPEN_WORK = [
    Status.ASSIGNED,
    Status.SCHEDULED,
    Status.IN_PROGRESS,
    Status.AWAITING_PARTS,
    Status.AWAITING_CUSTOMER,
    Status.REOPENED,
]


def request_point(request: ServiceRequest) -> LatLon | None:
    if request.latitude is None or request.longitude is None:
        return None
    return LatLon(request.latitude, request.longitude)


def technicians_of(organization_id: int, station_ids: Iterable[int] | None = None) -> list[Technician]:
    qs = (
        Technician.objects.filter(organization_id=organization_id, is_active=True)
        .select_related("user", "home_station")
        .prefetch_related("skills", "shifts")
    )
    if station_ids is not None:
        qs = qs.filter(home_station_id__in=list(station_ids))
    return list(qs.order_by("id"))


def category_names(organization_id: int) -> dict[str, str]:
    return dict(ProductCategory.objects.filter(organization_id=organization_id).values_list("code", "name"))


def previous_technician(request: ServiceRequest, user_ids: Iterable[int]) -> int | None:
    """The user who last worked on the same unit, if they are among ``user_ids``."""
    if request.unit_id is None:
        return None
    return (
        ServiceRequest.objects.filter(unit_id=request.unit_id, assignee_id__in=list(user_ids))
        .exclude(pk=request.pk)
        .order_by("-created_at")
        .values_list("assignee_id", flat=True)
        .first()
    )


def open_loads(user_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        ServiceRequest.objects.filter(assignee_id__in=list(user_ids), status__in=OPEN_WORK)
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    return {r["assignee_id"]: r["n"] for r in rows}


@dataclass(frozen=True)
class Candidate:
    technician: Technician
    previous: bool
    load: int
    distance_km: float | None

    @property
    def sort_key(self) -> tuple[bool, int, float, int]:
        return (
            not self.previous,
            self.load,
            self.distance_km if self.distance_km is not None else 1e9,
            self.technician.pk,
        )


@dataclass
class Proposal:
    request: ServiceRequest
    candidates: list[Candidate] = field(default_factory=list)
    needed: str = ""  # the skills, for people
    problem: str = ""  # why nobody, when nobody

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def reason(self) -> str:
        best = self.best
        if best is None:
            return self.problem
        return explain(best, needed=self.needed, others=self.candidates[1:])


def explain(best: Candidate, *, needed: str, others: list[Candidate], load_label: str = "") -> str:
    parts: list[str | EventText] = list(explain_clauses(best, needed=needed, others=others))
    if load_label:
        parts[-1] = load_label
    return _("；").join(str(p) for p in parts)


def explain_clauses(best: Candidate, *, needed: str, others: list[Candidate]) -> list[EventText]:
    """Why ``best``, clause by clause, stored as codes on the timeline."""
    parts = [text(codes.WHY_SKILLS, skills=needed)]
    if best.distance_km is not None:
        parts.append(
            text(codes.WHY_STATION, station=best.technician.home_station.name, km=f"{best.distance_km:.1f}")
        )
    if best.previous:
        parts.append(text(codes.WHY_PREVIOUS))
    fewest = all(best.load <= o.load for o in others)
    parts.append(text(codes.WHY_LOAD_FEWEST if fewest and others else codes.WHY_LOAD, n=best.load))
    return parts


def rank(
    request: ServiceRequest,
    technicians: list[Technician],
    *,
    loads: Mapping[int, int] | None = None,
    needed: frozenset[str] | None = None,
    previous: int | None | Literal["lookup"] = "lookup",
) -> list[Candidate]:
    """Qualified technicians, best first. ``loads`` is by technician id (default: open requests);
    ``previous`` the user who last worked on the unit, when the caller already knows."""
    if needed is None:
        needed = skills.required_tokens(request)
    qualified = [t for t in technicians if needed <= skills.technician_tokens(t)]
    if not qualified:
        return []
    if loads is None:
        by_user = open_loads(t.user_id for t in qualified)
        loads = {t.pk: by_user.get(t.user_id, 0) for t in qualified}
    if previous == "lookup":
        previous = previous_technician(request, (t.user_id for t in qualified))
    point = request_point(request)
    km: dict[int, float] = {}
    if point is not None:
        try:
            stations = {t.home_station_id: t.home_station for t in qualified}
            km = {d.station.pk: d.distance_km for d in distances(stations.values(), point)}
        except InvalidCoordinatesError:
            km = {}
    out = [
        Candidate(t, t.user_id == previous, loads.get(t.pk, 0), km.get(t.home_station_id)) for t in qualified
    ]
    out.sort(key=lambda c: c.sort_key)
    return out


def propose(request: ServiceRequest) -> Proposal:
    """The rules' choice for ``request`` and the runners-up, or why there is nobody."""
    requirements = list(SkillRequirement.objects.filter(organization_id=request.organization_id))
    needed = skills.required_tokens(request, requirements)
    names = category_names(request.organization_id)
    proposal = Proposal(request, needed=skills.labels(needed, names))
    point = request_point(request)
    station_ids: list[int] | None = None
    if point is not None and request.fulfilment == "onsite":
        try:
            station_ids = [d.station.pk for d in covering(request.organization_id, point)]
        except InvalidCoordinatesError:
            proposal.problem = _("服务地址的坐标无效，请先核对地址。")
            return proposal
        if not station_ids:
            proposal.problem = _("地址不在任何网点的服务半径内，可改为寄修或到店。")
            return proposal
    technicians = technicians_of(request.organization_id, station_ids)
    if not technicians:
        proposal.problem = _("覆盖该地址的网点没有在岗工程师。")
        return proposal
    proposal.candidates = rank(request, technicians, needed=needed)
    if not proposal.candidates:
        proposal.problem = _("没有具备所需技能（%(skills)s）的工程师。") % {"skills": proposal.needed}
    return proposal


def propose_many(requests: list[ServiceRequest], technicians: list[Technician]) -> list[Proposal]:
    """Proposals for several requests among the same technicians (a station's board), in a few queries."""
    if not requests:
        return []
    org_id = requests[0].organization_id
    requirements = list(SkillRequirement.objects.filter(organization_id=org_id))
    names = category_names(org_id)
    by_user = open_loads(t.user_id for t in technicians)
    loads = {t.pk: by_user.get(t.user_id, 0) for t in technicians}
    users = [t.user_id for t in technicians]
    last: dict[int, int] = {}  # unit -> the user who last worked on it
    rows = (
        ServiceRequest.objects.filter(
            unit_id__in=[r.unit_id for r in requests if r.unit_id], assignee_id__in=users
        )
        .exclude(pk__in=[r.pk for r in requests])
        .order_by("unit_id", "-created_at")
        .values_list("unit_id", "assignee_id")
    )
    for unit_id, user_id in rows:
        last.setdefault(unit_id, user_id)
    out = []
    for request in requests:
        needed = skills.required_tokens(request, requirements)
        proposal = Proposal(request, needed=skills.labels(needed, names))
        proposal.candidates = rank(
            request, technicians, loads=loads, needed=needed, previous=last.get(request.unit_id or 0)
        )
        if not proposal.candidates:
            proposal.problem = _("本网点没有具备所需技能（%(skills)s）的工程师。") % {
                "skills": proposal.needed
            }
        out.append(proposal)
    return out


def assignment_apply(
    *, request: ServiceRequest, by: User | None, proposal: Proposal | None = None, version: int | None = None
) -> ServiceRequest:
    """Assign the proposal's best technician, with the rules' reason on the timeline.

    ``version`` makes it refuse (Conflict) when the request changed since the proposal was made.
    """
    proposal = proposal or propose(request)
    best = proposal.best
    if best is None:
        raise Conflict(proposal.problem, {"technician": proposal.problem})
    why = explain_clauses(best, needed=proposal.needed, others=proposal.candidates[1:])
    reason = text(codes.ASSIGN_AUTO if by is None else codes.ASSIGN_SUGGESTED, why=why)
    return service_services.request_assign(
        request=request, assignee=best.technician.user, by=by, reason=reason, version=version
    )


def auto_assign_pending(*, limit: int = 200) -> int:
    """Assign accepted, unassigned field requests of organizations that turned auto-assign on.

    Safe to run twice: a request that got an assignee in the meantime is skipped.
    """
    orgs = list(DispatchPolicy.objects.filter(auto_assign=True).values_list("organization_id", flat=True))
    if not orgs:
        return 0
    pending = (
        ServiceRequest.objects.filter(
            organization_id__in=orgs,
            status=Status.ACCEPTED,
            assignee__isnull=True,
            kind__in=list(skills.FIELD_KINDS),
        )
        .select_related("unit__product_model__category")
        .order_by("created_at")[:limit]
    )
    done = 0
    for request in pending:
        proposal = propose(request)
        if proposal.best is None:
            continue
        try:
            # The version guards against a dispatcher who assigned it a moment ago.
            assignment_apply(request=request, by=None, proposal=proposal, version=request.version)
        except Conflict:
            continue
        done += 1
    return done
