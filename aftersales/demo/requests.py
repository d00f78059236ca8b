"""Demo step: a year of service requests, their conversations, timelines and ratings.

About 3,000 requests over the last twelve months, in every kind, channel and state. Each one is
walked through its kind's transition table (``service.lifecycle``) step by step, each step
checked against the table and timed; steps that would fall in the future are not taken, so
recent requests are still open and old ones mostly closed, as in a real queue. Rows are written
with bulk inserts (the service layer would take minutes for this many and would queue customer
notifications for history); the timeline events are the ones the services would have written.

One module per demo step; this one is longer than ~400 lines because building one request's
walk through its table (``_Builder``: timeline, conversation, rating) and saving the year of
them in bulk share the same ``Walk`` records and the organization's ``Staff``; the kinds' paths
are data in ``request_paths``.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Case, CharField, Value, When
from django.db.models.functions import Cast, Concat, ExtractYear, LPad
from django.utils import timezone

from aftersales.accounts.models import Role, User
from aftersales.catalog.models import SparePart
from aftersales.customers.models import Customer, CustomerAddress, Unit
from aftersales.demo import request_texts as texts
from aftersales.demo.context import DemoContext
from aftersales.demo.request_paths import FIELD_KINDS, path_for
from aftersales.service import event_codes as codes
from aftersales.service import lifecycle
from aftersales.service.event_text import EventText, fields, text
from aftersales.service.models import CannedReply, Message, Rating, RequestEvent, ServiceRequest

if TYPE_CHECKING:
    from aftersales.accounts.models import Organization

Actor = lifecycle.Actor
REQUESTS_PER_ORG = {"qingchuan": 1400, "youpin": 1100, "huajun": 500}
PORTAL_REQUESTS_EACH = 4
DRAFT = "DEMO-"
RECENT_SHARE = 0.06  # extra recent requests for each demo portal account's customer record

KIND_WEIGHTS = {
    "brand": {
        "installation": 24,
        "repair": 30,
        "maintenance": 9,
        "return": 3,
        "exchange": 4,
        "refund": 3,
        "extended_warranty": 4,
        "complaint": 7,
        "consultation": 16,
    },
    "merchant": {
        "installation": 0,
        "repair": 25,
        "maintenance": 3,
        "return": 17,
        "exchange": 12,
        "refund": 10,
        "extended_warranty": 5,
        "complaint": 8,
        "consultation": 20,
    },
    "dealer": {
        "installation": 3,
        "repair": 27,
        "maintenance": 34,
        "return": 1,
        "exchange": 2,
        "refund": 3,
        "extended_warranty": 8,
        "complaint": 9,
        "consultation": 13,
    },
}
CHANNEL_WEIGHTS = {
    "brand": {"phone": 34, "web": 12, "app": 20, "chat": 10, "social": 5, "store": 6, "email": 5, "api": 8},
    "merchant": {
        "chat": 34,
        "app": 16,
        "web": 10,
        "api": 18,
        "phone": 9,
        "social": 7,
        "email": 5,
        "store": 1,
    },
    "dealer": {"store": 42, "phone": 30, "app": 12, "web": 5, "social": 5, "email": 3, "chat": 2, "api": 1},
}
BIG_APPLIANCES = {"ac", "fridge", "washer", "tv", "heater"}
CARS = {"sedan", "suv", "ev"}


@dataclass
class Staff:
    agents: list[User]
    technicians: list[User]
    dispatcher: User
    quality: User


@dataclass
class Walk:
    """One request as it is generated: the row, its timeline and conversation."""

    request: ServiceRequest
    events: list[RequestEvent] = field(default_factory=list)
    messages: list[tuple[Message, RequestEvent]] = field(default_factory=list)
    rating: Rating | None = None
    version: int = 1
    last: datetime | None = None  # the latest thing on the timeline
    previous_step: datetime | None = None  # when the step before the current one was taken


def _name(user: User | None) -> str:
    if user is None:
        return "系统"
    return user.get_full_name() or user.username


def _staff(org: Organization) -> Staff:
    users = list(User.objects.filter(organization=org).order_by("username"))
    by_role: dict[str, list[User]] = {}
    for u in users:
        by_role.setdefault(u.role, []).append(u)
    return Staff(
        agents=by_role[Role.AGENT],
        technicians=by_role[Role.TECHNICIAN],
        dispatcher=by_role[Role.DISPATCHER][0],
        quality=by_role[Role.QUALITY_MANAGER][0],
    )


def _working(moment: datetime, rng: random.Random) -> datetime:
    """Staff work 8:00–21:00 local time; later work waits for the next morning."""
    local = timezone.localtime(moment)
    if local.hour < 8:
        local = local.replace(hour=8, minute=rng.randint(0, 59))
    elif local.hour >= 21:
        local = (local + timedelta(days=1)).replace(hour=8, minute=rng.randint(0, 59))
    return local


def _hours(rng: random.Random, lo: float, hi: float) -> timedelta:
    # Skewed towards the short end, with a tail: most things are quick, some take long.
    return timedelta(hours=lo + (hi - lo) * rng.random() ** 2)


# --- one request -----------------------------------------------------------------------------


class _Builder:
    def __init__(self, ctx: DemoContext, org: Organization, now: datetime) -> None:
        self.rng = ctx.rng
        self.org = org
        self.now = now
        self.staff = _staff(org)
        self.car = org.kind == "dealer"
        self.units = list(
            Unit.objects.filter(organization=org)
            .select_related("product_model__category", "customer__user")
            .order_by("id")
        )
        self.units_by_customer: dict[int, list[Unit]] = {}
        for unit in self.units:
            if unit.customer_id is not None:
                self.units_by_customer.setdefault(unit.customer_id, []).append(unit)
        self.customers = ctx.customers[org.slug]
        self.addresses = {
            a.customer_id: a
            for a in CustomerAddress.objects.filter(customer__organization=org, is_default=True)
        }
        self.parts = _parts_by_category(org)
        self.busy_units: set[int] = set()  # units with an open request: no second one on them

    # who does what
    def _customer_side(self, walk: Walk) -> tuple[User | None, Actor, str]:
        customer = walk.request.customer
        if customer.user_id is not None:
            return customer.user, Actor.CUSTOMER, customer.name
        # Without a portal account the customer answers by phone and an agent records it.
        agent = self.rng.choice(self.staff.agents)
        return agent, Actor.STAFF, _name(agent)

    def _actor(self, walk: Walk, name: str) -> tuple[User | None, Actor, str]:
        sr = walk.request
        if name in ("customer_accept", "customer_reject"):
            return self._customer_side(walk)
        if name == "cancel":
            if sr.customer.user_id is not None and self.rng.random() < 0.5:
                return sr.customer.user, Actor.CUSTOMER, sr.customer.name
            agent = self.rng.choice(self.staff.agents)
            return agent, Actor.STAFF, _name(agent)
        if name == "close":
            return None, Actor.SYSTEM, "系统"
        if name in ("assign", "schedule") and sr.kind in FIELD_KINDS:
            return self.staff.dispatcher, Actor.STAFF, _name(self.staff.dispatcher)
        if (
            name in ("start", "resume", "resolve", "wait_for_parts", "wait_for_customer")
            and sr.assignee is not None
        ):
            return sr.assignee, Actor.STAFF, _name(sr.assignee)
        agent = (
            sr.assignee
            if sr.assignee is not None and sr.kind not in FIELD_KINDS
            else self.rng.choice(self.staff.agents)
        )
        return agent, Actor.STAFF, _name(agent)

    def _assignee_for(self, sr: ServiceRequest) -> User:
        if sr.kind in FIELD_KINDS:
            return self.rng.choice(self.staff.technicians)
        if sr.kind == "complaint":
            return self.staff.quality if self.rng.random() < 0.6 else self.rng.choice(self.staff.agents)
        return self.rng.choice(self.staff.agents)

    def _event(
        self, walk: Walk, kind: str, at: datetime, by: User | None, label: str, **fields: object
    ) -> RequestEvent:
        event = RequestEvent(
            request=walk.request, kind=kind, actor=by, actor_label=label[:100], created_at=at, **fields
        )
        walk.events.append(event)
        walk.last = max(walk.last or at, at)
        return event

    def _say(
        self, walk: Walk, at: datetime, by: User | None, body: str, *, author: str, internal: bool = False
    ) -> None:
        if at > self.now:
            return
        sr = walk.request
        channel = (
            sr.channel if author == "customer" and sr.channel in ("web", "app", "email", "chat") else "web"
        )
        message = Message(
            request=sr,
            author=by,
            author_kind=author,
            body=body,
            internal=internal,
            channel=channel,
            created_at=at,
        )
        label = sr.customer.name if author == "customer" and by is None else _name(by)
        event = RequestEvent(
            request=sr,
            kind=RequestEvent.Kind.NOTE if internal else RequestEvent.Kind.MESSAGE,
            actor=by,
            actor_label=label[:100],
            public=not internal,
            created_at=at,
            data={"excerpt": body[:120], "author": author},
        )
        walk.messages.append((message, event))
        walk.version += 1
        walk.last = max(walk.last or at, at)
        if author == "staff" and not internal and sr.first_response_at is None:
            sr.first_response_at = at

    def _fill(self, template: str, walk: Walk, tag: str) -> str:
        sr = walk.request
        category = sr.unit.product_model.category.code if sr.unit else ""
        parts = self.parts.get(category) or ["配件"]
        day = timezone.localtime(sr.preferred_start or walk.last or sr.created_at)
        return template.format(
            name=sr.customer.name,
            model=sr.unit.product_model.name if sr.unit else "",
            part=self.rng.choice(parts),
            day=f"{day.month}月{day.day}日",
            slot=self.rng.choice(texts.SLOTS),
            tag=tag,
        )

    @staticmethod
    def _before(walk: Walk, at: datetime, by: timedelta) -> datetime:
        """A moment ``by`` before ``at``, but after the previous step (the reply led to this one)."""
        previous = walk.previous_step or walk.request.created_at
        return at - min(by, (at - previous) / 2)

    def _talk(self, walk: Walk, name: str, old: str, at: datetime, staff: User | None, tag: str) -> None:
        """The conversation around a step: what staff tell the customer, notes, the customer's replies."""
        rng, sr = self.rng, walk.request
        soon = at + timedelta(minutes=rng.randint(2, 40))
        agent = staff if staff is not None and staff.role != Role.CUSTOMER else rng.choice(self.staff.agents)
        if name == "accept":
            pool = texts.STAFF["complaint"] if sr.kind == "complaint" else texts.STAFF["accept"]
            if sr.kind == "complaint" or rng.random() < 0.5:
                self._say(walk, soon, agent, self._fill(rng.choice(pool), walk, tag), author="staff")
            notes = texts.NOTES["complaint"] if sr.kind == "complaint" else texts.NOTES["accept"]
            if rng.random() < (0.6 if sr.kind == "complaint" else 0.2):
                self._say(
                    walk, soon + timedelta(minutes=5), agent, rng.choice(notes), author="staff", internal=True
                )
        elif name == "schedule" and rng.random() < 0.7:
            self._say(
                walk, soon, agent, self._fill(rng.choice(texts.STAFF["schedule"]), walk, tag), author="staff"
            )
            if rng.random() < 0.3:
                self._say(
                    walk,
                    soon + timedelta(minutes=rng.randint(5, 300)),
                    sr.customer.user,
                    rng.choice(texts.CUSTOMER["follow_up"]),
                    author="customer",
                )
        elif name == "start" and sr.kind in FIELD_KINDS and rng.random() < 0.35:
            self._say(
                walk,
                soon,
                agent,
                self._fill(rng.choice(texts.NOTES["start"]), walk, tag),
                author="staff",
                internal=True,
            )
        elif name in ("wait_for_parts", "wait_for_customer"):
            self._say(walk, soon, agent, self._fill(rng.choice(texts.STAFF[name]), walk, tag), author="staff")
            if name == "wait_for_parts" and rng.random() < 0.5:
                self._say(
                    walk,
                    soon + timedelta(minutes=3),
                    agent,
                    self._fill(rng.choice(texts.NOTES[name]), walk, tag),
                    author="staff",
                    internal=True,
                )
        elif name == "resume" and old == "awaiting_customer" and rng.random() < 0.7:
            self._say(
                walk,
                self._before(walk, at, timedelta(hours=rng.randint(1, 6))),
                sr.customer.user,
                rng.choice(texts.CUSTOMER["resume"]),
                author="customer",
            )
        elif name == "resolve":
            pool = texts.STAFF["consultation"] if sr.kind == "consultation" else texts.STAFF["resolve"]
            if sr.kind == "consultation" or rng.random() < 0.6:
                self._say(
                    walk,
                    self._before(walk, at, timedelta(minutes=rng.randint(1, 10))),
                    agent,
                    self._fill(rng.choice(pool), walk, tag),
                    author="staff",
                )
        if sr.kind == "complaint" and name == "start" and rng.random() < 0.4:
            self._say(
                walk,
                soon + timedelta(hours=rng.randint(1, 8)),
                sr.customer.user,
                rng.choice(texts.CUSTOMER["complaint"]),
                author="customer",
            )
        elif name in ("assign", "schedule", "start") and rng.random() < 0.12:
            self._say(
                walk,
                at + timedelta(hours=rng.randint(1, 20)),
                sr.customer.user,
                rng.choice(texts.CUSTOMER["follow_up"]),
                author="customer",
            )

    def _step(self, walk: Walk, name: str, at: datetime, tag: str) -> None:
        sr = walk.request
        transition = lifecycle.find(sr.kind, name)
        by, actor, label = self._actor(walk, name)
        if (
            transition is None
            or lifecycle.Status(sr.status) not in transition.sources
            or actor not in transition.actors
        ):
            raise AssertionError(
                f"demo path breaks the lifecycle table: {sr.kind} {sr.status} --{name}--> ({actor})"
            )
        old = sr.status
        reason: str | EventText = ""  # what people typed, or the system's sentence as a code
        if name == "customer_reject":
            reason = self.rng.choice(texts.REJECT_REASONS)
        elif name == "cancel":
            reason = self.rng.choice(texts.CANCEL_REASONS)
        elif name == "close":
            reason = text(codes.AUTO_CLOSED, days=7)
        sr.status = transition.target.value
        if transition.target == lifecycle.Status.RESOLVED:
            sr.resolved_at = at
        if transition.target in (lifecycle.Status.CLOSED, lifecycle.Status.CANCELLED):
            sr.closed_at = at
        if transition.target == lifecycle.Status.REOPENED:
            sr.reopen_count += 1
            sr.resolved_at = None
        if actor == Actor.STAFF and sr.first_response_at is None:
            sr.first_response_at = at
        walk.version += 1
        self._event(
            walk,
            RequestEvent.Kind.STATUS,
            at,
            by,
            label,
            from_status=old,
            to_status=sr.status,
            **fields(reason),
            data={"transition": name},
        )
        if name == "assign":
            previous = sr.assignee
            sr.assignee = (
                self._assignee_for(sr)
                if previous is None
                else self.rng.choice([t for t in self.staff.technicians if t != previous] or [previous])
            )
            walk.version += 1
            self._event(
                walk,
                RequestEvent.Kind.ASSIGNMENT,
                at,
                by,
                label,
                public=False,
                **fields(text(codes.REASSIGNED_ON_LEAVE) if previous else ""),
                data={
                    "from": previous.username if previous else None,
                    "to": sr.assignee.username,
                    "to_name": _name(sr.assignee),
                },
            )
        if name == "schedule":
            day = timezone.localtime(at).date() + timedelta(days=self.rng.randint(1, 3))
            hour = self.rng.choice([9, 14])
            sr.preferred_start = timezone.make_aware(datetime.combine(day, time(hour)))
            sr.preferred_end = sr.preferred_start + timedelta(hours=3)
        if name == "customer_reject" and by is not None and by.role == Role.CUSTOMER:
            self._say(walk, at, by, str(reason), author="customer")
        self._talk(walk, name, old, at, by, tag)

    def _rate(self, walk: Walk) -> None:
        sr, rng = walk.request, self.rng
        if sr.status != "closed" or sr.closed_at is None:
            return
        accepted = any(e.data.get("transition") == "customer_accept" for e in walk.events)
        if rng.random() > (0.85 if accepted else 0.45):
            return
        at = sr.closed_at + _hours(rng, 0.2, 48)
        if at > self.now:
            return
        weights = [30, 30, 18, 12, 10] if sr.kind == "complaint" else [62, 24, 7, 4, 3]
        base = rng.choices([5, 4, 3, 2, 1], weights=weights)[0]
        if sr.reopen_count:
            base = max(1, base - 1)

        def near(score: int) -> int:
            return min(5, max(1, score + rng.choice([0, 0, 0, 0, -1, 1])))

        scores = {
            "quality": near(base),
            "speed": near(base),
            "attitude": near(base),
            "professionalism": near(base),
            "price": near(base - (1 if rng.random() < 0.3 else 0)),
        }
        comment = ""
        if base <= 2 or (base == 3 and rng.random() < 0.5):
            comment = rng.choice(texts.BAD_COMMENTS)
        elif rng.random() < 0.35:
            comment = rng.choice(texts.GOOD_COMMENTS)
        walk.rating = Rating(request=sr, comment=comment, created_at=at, **scores)
        average = sum(scores.values()) / len(scores)
        self._event(
            walk,
            RequestEvent.Kind.RATING,
            at,
            sr.customer.user,
            sr.customer.name,
            data={**scores, "average": average},
        )

    # choosing what the request is about
    def _created_at(self, within_days: float) -> datetime:
        rng = self.rng
        # More requests lately (a growing business), and during the day.
        offset = within_days * rng.random() ** 1.5
        day = (timezone.localtime(self.now) - timedelta(days=offset)).date()
        hour = rng.choices(range(7, 23), weights=[2, 6, 9, 10, 9, 7, 8, 9, 9, 8, 7, 7, 6, 5, 3, 1])[0]
        at = timezone.make_aware(datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59))))
        return at if at < self.now else self.now - timedelta(minutes=rng.randint(5, 400))

    def _pick_unit(self, created: datetime, pool: list[Unit]) -> Unit | None:
        for _ in range(30):
            unit = self.rng.choice(pool)
            if unit.pk not in self.busy_units and unit.purchase_date < timezone.localtime(created).date():
                return unit
        return None

    def _describe(self, kind: str, unit: Unit | None) -> tuple[str, str, str]:
        rng = self.rng
        code = unit.product_model.category.code if unit else ""
        pool = (
            texts.CATEGORY.get(code, {}).get(kind)
            or (texts.CAR_GENERIC if self.car else texts.GENERIC).get(kind)
            or texts.GENERIC[kind]
        )
        tag, text = rng.choice(pool)
        model = unit.product_model.name if unit else ""
        if kind == "repair":
            description = f"{rng.choice(texts.OPENERS)}{model}{rng.choice(texts.WHEN)}{text}。{rng.choice(texts.CLOSERS)}"
        else:
            description = f"{rng.choice(texts.OPENERS)}{text}。{rng.choice(texts.CLOSERS) if kind in FIELD_KINDS else ''}"
        subject = f"{model}{tag}" if model and kind not in ("consultation", "complaint") else text[:30]
        return description.strip(), subject[:60], tag

    def build(self, *, customer: Customer | None = None, within_days: float = 365) -> Walk | None:
        rng, org = self.rng, self.org
        kinds = KIND_WEIGHTS[org.kind]
        kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
        created = self._created_at(within_days)
        pool = self.units_by_customer.get(customer.pk, []) if customer else self.units
        unit = None
        if kind in ("installation", "return", "exchange", "refund"):
            # These follow the sale closely: the request comes days after delivery.
            unit = self._pick_unit(self.now, pool)
            if unit is None:
                return None
            delivered = unit.delivery_date or unit.purchase_date
            start = timezone.make_aware(datetime.combine(delivered, time(9)))
            created = start + timedelta(
                days=rng.uniform(0, 6 if kind == "installation" else 12), hours=rng.uniform(0, 11)
            )
            if created > self.now or created < self.now - timedelta(days=365):
                return None
        elif kind in ("consultation", "complaint") and rng.random() < 0.35 and customer is None:
            unit = None
        else:
            unit = self._pick_unit(created, pool)
            if unit is None:
                return None
        if (
            kind in FIELD_KINDS
            and unit is not None
            and kind not in texts.CATEGORY.get(unit.product_model.category.code, {})
        ):
            kind = "repair"  # nothing to install or service on earbuds: it is a repair then
        owner = (
            unit.customer
            if unit is not None and unit.customer is not None
            else (customer or rng.choice(self.customers))
        )
        category = unit.product_model.category.code if unit else ""
        if category in CARS and not (kind == "installation" and category == "ev"):
            fulfilment = "carry_in"
        elif category in BIG_APPLIANCES or category == "ev":
            fulfilment = "onsite"
        elif unit is not None:
            fulfilment = "mail_in" if rng.random() < 0.6 else "carry_in"
        else:
            fulfilment = "onsite"
        channels = CHANNEL_WEIGHTS[org.kind]
        channel = rng.choices(list(channels), weights=list(channels.values()))[0]
        if owner.user_id is not None and channel in ("phone", "store") and rng.random() < 0.5:
            channel = "app"
        description, subject, tag = self._describe(kind, unit)
        if kind == "complaint":
            priority = rng.choices(["normal", "high", "urgent"], weights=[35, 50, 15])[0]
        else:
            priority = rng.choices(["low", "normal", "high", "urgent"], weights=[8, 78, 12, 2])[0]
            if owner.tier in ("gold", "vip") and priority == "normal" and rng.random() < 0.5:
                priority = "high"
        if channel in ("phone", "store", "chat", "social"):
            created_by: User | None = rng.choice(self.staff.agents)
        elif channel in ("web", "app"):
            created_by = owner.user
        else:
            created_by = None
        address = self.addresses.get(owner.pk) if fulfilment == "onsite" and kind in FIELD_KINDS else None
        sr = ServiceRequest(
            organization=org,
            customer=owner,
            unit=unit,
            kind=kind,
            channel=channel,
            priority=priority,
            subject=subject,
            description=description,
            fault_category=tag if kind in ("repair", "complaint") else "",
            fulfilment=fulfilment,
            created_by=created_by,
            created_at=created,
            status="new",
            address_region=address.region if address else "",
            address_detail=address.detail if address else "",
            latitude=address.latitude if address else None,
            longitude=address.longitude if address else None,
        )
        walk = Walk(request=sr)
        if created_by is not None:
            label = _name(created_by) if created_by.role != Role.CUSTOMER else owner.name
        else:
            label = "电商平台接口" if channel == "api" else owner.name
        self._event(
            walk,
            RequestEvent.Kind.CREATED,
            created,
            created_by,
            label,
            to_status="new",
            data={"channel": channel, "kind": kind},
        )
        at = created
        for name, lo, hi in path_for(rng, kind, onsite=fulfilment == "onsite"):
            if name == "start" and sr.preferred_start is not None and sr.status == "scheduled":
                nxt = sr.preferred_start + timedelta(minutes=rng.randint(0, 150))
            else:
                nxt = _working(at + _hours(rng, lo, hi), rng)
            if nxt > self.now:
                break
            walk.previous_step, at = at, nxt
            self._step(walk, name, at, tag)
        self._rate(walk)
        if unit is not None and sr.status not in ("closed", "cancelled"):
            self.busy_units.add(unit.pk)
        return walk


