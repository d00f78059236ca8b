"""Logging in and out through the real form, lockout, password hashing and reset."""

from __future__ import annotations

import re

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.test import Client, override_settings

from aftersales import settings as production_settings
from conftest import PASSWORD

LOGIN = "/accounts/login/"


def test_login_through_the_form_starts_a_session(alice):
    client = Client()

    response = client.post(LOGIN, {"username": "alice", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/console/requests/?queue=mine"  # an agent starts on their queue
    assert client.session[SESSION_KEY] == str(alice.pk)
    home = client.get("/")
    assert home.status_code == 200
    assert "alice" in home.content.decode()


def test_login_with_a_wrong_password_shows_the_form_error(alice):
    client = Client()

    response = client.post(LOGIN, {"username": "alice", "password": "not-the-password"})

    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert response.context["form"].non_field_errors()
    assert 'class="alert alert-danger"' in response.content.decode()


def test_login_follows_next_to_the_requested_page(alice):
    client = Client()
    assert client.get("/console/customers/")["Location"] == f"{LOGIN}?next=/console/customers/"

    response = client.post(LOGIN, {"username": "alice", "password": PASSWORD, "next": "/console/customers/"})

    assert response["Location"] == "/console/customers/"


def test_logout_ends_the_session(alice):
    client = Client()
    client.post(LOGIN, {"username": "alice", "password": PASSWORD})

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert SESSION_KEY not in client.session
    assert client.get("/")["Location"].startswith(LOGIN)


def test_fifth_failure_locks_the_account_even_for_the_right_password(alice):
    client = Client()
    for _ in range(5):
        client.post(LOGIN, {"username": "alice", "password": "guess"})

    # when: the sixth attempt has the right password
    response = client.post(LOGIN, {"username": "alice", "password": PASSWORD})

    # then: refused with the locked-out page, and no session
    assert response.status_code == 429
    assert 'id="locked-out"' in response.content.decode()
    assert SESSION_KEY not in client.session
    # another browser does not get around it: the lock is on the account
    assert Client().post(LOGIN, {"username": "alice", "password": PASSWORD}).status_code == 429


def test_four_failures_do_not_lock_and_success_resets_the_count(alice):
    client = Client()
    for _ in range(4):
        client.post(LOGIN, {"username": "alice", "password": "guess"})
    assert client.post(LOGIN, {"username": "alice", "password": PASSWORD}).status_code == 302
    client.post("/accounts/logout/")

    # four more failures after a success still leave the account open
    for _ in range(4):
        client.post(LOGIN, {"username": "alice", "password": "guess"})
    assert client.post(LOGIN, {"username": "alice", "password": PASSWORD}).status_code == 302


def test_lockout_of_one_account_leaves_others_alone(alice, dave):
    client = Client()
    for _ in range(5):
        client.post(LOGIN, {"username": "alice", "password": "guess"})

    assert client.post(LOGIN, {"username": "dave", "password": PASSWORD}).status_code == 302


def test_production_settings_hash_passwords_with_argon2():
    # The test run swaps in MD5 for speed (conftest); the settings module itself must not.
    hashers = production_settings.PASSWORD_HASHERS
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"

    with override_settings(PASSWORD_HASHERS=hashers):
        encoded = make_password("correct horse battery staple")
        assert encoded.startswith("argon2$argon2id$")
        assert identify_hasher(encoded).algorithm == "argon2"
        assert check_password("correct horse battery staple", encoded)
        assert not check_password("wrong", encoded)


def test_password_reset_mails_a_link_that_sets_a_new_password(alice, mailoutbox):
    client = Client()

    response = client.post("/accounts/password_reset/", {"email": "alice@example.com"})

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["alice@example.com"]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mailoutbox[0].body)
    assert link, mailoutbox[0].body

    # the link redirects to a one-time form; the token itself leaves the URL
    form_page = client.get(link.group(1), follow=True)
    assert form_page.context["validlink"] is True
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Brand-new-s3cret!", "new_password2": "Brand-new-s3cret!"})
    assert done.status_code == 302

    alice.refresh_from_db()
    assert alice.check_password("Brand-new-s3cret!")
    assert not alice.check_password(PASSWORD)
    assert Client().post(LOGIN, {"username": "alice", "password": "Brand-new-s3cret!"}).status_code == 302
    # the link works once
    assert client.get(link.group(1), follow=True).context["validlink"] is False


def test_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(db, mailoutbox):
    response = Client().post("/accounts/password_reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_reset/done/"
    assert mailoutbox == []
