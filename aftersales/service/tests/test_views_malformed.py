"""Malformed input to the console and portal request pages is a 4xx, never a 500."""

from __future__ import annotations

import pytest

from aftersales.service import services
from aftersales.service.models import Rating, ServiceRequest
from aftersales.service.tests.support import open_request, services_attach

pytestmark = pytest.mark.django_db


# --- malformed input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/console/requests/?page=abc&status=%00&q=" + "x" * 500, {}),
        ("get", "/console/requests/SR-nope/", {}),
        ("get", "/console/requests/{n}/canned/?canned=abc", {}),
        ("post", "/console/requests/bulk/", {"numbers": ["x" * 200], "action": "assign", "assignee": "abc"}),
        ("post", "/console/requests/bulk/", {"numbers": ["{n}"], "action": "explode"}),
        ("post", "/console/requests/{n}/transition/", {"name": "x" * 100}),
        ("post", "/console/requests/{n}/transition/", {"name": "no_such_step"}),
        ("post", "/console/requests/{n}/assign/", {"assignee": "abc"}),
        (
            "post",
            "/console/requests/{n}/edit/",
            {"version": "abc", "priority": "huge", "kind": "x", "description": ""},
        ),
        ("post", "/console/requests/{n}/merge/", {"target": "{n}"}),
        ("post", "/console/requests/{n}/split/", {"description": "", "kind": "nope"}),
        ("post", "/console/requests/new/", {"customer": "abc", "unit": "abc", "kind": "x"}),
        (
            "post",
            "/console/requests/new/",
            {
                "customer": "999999",
                "kind": "repair",
                "channel": "phone",
                "priority": "normal",
                "fulfilment": "onsite",
                "description": "x",
            },
        ),
    ],
)
def test_malformed_console_input_is_a_4xx_not_a_500(client_for, alice, sr, method, path, data):
    path = path.replace("{n}", sr.number)
    data = {
        k: ([x.replace("{n}", sr.number) for x in v] if isinstance(v, list) else v.replace("{n}", sr.number))
        for k, v in data.items()
    }
    before = sr.version

    response = getattr(client_for(alice), method)(path, data)

    assert response.status_code < 500
    assert response.status_code in (200, 302, 400, 404, 422)
    sr.refresh_from_db()
    assert sr.version == before and sr.status == "new"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        (
            "/portal/requests/new/",
            {"unit": "abc", "kind": "laundry", "description": "x", "preferred_start": "tomorrow"},
        ),
        (
            "/portal/requests/new/",
            {
                "kind": "repair",
                "description": "x",
                "preferred_start": "2030-05-01T12:00",
                "preferred_end": "2030-05-01T09:00",
                "serial": "SN-CAROL-1",
            },
        ),
        ("/portal/requests/{n}/rate/", {"quality": "11", "speed": "abc"}),
        ("/portal/requests/{n}/reject/", {"reason": ""}),
        ("/portal/requests/{n}/reply/", {"body": ""}),
    ],
)
def test_malformed_portal_input_is_a_4xx_not_a_500(client_for, carol, sr, path, data):
    response = client_for(carol).post(path.replace("{n}", sr.number), data)

    assert response.status_code == 422
    assert ServiceRequest.objects.count() == 1 and not Rating.objects.exists()


def test_attachment_whose_file_is_gone_is_404(client_for, alice, sr):
    attachment = services_attach(sr, alice, "gone.png", public=True)
    attachment.file.delete(save=False)

    assert client_for(alice).get(f"/requests/attachments/{attachment.pk}").status_code == 404


def test_portal_merged_request_points_to_the_one_that_continues(client_for, alice, carol, carols_unit, sr):
    twin = open_request(carols_unit, description="重复报修")
    services.request_merge(source=twin, target=sr, by=alice)

    body = client_for(carol).get(f"/portal/requests/{twin.number}/").content.decode()

    assert 'id="merged-into"' in body and f'href="/portal/requests/{sr.number}/"' in body
    assert 'id="rating-form"' not in body
