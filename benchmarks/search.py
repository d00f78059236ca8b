"""Console search on a large organization: 100,000 customers, units and requests.

    python benchmarks/search.py [--customers 100000] [--samples 20] [--database-url postgres://…/h_search_bench]

Uses a fresh data folder (and, with --database-url, a dropped and re-created PostgreSQL database),
bulk-inserts the customers (each with a unit and a request; a second organization with a tenth as
many, whose phones share the tails), runs ``VACUUM ANALYZE`` and then, as an agent through
Django's test client, asks ``/console/search/?q=…`` for each way a caller gives a number: the
last four digits, a masked number, a full phone, a name, a serial, a request number and free
text. It prints p50/p95 per kind, the statements one page issues, and for the last-four search
the plan of each statement, so a sequential scan of a large table shows.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from _common import SUBJECTS, django_setup, pct

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "芳伟娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


def fill(n_customers: int, seed: int) -> object:
    from django.core.management import call_command

    from aftersales.accounts.models import Organization, Role, User
    from aftersales.catalog.models import ProductCategory, ProductModel
    from aftersales.core.crypto import phone_hash
    from aftersales.customers.models import Customer, Unit
    from aftersales.service.models import ServiceRequest

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    agent = None
    for index, share in enumerate((1.0, 0.1)):
        org = Organization.objects.create(name=f"Bench {index}", slug=f"bench{index}")
        user = User.objects.create(
            username=f"{org.slug}-agent", role=Role.AGENT, organization=org, first_name="坐席"
        )
        agent = agent or user
        category = ProductCategory.objects.create(organization=org, code="ac", name="空调")
        model = ProductModel.objects.create(
            organization=org,
            category=category,
            brand="晴川",
            model_number="KFR-35GW",
            name="空调",
            whole_unit_months=12,
            main_parts_months=36,
        )
        n = int(n_customers * share)
        customers = []
        for k in range(n):
            phone = f"1{rng.choice('3456789')}{index}{k:08d}"
            name = (
                rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.5 else "")
            )
            customers.append(Customer(organization=org, name=name, phone=phone, phone_hash=phone_hash(phone)))
        Customer.objects.bulk_create(customers, batch_size=2000)
        ids = list(Customer.objects.filter(organization=org).order_by("id").values_list("id", flat=True))
        Unit.objects.bulk_create(
            [
                Unit(
                    organization=org,
                    product_model=model,
                    customer_id=cid,
                    serial_number=f"S{index}{k:09d}",
                    invoice_number=f"INV{index}{k:09d}",
                    purchase_date=date(2025, 1, 1),
                )
                for k, cid in enumerate(ids)
            ],
            batch_size=2000,
        )
        units = list(Unit.objects.filter(organization=org).order_by("id").values_list("id", "customer_id"))
        batch = []
        for k, (uid, cid) in enumerate(units):
            created = now - timedelta(days=365 * rng.random())
            batch.append(
                ServiceRequest(
                    number=f"SR-{2026 - index}-{k + 1:06d}",
                    organization=org,
                    customer_id=cid,
                    unit_id=uid,
                    kind="repair",
                    channel="phone",
                    status=rng.choice(["new", "closed", "closed", "closed"]),
                    subject=rng.choice(SUBJECTS),
                    description="用户反馈：" + rng.choice(SUBJECTS),
                    created_at=created,
                )
            )
            if len(batch) == 5000:
                ServiceRequest.objects.bulk_create(batch)
                batch = []
        ServiceRequest.objects.bulk_create(batch)
    return agent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL; the database is dropped and re-created"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    django_setup(tempfile.mkdtemp(prefix="aftersales-bench-search-"), args.database_url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from aftersales.customers.models import Customer

    began = time.perf_counter()
    agent = fill(args.customers, args.seed)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(
        f"database: {connection.vendor}; {args.customers} customers, units and requests (+10 % in a second "
        f"organization) inserted in {time.perf_counter() - began:.1f} s"
    )
    sample = Customer.objects.filter(organization=agent.organization).order_by("id")[args.customers // 2]
    phone = sample.phone
    queries = {
        "last four": phone[-4:],
        "masked": f"{phone[:3]}****{phone[-4:]}",
        "full phone": phone,
        "name": sample.name,
        "surname + 女士": sample.name[0] + "女士",
        "serial": f"S0{args.customers // 2:09d}",
        "request number": f"SR-2026-{args.customers // 2:06d}",
        "free text": "热水器不点火",
    }
    client = Client()
    client.force_login(agent)
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)\n")
    print(
        f"{'search':<16} {'q':<16} {'p50 ms':>8} {'p95 ms':>8} {'SQL':>4} {'SQL ms':>7}  found (requests/customers/units)"
    )
    for kind, q in queries.items():
        url = f"/console/search/?q={q}"
        times = []
        for _ in range(args.samples):
            t = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as captured:
            html = client.get(url).content.decode()
        import re

        counts = "/".join(re.findall(r'data-count="(\d+)"', html))
        sql_ms = sum(float(c["time"]) for c in captured.captured_queries) * 1000
        print(
            f"{kind:<16} {q:<16} {pct(times, 50):8.1f} {pct(times, 95):8.1f} {len(captured):4d} {sql_ms:7.1f}  {counts}"
        )
        if kind == "last four" and connection.vendor == "postgresql":
            plans = []
            with connection.cursor() as cursor:
                for c in captured.captured_queries:
                    if (
                        c["sql"].startswith("SELECT")
                        and "django_session" not in c["sql"]
                        and "accounts_user" not in c["sql"][:200]
                    ):
                        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + c["sql"])
                        plans.append("\n".join("    " + r[0] for r in cursor.fetchall()))
            last_four_plans = plans
    if connection.vendor == "postgresql":
        print("\nplans of the last-four search's statements:")
        for plan in last_four_plans:
            print(plan + "\n")


if __name__ == "__main__":
    main()
