"""Shared fixtures: two organizations and one named user per role in each.

Org A ("acme") staff are alice (agent), dave (dispatcher), tina (technician), pam (parts),
quinn (quality), olga (org admin); org B ("bolt") has bob (agent) and oscar (org admin).
carol and cody are customers; pat is the platform admin.
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import sync_playwright

from aftersales.accounts.models import Role
from aftersales.core.fastpath import changes
from aftersales.testing.factories import OrganizationFactory, UserFactory

PASSWORD = "pass-word-123"  # noqa: S105 - test fixture


@pytest.fixture(scope="session", autouse=True)
def _stop_accounts_listener(django_db_setup):
    # The listener holds a connection to the test database, which would keep it from being dropped.
    yield
    changes.stop()


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # Argon2 is deliberately slow; tests that check hashing itself override this.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Acme 家电", slug="acme")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="Bolt 电子", slug="bolt")


def _staff(username: str, role: str, org):
    return UserFactory(username=username, role=role, organization=org)


@pytest.fixture
def alice(org_a):
    return _staff("alice", Role.AGENT, org_a)


@pytest.fixture
def dave(org_a):
    return _staff("dave", Role.DISPATCHER, org_a)


@pytest.fixture
def tina(org_a):
    return _staff("tina", Role.TECHNICIAN, org_a)


@pytest.fixture
def pam(org_a):
    return _staff("pam", Role.PARTS_MANAGER, org_a)


@pytest.fixture
def quinn(org_a):
    return _staff("quinn", Role.QUALITY_MANAGER, org_a)


@pytest.fixture
def olga(org_a):
    return _staff("olga", Role.ORG_ADMIN, org_a)


@pytest.fixture
def bob(org_b):
    return _staff("bob", Role.AGENT, org_b)


@pytest.fixture
def oscar(org_b):
    return _staff("oscar", Role.ORG_ADMIN, org_b)


@pytest.fixture
def carol(db):
    return UserFactory(username="carol", role=Role.CUSTOMER, organization=None)


@pytest.fixture
def cody(db):
    return UserFactory(username="cody", role=Role.CUSTOMER, organization=None)


@pytest.fixture
def pat(db):
    return UserFactory(
        username="pat", role=Role.PLATFORM_ADMIN, organization=None, is_staff=True, is_superuser=True
    )


@pytest.fixture
def client_for(client):
    """``client_for(user)``: a Django test client logged in as that user."""

    def login(user):
        client.force_login(user)
        return client

    return login


# --- Browser tests -------------------------------------------------------------------------

ARTIFACTS = __import__("pathlib").Path(__file__).parent / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def _playwright():
    # Playwright's sync API runs an event loop in this thread; Django's ORM must still be
    # usable from the test body.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser, live_server, request):
    """A desktop-sized page whose ``goto`` paths are relative to the live server."""
    # Chinese users' browsers ask for Chinese; tests that need English switch in the UI.
    context = browser.new_context(
        viewport={"width": 1280, "height": 860}, base_url=live_server.url, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized page (iPhone 12-ish viewport, touch enabled)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        base_url=live_server.url,
        has_touch=True,
        is_mobile=True,
        locale="zh-CN",
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(request):
    """``screenshot(page, "step")`` keeps a PNG under test-artifacts/<test name>/."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-submit")
    page.wait_for_load_state()
