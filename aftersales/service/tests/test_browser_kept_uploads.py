"""A customer's photos survive the duplicate warning, in a real Chromium on a phone."""

from __future__ import annotations

import pytest
from PIL import Image

from aftersales.service import services
from aftersales.service.models import Attachment, PendingUpload, ServiceRequest
from aftersales.testing.factories import AddressFactory, CustomerFactory, UnitFactory
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def unit_with_open_request(org_a, carol):
    customer = CustomerFactory(organization=org_a, user=carol, name="王卡罗", phone="13812345678")
    AddressFactory(customer=customer)
    unit = UnitFactory(organization=org_a, customer=customer, serial_number="SN-DUP-1")
    services.request_create(
        organization=org_a,
        customer=customer,
        by=None,
        kind="repair",
        channel="phone",
        description="上周报过：不制冷",
        unit=unit,
        notify=False,
    )
    return unit


@pytest.fixture
def photos(tmp_path):
    paths = []
    for name, colour in (("outdoor-unit.jpg", (30, 120, 200)), ("blurry.jpg", (90, 90, 90))):
        path = tmp_path / name
        Image.new("RGB", (320, 240), colour).save(path, format="JPEG")
        paths.append(path)
    return paths


def test_photo_survives_the_duplicate_warning(phone_page, screenshot, unit_with_open_request, photos):
    page = phone_page
    existing = ServiceRequest.objects.get()

    # given a customer reporting a new fault with two photos on a unit that has an open request
    browser_login(page, "carol")
    page.goto(f"/portal/requests/new/?unit={unit_with_open_request.pk}")
    page.select_option("#id_kind", "repair")
    page.fill("#id_description", "室外机有异响，和上次的问题不同")
    page.set_input_files("#id_photos", [str(p) for p in photos])
    page.click("#submit-request")
    page.wait_for_load_state()

    # then the duplicate warning is shown, with both photos listed as uploaded and the text kept
    assert (
        page.locator("#form-problems").is_visible()
        and existing.number in page.locator("#form-problems").inner_text()
    )
    kept = page.locator("#kept-photos")
    assert kept.is_visible() and "outdoor-unit.jpg" in kept.inner_text() and "blurry.jpg" in kept.inner_text()
    assert "已上传" in kept.inner_text()
    assert page.locator("#id_description").input_value() == "室外机有异响，和上次的问题不同"
    assert PendingUpload.objects.count() == 2
    # she takes the blurry one off (✕), and it shows as struck through
    page.locator("label.kept-upload", has_text="blurry.jpg").click()
    assert not page.locator("input[name=pending_upload]").nth(1).is_checked()
    assert (
        page.evaluate(
            "getComputedStyle(document.querySelectorAll('label.kept-upload')[1]).textDecorationLine"
        )
        == "line-through"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "01-duplicate-warning-keeps-photos")

    # when she confirms
    page.click("#submit-anyway")
    page.wait_for_url("**/portal/requests/SR-*/")

    # then the new request has the photo she kept, and not the one she took off
    created = ServiceRequest.objects.exclude(pk=existing.pk).get()
    assert page.url.endswith(f"/portal/requests/{created.number}/")
    assert [(a.name, a.content_type) for a in Attachment.objects.filter(request=created)] == [
        ("outdoor-unit.jpg", "image/jpeg")
    ]
    assert created.description == "室外机有异响，和上次的问题不同"
    assert page.locator("#timeline img.attachment-thumb").count() == 1
    assert not PendingUpload.objects.exists()
    screenshot(page, "02-request-has-the-photo")
