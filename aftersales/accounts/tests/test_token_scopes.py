"""API tokens' scope and expiry, set on the settings page and enforced by the API over real HTTP:
a read-only token cannot write, a token for some resources cannot reach others, an expired
token is refused; changes take effect at once, also where token lookups are kept per process."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from aftersales.accounts import scopes
from aftersales.accounts.models import ApiToken, SettingsChange
from aftersales.accounts.tokens import token_create, token_lookup
from aftersales.api import api
from aftersales.core.fastpath import changes
from aftersales.testing.factories import CustomerFactory, UnitFactory

TOKENS = "/console/settings/tokens/"
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="the kept lookups need LISTEN")


def _call(
    base: str, method: str, path: str, raw: str, body: dict[str, Any] | None = None
) -> tuple[int, str, Any]:
    """One real HTTP call to the live server: status, content type, parsed body."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the test's own server
        base + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, response.headers["Content-Type"], json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], json.loads(exc.read() or b"null")


def _create_on_page(client: Client, **fields: Any) -> str:
    data = {"name": "ERP", "access": "read_write", **fields}
    response = client.post(TOKENS, data)
    assert response.status_code == 200, response.content.decode()[:2000]
    found = re.search(r'<code id="new-token"[^>]*>([^<]+)</code>', response.content.decode())
    assert found, "the new token is shown once, on the answer to its creation"
    return found.group(1).strip()


@pytest.mark.django_db(transaction=True)
def test_scope_and_expiry_are_enforced_over_http(live_server, client_for, olga, org_a):
    # given: four tokens made on the settings page
    customer = CustomerFactory(organization=org_a, name="甲客户")
    unit = UnitFactory(organization=org_a, customer=customer)
    client = client_for(olga)
    full = _create_on_page(client, name="full", user=olga.pk, all_resources="on")
    read_only = _create_on_page(client, name="reader", user=olga.pk, access="read", all_resources="on")
    requests_only = _create_on_page(client, name="requests", user=olga.pk, resources=["requests"])
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    expiring = _create_on_page(client, name="expiring", user=olga.pk, all_resources="on", expires_on=tomorrow)
    base = live_server.url
    new_customer = {"name": "乙客户", "phone": "13800138000"}

    # then: the full token reads and writes
    assert _call(base, "GET", "/api/v1/customers", full)[0] == 200
    status, _, body = _call(base, "POST", "/api/v1/customers", full, new_customer)
    assert status == 201, body

    # a read-only token reads everything, and every write is 403 problem+json
    assert _call(base, "GET", "/api/v1/customers", read_only)[0] == 200
    assert _call(base, "GET", f"/api/v1/units/{unit.serial_number}", read_only)[0] == 200
    for method, path, payload in [
        ("POST", "/api/v1/customers", new_customer),
        ("PATCH", f"/api/v1/customers/{customer.pk}", {"name": "改名"}),
        ("DELETE", f"/api/v1/customers/{customer.pk}", None),
        ("POST", "/api/v1/requests", {"customer": customer.pk, "kind": "repair", "description": "不制冷"}),
    ]:
        status, ctype, body = _call(base, method, path, read_only, payload)
        assert (status, ctype) == (403, "application/problem+json"), (method, path, status, body)
        assert "read-only" in body["detail"]
    customer.refresh_from_db()
    assert customer.name == "甲客户", "the refused write changed nothing"

    # a token for requests reaches requests, and nothing else
    assert _call(base, "GET", "/api/v1/requests", requests_only)[0] == 200
    for path in (
        "/api/v1/customers",
        f"/api/v1/units/{unit.serial_number}",
        "/api/v1/sla-policies",
        "/api/v1/returns",
        "/api/v1/appointments",
    ):
        status, ctype, body = _call(base, "GET", path, requests_only)
        assert (status, ctype) == (403, "application/problem+json"), path
        assert "scope" in body["detail"]

    # an expiring token works until its day is over, then answers 401
    assert _call(base, "GET", "/api/v1/customers", expiring)[0] == 200
    ApiToken.objects.filter(name="expiring").update(expires_at=timezone.now() - timedelta(seconds=1))
    status, ctype, body = _call(base, "GET", "/api/v1/customers", expiring)
    assert (status, ctype) == (401, "application/problem+json")
    assert "expired" in body["detail"]


@pytest.mark.django_db(transaction=True)
def test_narrowing_a_token_on_the_settings_page_takes_effect_at_once(live_server, client_for, olga):
    client = client_for(olga)
    raw = _create_on_page(client, user=olga.pk, all_resources="on")
    token = ApiToken.objects.get()
    assert _call(live_server.url, "GET", "/api/v1/customers", raw)[0] == 200

    # when: the admin makes it read-only, for requests only
    response = client.post(
        f"{TOKENS}{token.pk}/", {"name": "ERP 只读", "access": "read", "resources": ["requests"]}
    )

    # then
    assert response.status_code == 302
    assert _call(live_server.url, "GET", "/api/v1/customers", raw)[0] == 403
    assert _call(live_server.url, "GET", "/api/v1/requests", raw)[0] == 200
    assert _call(live_server.url, "POST", "/api/v1/requests", raw, {"kind": "repair"})[0] == 403
    # and the settings log says what changed, before and after, never the token
    change = SettingsChange.objects.filter(area="tokens", action="changed").get()
    assert change.detail["access"] == ["read_write", "read"]
    assert change.detail["resources"] == ["*", ["requests"]]
    assert raw not in json.dumps([c.detail for c in SettingsChange.objects.all()])


