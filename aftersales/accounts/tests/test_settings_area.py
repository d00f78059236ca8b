"""The settings area's frame: who may open it, the section registry, and the settings log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from aftersales.accounts import settings_area
from aftersales.accounts.models import SettingsChange
from aftersales.accounts.settings_area import SettingsSection, register_section, sections
from aftersales.accounts.settings_log import settings_change_log

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["alice", "dave", "tina", "pam", "quinn", "carol", "pat"])
def test_settings_pages_do_not_exist_for_other_roles(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    for name in ("settings:index", "settings:log"):
        assert client.get(reverse(name)).status_code == 404


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("settings:index"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_org_admin_sees_the_settings_menu_and_index(client_for, olga, alice):
    page = client_for(olga).get(reverse("settings:index"))
    assert page.status_code == 200
    assert reverse("settings:log") in page.content.decode()
    home = client_for(olga).get(reverse("home")).content.decode()
    assert f'href="{reverse("settings:index")}"' in home
    agent_home = client_for(alice).get(reverse("home")).content.decode()
    assert f'href="{reverse("settings:index")}"' not in agent_home


@pytest.fixture
def _own_registry(monkeypatch):
    monkeypatch.setattr(settings_area, "_sections", dict(settings_area._sections))


@pytest.mark.usefixtures("_own_registry")
def test_a_registered_section_is_listed_only_when_its_page_is_mounted(client_for, olga):
    register_section(SettingsSection(key="t-log", label="日志副本", url_name="settings:log", order=1))
    register_section(SettingsSection(key="t-missing", label="未挂载", url_name="no-such:page"))
    keys = [s.key for s in sections()]
    assert "t-log" in keys
    assert "t-missing" not in keys
    assert "日志副本" in client_for(olga).get(reverse("settings:index")).content.decode()


def test_the_log_keeps_plain_json_and_shows_only_the_own_organization(client_for, olga, oscar, org_a, org_b):
    settings_change_log(
        organization=org_a,
        actor=olga,
        area="sla",
        action="changed",
        target="标准报修",
        detail={"rate": [Decimal("0.5"), Decimal("0.8")], "on": dt.date(2026, 12, 7)},
    )
    settings_change_log(organization=org_b, actor=oscar, area="sla", action="created", target="Bolt 的策略")
    change = SettingsChange.objects.get(organization=org_a)
    assert change.detail == {"rate": ["0.5", "0.8"], "on": "2026-12-07"}
    body = client_for(olga).get(reverse("settings:log")).content.decode()
    assert "标准报修" in body
    assert "Bolt 的策略" not in body


def test_the_log_filters_by_area(client_for, olga, org_a):
    settings_change_log(organization=org_a, actor=olga, area="sla", action="changed", target="甲")
    settings_change_log(organization=org_a, actor=olga, area="webhooks", action="created", target="乙")
    body = client_for(olga).get(reverse("settings:log"), {"area": "webhooks"}).content.decode()
    assert "乙" in body
    assert "<td>甲</td>" not in body
