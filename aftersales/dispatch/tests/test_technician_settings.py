"""The organization admin makes and edits technician profiles, so an invited technician can work."""

from __future__ import annotations

import pytest
from django.test import Client

from aftersales.accounts.models import Role, SettingsChange
from aftersales.dispatch.models import Technician, TechnicianSkill
from aftersales.testing.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(org_a):
    """A technician account as an invitation leaves it: no profile."""
    return UserFactory(username="nina", role=Role.TECHNICIAN, organization=org_a, first_name="Nina")


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_technician_without_a_profile_is_told_why_there_is_no_route(newcomer):
    page = _as(newcomer).get("/tech/")
    assert page.status_code == 200
    assert 'id="no-profile"' in page.content.decode() and "工程师档案" in page.content.decode()


def test_the_admin_sees_who_lacks_a_profile_and_makes_one(olga, newcomer, station, tina_tech, org_a):
    CategoryFactory(organization=org_a, code="tv", name="电视")
    admin = _as(olga)
    listing = admin.get("/console/settings/technicians/").content.decode()
    assert (
        'id="missing-profiles"' in listing
        and f'href="/console/settings/technicians/{newcomer.pk}/"' in listing
    )
    assert f'id="tech-{tina_tech.user_id}"' in listing  # the existing profile is listed too

    r = admin.post(
        f"/console/settings/technicians/{newcomer.pk}/",
        {
            "home_station": station.pk,
            "max_jobs_per_day": "6",
            "level": "2",
            "categories": ["tv"],
            "work": ["repair"],
            "certifications": ["high_voltage"],
            "is_active": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    tech = Technician.objects.get(user=newcomer)
    assert tech.home_station == station and tech.max_jobs_per_day == 6 and tech.is_active
    assert set(TechnicianSkill.objects.filter(technician=tech).values_list("kind", "code", "level")) == {
        ("category", "tv", 2),
        ("work", "repair", 2),
        ("certification", "high_voltage", 2),
    }
    log = SettingsChange.objects.get(area="technicians", target="nina")
    assert log.action == "created" and log.detail["max_jobs_per_day"] == [None, 6]

    assert 'id="no-profile"' not in _as(newcomer).get("/tech/").content.decode()


def test_editing_keeps_what_was_typed_on_an_error_and_changes_nothing(olga, tina_tech, station):
    admin = _as(olga)
    r = admin.post(
        f"/console/settings/technicians/{tina_tech.user_id}/",
        {"home_station": station.pk, "max_jobs_per_day": "99", "level": "3"},
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert 'id="f-max_jobs_per_day"' in html and 'value="99"' in html
    tina_tech.refresh_from_db()
    assert tina_tech.max_jobs_per_day != 99

    r = admin.post(
        f"/console/settings/technicians/{tina_tech.user_id}/",
        {"home_station": station.pk, "max_jobs_per_day": "5", "level": "1", "work": ["repair"]},
    )
    assert r.status_code == 302
    tina_tech.refresh_from_db()
    assert tina_tech.max_jobs_per_day == 5 and tina_tech.is_active is False  # the box was unticked
    assert list(tina_tech.skills.values_list("kind", "code", "level")) == [("work", "repair", 1)]
    assert SettingsChange.objects.get(area="technicians").action == "updated"


def test_other_organizations_and_other_roles_get_404(olga, dave, org_b, station):
    stranger = UserFactory(username="outsider", role=Role.TECHNICIAN, organization=org_b)
    assert _as(olga).get(f"/console/settings/technicians/{stranger.pk}/").status_code == 404
    assert (
        _as(olga)
        .post(
            f"/console/settings/technicians/{stranger.pk}/",
            {"home_station": station.pk, "max_jobs_per_day": "5", "level": "1"},
        )
        .status_code
        == 404
    )
    assert not Technician.objects.filter(user=stranger).exists()
    assert _as(dave).get("/console/settings/technicians/").status_code == 404
    assert _as(olga).get(f"/console/settings/technicians/{dave.pk}/").status_code == 404  # not a technician