def test_existing_tokens_keep_read_write_on_everything_without_expiry(olga):
    # what the migration gives the rows made before scopes: the fields' defaults
    token, raw = token_create(user=olga, name="old")
    assert (token.access, token.all_resources, token.resources, token.expires_at) == (
        "read_write",
        True,
        [],
        None,
    )
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").delete("/api/v1/customers/999999").status_code == 404


def test_every_api_path_belongs_to_a_resource():
    # a path no resource claims is closed to narrowed tokens: say which resource each one is

    schema = api.get_openapi_schema()
    unclaimed = [p for p in schema["paths"] if scopes.resource_of(p) is None]
    assert unclaimed == []


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"all_resources": "", "resources": []}, "resources"),
        ({"all_resources": "", "resources": ["nonsense"]}, "resources"),
        ({"all_resources": "on", "access": "admin"}, "access"),
        ({"all_resources": "on", "expires_on": "2020-01-01"}, "expires_on"),
        ({"all_resources": "on", "expires_on": "not a date"}, "expires_on"),
    ],
)
def test_a_bad_scope_is_a_form_error_that_keeps_the_input(client_for, olga, fields, error_field):
    data = {"name": "保留我", "user": olga.pk, "access": "read", **fields}
    response = client_for(olga).post(TOKENS, data)
    assert response.status_code == 422
    assert error_field in response.context["form"].errors
    assert 'value="保留我"' in response.content.decode()
    assert ApiToken.objects.count() == 0


def test_a_token_cannot_act_as_someone_outside_the_organization(client_for, olga, bob):
    response = client_for(olga).post(
        TOKENS, {"name": "x", "user": bob.pk, "access": "read", "all_resources": "on"}
    )
    assert response.status_code == 422
    assert "user" in response.context["form"].errors
    assert ApiToken.objects.count() == 0


def test_another_organizations_token_is_404_on_every_settings_url(client_for, olga, oscar):
    token, raw = token_create(user=oscar, name="bolt erp")
    client = client_for(olga)
    assert "bolt erp" not in client.get(TOKENS).content.decode()
    assert client.get(f"{TOKENS}{token.pk}/").status_code == 404
    assert (
        client.post(
            f"{TOKENS}{token.pk}/", {"name": "mine", "access": "read", "all_resources": "on"}
        ).status_code
        == 404
    )
    assert client.post(f"{TOKENS}{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert (token.name, token.access, token.revoked_at) == ("bolt erp", "read_write", None)


def test_the_old_tokens_address_leads_to_the_settings_page(client_for, olga):
    response = client_for(olga).get("/accounts/tokens/")
    assert response.status_code == 302
    assert response["Location"] == TOKENS


def test_the_new_token_has_a_copy_button(client_for, olga):
    body = (
        client_for(olga)
        .post(TOKENS, {"name": "n", "user": olga.pk, "access": "read", "all_resources": "on"})
        .content.decode()
    )
    assert 'data-copy-target="#new-token"' in body
    assert "accounts/copy.js" in body


# --- where lookups are kept per process (PostgreSQL) ---------------------------------------------


def _until(check: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return False


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_kept_token_narrowed_by_another_process_is_refused_within_moments(alice, org_a, settings):
    settings.AFTERSALES_ACCOUNTS_CACHE = True  # opt-in
    token, raw = token_create(user=alice, name="erp")
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert token_lookup(raw=raw) is not None
    assert changes.wait_live()
    changes.drop_all()
    assert bearer.get("/api/v1/customers").status_code == 200  # now kept
    # when: another server process makes it read-only for requests, and then expires it
    with psycopg.connect(**changes.connect_params(), autocommit=True) as other:
        other.execute(
            "UPDATE accounts_apitoken SET access = 'read', all_resources = false, resources = %s "
            "WHERE id = %s",
            ['["requests"]', token.pk],
        )
    # then
    assert _until(lambda: bearer.get("/api/v1/customers").status_code == 403)
    assert bearer.get("/api/v1/requests").status_code == 200
    with psycopg.connect(**changes.connect_params(), autocommit=True) as other:
        other.execute("UPDATE accounts_apitoken SET expires_at = now() WHERE id = %s", [token.pk])
    assert _until(lambda: bearer.get("/api/v1/requests").status_code == 401)


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_kept_token_expires_on_time_without_any_change(alice):
    token, raw = token_create(user=alice, name="erp", expires_at=timezone.now() + timedelta(seconds=2))
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert token_lookup(raw=raw) is not None
    assert changes.wait_live()
    changes.drop_all()
    assert bearer.get("/api/v1/customers").status_code == 200
    assert _until(lambda: bearer.get("/api/v1/customers").status_code == 401, timeout=6)
