"""A repair from the customer's phone to the agent's console and back, in a real Chromium."""

from __future__ import annotations

import pytest
from PIL import Image

from aftersales.service import services
from aftersales.service.models import Attachment, CannedReply, Rating, ServiceRequest
from aftersales.testing.factories import AddressFactory, CustomerFactory, UnitFactory
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def carols_unit(org_a, carol, alice, tina):
    CannedReply.objects.create(
        organization=org_a, title="上门确认", body="{customer_name}您好，{number} 的工程师已出发。"
    )
    customer = CustomerFactory(organization=org_a, user=carol, name="王卡罗", phone="13812345678")
    AddressFactory(customer=customer)
    return UnitFactory(organization=org_a, customer=customer, serial_number="SN-BROWSER-1")


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "broken-unit.jpg"
    Image.new("RGB", (320, 240), (30, 120, 200)).save(path, format="JPEG")
    return path


def _click_transition(page, name: str) -> None:
    page.click(f"button[data-transition={name}]")
    page.wait_for_load_state()


def test_repair_from_report_to_rating(page, phone_page, screenshot, carols_unit, tina, photo):
    customer, agent = phone_page, page

    # given the customer on her phone reports a fault on her unit, with a photo
    browser_login(customer, "carol")
    customer.click(".unit-card a.report-unit")
    customer.wait_for_url("**/portal/requests/new/**")
    assert customer.locator("#id_unit").input_value() == str(carols_unit.pk)
    customer.select_option("#id_kind", "repair")
    customer.fill("#id_description", "空调开机后不制冷，外机不转")
    customer.set_input_files("#id_photos", str(photo))
    screenshot(customer, "01-customer-reports")
    customer.click("#submit-request")
    customer.wait_for_url("**/portal/requests/SR-*/")
    sr = ServiceRequest.objects.get()
    assert customer.locator("#portal-status").get_attribute("data-status") == "new"
    assert customer.locator("#next-step").inner_text() == "我们已收到您的服务单，客服会尽快受理。"
    assert customer.locator("#timeline img.attachment-thumb").count() == 1
    assert Attachment.objects.get(request=sr).content_type == "image/jpeg"
    width = customer.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the portal page must fit the phone"
    screenshot(customer, "02-customer-submitted")

    # when the agent finds it in the queue and takes it through the repair flow
    browser_login(agent, "alice")
    agent.goto("/console/requests/?queue=unassigned")
    agent.fill("#q", "SN-BROWSER-1")
    agent.wait_for_url("**q=SN-BROWSER-1**")  # the filter went into the URL through HTMX
    row = agent.locator(f"tr[data-number='{sr.number}']")
    assert row.count() == 1 and "新建" in row.inner_text()
    screenshot(agent, "03-agent-queue")
    row.locator("a", has_text=sr.number).click()
    agent.wait_for_url(f"**/console/requests/{sr.number}/")
    _click_transition(agent, "accept")
    assert agent.locator("#request-status").inner_text() == "已受理"
    agent.select_option("#id_assignee", str(tina.pk))
    agent.click("#assign-submit")
    agent.wait_for_load_state()
    assert agent.locator("#request-status").inner_text() == "已派单"
    assert "tina" in agent.locator("#assignee").inner_text()
    _click_transition(agent, "start")
    assert agent.locator("#request-status").inner_text() == "处理中"
    # a canned reply, filled in for this request, goes to the customer
    agent.select_option("#id_canned", label="上门确认")
    agent.wait_for_function("document.querySelector('#id_body').value.includes('王卡罗')")
    assert agent.locator("#id_body").input_value() == f"王卡罗您好，{sr.number} 的工程师已出发。"
    agent.click("#send-reply")
    agent.wait_for_load_state()
    screenshot(agent, "04-agent-in-progress")

    # and resolves it while the customer's page is open: her page follows without a reload
    customer.reload()
    assert customer.locator("#portal-status").get_attribute("data-status") == "in_progress"
    assert "的工程师已出发" in customer.locator("#timeline").inner_text()
    _click_transition(agent, "resolve")
    assert agent.locator("#request-status").inner_text() == "待验收"
    customer.locator("#acceptance").wait_for(timeout=25_000)
    assert customer.locator("#next-step").inner_text() == "工程师已处理完毕，请确认问题是否解决。"
    screenshot(customer, "05-customer-sees-resolved")

    # then she rejects once, with a reason that shows on the timeline
    customer.click("#reject-open")
    customer.click("#reject")  # without a reason first
    customer.wait_for_load_state()
    assert customer.locator("#acceptance .invalid-feedback").is_visible()
    assert customer.locator("#portal-status").get_attribute("data-status") == "resolved"
    customer.fill("#id_reason", "外机还是不转")
    customer.click("#reject")
    customer.wait_for_load_state()
    assert customer.locator("#portal-status").get_attribute("data-status") == "reopened"
    assert "外机还是不转" in customer.locator("#timeline").inner_text()
    screenshot(customer, "06-customer-rejected")

    # the agent sees the reopened request with the reason and resolves it again
    agent.reload()
    assert agent.locator("#request-status").inner_text() == "返修"
    assert "外机还是不转" in agent.locator("#timeline").inner_text()
    _click_transition(agent, "resolve")
    assert agent.locator("#request-status").inner_text() == "待验收"
    screenshot(agent, "07-agent-resolved-again")

    # and this time she accepts and rates the work
    customer.reload()
    customer.click("#accept")
    customer.wait_for_load_state()
    assert customer.locator("#portal-status").get_attribute("data-status") == "closed"
    for dimension, stars in (
        ("quality", 5),
        ("speed", 4),
        ("attitude", 5),
        ("professionalism", 5),
        ("price", 3),
    ):
        customer.click(f"label[for={dimension}-{stars}]")
    customer.fill("#id_comment", "第二次修好了，师傅很耐心")
    screenshot(customer, "08-customer-rating")
    customer.click("#rate")
    customer.wait_for_load_state()
    assert customer.locator("#rating-form").count() == 0
    assert "第二次修好了" in customer.locator("#rating").inner_text()
    screenshot(customer, "09-customer-rated")

    sr.refresh_from_db()
    rating = Rating.objects.get(request=sr)
    assert (sr.status, sr.reopen_count, sr.assignee_id) == ("closed", 1, tina.pk)
    assert (rating.quality, rating.speed, rating.price) == (5, 4, 3)
    agent.reload()
    assert "客户评价：平均 4.4 星" in agent.locator("#timeline").inner_text()
    screenshot(agent, "10-agent-sees-rating")


