"""System sentences on the timeline are codes with parameters, shown in the reader's language."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.utils import translation

from aftersales.service import event_codes, event_text, events, services
from aftersales.service.models import RequestEvent
from aftersales.testing.factories import CustomerFactory, UnitFactory

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


@pytest.fixture
def sr(org_a, alice):
    customer = CustomerFactory(organization=org_a)
    unit = UnitFactory(organization=org_a, customer=customer)
    return services.request_create(
        organization=org_a,
        customer=customer,
        by=alice,
        kind="repair",
        channel="phone",
        description="不制冷",
        unit=unit,
        notify=False,
    )


def test_an_event_with_a_code_reads_in_either_language(sr, alice):
    # given a booking event written while the writer's page was in English
    with translation.override("en"):
        event = events.event_add(
            request=sr,
            kind=RequestEvent.Kind.NOTE,
            by=None,
            public=False,
            reason=event_text.text("visit.booked_by_customer", technician="王师傅"),
        )
    event.refresh_from_db()
    # then it is stored as a code, with the Chinese sentence kept for raw readers
    assert event.code == "visit.booked_by_customer"
    assert event.params == {"technician": "王师傅"}
    assert event.reason == "客户自助预约，派给 王师傅"
    # and each reader reads it in their own language
    with translation.override("en"):
        assert event.text == "Booked by the customer, assigned to 王师傅"
        assert event.actor_text == "System"
    with translation.override("zh-hans"):
        assert event.text == "客户自助预约，派给 王师傅"
        assert event.actor_text == "系统"


def test_nested_sentences_and_choice_labels_render_in_english(sr):
    services.request_transition(request=sr, name="accept", by=None)
    why = event_text.text("visit.booked", technician="Li")
    event = events.event_add(
        request=sr,
        kind="status",
        by=None,
        reason=event_text.text("visit.scheduled", why=why, window="2026-12-08 09:00–11:00"),
    )
    paused = events.event_add(
        request=sr, kind="sla", by=None, reason=event_text.text("sla.paused", status="awaiting_customer")
    )
    with translation.override("en"):
        assert event.text == "Visit booked, assigned to Li: 2026-12-08 09:00–11:00"
        assert not CJK.search(paused.text), paused.text
    with translation.override("zh-hans"):
        assert paused.text == "时效暂停计时：等待客户"


def test_typed_text_stays_as_typed(sr, alice):
    services.request_transition(request=sr, name="cancel", by=alice, reason="客户说不修了")
    event = sr.events.get(kind="status")
    assert event.code == "" and event.reason == "客户说不修了"
    with translation.override("en"):
        assert event.text == "客户说不修了"


def test_legacy_sentences_are_parsed_and_unknown_text_left_alone() -> None:
    found = event_text.parse_legacy("预约上门，派给 张三：2026-12-08 09:00–12:00")
    assert found is not None and found.code == "visit.scheduled"
    assert found.params == {
        "why": {"code": "visit.booked", "params": {"technician": "张三"}},
        "window": "2026-12-08 09:00–12:00",
    }
    paused = event_text.parse_legacy("时效暂停计时：等待客户")
    assert (
        paused is not None
        and paused.code == "sla.paused"
        and paused.params == {"status": "awaiting_customer"}
    )
    closed = event_text.parse_legacy("客户7天内未验收，系统自动关闭")
    assert closed is not None and closed.code == event_codes.AUTO_CLOSED and closed.params == {"days": "7"}
    assert event_text.parse_legacy("客户说不修了") is None
    assert event_text.parse_legacy("") is None


def test_the_data_migration_converts_known_sentences_only(sr):
    # given rows written before codes existed
    old = RequestEvent.objects.create(
        request=sr,
        kind="status",
        actor_label="系统",
        reason="客户7天内未验收，系统自动关闭",
        created_at=sr.created_at,
    )
    typed = RequestEvent.objects.create(
        request=sr, kind="status", actor_label="alice", reason="客户说不修了", created_at=sr.created_at
    )
    # when the migration runs
    migration = importlib.import_module("aftersales.service.migrations.0007_event_codes_from_sentences")
    migration.forwards(django_apps, None)
    old.refresh_from_db()
    typed.refresh_from_db()
    # then the known sentence has its code and reads in English; the typed text is untouched
    assert old.code == "request.auto_closed" and old.params == {"days": "7"}
    assert old.reason == "客户7天内未验收，系统自动关闭"
    with translation.override("en"):
        assert old.text == "Closed automatically: the customer did not confirm the work within 7 days"
    assert typed.code == "" and typed.params == {} and typed.text == "客户说不修了"


def test_the_api_returns_code_params_and_text_in_the_requests_language(sr, alice, client_for):
    events.event_add(
        request=sr,
        kind="sla",
        by=None,
        public=False,
        reason=event_text.text("visit.checked_in", technician="Wang"),
    )
    client = client_for(alice)
    rows = client.get(f"/api/v1/requests/{sr.number}/events", HTTP_ACCEPT_LANGUAGE="en").json()
    row = next(r for r in rows if r["code"] == "visit.checked_in")
    assert row["params"] == {"technician": "Wang"}
    assert row["text"] == "Technician Wang checked in on site"
    assert row["reason"] == "工程师 Wang 到达现场签到"
    assert row["actor"] == "System"
    zh = client.get(f"/api/v1/requests/{sr.number}/events", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert next(r for r in zh if r["code"] == "visit.checked_in")["text"] == "工程师 Wang 到达现场签到"


def test_every_registered_sentence_has_an_english_translation() -> None:
    with translation.override("en"):
        for code, message in event_text.registered().items():
            rendered = event_text.gettext(message.source)
            assert not CJK.search(rendered), (code, rendered)
