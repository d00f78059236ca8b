"""Input paths that used to answer 500: each now answers what it means, and changes nothing."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError

from aftersales.customers import api as customers_api
from aftersales.customers.models import Customer
from aftersales.service import services
from aftersales.testing.factories import CustomerFactory, UnitFactory

PROBLEM = "application/problem+json"
HUGE = 2**64


def _fields(response) -> dict[str, str]:
    assert response["Content-Type"] == PROBLEM, response.content
    return {e["field"]: e["reason"] for e in response.json()["errors"]}


@pytest.fixture
def requested(org_a):
    customer = CustomerFactory(organization=org_a, name="王芳")
    unit = UnitFactory(organization=org_a, customer=customer)
    return services.request_create(
        organization=org_a,
        customer=customer,
        by=None,
        kind="repair",
        channel="web",
        description="空调不制冷",
        unit=unit,
        notify=False,
    )


@pytest.mark.django_db
def test_deleting_a_customer_with_requests_is_a_conflict_through_the_api(client_for, olga, requested):
    response = client_for(olga).delete(f"/api/v1/customers/{requested.customer_id}")
    assert response.status_code == 409
    assert "id" in _fields(response)
    assert Customer.objects.filter(pk=requested.customer_id).exists()


@pytest.mark.django_db
def test_deleting_a_customer_with_requests_in_the_console_says_why(client_for, olga, requested):
    client = client_for(olga)
    response = client.post(f"/console/customers/{requested.customer_id}/delete/", follow=True)
    assert response.status_code == 200
    assert "不能删除" in response.content.decode()
    assert Customer.objects.filter(pk=requested.customer_id).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/v1/customers", "/api/v1/units", "/api/v1/product-models", "/api/v1/stations"]
)
def test_an_offset_beyond_any_row_names_the_parameter(client_for, alice, url):
    response = client_for(alice).get(url, {"offset": HUGE})
    assert response.status_code == 422, response.content
    assert "offset" in _fields(response)


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["customer_id", "product_model_id"])
def test_an_integer_filter_beyond_any_id_is_not_a_500(client_for, alice, param):
    response = client_for(alice).get("/api/v1/units", {param: HUGE})
    # SQLite cannot bind such a number (422 naming it); PostgreSQL compares it and finds nothing.
    if response.status_code == 422:
        assert param in _fields(response)
    else:
        assert response.status_code == 200 and response.json()["count"] == 0


@pytest.mark.django_db
def test_a_console_page_for_an_id_beyond_any_row_is_not_found(client_for, alice):
    assert client_for(alice).get(f"/console/customers/{HUGE}/").status_code == 404


@pytest.mark.django_db
def test_patching_a_required_field_to_null_is_refused_and_changes_nothing(client_for, alice, requested):
    response = client_for(alice).patch(
        f"/api/v1/requests/{requested.number}",
        json.dumps({"version": requested.version, "subject": None}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "subject" in _fields(response)
    requested.refresh_from_db()
    assert requested.subject


@pytest.mark.django_db
def test_patching_a_customer_name_to_null_is_refused(client_for, alice, requested):
    response = client_for(alice).patch(
        f"/api/v1/customers/{requested.customer_id}",
        json.dumps({"name": None}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "name" in _fields(response)
    assert Customer.objects.get(pk=requested.customer_id).name == "王芳"


@pytest.mark.django_db
def test_a_lost_database_answers_503_with_retry_after(client_for, alice, monkeypatch):
    # The database going away mid-request, as psycopg or sqlite3 report it.

    def gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(customers_api.selectors, "customer_for_user", gone)
    client = client_for(alice)
    response = client.get("/api/v1/customers/1")
    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM
    assert int(response["Retry-After"]) > 0
    page = client.get("/console/customers/1/")
    assert page.status_code == 503 and int(page["Retry-After"]) > 0
