"""API tokens: created on the tokens page, shown once, stored hashed, revocable, per organization."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from aftersales.accounts.models import ApiToken, Role, User
from aftersales.accounts.tokens import token_create, token_lookup
from aftersales.testing.factories import CustomerFactory

TOKENS = "/console/settings/tokens/"


def _create_on_page(client: Client, name: str = "ERP sync") -> str:
    user = User.objects.get(username="olga")
    response = client.post(
        TOKENS, {"name": name, "user": user.pk, "access": "read_write", "all_resources": "on"}
    )
    assert response.status_code == 200
    found = re.search(r'<code id="new-token"[^>]*>([^<]+)</code>', response.content.decode())
    assert found, "the new token is shown on the page"
    return found.group(1).strip()


def _bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_token_created_on_the_page_is_shown_once_and_stored_hashed(client_for, olga):
    client = client_for(olga)

    raw = _create_on_page(client)

    token = ApiToken.objects.get()
    assert raw.startswith("as_")
    assert token.name == "ERP sync" and token.user == olga and token.organization == olga.organization
    stored = [str(v) for v in ApiToken.objects.values_list().get()]
    assert not any(raw in v for v in stored), "the clear value is nowhere in the row"
    assert token.token_hash != raw and len(token.token_hash) == 64
    # listing the tokens again shows the prefix, never the secret
    page = client.get(TOKENS).content.decode()
    assert f"as_{token.prefix}" in page
    assert raw not in page
    assert 'id="new-token"' not in page


def test_bearer_token_reads_the_api_as_its_organization(client_for, olga, org_b):
    mine = CustomerFactory(organization=olga.organization, name="甲客户")
    CustomerFactory(organization=org_b, name="乙客户")
    raw = _create_on_page(client_for(olga))

    response = _bearer(raw).get("/api/v1/customers")

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["items"]] == [mine.pk]
    assert ApiToken.objects.get().last_used_at is not None


def test_requests_without_or_with_a_bad_token_get_401_problem(db):
    for client in (Client(), _bearer("as_deadbeef_nonsense"), _bearer("not-even-our-format")):
        response = client.get("/api/v1/customers")
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 401
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_gets_401_problem(client_for, olga):
    client = client_for(olga)
    raw = _create_on_page(client)
    token = ApiToken.objects.get()
    assert _bearer(raw).get("/api/v1/customers").status_code == 200

    response = client.post(f"{TOKENS}{token.pk}/revoke/")

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    denied = _bearer(raw).get("/api/v1/customers")
    assert denied.status_code == 401
    assert denied["Content-Type"] == "application/problem+json"
    assert "已吊销" in client.get(TOKENS).content.decode()


def test_token_of_a_deactivated_user_stops_working(olga):
    _, raw = token_create(user=olga, name="script")
    olga.is_active = False
    olga.save()

    assert _bearer(raw).get("/api/v1/customers").status_code == 401


def test_staff_of_another_organization_cannot_revoke_or_see_a_token(client_for, olga, oscar):
    token, raw = token_create(user=olga, name="acme erp")
    client = client_for(oscar)

    page = client.get(TOKENS).content.decode()
    response = client.post(f"{TOKENS}{token.pk}/revoke/")

    assert "acme erp" not in page
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert _bearer(raw).get("/api/v1/customers").status_code == 200


@pytest.mark.parametrize("name", ["alice", "tina", "carol"])
def test_roles_without_token_management_get_404(request, client_for, olga, name):
    token, _ = token_create(user=olga, name="acme erp")
    client = client_for(request.getfixturevalue(name))

    assert client.get(TOKENS).status_code == 404
    assert client.post(TOKENS, {"name": "sneaky"}).status_code == 404
    assert client.get("/accounts/tokens/").status_code in (302, 404)
    assert client.post(f"{TOKENS}{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_page_form_error_for_a_missing_name(client_for, olga):
    response = client_for(olga).post(
        TOKENS, {"name": "", "user": olga.pk, "access": "read", "all_resources": "on"}
    )

    assert response.status_code == 422
    assert response.context["form"].errors["name"]
    assert ApiToken.objects.count() == 0


def test_token_command_prints_a_working_token(olga):
    out = StringIO()

    call_command("token", "--user", "olga", "--name", "nightly export", stdout=out)

    raw = out.getvalue().strip()
    found = token_lookup(raw=raw)
    assert found is not None and found.user == olga and found.name == "nightly export"
    assert _bearer(raw).get("/api/v1/customers").status_code == 200


def test_token_command_refuses_unknown_users_and_users_without_an_organization(carol):
    with pytest.raises(CommandError, match="No user"):
        call_command("token", "--user", "ghost", stdout=StringIO())
    with pytest.raises(CommandError, match="organization"):
        call_command("token", "--user", "carol", stdout=StringIO())
    assert ApiToken.objects.count() == 0


def test_createadmin_without_input_creates_a_platform_admin(db):
    out = StringIO()

    call_command(
        "createadmin",
        "--no-input",
        "--username",
        "root",
        "--email",
        "root@example.com",
        "--password",
        "Very-l0ng-admin-pass",
        stdout=out,
    )

    admin = User.objects.get(username="root")
    assert admin.role == Role.PLATFORM_ADMIN
    assert admin.organization is None
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password("Very-l0ng-admin-pass")
    assert "root" in out.getvalue()


def test_createadmin_reads_the_password_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("AFTERSALES_ADMIN_PASSWORD", "Env-supplied-s3cret")

    call_command("createadmin", "--no-input", "--username", "root", stdout=StringIO())

    assert User.objects.get(username="root").check_password("Env-supplied-s3cret")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--username", "root"], "--no-input needs"),
        (["--password", "Very-l0ng-admin-pass"], "--no-input needs"),
        (["--username", "root", "--password", "123"], "Password rejected"),
        (["--username", "pat", "--password", "Very-l0ng-admin-pass"], "already exists"),
    ],
)
def test_createadmin_refuses_incomplete_or_weak_input(pat, monkeypatch, args, message):
    monkeypatch.delenv("AFTERSALES_ADMIN_PASSWORD", raising=False)
    before = User.objects.count()

    with pytest.raises(CommandError, match=message):
        call_command("createadmin", "--no-input", *args, stdout=StringIO())

    assert User.objects.count() == before
