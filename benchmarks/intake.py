"""Request intake speed: creates through the real server, compared with a bare one-insert endpoint.

    python benchmarks/intake.py [--clients 8] [--duration 20] [--database-url postgres://…/aftersales_bench]
                                [--workers 2] [--threads 4] [--profile 200]

Starts ``aftersales serve --no-jobs`` in a subprocess on a fresh data folder (and, with
--database-url, a freshly created PostgreSQL database), creates an organization, an agent with an
API token, customers with addresses and units and a year of closed requests, then has N client
threads (http.client, keep-alive) post for a fixed time to

* ``POST /bench/insert``: a bare Django view doing one INSERT (only routed when the server runs
  with ``AFTERSALES_BENCH_ENDPOINT=1``, as here), the floor for this machine and database;
* ``POST /api/v1/requests``: real creates (half repairs on a unit, half consultations), through
  token auth, validation, the duplicate check, the request row, its event, SLA state and clocks and the
  outbox notice that the delivery job (not running here) turns into the email and SMS
  (``service.opening.request_open``, the intake the console and portal forms use too).

It prints creates per second, latency percentiles and the server's CPU time per request (user +
system of gunicorn and its workers, from /proc: unlike wall time, not inflated by other work on a
shared machine) for both. ``--profile N`` then runs N creates
in this process under cProfile and prints the SQL each create issues and where the time goes.
Goal (service-request issue): ≥ 300 creates/s sustained on PostgreSQL, p99 < 100 ms, within 2× of
the bare endpoint. The clients run on the same machine as the server and take CPU from it.
On PostgreSQL the per-process token cache is opt-in: run with ``AFTERSALES_ACCOUNTS_CACHE=1`` to
measure with it (one statement fewer per create), as the figures before it became opt-in were.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from _common import ROOT, pct, recreate_postgres

PER_CLIENT = 4000  # request bodies each client thread has for a round (more than it can send)
DESCRIPTIONS = [
    "空调不制冷，开了一个小时还是28度",
    "洗衣机脱水时晃动很厉害",
    "电视开机黑屏有声音",
    "冰箱冷藏室不冷",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Seed:
    token: str
    units: list[tuple[int, str]]  # (customer id, serial)
    customers: list[int]


def seed(n_customers: int, n_units: int, n_history: int = 20_000) -> Seed:
    """Migrate and fill the database this process points at (bulk inserts)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from aftersales.accounts.models import Organization, Role, User
    from aftersales.accounts.tokens import token_create
    from aftersales.catalog.models import ProductCategory, ProductModel
    from aftersales.core.benchmark_views import TABLE
    from aftersales.core.crypto import phone_hash
    from aftersales.customers.models import Customer, CustomerAddress, Unit
    from aftersales.service.models import ServiceRequest

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        pk = (
            "BIGSERIAL PRIMARY KEY"
            if connection.vendor == "postgresql"
            else "INTEGER PRIMARY KEY AUTOINCREMENT"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (id {pk}, body TEXT NOT NULL, created_at TIMESTAMP NOT NULL)"
        )
    org = Organization.objects.create(name="Bench 家电", slug="bench")
    agent = User.objects.create(username="bench-agent", role=Role.AGENT, organization=org, first_name="压测")
    _token, raw = token_create(user=agent, name="bench")
    category = ProductCategory.objects.create(organization=org, code="ac", name="空调")
    model = ProductModel.objects.create(
        organization=org,
        category=category,
        brand="晴川",
        model_number="KFR-35",
        name="1.5匹变频挂机",
        whole_unit_months=12,
        main_parts_months=36,
    )
    customers = [
        Customer(
            organization=org,
            name=f"客户{n}",
            phone=f"139{n:08d}",
            phone_hash=phone_hash(f"139{n:08d}"),
            email=f"c{n}@example.com",
        )
        for n in range(n_customers)
    ]
    Customer.objects.bulk_create(customers, batch_size=1000)
    customers = list(Customer.objects.filter(organization=org).order_by("id"))
    CustomerAddress.objects.bulk_create(
        [
            CustomerAddress(
                customer=c,
                province="广东省",
                city="深圳市",
                district="南山区",
                detail=f"科技路{c.pk % 500}号",
                latitude=22.54,
                longitude=113.95,
                is_default=True,
            )
            for c in customers
        ],
        batch_size=1000,
    )
    units = [
        Unit(
            organization=org,
            product_model=model,
            customer=customers[n % len(customers)],
            serial_number=f"BN{n:010d}",
            purchase_date=date(2026, 1, 1),
        )
        for n in range(n_units)
    ]
    Unit.objects.bulk_create(units, batch_size=1000)
    # A year of closed requests, as a database in service has. On PostgreSQL this matters more
    # than it seems: the foreign-key checks of every row that points at a request (its event,
    # SLA state, clocks, outbox rows) are plans each connection caches. Planned against an empty
    # request table they scan it, and each create then costs more than the one before, until
    # autovacuum's next ANALYZE invalidates them: measured at 0.9 ms of PostgreSQL CPU per create
    # growing to 1.6 ms within 4,000 creates, against a steady 0.6 ms with statistics.
    now = timezone.now()
    ServiceRequest.objects.bulk_create(
        [
            ServiceRequest(
                number=f"SR-H{n:07d}",
                organization=org,
                customer=units[n % len(units)].customer if n % 3 else customers[n % len(customers)],
                unit=units[n % len(units)] if n % 3 else None,
                kind="repair" if n % 3 else "consultation",
                channel="phone",
                status="closed",
                subject="历史服务单",
                description="已处理",
                created_at=now - timedelta(days=365 * n / n_history),
                closed_at=now,
            )
            for n in range(n_history)
        ],
        batch_size=2000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Planner statistics and visibility maps, as a live database has them, and the seed's
            # WAL checkpointed: otherwise autovacuum and a checkpoint run during the measured
            # seconds and their CPU is counted as the creates'.
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
    return Seed(
        token=raw,
        units=[(u.customer_id or 0, u.serial_number) for u in units],
        customers=[c.pk for c in customers],
    )


def processes() -> list[tuple[int, int, str, float]]:
    """(pid, parent pid, name, user + system CPU seconds) of every process (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name, rest = stat.split("(", 1)[1].rsplit(")", 1)
        fields = rest.split()
        out.append((int(entry), int(fields[1]), name, (int(fields[11]) + int(fields[12])) / tick))
    return out


def server_cpu_seconds(root: int) -> float:
    """User + system CPU of the server and its workers, however busy the machine is."""
    table = processes()
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [p for p, ppid, _name, _cpu in table if ppid == pid]
        tree.update(children)
        frontier.extend(children)
    return sum(cpu for pid, _ppid, _name, cpu in table if pid in tree)


def postgres_cpu_seconds() -> dict[int, float]:
    """User + system CPU of each PostgreSQL process on this machine, by pid."""
    return {pid: cpu for pid, _ppid, name, cpu in processes() if name == "postgres"}


def postgres_cpu_since(before: dict[int, float]) -> float:
    """PostgreSQL's CPU since ``before``; a process that has exited since (an autovacuum worker)
    is left out rather than subtracted."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in postgres_cpu_seconds().items())


@dataclass
class Result:
    name: str
    seconds: float
    cpu_seconds: float = 0.0  # the server's, over the measured run
    db_cpu_seconds: float = 0.0  # PostgreSQL's, over the measured run
    latencies: list[float] = field(default_factory=list)  # of successful posts, in seconds
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        return len(self.latencies)

    def pct(self, p: float) -> float:
        return pct(self.latencies, p) * 1000 if self.latencies else float("nan")


def load(
    port: int,
    name: str,
    path: str,
    bodies: list[list[bytes]],
    headers: dict[str, str],
    seconds: float,
    server_pid: int,
) -> Result:
    """Each client thread posts its own bodies in turn over one keep-alive connection."""
    result = Result(name, seconds)
    lock = threading.Lock()
    start = threading.Barrier(len(bodies) + 1)
    deadline = [0.0]

    def client(mine: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        start.wait()
        i = 0
        while time.perf_counter() < deadline[0]:
            body = mine[i % len(mine)]
            i += 1
            began = time.perf_counter()
            try:
                conn.request("POST", path, body, headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            took = time.perf_counter() - began
            statuses[status] = statuses.get(status, 0) + 1
            if status == 201:
                latencies.append(took)
        conn.close()
        with lock:
            result.latencies.extend(latencies)
            for k, v in statuses.items():
                result.statuses[k] = result.statuses.get(k, 0) + v

    threads = [threading.Thread(target=client, args=(mine,)) for mine in bodies]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    cpu_before, db_before = server_cpu_seconds(server_pid), postgres_cpu_seconds()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - began
    result.cpu_seconds = server_cpu_seconds(server_pid) - cpu_before
    result.db_cpu_seconds = postgres_cpu_since(db_before)
    return result


def request_bodies(data: Seed, clients: int, per_client: int, offset: int) -> list[list[bytes]]:
    """Half repairs on a unit no other post uses (so the duplicate check finds none), half consultations."""
    out: list[list[bytes]] = []
    for k in range(clients):
        mine = []
        for j in range(per_client):
            n = offset + k * per_client + j
            if n % 2 == 0 and n // 2 < len(data.units):
                customer_id, serial = data.units[n // 2]
                body: dict[str, Any] = {
                    "kind": "repair",
                    "customer_id": customer_id,
                    "unit_serial": serial,
                    "channel": "phone",
                    "description": DESCRIPTIONS[n % len(DESCRIPTIONS)],
                }
            else:
                body = {
                    "kind": "consultation",
                    "customer_id": data.customers[n % len(data.customers)],
                    "channel": "web",
                    "description": "请问滤网多久清洗一次？",
                }
            mine.append(json.dumps(body, ensure_ascii=False).encode())
        out.append(mine)
    return out


def wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}; see its log")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not come up")


BREAKDOWN = [
    # label, file suffix, function name (cumulative time of that function per create)
    ("Django handler, all middleware and the view", "django/core/handlers/base.py", "get_response"),
    ("  token authentication", "aftersales/accounts/api_auth.py", "authenticate"),
    ("  ninja: parse and validate the body", "ninja/operation.py", "_get_values"),
    ("  view create_request", "aftersales/service/api.py", "create_request"),
    ("    request_open (the intake service)", "aftersales/service/opening.py", "request_open"),
    ("      unit, customer, address and open-request flag", "aftersales/service/selectors.py", "intake_unit"),
    ("      customer and address (consultations)", "aftersales/service/selectors.py", "intake_customer"),
    ("      request_create", "aftersales/service/services.py", "request_create"),
    ("        the request's id from its sequence", "aftersales/core/fastpath/rows.py", "reserve"),
    ("        SLA policy, calendar and clocks", "aftersales/sla/hooks.py", "on_request_created"),
    ("        outbox notice (email, SMS, webhooks)", "aftersales/service/notify.py", "notify_created"),
    ("        the write (one statement on PostgreSQL)", "aftersales/core/fastpath/rows.py", "write"),
    ("  ninja: serialise the response", "ninja/operation.py", "_result_to_response"),
]


def _tables(sql: str) -> str:
    import re

    match = re.search(r'(?:FROM|INTO|UPDATE)\s+"?([a-z_]+)', sql)
    if match:
        return match.group(1).split("_")[0]
    return sql.split()[0]


def profile(data: Seed, n: int, offset: int) -> None:
    """N creates in this process (Django test client), timed, then under cProfile; and the SQL of one."""
    import cProfile
    import logging
    import pstats
    from collections import Counter

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    logging.getLogger("aftersales.request").setLevel(logging.WARNING)  # one line per request, not here
    client = Client(HTTP_AUTHORIZATION=f"Bearer {data.token}")
    bodies = request_bodies(data, 1, 2 * n + 2, offset)[0]
    for body in bodies[:2]:  # one repair, one consultation
        with CaptureQueriesContext(connection) as queries:
            r = client.post("/api/v1/requests", data=body, content_type="application/json")
        assert r.status_code == 201, r.content
        by_app = Counter(_tables(q["sql"]) for q in queries.captured_queries)
        print(
            f"\nOne create ({json.loads(body)['kind']}): {len(queries)} SQL statements, by app: "
            + ", ".join(f"{k} {v}" for k, v in by_app.most_common())
            + " (times as Django records them, to the millisecond)"
        )
        for q in queries.captured_queries:
            print(f"  {float(q['time']) * 1000:6.2f} ms  {q['sql'][:120]}")
    began = time.perf_counter()
    for body in bodies[2 : n + 2]:
        client.post("/api/v1/requests", data=body, content_type="application/json")
    took = time.perf_counter() - began
    print(
        f"\n{n} creates in-process (Django test client, no HTTP server, one thread): "
        f"{n / took:.0f}/s, {took / n * 1000:.1f} ms each"
    )
    profiler = cProfile.Profile()
    profiler.enable()
    for body in bodies[n + 2 :]:
        client.post("/api/v1/requests", data=body, content_type="application/json")
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw = stats.stats
    total = next(
        (v[3] for k, v in raw.items() if k[0].endswith(BREAKDOWN[0][1]) and k[2] == BREAKDOWN[0][2]), 0.0
    )
    print(f"\nWhere a create's time goes (cProfile, {n} more creates; the profiler inflates Python time):")
    print(f"  {'':<52} {'ms/create':>9} {'share':>6}")
    for label, suffix, func in BREAKDOWN:
        cum = sum(v[3] for k, v in raw.items() if k[2] == func and (suffix == "~" or k[0].endswith(suffix)))
        if cum:
            print(f"  {label:<52} {cum / n * 1000:9.2f} {cum / total:6.0%}")
    stats.sort_stats("tottime").print_stats(12)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--duration", type=float, default=20.0, help="seconds measured per endpoint and round"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of bare then create; the verdict takes medians"
    )
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL; the database is dropped and re-created"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--units", type=int, default=30000)
    parser.add_argument("--history", type=int, default=20000, help="closed requests already in the database")
    parser.add_argument("--profile", type=int, default=0, help="then profile this many creates in-process")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="aftersales-bench-intake-"))
    env = {
        **os.environ,
        "AFTERSALES_DATA_DIR": str(workdir),
        "DJANGO_SETTINGS_MODULE": "aftersales.settings",
        "AFTERSALES_BENCH_ENDPOINT": "1",
        "PYTHONPATH": str(ROOT),
    }
    if args.database_url:
        recreate_postgres(args.database_url)
        env["DATABASE_URL"] = args.database_url
    else:
        env.pop("DATABASE_URL", None)
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))

    began = time.perf_counter()
    # Every repair in every round gets a unit of its own (so the duplicate check finds none and
    # the mix of repairs and consultations stays the same in each round).
    units = max(args.units, (args.clients * (200 + args.rounds * PER_CLIENT) + 2 * args.profile + 4) // 2 + 1)
    data = seed(args.customers, units, args.history)
    from django.db import connection

    vendor = connection.vendor
    connection.close()
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    print(
        f"database: {vendor}; seeded {len(data.customers)} customers, {len(data.units)} units, "
        f"{args.history} closed requests "
        f"in {time.perf_counter() - began:.1f} s; data folder {workdir}"
    )

    port = free_port()
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(  # noqa: S603 - our own CLI
        [
            sys.executable,
            "-m",
            "aftersales",
            "serve",
            "--no-jobs",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    try:
        wait_until_up(port, server)
        print(
            f"server: gunicorn, {args.workers} workers x {args.threads} threads on port {port}; "
            f"{args.clients} client threads, {args.warmup:.0f} s warm-up + {args.duration:.0f} s each\n"
        )
        json_headers = {"Content-Type": "application/json"}
        bare_bodies = [
            [json.dumps({"client": k, "n": j}).encode() for j in range(100)] for k in range(args.clients)
        ]
        api_headers = {**json_headers, "Authorization": f"Bearer {data.token}"}
        load(port, "warm-up", "/bench/insert", bare_bodies, json_headers, args.warmup, server.pid)
        warm = request_bodies(data, args.clients, 200, offset=0)
        load(port, "warm-up", "/api/v1/requests", warm, api_headers, args.warmup, server.pid)
        # Rounds of bare then create, so that both see the same machine: on a shared virtual
        # machine the speed of a core drifts by a third between minutes.
        bares: list[Result] = []
        apis: list[Result] = []
        for r in range(args.rounds):
            bares.append(
                load(
                    port,
                    "bare insert   POST /bench/insert",
                    "/bench/insert",
                    bare_bodies,
                    json_headers,
                    args.duration,
                    server.pid,
                )
            )
            bodies = request_bodies(
                data, args.clients, PER_CLIENT, offset=args.clients * (200 + r * PER_CLIENT)
            )
            apis.append(
                load(
                    port,
                    "create request POST /api/v1/requests",
                    "/api/v1/requests",
                    bodies,
                    api_headers,
                    args.duration,
                    server.pid,
                )
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    print(
        f"{'round':<6}{'endpoint':<40} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        f" {'CPU ms':>7} {'DB CPU':>7}  statuses"
    )
    for i, (bare, api) in enumerate(zip(bares, apis, strict=True), start=1):
        for res in (bare, api):
            n = max(sum(res.statuses.values()), 1)
            print(
                f"{i:<6}{res.name:<40} {res.ok / res.seconds:8.0f} {res.pct(50):8.1f} {res.pct(95):8.1f} "
                f"{res.pct(99):8.1f} {max(res.latencies, default=0) * 1000:8.1f} {res.cpu_seconds / n * 1000:7.2f} "
                f"{res.db_cpu_seconds / n * 1000:7.2f}  {dict(sorted(res.statuses.items()))}"
            )
    print(
        "(CPU ms: the server's user+system CPU per request; DB CPU: PostgreSQL's; the clients take the rest. "
        f"{os.cpu_count()} CPUs / (CPU + DB CPU) = the most this machine could serve)"
    )
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    rates = sorted(a.ok / a.seconds for a in apis)
    p99s = sorted(a.pct(99) for a in apis)
    ratios = sorted(
        (b.ok / b.seconds) / max(a.ok / a.seconds, 1e-9) for b, a in zip(bares, apis, strict=True)
    )
    rate, p99, ratio = (statistics.median(x) for x in (rates, p99s, ratios))
    print(
        f"\nmedian of {len(apis)} round(s): {rate:.0f} creates/s (range {rates[0]:.0f}-{rates[-1]:.0f}), "
        f"p99 {p99:.0f} ms, bare / create throughput {ratio:.2f}x (goal: ≤ 2x)"
    )
    verdict = "met" if rate >= 300 and p99 < 100 and ratio <= 2 else "NOT met"
    print(
        f"goal ≥ 300 creates/s, p99 < 100 ms, within 2x of bare: {verdict} on {vendor} "
        f"(median {rate:.0f}/s, p99 {p99:.0f} ms, {ratio:.2f}x)"
    )
    if args.profile:
        profile(data, args.profile, offset=args.clients * (200 + args.rounds * PER_CLIENT))
    print(f"\nserver log: {workdir / 'server.log'}")


if __name__ == "__main__":
    main()
