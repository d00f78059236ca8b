"""The organization's users on the settings pages: invite with a set-password link sent through the
outbox, change role, deactivate and reactivate with the last-admin and self rules, reset password."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from aftersales.accounts import services
from aftersales.accounts.models import Role, SettingsChange, User
from aftersales.accounts.tokens import token_create
from aftersales.core.errors import Conflict
from aftersales.notifications.models import OutboxMessage
from aftersales.notifications.tasks import deliver
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

USERS = "/console/settings/users/"


def _logs_in(username: str, password: str) -> bool:
    """Through the login form, as a person would (the lockout backend wants the request)."""
    response = Client().post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


def _link_in(body: str) -> str:
    found = re.search(r"https?://\S+/accounts/reset/\S+/", body)
    assert found, body
    return found.group(0)


def _set_password_through(link: str, password: str) -> Client:
    browser = Client()
    path = link.split("testserver", 1)[1]
    form = browser.get(path, follow=True)
    assert form.status_code == 200
    assert form.redirect_chain, "Django moves the token out of the address first"
    done = browser.post(form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    assert done.status_code == 302, done.content.decode()[:2000]
    return browser


def test_invite_creates_the_user_and_mails_a_link_that_sets_the_password(client_for, olga):
    client = client_for(olga)
    response = client.post(
        f"{USERS}invite/",
        {
            "username": "newbie",
            "email": "newbie@acme.example",
            "role": Role.DISPATCHER,
            "last_name": "王",
            "first_name": "小明",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert (user.role, user.organization, user.is_active) == (Role.DISPATCHER, olga.organization, True)
    assert not user.has_usable_password()
    # the email is in the outbox, written with the user; the job sends it
    queued = OutboxMessage.objects.get(channel="email", recipient="newbie@acme.example")
    assert queued.status == "pending" and mail.outbox == []
    deliver()
    [sent] = mail.outbox
    assert sent.to == ["newbie@acme.example"] and "newbie" in sent.body
    _set_password_through(_link_in(sent.body), "Brand-new-pass-2026")
    assert _logs_in("newbie", "Brand-new-pass-2026")
    change = SettingsChange.objects.get(area="users", action="invited")
    assert change.target == "newbie" and change.detail["role"] == [None, "dispatcher"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"role": Role.PLATFORM_ADMIN}, "role"),
        ({"role": Role.CUSTOMER}, "role"),
        ({"email": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"username": "alice"}, "username"),
        ({"username": "has space"}, "username"),
    ],
)
def test_a_bad_invitation_is_a_form_error_that_keeps_the_input(client_for, olga, alice, fields, field):
    data = {
        "username": "someone",
        "email": "someone@acme.example",
        "role": Role.AGENT,
        "last_name": "李",
        **fields,
    }
    response = client_for(olga).post(f"{USERS}invite/", data)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert 'value="李"' in response.content.decode()
    assert (
        not User.objects.filter(username=data["username"], organization=olga.organization)
        .exclude(pk=alice.pk)
        .exists()
    )
    assert OutboxMessage.objects.count() == 0


def test_the_list_shows_only_this_organizations_staff(client_for, olga, alice, bob, carol, pat):
    body = client_for(olga).get(USERS).content.decode()
    assert 'data-user="alice"' in body and 'data-user="olga"' in body
    for outsider in ("bob", "carol", "pat"):
        assert f'data-user="{outsider}"' not in body


def test_change_role(client_for, olga, alice):
    response = client_for(olga).post(f"{USERS}{alice.pk}/", {"role": Role.QUALITY_MANAGER})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.role == Role.QUALITY_MANAGER
    change = SettingsChange.objects.get(area="users", action="changed")
    assert change.detail == {"role": ["agent", "quality_manager"]}


def test_roles_outside_the_organization_cannot_be_given(client_for, olga, alice):
    for role in (Role.PLATFORM_ADMIN, Role.CUSTOMER, "wizard"):
        assert client_for(olga).post(f"{USERS}{alice.pk}/", {"role": role}).status_code == 422
    alice.refresh_from_db()
    assert alice.role == Role.AGENT


def test_an_admin_cannot_deactivate_or_demote_themself(client_for, olga):
    client = client_for(olga)
    deactivate = client.post(f"{USERS}{olga.pk}/deactivate/")
    demote = client.post(f"{USERS}{olga.pk}/", {"role": Role.AGENT})
    assert deactivate.status_code == 409 and "不能停用自己的账号" in deactivate.content.decode()
    assert demote.status_code == 409 and "不能修改自己的角色" in demote.content.decode()
    olga.refresh_from_db()
    assert olga.is_active and olga.role == Role.ORG_ADMIN
    assert SettingsChange.objects.count() == 0


def test_another_admin_can_be_deactivated_reactivated_and_demoted(client_for, olga, org_a):
    other = User.objects.create_user(
        username="otto", password=PASSWORD, role=Role.ORG_ADMIN, organization=org_a
    )
    client = client_for(olga)
    assert client.post(f"{USERS}{other.pk}/deactivate/").status_code == 302
    other.refresh_from_db()
    assert not other.is_active
    assert client.post(f"{USERS}{other.pk}/reactivate/").status_code == 302
    assert client.post(f"{USERS}{other.pk}/", {"role": Role.AGENT}).status_code == 302
    other.refresh_from_db()
    assert other.is_active and other.role == Role.AGENT
    # olga's own page offers neither, and says why
    own = client.get(f"{USERS}{olga.pk}/").content.decode()
    assert "不能停用自己的账号" in own and 'id="user-deactivate"' not in own
    assert "不能修改自己的角色" in own and 'id="role-form"' not in own


def test_the_last_org_admin_cannot_be_removed(org_a, olga):
    # Through the pages the acting admin is always a second one; the rule bites when two admins
    # remove each other at once (the second finds the first already gone): here, olga is gone.

    other = User.objects.create_user(
        username="otto", password=PASSWORD, role=Role.ORG_ADMIN, organization=org_a
    )
    User.objects.filter(pk=olga.pk).update(is_active=False)
    with pytest.raises(Conflict, match="最后一位"):
        services.user_change_role(user=other, actor=olga, role=Role.AGENT)
    with pytest.raises(Conflict, match="最后一位"):
        services.user_set_active(user=other, actor=olga, active=False)


def test_deactivated_user_cannot_log_in_nor_use_tokens_and_comes_back(client_for, olga, alice):
    _, raw = token_create(user=alice, name="alice script")
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert bearer.get("/api/v1/customers").status_code == 200
    client = client_for(olga)
    assert client.post(f"{USERS}{alice.pk}/deactivate/").status_code == 302
    assert not _logs_in("alice", PASSWORD)
    assert bearer.get("/api/v1/customers").status_code == 401
    assert client.post(f"{USERS}{alice.pk}/reactivate/").status_code == 302
    assert _logs_in("alice", PASSWORD)
    assert [c.action for c in SettingsChange.objects.order_by("at", "id")] == ["deactivated", "reactivated"]


def test_reset_password_mails_a_link_and_the_old_password_works_until_used(client_for, olga, alice):
    response = client_for(olga).post(f"{USERS}{alice.pk}/reset-password/")
    assert response.status_code == 302
    deliver()
    [sent] = mail.outbox
    assert sent.to == [alice.email]
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD), "the old password stands until the link is used"
    _set_password_through(_link_in(sent.body), "Another-pass-2026")
    assert not _logs_in("alice", PASSWORD)
    assert _logs_in("alice", "Another-pass-2026")
    assert SettingsChange.objects.get().action == "password_reset_sent"


def test_reset_is_refused_for_a_deactivated_user(client_for, olga, alice):
    User.objects.filter(pk=alice.pk).update(is_active=False)
    response = client_for(olga).post(f"{USERS}{alice.pk}/reset-password/")
    assert response.status_code == 409
    assert OutboxMessage.objects.count() == 0


def test_another_organizations_user_is_404(client_for, olga, bob):
    client = client_for(olga)
    assert client.get(f"{USERS}{bob.pk}/").status_code == 404
    for action in ("", "deactivate/", "reactivate/", "reset-password/"):
        assert client.post(f"{USERS}{bob.pk}/{action}", {"role": Role.ORG_ADMIN}).status_code == 404
    bob.refresh_from_db()
    assert bob.is_active and bob.role == Role.AGENT
    assert OutboxMessage.objects.count() == 0 and SettingsChange.objects.count() == 0


def test_customers_and_platform_admins_are_not_reachable(client_for, olga, carol, pat):
    client = client_for(olga)
    assert client.get(f"{USERS}{carol.pk}/").status_code == 404
    assert client.post(f"{USERS}{pat.pk}/deactivate/").status_code == 404


def test_password_change_pages_are_the_products_own(client_for, alice):
    client = client_for(alice)
    form = client.get("/accounts/password_change/")
    assert form.status_code == 200
    names = [t.name for t in form.templates]
    assert "base.html" in names and "admin/base.html" not in names
    body = form.content.decode()
    assert 'id="mainnav"' in body and "Django" not in body
    done = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "Changed-pass-2026",
            "new_password2": "Changed-pass-2026",
        },
        follow=True,
    )
    assert done.status_code == 200
    assert [t.name for t in done.templates][0] == "registration/password_change_done.html"
    assert "admin/base.html" not in [t.name for t in done.templates]
    for path in ("/accounts/password_reset/", "/accounts/password_reset/done/", "/accounts/reset/done/"):
        page = Client().get(path)
        assert page.status_code == 200 and "admin/base.html" not in [t.name for t in page.templates], path
