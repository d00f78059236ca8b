"""The product as a whole, on the real demo data set (not factories), for every organization.

The demo is loaded once for the module into the test database (and rolled back afterwards).
Then, as each demo account: its SLA set-up, reports and entitlement records exist; its start
page shows its own figures; and a crawl of every page it can reach from its menu two clicks deep
answers 2xx, with no link on those pages to a page that answers 4xx (or 5xx).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections, transaction
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from aftersales.accounts.models import Organization, User
from aftersales.core.navigation import menu_for
from aftersales.core.start import start_url
from aftersales.demo.context import DEMO_PASSWORD
from aftersales.demo.data import ORGS
from aftersales.demo.generate import load_demo
from aftersales.entitlement.models import ExtendedWarrantyContract, Quote, ReturnAuthorization, WarrantyClaim
from aftersales.service.models import RequestEvent, ServiceRequest, Status
from aftersales.sla.models import Escalation, SlaClock, SlaPolicy

pytestmark = pytest.mark.django_db

PREFIXES = [spec["prefix"] for spec in ORGS]
STAFF_ROLES = ["agent", "dispatcher", "technician", "parts-manager", "quality-manager", "org-admin"]
SKIP_PREFIXES = ("/admin/", "/static/", "/media/", "/i18n/", "/accounts/logout/")
PER_ROUTE = 2  # pages of one URL pattern followed (e.g. two request pages, not all 3,000)
PER_QUERY_PATH = 3  # query-string variants of one path followed
CLOSED = [Status.CLOSED, Status.CANCELLED]


@pytest.fixture(autouse=True)
def _fast_hasher():
    """Not the suite's MD5-only hasher: the demo's accounts carry the Argon2 hash the demo made."""
    yield


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        ctx = load_demo(report=lambda line: None)
        yield ctx
        transaction.set_rollback(True)


# --- the data --------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_sla_policies_and_running_clocks_on_every_open_request(demo, prefix):
    org = _org(prefix)
    assert SlaPolicy.objects.filter(organization=org).exists(), org.name
    open_requests = ServiceRequest.objects.filter(organization=org).exclude(status__in=CLOSED)
    assert open_requests.exists()
    # Every open request is under a policy, with its clocks.
    without = open_requests.exclude(pk__in=SlaClock.objects.values("request_id"))
    assert not without.exists(), f"{org.name}: {without.count()} open requests without clocks"
    assert not open_requests.filter(sla__policy__isnull=True).exists()
    # A request nobody has answered yet has its first-response clock running.
    unanswered = open_requests.filter(status=Status.NEW)
    assert unanswered.exists()
    running = SlaClock.objects.filter(active=True, metric="first_response").values("request_id")
    assert not unanswered.exclude(pk__in=running).exists()
    # Work still to do keeps a clock running somewhere in the organization, and some have escalated.
    assert (
        SlaClock.objects.filter(request__organization=org, active=True).count() >= open_requests.count() // 3
    )
    assert Escalation.objects.filter(request__organization=org).exists(), f"{org.name}: no escalations"


@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_compliance_report_has_rows(demo, prefix):
    client = _client(f"{prefix}-quality-manager")
    today = timezone.localdate()
    response = client.get(
        "/api/v1/sla/compliance",
        {"start": (today - timezone.timedelta(days=365)).isoformat(), "end": today.isoformat()},
    )
    assert response.status_code == 200, response.content[:300]
    assert response.json()["rows"], prefix


@pytest.mark.parametrize("prefix", PREFIXES)
def test_returns_warranties_and_quotes_in_several_states(demo, prefix):
    org = _org(prefix)
    rma_states = set(ReturnAuthorization.objects.filter(organization=org).values_list("status", flat=True))
    assert rma_states == set(ReturnAuthorization.Status.values), sorted(rma_states)
    today = timezone.localdate()
    contracts = list(ExtendedWarrantyContract.objects.filter(organization=org))
    states = Counter(c.state_on(today) for c in contracts)
    assert states["active"] >= 2 and states["expired"] >= 1 and states["cancelled"] >= 1, states
    claimed = WarrantyClaim.objects.filter(contract__organization=org)
    assert claimed.exists()
    assert claimed.filter(contract__ends__lt=today).exists()  # an expired contract that paid out
    quote_states = set(Quote.objects.filter(organization=org).values_list("status", flat=True))
    assert len(quote_states) >= 4, quote_states
    # every return's request is the return's unit's, and follows it
    for rma in ReturnAuthorization.objects.filter(organization=org).select_related("request"):
        assert rma.request.unit_id == rma.unit_id and rma.request.kind in ("return", "exchange", "refund")
        assert rma.created_at <= timezone.now()


def test_the_portal_accounts_have_returns_and_quotes(demo):
    for n in (1, 2, 3):
        user = User.objects.get(username=f"customer{n}")
        assert ReturnAuthorization.objects.filter(request__customer__user=user).exists(), user
    assert Quote.objects.filter(
        request__customer__user__username__startswith="customer", status="sent"
    ).exists()


# --- start pages -----------------------------------------------------------------------------

START = {
    "agent": "/console/requests/?queue=mine",
    "dispatcher": "/console/dispatch/board/",
    "technician": "/tech/",
    "quality-manager": "/console/sla/",
    "parts-manager": "/",
    "org-admin": "/",
}
FIGURES = {
    "agent": {"mine", "mine-due-soon", "mine-breached", "unassigned", "returns-to-decide"},
    "dispatcher": {"unassigned-field", "visits-today", "due-soon", "breached"},
    "technician": {"visits-today", "mine", "mine-due-soon", "mine-breached"},
    "parts-manager": {"awaiting-parts", "returns-to-receive", "mine"},
    "quality-manager": {"due-soon", "breached", "complaints", "reopened", "mine"},
    "org-admin": {"open", "unassigned", "due-soon", "breached"},
}


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_each_role_lands_on_its_work_and_sees_its_own_figures(demo, prefix, role):
    username = f"{prefix}-{role}"
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == START[role], (
        username,
        response["Location"],
    )
    assert client.get(response["Location"]).status_code == 200
    home = client.get("/")
    html = home.content.decode()
    shown = {key for key in FIGURES[role] if f'id="fig-{key}"' in html}
    assert shown == FIGURES[role], (username, FIGURES[role] - shown)
    figures = home.context["figures"]
    assert any(f.value for f in figures), username  # the demo gives every role some work
    for figure in figures:  # every figure links to a page this role may open
        assert client.get(figure.url).status_code == 200, (username, figure.url)


def test_customers_land_on_their_products(demo):
    client = Client()
    response = client.post("/accounts/login/", {"username": "customer1", "password": DEMO_PASSWORD})
    assert response["Location"] == "/portal/"


def test_the_home_figures_take_a_fixed_number_of_queries(demo, django_assert_max_num_queries):
    for role in STAFF_ROLES:
        client = _client(f"qc-{role}")
        client.get("/")  # session and caches warm
        with django_assert_max_num_queries(12):
            assert client.get("/").status_code == 200


def test_the_password_change_page_is_the_products(demo):
    html = _client("qc-agent").get("/accounts/password_change/").content.decode()
    assert 'id="mainnav"' in html and "django-admin" not in html.lower() and 'id="site-name"' not in html


# --- the crawl -------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("href", "hx-get"):
            value = found.get(name)
            if value and (tag == "a" or name == "hx-get"):
                self.links.append(value)


@dataclass
class Crawl:
    client: Client
    username: str
    status: dict[str, int] = field(default_factory=dict)
    bodies: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    per_route: Counter[str] = field(default_factory=Counter)
    per_path: Counter[str] = field(default_factory=Counter)

    def fetch(self, url: str) -> int:
        if url not in self.status:
            # Each page in a savepoint of the module's transaction: a page that meets a database
            # error (answered as 404/503) must not leave PostgreSQL's transaction aborted for the next.
            saved = transaction.savepoint()
            try:
                response = self.client.get(url, follow=True, HTTP_ACCEPT="text/html")
                self.status[url] = response.status_code
                if "text/html" in response.get("Content-Type", "") and not getattr(
                    response, "streaming", False
                ):
                    self.bodies[url] = response.content.decode()
                elif getattr(response, "streaming", False):
                    b"".join(response.streaming_content)
                    # as Django's test client does: closing must not close the test's connection
                    request_finished.disconnect(close_old_connections)
                    try:
                        response.close()
                    finally:
                        request_finished.connect(close_old_connections)
            finally:
                transaction.savepoint_rollback(saved)
        return self.status[url]

    def links_of(self, url: str) -> list[str]:
        parser = _Links()
        parser.feed(self.bodies.get(url, ""))
        out = []
        for raw in parser.links:
            link = _local(url, raw)
            if link is not None and link not in out:
                out.append(link)
        return out

    def sample(self, links: list[str]) -> list[str]:
        """Links to follow: a few of each URL pattern, a few query strings of each path."""
        chosen = []
        for link in links:
            if link in self.status:
                chosen.append(link)
                continue
            parts = urlsplit(link)
            try:
                route = resolve(parts.path).route
            except Resolver404:
                chosen.append(link)  # a dead link: checked, and reported
                continue
            if parts.query:
                if self.per_path[parts.path] >= PER_QUERY_PATH:
                    continue
                self.per_path[parts.path] += 1
            elif self.per_route[route] >= PER_ROUTE:
                continue
            else:
                self.per_route[route] += 1
            chosen.append(link)
        return chosen


def _local(page: str, raw: str) -> str | None:
    raw = raw.strip()
    if not raw or raw.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    absolute = urljoin("http://testserver" + page, raw)
    parts = urlsplit(absolute)
    if parts.netloc != "testserver" or parts.path.startswith(SKIP_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(username: str) -> Crawl:
    client = _client(username)
    user = User.objects.get(username=username)
    c = Crawl(client=client, username=username)
    first = [item.url for item in menu_for(user, "/")]
    first = list(dict.fromkeys([start_url(user), *first, "/accounts/password_change/"]))
    second: dict[str, str] = {}
    for url in first:
        status = c.fetch(url)
        if not 200 <= status < 300:
            c.problems.append(f"menu page {url} answers {status}")
            continue
        for link in c.sample(c.links_of(url)):
            second.setdefault(link, url)
    for url, parent in second.items():
        status = c.fetch(url)
        if not 200 <= status < 300:
            c.problems.append(f"{parent} links to {url}, which answers {status}")
            continue
        for link in c.sample(c.links_of(url)):
            status = c.fetch(link)
            if status >= 400:
                c.problems.append(f"{url} links to {link}, which answers {status}")
    return c


USERS = [f"{p}-{r}" for p in PREFIXES for r in STAFF_ROLES] + ["customer1", "customer2", "customer3", "admin"]


@pytest.mark.parametrize("username", USERS)
def test_every_page_two_clicks_from_the_menu_answers_and_links_nowhere_dead(demo, username):
    c = crawl(username)
    assert len(c.status) >= 5, (username, c.status)
    assert not c.problems, f"{username}:\n" + "\n".join(c.problems)


# --- helpers ---------------------------------------------------------------------------------


def _org(prefix: str) -> Organization:
    slug = next(spec["slug"] for spec in ORGS if spec["prefix"] == prefix)
    return Organization.objects.get(slug=slug)


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


# --- English readers ---------------------------------------------------------------------------

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]+")


def _people_and_places(organization_id: int) -> str:
    """What the organization's people typed or named: shown as written in every language.

    Names of people and carriers, the reasons and notes people gave (stored as typed, or as a
    parameter of a system sentence), and the names the admin gave SLA policies and escalations.
    """
    names = {u.get_full_name() for u in User.objects.filter(organization_id=organization_id)}
    for rma in ReturnAuthorization.objects.filter(organization_id=organization_id):
        names |= {rma.return_carrier, rma.exchange_carrier}
    events = RequestEvent.objects.filter(request__organization_id=organization_id)
    names |= set(events.filter(code="").values_list("reason", flat=True))
    for params in events.exclude(params={}).values_list("params", flat=True):
        names |= {v for v in params.values() if isinstance(v, str)}
    names |= set(SlaPolicy.objects.filter(organization_id=organization_id).values_list("name", flat=True))
    names |= set(
        Escalation.objects.filter(request__organization_id=organization_id).values_list(
            "rule_name", flat=True
        )
    )
    return "\n".join(n for n in names if n)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_english_timelines_speak_english(demo, prefix):
    """One request for every kind of event (and event code) the organization has, read in English.

    What people wrote (messages, notes) and their names stay as written; everything the system
    says — transitions, SLA events, return steps and their notes — is English.
    """
    org = User.objects.get(username=f"{prefix}-org-admin").organization
    assert org is not None
    picks: dict[tuple[str, str], int] = {}
    for kind, code, request_id in RequestEvent.objects.filter(request__organization=org).values_list(
        "kind", "code", "request_id"
    ):
        picks.setdefault((kind, str(code)), request_id)
    typed = _people_and_places(org.pk)
    client = _client(f"{prefix}-org-admin")
    client.cookies["django_language"] = "en"
    leftovers: dict[str, str] = {}
    for number in ServiceRequest.objects.filter(pk__in=set(picks.values())).values_list("number", flat=True):
        html = client.get(f"/console/requests/{number}/").content.decode()
        timeline = re.search(r'<ol class="timeline.*?</ol>', html, re.S)
        assert timeline, number
        text = re.sub(
            r'<div class="message-body.*?</div>|<span class="fw-semibold text-body">.*?</span>',
            " ",
            timeline.group(0),
            flags=re.S,
        )
        text = unescape(re.sub(r"<[^>]+>", " ", text))
        for line in text.splitlines():
            # a run of Chinese that is part of something people typed (perhaps cut short with …) is theirs
            system = [run for run in CJK.findall(line) if run.rstrip("…") not in typed]
            if system:
                leftovers.setdefault(" ".join(line.split())[:120], number)
    assert len(picks) > 10
    assert not leftovers, leftovers
