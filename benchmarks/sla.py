"""SLA recompute speed: N open requests with clocks, then what the ``sla.check`` job does.

    python benchmarks/sla.py --requests 100000 [--database-url postgres://…/empty_db]

Uses a fresh data folder (and SQLite database, unless --database-url names an empty one).
Bulk-inserts the requests, their SLA rows, pauses and clocks as they stand after the job ran a
minute earlier (so the first timed run is the steady state, not a catch-up), then times:

* ``recompute``: every active clock recomputed with ``compute_clock`` and written back when it
  changed (one minute later, during working hours, so nearly every running clock changes);
* ``sla.check``: the whole job one more minute later (setup check, recompute, new breaches
  recorded with their timeline events, escalations with their outbox mail).

Goal: recomputing 100,000 open requests' clocks in under 10 seconds. ``SLA_PROFILE=file.prof``
writes a cProfile of the recompute.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="aftersales-bench-sla-"))
    os.environ["AFTERSALES_DATA_DIR"] = str(workdir)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from aftersales.accounts.models import Organization, Role, User
    from aftersales.customers.models import Customer
    from aftersales.service.models import ServiceRequest
    from aftersales.sla.calendars import business_calendar
    from aftersales.sla.clock import ClockStatus, compute_clock
    from aftersales.sla.clocks import UNPAUSED
    from aftersales.sla.models import Metric, RequestSla, SlaClock, SlaPause, TimeBasis
    from aftersales.sla.policies import sla_setup_organization
    from aftersales.sla.recompute import recompute_open_clocks, sla_check

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    org = Organization.objects.create(name="Bench 家电", slug="bench")
    calendar = sla_setup_organization(organization=org)
    cal = business_calendar(calendar)
    policies = {p.name[:2]: p for p in org.sla_policies.prefetch_related("targets")}
    targets = {name: {t.metric: t for t in p.targets.all()} for name, p in policies.items()}
    agents = [
        User.objects.create(
            username=f"agent{i}", role=Role.AGENT, organization=org, email=f"a{i}@example.com"
        )
        for i in range(50)
    ]
    User.objects.create(username="lead", role=Role.ORG_ADMIN, organization=org, email="lead@example.com")

    rng = random.Random(args.seed)
    zone = ZoneInfo("Asia/Shanghai")
    # A Tuesday afternoon: working time, so running clocks move between two runs.
    now = datetime(2026, 11, 24, 15, 0, tzinfo=zone)
    before = now - timedelta(minutes=1)
    customers = Customer.objects.bulk_create(
        Customer(organization=org, name=f"客户{i}", phone="", phone_hash=f"h{i}", email=f"c{i}@example.com")
        for i in range(max(1, args.requests // 10))
    )
    kinds = [
        ("repair", "上门", 40),
        ("consultation", "咨询", 25),
        ("complaint", "投诉", 15),
        ("return", "退换", 20),
    ]
    statuses = [
        ("new", 20),
        ("accepted", 20),
        ("assigned", 20),
        ("in_progress", 25),
        ("awaiting_customer", 15),
    ]

    def pick(options):
        return rng.choices([o[:-1] for o in options], weights=[o[-1] for o in options])[0]

    requests, plans = [], []
    for n in range(args.requests):
        kind, policy_key = pick(kinds)
        (status,) = pick(statuses)
        created = now - timedelta(minutes=rng.randint(5, 15 * 24 * 60))
        requests.append(
            ServiceRequest(
                number=f"SR-B-{n:07d}",
                organization=org,
                customer=customers[n % len(customers)],
                kind=kind,
                channel="web",
                status=status,
                subject="基准",
                description="基准测试",
                created_at=created,
                assignee=agents[n % len(agents)] if status != "new" else None,
                first_response_at=None
                if status == "new"
                else created + timedelta(minutes=rng.randint(5, 300)),
            )
        )
        plans.append((policy_key, status))
    ServiceRequest.objects.bulk_create(requests, batch_size=2000)
    print(f"inserted {len(requests):,} requests in {time.perf_counter() - started:.1f} s", flush=True)

    states, pauses, clocks = [], [], []
    for sr, (policy_key, status) in zip(requests, plans, strict=True):
        policy = policies[policy_key]
        states.append(RequestSla(request=sr, policy=policy, calendar=calendar, applied_at=sr.created_at))
        pause_list = []
        if status == "awaiting_customer":
            pause_start = sr.created_at + (before - sr.created_at) * rng.uniform(0.3, 0.9)
            pauses.append(SlaPause(request=sr, status=status, started_at=pause_start))
            pause_list.append((pause_start, None))
        for metric, target in targets[policy_key].items():
            met_at = None
            start = sr.created_at
            if metric == Metric.NEXT_RESPONSE:
                if status == "new" or rng.random() > 0.2:
                    continue
                start = sr.first_response_at + (before - sr.first_response_at) * rng.random()
            elif metric == Metric.FIRST_RESPONSE:
                met_at = sr.first_response_at
            elif metric == Metric.ONSITE_ARRIVAL and status in ("in_progress", "awaiting_customer"):
                met_at = sr.created_at + (before - sr.created_at) / 3
            state = compute_clock(
                calendar=cal if target.basis == TimeBasis.WORKING else None,
                start=start,
                target_minutes=target.minutes,
                now=before,
                pauses=() if metric in UNPAUSED else pause_list,
                met_at=met_at,
            )
            breached = state.state == ClockStatus.BREACHED
            breached_at = max(state.due_at, start) if breached else None
            used = round(state.fraction_used, 4) * target.minutes
            clocks.append(
                SlaClock(
                    request=sr,
                    organization=org,
                    metric=metric,
                    policy=policy,
                    calendar=calendar,
                    basis=target.basis,
                    target_minutes=target.minutes,
                    started_at=start,
                    applied_at=start,
                    due_at=state.due_at,
                    state="breached" if breached else str(state.state),
                    active=met_at is None,
                    met_at=met_at,
                    breached_at=breached_at,
                    outcome_at=breached_at or met_at,
                    breached_by_minutes=state.breached_by_minutes,
                    fraction_used=round(state.fraction_used, 4),
                    confirmed=state.confirmed,
                    owner=sr.assignee,
                    # As if the job had escalated everything due so far: the timed run is the steady state.
                    escalation_mark=used,
                )
            )
    RequestSla.objects.bulk_create(states, batch_size=2000)
    SlaPause.objects.bulk_create(pauses, batch_size=2000)
    SlaClock.objects.bulk_create(clocks, batch_size=2000)
    active = sum(1 for c in clocks if c.active)
    breached = sum(1 for c in clocks if c.breached_at)
    print(
        f"set up {len(clocks):,} clocks ({active:,} active, {breached:,} breached) "
        f"and {len(pauses):,} pauses in {time.perf_counter() - started:.1f} s on {connection.vendor}",
        flush=True,
    )

    # The job process holds none of the set-up objects: drop them so the garbage collector does
    # not walk 300,000 model instances during the timed run.
    del requests, plans, states, pauses, clocks, customers
    gc.collect()

    t0 = time.perf_counter()
    if os.environ.get("SLA_PROFILE"):
        import cProfile

        with cProfile.Profile() as prof:
            result = recompute_open_clocks(now=now, escalations=False)
        prof.dump_stats(os.environ["SLA_PROFILE"])
    else:
        result = recompute_open_clocks(now=now, escalations=False)
    recompute_s = time.perf_counter() - t0
    print(
        f"recompute: {result.clocks:,} active clocks of {args.requests:,} open requests in {recompute_s:.2f} s "
        f"({result.clocks / recompute_s:,.0f} clocks/s), {result.updated:,} rows written, "
        f"{result.breached:,} new breaches recorded",
        flush=True,
    )

    t0 = time.perf_counter()
    summary = sla_check(now=now + timedelta(minutes=1))
    check_s = time.perf_counter() - t0
    print(f"sla.check one minute later: {check_s:.2f} s {summary}", flush=True)
    goal = "met" if recompute_s < 10 else "NOT met"
    print(f"goal (recompute {args.requests:,} open requests' clocks in under 10 s): {goal}")


if __name__ == "__main__":
    main()