def _parts_by_category(org: Organization) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in SparePart.objects.filter(organization=org).prefetch_related("fits__category"):
        for model in part.fits.all():
            names = out.setdefault(model.category.code, [])
            if part.name not in names:
                names.append(part.name)
    return out


def _save(walks: list[Walk]) -> None:
    requests = [w.request for w in walks]
    for n, w in enumerate(walks):
        w.request.number = f"{DRAFT}{n:08d}"  # unique until the id, and so the real number, is known
        w.request.version = w.version
    ServiceRequest.objects.bulk_create(requests, batch_size=500)
    # The number from the id as request_create makes it (SR-<year>-<id, 6 digits>), in one
    # statement rather than a bulk_update of every row (2 s of Python on SQLite).
    draft = ServiceRequest.objects.filter(number__startswith=DRAFT)
    draft.update(
        number=Concat(
            Value("SR-"),
            Cast(ExtractYear("created_at"), CharField()),
            Value("-"),
            Case(
                When(id__gte=10**6, then=Cast("id", CharField())),
                default=LPad(Cast("id", CharField()), 6, Value("0")),
            ),
            output_field=CharField(),
        )
    )
    # Children point at their request objects; bulk_create takes the ids those now have.
    pairs = [pair for w in walks for pair in w.messages]
    Message.objects.bulk_create([m for m, _ in pairs], batch_size=1000)
    for message, event in pairs:
        event.data["message_id"] = message.pk
    events = [e for w in walks for e in w.events] + [e for _, e in pairs]
    RequestEvent.objects.bulk_create(events, batch_size=1000)
    ratings = [w.rating for w in walks if w.rating is not None]
    Rating.objects.bulk_create(ratings, batch_size=1000)
    stamp_last_activity(requests[0].pk, requests[-1].pk)


