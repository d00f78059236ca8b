"""Demo step: returns, exchanges and refunds in every state, extended warranties, claims and quotes.

Unlike the bulk-written history before it, everything here goes through the services
(``entitlement.rma``, ``entitlement.services``, ``entitlement.quotes``), so each record carries
the engine's eligibility, decisions, timeline events and request transitions the product itself
writes. Each flow is played at moments in the past (the clock the services read is set to each
step's time), on units the demo sold before it and that have no other open request; the
notifications those steps queue are history and are dropped at the end, as the other steps queue none.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from aftersales.accounts.models import Organization, Role, User
from aftersales.catalog.models import SparePart
from aftersales.core.errors import ServiceError
from aftersales.customers.models import Unit
from aftersales.entitlement import quotes as quote_steps
from aftersales.entitlement import rma as steps
from aftersales.entitlement import services as ew
from aftersales.entitlement.models import (
    ExtendedWarrantyContract,
    Quote,
    ReturnAuthorization,
    UnitDisposition,
)
from aftersales.entitlement.models.returns import RefundMethod
from aftersales.notifications.models import OutboxMessage
from aftersales.service.models import ServiceRequest, Status
from aftersales.service.services import request_assign, request_create, request_transition

if TYPE_CHECKING:
    from aftersales.demo.context import DemoContext

S = ReturnAuthorization.Status
# The state each demo return is left in, with how many days ago it was opened; the closed and
# rejected ones are older, as they are in a real queue.
RMA_PLAN: list[tuple[str, str, int]] = [  # (state, kind, days ago)
    ("requested", "return", 0),
    ("requested", "exchange", 1),
    ("approved", "return", 2),
    ("rejected", "refund", 6),
    ("shipped", "exchange", 4),
    ("received", "return", 6),
    ("inspected", "exchange", 8),
    ("refund_pending", "refund", 9),
    ("refunded", "return", 14),
    ("exchange_shipped", "exchange", 12),
    ("closed", "return", 40),
    ("closed", "exchange", 55),
    ("rejected_after_inspection", "return", 25),
]
# The states a portal account's own returns are left in (customer1..3 at the brand and the merchant).
PORTAL_PLAN: list[tuple[str, str, int]] = [("approved", "return", 1), ("closed", "exchange", 30)]
QUOTE_PLAN = ["draft", "sent", "approved", "declined", "withdrawn", "approved", "sent"]
CARRIERS = ["顺丰速运", "京东物流", "中通快递", "圆通速递", "EMS"]
_NOON = time(10, 30)


@contextmanager
def _clock(at: datetime) -> Iterator[None]:
    """The services read the time from ``django.utils.timezone.now``; set it to ``at`` for one step.

    Only the demo loader does this, single-threaded, before any server runs on the data.
    """
    real = timezone.now
    timezone.now = lambda: at
    try:
        yield
    finally:
        timezone.now = real


@dataclass
class _Org:
    org: Organization
    agents: list[User]
    technicians: list[User]
    parts_manager: User
    free: list[Unit]  # units with a customer, no open request and no return, oldest purchase first
    is_car: bool


def _staff(org: Organization) -> dict[str, list[User]]:
    out: dict[str, list[User]] = {}
    for u in User.objects.filter(organization=org).order_by("username"):
        out.setdefault(u.role, []).append(u)
    return out


def _free_units(org: Organization) -> list[Unit]:
    busy = set(
        ServiceRequest.objects.filter(organization=org, unit__isnull=False)
        .exclude(status__in=[Status.CLOSED, Status.CANCELLED])
        .values_list("unit_id", flat=True)
    )
    units = (
        Unit.objects.filter(organization=org, customer__isnull=False)
        .select_related("customer__user", "product_model__category", "organization")
        .order_by("purchase_date", "id")
    )
    # Nor a unit already returned, or with a return under way (a second run on loaded data).
    busy |= set(ReturnAuthorization.objects.filter(organization=org).values_list("unit_id", flat=True))
    busy |= set(UnitDisposition.objects.filter(unit__organization=org).values_list("unit_id", flat=True))
    return [u for u in units if u.pk not in busy]


class _Player:
    def __init__(self, ctx: DemoContext, org: Organization) -> None:
        self.ctx = ctx
        self.rng: random.Random = ctx.rng
        self.now = ctx.now or timezone.now()
        staff = _staff(org)
        self.o = _Org(
            org=org,
            agents=staff[Role.AGENT],
            technicians=staff[Role.TECHNICIAN][:3],
            parts_manager=staff[Role.PARTS_MANAGER][0],
            free=_free_units(org),
            is_car=org.kind == "dealer",
        )
        self.taken: set[int] = set()
        # The portal accounts that own units here (customer1..3 at the brand and the merchant).
        owners = {u.customer.user_id for u in self.o.free if u.customer is not None and u.customer.user_id}
        self.portal = list(User.objects.filter(pk__in=owners).order_by("username"))
        self.counts: dict[str, int] = {}

    # time and units
    def at(self, days_ago: float, hours: float = 0) -> datetime:
        """A working-hours moment ``days_ago`` before now, plus ``hours``; never after now."""
        day = timezone.localtime(self.now).date() - timedelta(days=int(days_ago))
        moment = timezone.make_aware(datetime.combine(day, _NOON)) + timedelta(
            hours=hours, minutes=self.rng.randint(0, 50)
        )
        return min(moment, self.now - timedelta(minutes=5))

    def clip(self, moment: datetime) -> datetime:
        return min(moment, self.now - timedelta(minutes=1))

    def unit(
        self, *, bought_before: date, within_days: int | None = None, owner: User | None = None
    ) -> Unit | None:
        """A free unit bought before ``bought_before`` (within ``within_days`` of it if asked), of
        ``owner``'s if given, else of a customer without a portal account."""
        candidates = [
            u
            for u in self.o.free
            if u.pk not in self.taken
            and max(u.purchase_date, u.delivery_date or u.purchase_date) < bought_before
            and (within_days is None or u.purchase_date >= bought_before - timedelta(days=within_days))
            and u.customer is not None
            and u.customer.user_id == (owner.pk if owner else None)
        ]
        if not candidates:
            return None
        unit = self.rng.choice(candidates[-40:] if within_days is None else candidates)
        self.taken.add(unit.pk)
        return unit

    def agent(self) -> User:
        return self.rng.choice(self.o.agents)

    def odometer(self, unit: Unit, on: date, heavy: bool = False) -> int | None:
        """A car's reading; ``heavy``: a car driven 110+ km a day, past its repair warranty's 60,000 km."""
        if not self.o.is_car:
            return None
        return max(
            10,
            (on - unit.purchase_date).days
            * (self.rng.randint(160, 190) if heavy else self.rng.randint(25, 60)),
        )

    def tally(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    # one return, exchange or refund
    def rma(
        self, state: str, kind: str, days_ago: int, owner: User | None = None
    ) -> ReturnAuthorization | None:
        start = self.at(days_ago, hours=-2)
        start_day = timezone.localdate(start)
        unit = self.unit(bought_before=start_day, within_days=12, owner=owner)
        unit = unit or self.unit(bought_before=start_day, owner=owner)
        if unit is None:
            return None
        customer_user = owner
        opener = customer_user or self.agent()
        fault = (
            "none" if kind == "return" and self.rng.random() < 0.4 and not self.o.is_car else "performance"
        )
        description = (
            self.rng.choice(
                [
                    "收到后发现有明显故障，要求处理。",
                    "使用几天后频繁出现故障，希望退换。",
                    "与描述不符，申请售后。",
                    "开机后异响，影响正常使用。",
                ]
            )
            if fault != "none"
            else "不想要了，商品未使用，申请七日无理由退货。"
        )
        steps_left = days_ago  # later steps fall between the request and now
        clock = start
        step = max(steps_left / 6, 0.1)

        def later() -> datetime:
            nonlocal clock
            clock = self.clip(clock + timedelta(days=step, hours=self.rng.uniform(0.5, 3)))
            return clock

        by_agent = self.agent()
        with _clock(clock):
            rma = steps.rma_request(
                unit=unit,
                by=opener,
                kind=kind,
                fault=fault,
                description=description,
                channel="web" if customer_user else self.rng.choice(["phone", "chat", "app"]),
                odometer_km=self.odometer(unit, start_day),
            )
            request_transition(request=rma.request, name="accept", by=by_agent, notify=False)
            request_assign(request=rma.request, assignee=by_agent, by=by_agent)
        if state == "requested":
            return rma
        if state == "rejected":
            with _clock(later()):
                return steps.rma_reject(
                    rma=rma, by=by_agent, reason="经核实，商品已超过退货期限且无性能故障，不符合退货条件。"
                )
        with _clock(later()):
            rma = self._approve(rma, by_agent)
        if state == "approved":
            return rma
        with _clock(later()):
            rma = steps.rma_ship(
                rma=rma,
                by=customer_user or by_agent,
                carrier=self.rng.choice(CARRIERS),
                tracking=f"SF{self.rng.randrange(10**11, 10**12)}",
                shipped_on=timezone.localdate(),
            )
        if state == "shipped":
            return rma
        with _clock(later()):
            rma = steps.rma_receive(rma=rma, by=self.o.parts_manager, received_on=timezone.localdate())
        if state == "received":
            return rma
        damaged = state == "rejected_after_inspection"
        with _clock(later()):
            findings = {"package_opened": True, "tested": True}
            if damaged:
                findings["misuse_or_storage_damage"] = True
            steps.rma_inspect(
                rma=rma,
                by=self.o.parts_manager,
                findings=findings,
                odometer_km=self.odometer(unit, timezone.localdate()),
                notes="外包装有明显摔痕，机身进水。" if damaged else "外观完好，配件齐全，故障复现。",
            )
        rma.refresh_from_db()
        if damaged:
            with _clock(later()):
                return steps.rma_reject(
                    rma=rma, by=by_agent, reason="检测发现进水损坏，属使用不当，不在三包范围内。"
                )
        if state == "inspected":
            return rma
        exchange = rma.resolution == ReturnAuthorization.Resolution.EXCHANGE
        with _clock(later()):
            if exchange:
                rma = self._settle(
                    steps.rma_exchange,
                    rma,
                    by_agent,
                    new_serial=f"{unit.serial_number}R",
                    carrier=self.rng.choice(CARRIERS),
                    tracking=f"JD{self.rng.randrange(10**11, 10**12)}",
                    shipped_on=timezone.localdate(),
                )
            else:
                rma = self._settle(
                    steps.rma_refund, rma, by_agent, method=self.rng.choice(list(RefundMethod.values)[:2])
                )
        if state in ("refund_pending", "exchange_shipped"):
            return rma
        if not exchange:
            with _clock(later()):
                rma = steps.rma_refund_paid(
                    rma=rma,
                    by=by_agent,
                    reference=f"RF{self.rng.randrange(10**9, 10**10)}",
                    refunded_on=timezone.localdate(),
                )
            if state == "refunded":
                return rma
        with _clock(later()):
            return steps.rma_close(rma=rma, by=customer_user or by_agent)

    def _approve(self, rma: ReturnAuthorization, by: User) -> ReturnAuthorization:
        try:
            return steps.rma_approve(rma=rma, by=by)
        except ServiceError:
            return steps.rma_approve(rma=rma, by=by, goodwill=True, reason="老客户，善意处理。")

    def _settle(
        self, step: Callable[..., ReturnAuthorization], rma: ReturnAuthorization, by: User, **kwargs: Any
    ) -> ReturnAuthorization:
        try:
            return step(rma=rma, by=by, **kwargs)
        except ServiceError:
            return step(rma=rma, by=by, goodwill=True, reason="检测后按善意处理办理。", **kwargs)

    # extended warranties and claims
    def contracts(self) -> list[ExtendedWarrantyContract]:
        today = timezone.localdate(self.now)
        agent = self.agent()
        made: list[ExtendedWarrantyContract] = []
        # The claimed states first: they take the first units that fit, whatever order the database returns.
        plan = [
            "expired_claimed",
            "active_claimed",
            "active_claimed",
            "active",
            "active",
            "active",
            "expired",
            "not_started",
            "cancelled",
        ]
        for state in plan:
            unit: Unit | None
            if state.startswith("expired"):
                unit = self.unit(bought_before=today - timedelta(days=200))
                if unit is None:
                    continue
                starts = unit.purchase_date + timedelta(days=30)
                ends = today - timedelta(days=self.rng.randint(10, 60))
            elif state == "not_started":
                unit = self.unit(bought_before=today - timedelta(days=5), within_days=60)
                if unit is None:
                    continue
                months = unit.product_model.whole_unit_months or 12
                starts = unit.purchase_date + timedelta(days=round(months * 30.44))
                starts = max(starts, today + timedelta(days=1))
                ends = starts + timedelta(days=730)
            else:
                # Most cover starts when the unit's own warranty ends (a car's 3 years: bought at the sale).
                unit = self.unit(bought_before=today - timedelta(days=420 if not self.o.is_car else 90))
                if unit is None:
                    continue
                starts = unit.purchase_date + timedelta(
                    days=round((unit.product_model.whole_unit_months or 12) * 30.44)
                )
                if starts > today:
                    starts = unit.purchase_date + timedelta(days=self.rng.randint(20, 60))
                ends = max(starts + timedelta(days=730), today + timedelta(days=30))
            price = (unit.invoice_amount or Decimal("1000")) * Decimal("0.08")
            with _clock(self.at((today - min(starts, today)).days, hours=-1)):
                contract = ew.contract_create(
                    unit=unit,
                    by=agent,
                    starts=starts,
                    ends=ends,
                    price=price.quantize(Decimal("0.01")),
                    covers_travel=self.rng.random() < 0.3,
                    max_claims=self.rng.choice([None, 3, 5]),
                    max_total=(unit.invoice_amount or Decimal("1000")).quantize(Decimal("0.01")),
                )
            if state.endswith("claimed"):
                last = min(ends, today)
                for n in range(self.rng.randint(1, 2)):
                    day = starts + timedelta(days=self.rng.randint(0, max(0, (last - starts).days)))
                    amount = Decimal(self.rng.randint(120, 900))
                    try:
                        with _clock(self.at((today - day).days)):
                            ew.claim_add(
                                contract=contract,
                                by=agent,
                                amount=amount,
                                claimed_on=day,
                                description=self.rng.choice(["更换主板", "更换电源板", "更换传感器"]),
                            )
                    except ServiceError:
                        if n:
                            break  # the contract's limits are used up
                        with _clock(
                            self.at((today - starts).days)
                        ):  # the first claim: a small one on day one
                            ew.claim_add(
                                contract=contract,
                                by=agent,
                                amount=Decimal("120"),
                                claimed_on=starts,
                                description="更换传感器",
                            )
            if state == "cancelled":
                with _clock(self.at(max(0, (today - starts).days - 3))):
                    ew.contract_cancel(contract=contract, by=agent, reason="客户在犹豫期内申请取消。")
            self.tally(f"contract:{state}")
            made.append(contract)
        return made

    # quotes for paid repairs
    def quotes(self, contracts: list[ExtendedWarrantyContract]) -> None:
        today = timezone.localdate(self.now)
        out_of_warranty = today - timedelta(days=400)
        covered_units = [
            c.unit
            for c in contracts
            if c.state_on(today) == ExtendedWarrantyContract.State.ACTIVE and c.cancelled_at is None
        ]
        parts = list(
            SparePart.objects.filter(organization=self.o.org).prefetch_related("fits").order_by("id")
        )
        for n, state in enumerate(QUOTE_PLAN):
            days_ago = {"draft": 0, "sent": 1, "approved": 6, "declined": 4, "withdrawn": 3}[state]
            unit = None
            if state == "approved" and covered_units and n == 2:
                unit = covered_units.pop(0)  # paid in part by its extended warranty: a claim from the quote
                unit_busy = (
                    ServiceRequest.objects.filter(unit=unit)
                    .exclude(status__in=[Status.CLOSED, Status.CANCELLED])
                    .exists()
                )
                unit = None if unit_busy else unit
            owner = self.portal[n % len(self.portal)] if self.portal and state == "sent" else None
            unit = unit or self.unit(bought_before=out_of_warranty, owner=owner)
            unit = unit or self.unit(bought_before=out_of_warranty)
            if unit is None:
                continue
            start = self.at(days_ago, hours=-1)
            agent, tech = self.agent(), self.rng.choice(self.o.technicians)
            customer = unit.customer
            assert customer is not None  # free units are owned units (see ``unit``)
            with _clock(start):
                sr = request_create(
                    organization=self.o.org,
                    customer=customer,
                    by=agent,
                    kind="repair",
                    channel=self.rng.choice(["phone", "app", "web"]),
                    unit=unit,
                    notify=False,
                    description=self.rng.choice(
                        [
                            "机器无法开机，已过保修期，希望上门维修。",
                            "使用中突然停机，指示灯报错。",
                            "运行噪音很大，性能下降。",
                        ]
                    ),
                )
                request_transition(request=sr, name="accept", by=agent, notify=False)
                sr = request_assign(request=sr, assignee=tech, by=agent)
            fits = [p for p in parts if unit.product_model_id in {m.pk for m in p.fits.all()}] or parts[:1]
            part = self.rng.choice(fits)
            lines = [
                quote_steps.LineIn(kind="part", part=part.part_number),
                quote_steps.LineIn(kind="labour", description="检测及更换工时", unit_price="120"),
                quote_steps.LineIn(kind="travel", description="上门交通费", unit_price="50"),
            ]
            try:
                with _clock(self.clip(start + timedelta(hours=3))):
                    quote = quote_steps.quote_create(
                        request=sr,
                        by=tech,
                        lines=lines,
                        send=state != "draft",
                        note="更换故障部件后恢复正常使用。",
                        odometer_km=self.odometer(unit, timezone.localdate(), heavy=True),
                    )
            except ServiceError:
                continue  # the engine says this repair is free: no quote
            decider = customer.user if customer.user_id else agent
            with _clock(self.clip(start + timedelta(hours=20))):
                if state == "approved":
                    quote_steps.quote_approve(quote=quote, by=decider)
                elif state == "declined":
                    quote_steps.quote_decline(quote=quote, by=decider, reason="维修费用太高，考虑换新。")
                elif state == "withdrawn":
                    quote_steps.quote_withdraw(quote=quote, by=tech)
            self.tally(f"quote:{state}")


def step_entitlement(ctx: DemoContext) -> None:
    before = set(OutboxMessage.objects.values_list("pk", flat=True))
    for org in ctx.orgs.values():
        player = _Player(ctx, org)
        for state, kind, days_ago in RMA_PLAN:
            if player.rma(state, kind, days_ago) is not None:
                player.tally(f"rma:{state}")
        for owner in player.portal:
            for state, kind, days_ago in PORTAL_PLAN:
                if player.rma(state, kind, days_ago, owner=owner) is not None:
                    player.tally(f"rma:{state}")
        contracts = player.contracts()
        player.quotes(contracts)
        rmas = sum(v for k, v in player.counts.items() if k.startswith("rma:"))
        n_contracts = sum(v for k, v in player.counts.items() if k.startswith("contract:"))
        n_quotes = sum(v for k, v in player.counts.items() if k.startswith("quote:"))
        ctx.report(f"{org.name}: {rmas} returns, {n_contracts} extended warranties, {n_quotes} quotes")
    # Notices of history: nobody is to be told now about a refund paid last month.
    OutboxMessage.objects.exclude(pk__in=before).delete()
    statuses = sorted(set(ReturnAuthorization.objects.values_list("status", flat=True)))
    ctx.report(f"returns in {len(statuses)} states, {Quote.objects.count()} quotes")
