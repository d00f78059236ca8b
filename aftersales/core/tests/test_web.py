"""The web shell: health check, problem+json for API errors, language switch, request ids."""

from __future__ import annotations

import pytest
from django.test import Client

from aftersales.testing.factories import CustomerFactory

PROBLEM = "application/problem+json"


def test_healthz_answers_ok_json_without_login(db):
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "ok"
    assert response.json()["database"] in ("sqlite", "postgresql")
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_get_only(db):
    assert Client().post("/healthz").status_code == 405


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/customers/1/nope", "/api/v2/customers"])
def test_unknown_api_paths_are_404_problems(client_for, alice, path):
    response = client_for(alice).get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["status"], body["title"]) == (404, "Not Found")


def test_api_object_not_found_is_a_404_problem(client_for, alice):
    response = client_for(alice).get("/api/v1/customers/424242")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"]


def test_api_method_not_allowed_is_not_a_500(client_for, alice):
    response = client_for(alice).put("/api/v1/customers", "{}", content_type="application/json")

    assert response.status_code == 405


def test_unknown_console_page_is_the_html_404(client_for, alice):
    response = client_for(alice).get("/console/nope/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "<html" in response.content.decode()


def test_openapi_document_is_served(client_for, alice):
    response = client_for(alice).get("/api/v1/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/customers" in paths and "/api/v1/units/{serial}" in paths


def test_language_switch_changes_the_rendered_language(alice):
    client = Client()
    chinese = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in chinese and "登录" in chinese

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})

    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    english = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in english
    assert "Log in" in english and "登录" not in english
    # Django's own messages follow too
    failed = client.post("/accounts/login/", {"username": "alice", "password": "wrong"}).content.decode()
    assert "Please enter a correct username and password" in failed


def test_language_switch_back_to_chinese(db):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})

    assert '<html lang="zh-hans">' in client.get("/accounts/login/").content.decode()


def test_unsupported_language_is_ignored(db):
    client = Client()

    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})

    assert '<html lang="zh-hans">' in client.get("/accounts/login/").content.decode()


def test_language_switch_reaches_the_console_menu(client_for, alice):
    client = client_for(alice)
    assert "工作台" in client.get("/").content.decode()

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = client.get("/").content.decode()
    assert "工作台" not in page


def test_every_response_carries_a_request_id(client_for, alice):
    client = client_for(alice)

    generated = client.get("/healthz")
    given = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")

    assert len(generated["X-Request-ID"]) == 32
    assert given["X-Request-ID"] == "abc-123"


@pytest.mark.parametrize("url", ["/console/customers/?q=%00", "/api/v1/units/SN%00", "/portal/?x=%00"])
def test_urls_with_nul_characters_are_bad_requests(client_for, olga, url):
    CustomerFactory(organization=olga.organization)

    response = client_for(olga).get(url)

    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response["Content-Type"] == PROBLEM


def test_security_headers(client_for, alice):
    response = client_for(alice).get("/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