def stamp_last_activity(first: int, last: int) -> None:
    """updated_at := the request's latest timeline event (auto_now stamped the insert's time).

    UPDATE … FROM a grouped subquery (SQLite ≥ 3.33, PostgreSQL): one hash join. The ORM's
    correlated subquery took 11 s on PostgreSQL, whose planner has no statistics yet for the
    tables this transaction just filled.
    """
    requests, events = ServiceRequest._meta.db_table, RequestEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {requests} SET updated_at = e.last_at "  # noqa: S608 - table names from the models
            f"FROM (SELECT request_id, MAX(created_at) AS last_at FROM {events} "
            f"WHERE request_id BETWEEN %s AND %s GROUP BY request_id) AS e "
            f"WHERE {requests}.id = e.request_id",
            [first, last],
        )


def _canned(org: Organization) -> list[CannedReply]:
    pool = texts.CANNED + (texts.CAR_CANNED if org.kind == "dealer" else [])
    return [CannedReply(organization=org, title=title, body=body) for title, body in pool]


def step_requests(ctx: DemoContext) -> None:
    now = timezone.now()
    status_counts: Counter[str] = Counter()
    totals = Counter[str]()
    canned: list[CannedReply] = []
    for slug, org in ctx.orgs.items():
        builder = _Builder(ctx, org, now)
        walks: list[Walk] = []
        # The demo portal accounts' own records get a few recent ones, so the portal has something to show.
        for customer in [c for c in ctx.customers[slug] if c.user_id is not None]:
            made = 0
            for _attempt in range(PORTAL_REQUESTS_EACH * 5):
                walk = builder.build(customer=customer, within_days=90)
                if walk is not None:
                    walks.append(walk)
                    made += 1
                if made == PORTAL_REQUESTS_EACH:
                    break
        target = REQUESTS_PER_ORG.get(slug, 300)
        # The last week is busy (the season's peak), so the queues have open work in every state.
        recent = len(walks) + int(target * RECENT_SHARE)
        while len(walks) < target:
            walk = builder.build(within_days=7 if len(walks) < recent else 365)
            if walk is not None:
                walks.append(walk)
        walks.sort(key=lambda w: w.request.created_at)
        _save(walks)
        canned += _canned(org)
        status_counts.update(w.request.status for w in walks)
        totals.update(
            requests=len(walks),
            messages=sum(len(w.messages) for w in walks),
            events=sum(len(w.events) + len(w.messages) for w in walks),
            ratings=sum(w.rating is not None for w in walks),
        )
        ctx.report(f"{org.name}: {len(walks)} service requests")
    CannedReply.objects.bulk_create(canned)
    ctx.report(
        f"{totals['requests']} requests, {totals['messages']} messages, {totals['events']} timeline events, "
        f"{totals['ratings']} ratings, {len(canned)} canned replies"
    )
    ctx.report("by status: " + ", ".join(f"{s} {n}" for s, n in status_counts.most_common()))
