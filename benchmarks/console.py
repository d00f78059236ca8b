"""Agent queue speed on a large database: 100,000 requests, then the queue page and the API list.

    python benchmarks/console.py [--requests 100000] [--samples 200] [--database-url postgres://…/aftersales_console]

Uses a fresh data folder (and, with --database-url, a dropped and re-created PostgreSQL database),
bulk-inserts the requests (one year, ~12 % open, two organizations, assignees, units) and then,
in this process through Django's test client (sessions, middleware, templates, no HTTP server),
asks as an agent for:

* the console queue ``/console/requests/`` (open requests, pages 1–10 in turn), with its page
  size at 25 (the console's) and 100 (``views.PER_PAGE`` set for the run);
* the API list ``/api/v1/requests?queue=open&limit=25`` and ``limit=100`` (same pages).

It prints p50/p95/max of ``--samples`` requests each and the SQL statements one page issues,
which must not grow with the page size, and their time for one page (the rest of a page's time
is Python: the view, decrypting each row's phone for its masked form, the template). Goal: p95 < 200 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from _common import SUBJECTS, django_setup, pct

OPEN = [
    "new",
    "accepted",
    "assigned",
    "scheduled",
    "in_progress",
    "awaiting_parts",
    "awaiting_customer",
    "resolved",
    "reopened",
]


def fill(n_requests: int, seed: int) -> object:
    """Bulk-insert the data set; returns the agent to time the queue as."""
    from django.core.management import call_command

    from aftersales.accounts.models import Organization, Role, User
    from aftersales.catalog.models import ProductCategory, ProductModel
    from aftersales.core.crypto import phone_hash
    from aftersales.customers.models import Customer, Unit
    from aftersales.service.models import ServiceRequest

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    tz = ZoneInfo("Asia/Shanghai")
    now = datetime.now(tz)
    orgs = [Organization.objects.create(name=f"Bench {n}", slug=f"bench{n}") for n in range(2)]
    shares = [0.9, 0.1]  # the agent's organization has most of the rows; the other tests the scoping
    agent = None
    for org in orgs:
        users = [User(username=f"{org.slug}-agent", role=Role.AGENT, organization=org, first_name="坐席")]
        users += [
            User(
                username=f"{org.slug}-tech{k}",
                role=Role.TECHNICIAN,
                organization=org,
                first_name=f"工程师{k}",
            )
            for k in range(10)
        ]
        User.objects.bulk_create(users)
    for org, share in zip(orgs, shares, strict=True):
        n = int(n_requests * share)
        techs = list(User.objects.filter(organization=org, role=Role.TECHNICIAN))
        category = ProductCategory.objects.create(organization=org, code="ac", name="空调")
        models = [
            ProductModel.objects.create(
                organization=org,
                category=category,
                brand="晴川",
                model_number=f"KFR-{k}",
                name="空调",
                whole_unit_months=12,
                main_parts_months=36,
            )
            for k in range(20)
        ]
        customers = []
        for k in range(max(n // 5, 10)):
            phone = f"13{k % 10}{org.pk:02d}{k:06d}"
            customers.append(
                Customer(organization=org, name=f"客户{k}", phone=phone, phone_hash=phone_hash(phone))
            )
        Customer.objects.bulk_create(customers, batch_size=2000)
        customers = list(Customer.objects.filter(organization=org).order_by("id"))
        units = [
            Unit(
                organization=org,
                product_model=rng.choice(models),
                customer=customers[k % len(customers)],
                serial_number=f"S{org.pk}{k:09d}",
                purchase_date=date(2025, 1, 1),
            )
            for k in range(max(n // 2, 10))
        ]
        Unit.objects.bulk_create(units, batch_size=2000)
        units = list(Unit.objects.filter(organization=org).order_by("id"))
        batch: list[ServiceRequest] = []
        for k in range(n):
            created = now - timedelta(days=365 * rng.random() ** 1.5, minutes=rng.randint(0, 600))
            status = rng.choice(OPEN) if rng.random() < 0.12 else rng.choice(["closed"] * 9 + ["cancelled"])
            unit = units[k % len(units)] if rng.random() < 0.8 else None
            customer = unit.customer if unit is not None else customers[k % len(customers)]
            batch.append(
                ServiceRequest(
                    number=f"SR-{org.pk}{k:08d}",
                    organization=org,
                    customer=customer,
                    unit=unit,
                    kind=rng.choice(["repair", "installation", "maintenance", "consultation", "complaint"]),
                    channel=rng.choice(["phone", "web", "app", "chat", "api"]),
                    priority=rng.choice(["low", "normal", "normal", "normal", "high", "urgent"]),
                    status=status,
                    subject=rng.choice(SUBJECTS),
                    description="用户反馈：" + rng.choice(SUBJECTS),
                    assignee=rng.choice(techs)
                    if status not in ("new", "accepted") and rng.random() < 0.9
                    else None,
                    created_at=created,
                    closed_at=created + timedelta(days=3) if status in ("closed", "cancelled") else None,
                )
            )
            if len(batch) == 5000:
                ServiceRequest.objects.bulk_create(batch)
                batch = []
        ServiceRequest.objects.bulk_create(batch)
        if org is orgs[0]:
            agent = User.objects.get(organization=org, role=Role.AGENT)
    return agent


def timed(client: object, urls: list[str], samples: int) -> list[float]:
    out = []
    for i in range(samples):
        began = time.perf_counter()
        response = client.get(urls[i % len(urls)])
        out.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (urls[i % len(urls)], response.status_code)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL; the database is dropped and re-created"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --database-url: keep the database a previous run filled (skips five minutes of inserts)",
    )
    parser.add_argument("--pages", default="", help="only these scenarios, e.g. 'console 100'")
    args = parser.parse_args()

    if args.database_url:
        # One data folder per database, kept: it holds the field-encryption key the rows were
        # written with, which --reuse needs to read them.
        workdir = (
            Path(tempfile.gettempdir()) / f"aftersales-bench-console-{args.database_url.rsplit('/', 1)[1]}"
        )
        workdir.mkdir(exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="aftersales-bench-console-"))
    django_setup(workdir, args.database_url, recreate=not args.reuse)
    from django.db import connection

    from aftersales.accounts.models import User

    began = time.perf_counter()

    agent = User.objects.filter(username="bench0-agent").first() if args.reuse else None
    if agent is not None:
        print("reusing the database a previous run filled")
        main_measure(args, agent, began)
        return
    agent = fill(args.requests, args.seed)
    # Give the requests their SLA clocks as the sla job would, so the urgency-sorted queue and
    # its badges are measured on real clock rows.
    from django.utils import timezone

    from aftersales.sla.backfill import sla_backfill

    clocked = 0
    while n := sla_backfill(now=timezone.now(), limit=20_000):
        clocked += n
    print(f"SLA clocks built for {clocked} requests")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum would have done by the time agents log in: statistics, and the
            # visibility map that lets the clock index answer the urgency sort without the heap.
            cursor.execute("VACUUM ANALYZE")
    main_measure(args, agent, began)


def main_measure(args: argparse.Namespace, agent: object, began: float) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from aftersales.service import views
    from aftersales.service.models import ServiceRequest

    total = ServiceRequest.objects.count()
    visible_open = (
        ServiceRequest.objects.filter(organization=agent.organization)
        .exclude(status__in=["closed", "cancelled"])
        .count()
    )
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    print(
        f"database: {connection.vendor}; {total} requests ({visible_open} open in the agent's organization) "
        f"inserted in {time.perf_counter() - began:.1f} s\n"
    )

    # As ``aftersales serve`` does before its workers take requests: without it, Python's full
    # garbage collections walk every object of the app and add a pause of ~90 ms to one page in twenty.
    from aftersales.core.startup import settle

    settle()
    client = Client()
    client.force_login(agent)
    pages = range(1, 11)
    scenarios = []
    for size in (25, 100):
        scenarios.append(
            (
                f"console /console/requests/ ({size} per page)",
                size,
                [f"/console/requests/?queue=open&page={p}" for p in pages],
            )
        )
    for size in (25, 100):
        scenarios.append(
            (
                f"API /api/v1/requests?queue=open&limit={size}",
                size,
                [f"/api/v1/requests?queue=open&limit={size}&offset={(p - 1) * size}" for p in pages],
            )
        )

    print(f"{'page':<50} {'rows':>5} {'SQL':>4} {'SQL ms':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    results = {}
    for name, size, urls in scenarios:
        if args.pages and not all(word in name for word in args.pages.split()):
            continue
        views.PER_PAGE = size  # the console's page size, for this run only
        client.get(urls[0])  # warm: templates compiled, connection open
        with CaptureQueriesContext(connection) as queries:
            response = client.get(urls[0])
        n_sql = len(queries)  # now: the next request clears the connection's query log
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        body = response.content.decode()
        rows = (
            body.count('name="numbers" value=')
            if name.startswith("console")
            else len(response.json()["items"])
        )
        assert rows == size, (name, rows)
        times = timed(client, urls, args.samples)
        results[name] = (n_sql, pct(times, 95))
        print(
            f"{name:<50} {rows:>5} {n_sql:>4} {sql_ms:7.1f} {pct(times, 50):8.1f} {pct(times, 95):8.1f} {max(times):8.1f}"
        )
    for kind in ("console", "API"):
        counts = {n: q for n, (q, _p95) in results.items() if n.startswith(kind)}
        same = len(set(counts.values())) == 1
        print(
            f"{kind}: SQL statements per page {'do not grow' if same else 'GROW'} with the page size "
            f"({', '.join(str(c) for c in counts.values())})"
        )
    worst = max(p95 for _q, p95 in results.values())
    print(
        f"goal p95 < 200 ms: {'met' if worst < 200 else 'NOT met'} (worst p95 {worst:.0f} ms) on {connection.vendor}"
    )


if __name__ == "__main__":
    main()
