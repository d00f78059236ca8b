"""The demo data set: three organizations, their staff, stations, catalogs and sales.

Deterministic (seeded) so screenshots and docs stay comparable, and written with bulk inserts
so it loads in seconds. Later features add their own steps to ``STEPS``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from aftersales.accounts.config import config_touch
from aftersales.accounts.models import Organization, Role, User
from aftersales.catalog.models import PartWarrantyOverride, ProductCategory, ProductModel, SparePart
from aftersales.core.crypto import phone_hash
from aftersales.customers.models import Customer, CustomerAddress, Unit
from aftersales.demo.data import CITIES, COMPOUNDS, GIVEN, ORGS, ROLES, STREETS, SURNAMES
from aftersales.stations.models import ServiceStation

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published demo credential, printed on purpose
Report = Callable[[str], None]


@dataclass
class DemoContext:
    rng: random.Random
    today: date
    report: Report
    orgs: dict[str, Organization] = field(default_factory=dict)
    models: dict[str, list[ProductModel]] = field(default_factory=dict)
    customers: dict[str, list[Customer]] = field(default_factory=dict)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, org
    extra: dict[str, Any] = field(default_factory=dict)
    now: datetime | None = None  # the moment today's visits are shown at (tests fix it); the clock's when None


def _person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        phone = rng.choice(["138", "139", "135", "136", "150", "151", "158", "186", "188", "177", "199"]) + f"{rng.randrange(10**8):08d}"
        if phone not in used:
            used.add(phone)
            return phone


def _make_user(username: str, role: str, org: Organization | None, first_name: str, password_hash: str) -> User:
    user = User(
        username=username, role=role, organization=org, first_name=first_name,
        email=f"{username}@demo.aftersales.local", is_staff=role == Role.PLATFORM_ADMIN,
        is_superuser=role == Role.PLATFORM_ADMIN,
    )
    user.password = password_hash
    return user


def step_organizations(ctx: DemoContext) -> None:
    from django.contrib.auth.hashers import make_password

    # One hash for every demo account: Argon2 is slow by design, and they share a password.
    password_hash = make_password(DEMO_PASSWORD)
    users = [_make_user("admin", Role.PLATFORM_ADMIN, None, "平台管理员", password_hash)]
    ctx.accounts.append(("admin", str(Role.PLATFORM_ADMIN.label), "—"))
    for spec in ORGS:
        org = Organization.objects.create(name=spec["name"], slug=spec["slug"], kind=spec["kind"])
        ctx.orgs[spec["slug"]] = org
        for role in ROLES:
            username = f"{spec['prefix']}-{role.replace('_', '-')}"
            users.append(_make_user(username, role, org, _person_name(ctx.rng), password_hash))
            ctx.accounts.append((username, str(Role(role).label), org.name))
        # A second agent and technician so queues and boards have more than one person.
        for role, n in ((Role.AGENT, 2), (Role.TECHNICIAN, 2)):
            username = f"{spec['prefix']}-{role.replace('_', '-')}{n}"
            users.append(_make_user(username, role, org, _person_name(ctx.rng), password_hash))
    for n in range(1, 4):
        users.append(_make_user(f"customer{n}", Role.CUSTOMER, None, _person_name(ctx.rng), password_hash))
        ctx.accounts.append((f"customer{n}", str(Role.CUSTOMER.label), "—"))
    User.objects.bulk_create(users)
    ctx.report(f"{len(ctx.orgs)} organizations, {len(users)} user accounts")


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
                    organization=org, code=f"{spec['prefix']}-{n:02d}", name=f"{org.name}{city.rstrip('市')}{district}服务中心",
                    province=province, city=city, district=district,
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


def step_catalog(ctx: DemoContext) -> None:
    n_models = n_parts = 0
    for spec in ORGS:
        org = ctx.orgs[spec["slug"]]
        ctx.models[spec["slug"]] = []
        for code, name, kind, whole, main, models, parts in spec["categories"]:
            category = ProductCategory.objects.create(
                organization=org, code=code, name=name, kind=kind, whole_unit_months=whole, main_parts_months=main
            )
            created_models = []
            for model_number, model_name, price in models:
                brand = model_name.split(" ")[0] if " " in model_name else spec["name"].replace("家电", "")
                created_models.append(
                    ProductModel.objects.create(
                        organization=org, category=category, brand=brand, model_number=model_number,
                        name=model_name, list_price=Decimal(price), whole_unit_months=whole, main_parts_months=main,
                    )
                )
            ctx.models[spec["slug"]].extend(created_models)
            for i, (part_name, price, is_main) in enumerate(parts, start=1):
                part = SparePart.objects.create(
                    organization=org, part_number=f"{spec['prefix'].upper()}-{code.upper()}-{i:03d}",
                    name=part_name, price=Decimal(price), is_main_part=is_main,
                )
                part.fits.set(created_models)
                n_parts += 1
                # Compressors and batteries often carry longer cover than the model's main parts.
                if part_name in ("压缩机", "动力电池包") and is_main:
                    for m in created_models:
                        PartWarrantyOverride.objects.create(
                            product_model=m, spare_part=part, months=120 if part_name == "压缩机" else 96
                        )
            n_models += len(created_models)
    ctx.report(f"{n_models} product models, {n_parts} spare parts")


def step_sales(ctx: DemoContext) -> None:
    rng = ctx.rng
    used_phones: set[str] = set()
    total_customers = total_units = 0
    portal_users = list(User.objects.filter(role=Role.CUSTOMER).order_by("username"))
    for spec in ORGS:
        org = ctx.orgs[spec["slug"]]
        customers: list[Customer] = []
        for _n in range(spec["customers"]):
            tier = rng.choices(["standard", "silver", "gold", "vip"], weights=[70, 15, 10, 5])[0]
            phone = _phone(rng, used_phones)
            customers.append(
                Customer(
                    organization=org, name=_person_name(rng), phone=phone, phone_hash=phone_hash(phone),
                    email=f"user{rng.randrange(10**6)}@example.com" if rng.random() < 0.4 else "",
                    tier=tier,
                )
            )
        # The demo portal accounts own things at the brand and the merchant, to show one
        # person dealing with several organizations.
        for i, user in enumerate(portal_users):
            if spec["kind"] != "dealer" or i == 0:
                customers[i].user = user
                customers[i].name = user.first_name
        Customer.objects.bulk_create(customers, batch_size=1000)
        customers = list(Customer.objects.filter(organization=org).order_by("id"))
        ctx.customers[spec["slug"]] = customers
        addresses = []
        for c in customers:
            city, province, lat, lon, districts = CITIES[rng.choice(spec["station_cities"] + [rng.randrange(len(CITIES))])]
            addresses.append(
                CustomerAddress(
                    customer=c, label="家", province=province, city=city, district=rng.choice(districts),
                    detail=f"{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.choice(COMPOUNDS)}{rng.randint(1, 30)}栋{rng.randint(1, 32)}0{rng.randint(1, 4)}",
                    latitude=round(lat + rng.uniform(-0.15, 0.15), 5), longitude=round(lon + rng.uniform(-0.15, 0.15), 5),
                    is_default=True,
                )
            )
        CustomerAddress.objects.bulk_create(addresses, batch_size=1000)
        units = []
        models = ctx.models[spec["slug"]]
        for n in range(spec["units"]):
            # Everyone owns at least one unit; the portal accounts (the first customers) a few more.
            if n < len(customers):
                customer = customers[n]
            elif n < len(customers) + 2 * len(portal_users):
                customer = customers[n % len(portal_users)]
            else:
                customer = rng.choice(customers)
            model = rng.choice(models)
            purchase = ctx.today - timedelta(days=rng.randint(1, 729))
            online = rng.random() < spec["online_share"]
            delivery = min(purchase + timedelta(days=rng.randint(0, 5) if online else rng.randint(0, 2)), ctx.today)
            discount = Decimal(str(round(rng.uniform(0.82, 1.0), 2)))
            units.append(
                Unit(
                    organization=org, product_model=model, customer=customer,
                    serial_number=f"{spec['prefix'].upper()}{purchase:%y%m}{n:06d}{rng.randint(10, 99)}",
                    purchase_date=purchase, delivery_date=delivery,
                    invoice_number=f"{rng.randint(10**19, 10**20 - 1)}" if rng.random() < 0.9 else "",
                    invoice_amount=(model.list_price * discount).quantize(Decimal("0.01")),
                    sales_channel="online" if online else "offline",
                    store=rng.choice(spec["stores"][:3] if online else spec["stores"][-3:]),
                    order_number=f"{spec['prefix'].upper()}{purchase:%Y%m%d}{n:07d}",
                )
            )
        Unit.objects.bulk_create(units, batch_size=1000)
        total_customers += len(customers)
        total_units += len(units)
        ctx.report(f"{org.name}: {len(customers)} customers, {len(units)} units")
    ctx.report(f"{total_customers} customers and {total_units} units in all")


STEPS: list[tuple[str, Callable[[DemoContext], None]]] = [
    ("organizations and staff", step_organizations),
    ("service stations", step_stations),
    ("product catalog", step_catalog),
    ("customers and sales", step_sales),
]

from aftersales.demo.requests import step_requests  # noqa: E402 - a later step, in its own module

STEPS.append(("service requests", step_requests))

from aftersales.demo.dispatch import step_dispatch  # noqa: E402 - a later step, in its own module

STEPS.append(("technicians, today's visits and repair records", step_dispatch))


def already_loaded() -> bool:
    return Organization.objects.filter(slug__in=[o["slug"] for o in ORGS]).exists()


def load_demo(*, seed: int = 2026, report: Report = print) -> DemoContext:
    ctx = DemoContext(rng=random.Random(seed), today=timezone.localdate(), report=report)
    with transaction.atomic():
        for n, (title, step) in enumerate(STEPS, start=1):
            report(f"[{n}/{len(STEPS)}] {title}…")
            step(ctx)
    return ctx


def step_sla(ctx: DemoContext) -> None:
    """Calendars, default policies and every request's clocks, replayed from its timeline.

    The running job would do this within minutes; doing it here means the first page a demo
    user opens already shows deadlines.
    """
    from aftersales.sla.backfill import sla_backfill
    from aftersales.sla.policies import sla_setup_all

    sla_setup_all()
    clocked = 0
    while n := sla_backfill(now=timezone.now(), limit=5000):
        clocked += n
    ctx.report(f"SLA clocks for {clocked} requests")
    ctx.report(f"SLA escalations for {_recent_escalations(timezone.now())} clocks")


def _recent_escalations(now: datetime) -> int:
    """The backfill treats thresholds already passed as handled, so that a replayed year sends no
    old warnings. The last three days' breaches of open work are escalated as the job would have
    done, so the demo's supervisors and timelines show escalations."""
    from aftersales.notifications.models import OutboxMessage
    from aftersales.service.models import ServiceRequest
    from aftersales.sla.escalation import escalate, rules_by_policy, rules_due
    from aftersales.sla.models import SlaClock

    queued_before = OutboxMessage.objects.aggregate(m=Max("id"))["m"] or 0
    clocks = list(SlaClock.objects.filter(active=True, breached_at__gte=now - timedelta(days=3))
                  .select_related("request__sla").order_by("id"))
    rules = rules_by_policy(c.request.sla.policy_id for c in clocks)
    escalated = 0
    for clock in clocks:
        due = rules_due(rules.get(clock.request.sla.policy_id or 0, []), metric=clock.metric,
                        target_minutes=clock.target_minutes, fraction_used=clock.fraction_used, mark=-1.0)
        applied = [escalate(clock_id=clock.pk, rule=rule, at=now) for rule in due]
        escalated += any(applied)
    # History, not news: its warnings are not sent, and a raised priority dates from the
    # escalation's own time, like the rest of the demo's timelines.
    OutboxMessage.objects.filter(id__gt=queued_before).delete()
    ServiceRequest.objects.filter(pk__in={c.request_id for c in clocks}, updated_at__gt=now).update(updated_at=now)
    return escalated


STEPS.append(("service time limits", step_sla))

from aftersales.demo.entitlement import step_entitlement  # noqa: E402 - a later step, in its own module

# After the SLA set-up: the services start these requests' clocks as they open them.
STEPS.append(("returns, extended warranties and quotes", step_entitlement))
