"""Demo step: customers, their addresses and the units they bought over the last two years."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from aftersales.accounts.models import Role, User
from aftersales.core.crypto import phone_hash
from aftersales.customers.models import Customer, CustomerAddress, Unit
from aftersales.demo.context import DemoContext, person_name
from aftersales.demo.data import CITIES, COMPOUNDS, ORGS, STREETS


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        phone = (
            rng.choice(["138", "139", "135", "136", "150", "151", "158", "186", "188", "177", "199"])
            + f"{rng.randrange(10**8):08d}"
        )
        if phone not in used:
            used.add(phone)
            return phone


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
                    organization=org,
                    name=person_name(rng),
                    phone=phone,
                    phone_hash=phone_hash(phone),
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
            city, province, lat, lon, districts = CITIES[
                rng.choice(spec["station_cities"] + [rng.randrange(len(CITIES))])
            ]
            addresses.append(
                CustomerAddress(
                    customer=c,
                    label="家",
                    province=province,
                    city=city,
                    district=rng.choice(districts),
                    detail=f"{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.choice(COMPOUNDS)}{rng.randint(1, 30)}栋{rng.randint(1, 32)}0{rng.randint(1, 4)}",
                    latitude=round(lat + rng.uniform(-0.15, 0.15), 5),
                    longitude=round(lon + rng.uniform(-0.15, 0.15), 5),
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
            delivery = min(
                purchase + timedelta(days=rng.randint(0, 5) if online else rng.randint(0, 2)), ctx.today
            )
            discount = Decimal(str(round(rng.uniform(0.82, 1.0), 2)))
            units.append(
                Unit(
                    organization=org,
                    product_model=model,
                    customer=customer,
                    serial_number=f"{spec['prefix'].upper()}{purchase:%y%m}{n:06d}{rng.randint(10, 99)}",
                    purchase_date=purchase,
                    delivery_date=delivery,
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