def test_agent_phone_intake_links_to_the_open_request(page, screenshot, carols_unit, alice):
    # given the unit already has an open request
    earlier = services.request_create(
        organization=carols_unit.organization,
        customer=carols_unit.customer,
        by=None,
        kind="repair",
        channel="web",
        description="上周报过：不制冷",
        unit=carols_unit,
        notify=False,
    )
    browser_login(page, "alice")
    page.goto("/console/requests/")
    page.click("#new-request")
    page.wait_for_url("**/console/requests/new/")

    # when the agent finds the caller, picks her unit and describes the fault
    page.fill("#customer-q", "王卡罗")
    page.check(f"#customer-{carols_unit.customer_id}")
    page.locator(f"#id_unit option[value='{carols_unit.pk}']").wait_for(state="attached")
    page.select_option("#id_unit", str(carols_unit.pk))
    page.select_option("#id_priority", "high")
    page.fill("#id_description", "客户来电：还是不制冷，外机有异响")
    screenshot(page, "01-intake-form")
    page.click("#create-request")
    page.wait_for_load_state()

    # then the duplicate is named, with what was typed kept, and linking creates a linked request
    warning = page.locator("#form-problems")
    assert earlier.number in warning.inner_text()
    assert page.locator("#id_description").input_value() == "客户来电：还是不制冷，外机有异响"
    assert page.locator("#id_priority").input_value() == "high"
    screenshot(page, "02-duplicate-warning")
    page.click(f"button[name=link_to][value='{earlier.number}']")
    page.wait_for_url("**/console/requests/SR-*/")
    created = ServiceRequest.objects.exclude(pk=earlier.pk).get()
    assert (created.linked_to_id, created.channel, created.priority) == (earlier.pk, "phone", "high")
    assert earlier.number in page.locator("#links").inner_text()
    screenshot(page, "03-created-and-linked")


def test_console_fits_a_phone(phone_page, screenshot, carols_unit, alice):
    sr = services.request_create(
        organization=carols_unit.organization,
        customer=carols_unit.customer,
        by=None,
        kind="repair",
        channel="web",
        description="滚筒不转",
        unit=carols_unit,
        notify=False,
    )
    browser_login(phone_page, "alice")
    phone_page.goto("/console/requests/")
    assert phone_page.locator(f"tr[data-number='{sr.number}']").is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "01-queue")
    phone_page.click(f"a:text('{sr.number}')")
    phone_page.wait_for_url(f"**/console/requests/{sr.number}/")
    assert phone_page.locator("button[data-transition=accept]").is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "02-request")
