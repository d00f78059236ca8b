"""Helpers shared by the customer and unit validation tests (``test_validation_*.py``)."""

from __future__ import annotations

import json

PROBLEM = "application/problem+json"


def problem_fields(response) -> dict[str, str]:
    """The ``{field: reason}`` of a problem+json answer, checking it is one and its status matches."""
    assert response["Content-Type"] == PROBLEM, response.content
    body = response.json()
    assert body["status"] == response.status_code
    return {e["field"]: e["reason"] for e in body["errors"]}


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def patch_json(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")
