"""The organization admin's assignment settings through HTTP: the dispatch policy and the extra
skills a job needs, validated, audited and scoped to the admin's organization."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aftersales.accounts.models import SettingsChange
from aftersales.catalog.models import ProductCategory
from aftersales.dispatch.config import policy_for
from aftersales.dispatch.models import DispatchPolicy, SkillRequirement

pytestmark = pytest.mark.django_db

POLICY = {
    "auto_assign": "on",
    "booking_days": "14",
    "slot_hours": "2",
    "same_day_for_priority": "on",
    "lead_minutes": "120",
    "labour_rate": "150.00",
    "visit_fee": "60.00",
    "travel_cost_per_km": "1.50",
    "road_factor": "1.4",
}


def test_admin_turns_auto_assign_on(client_for, olga):
    client = client_for(olga)
    assert client.get(reverse("dispatch:settings-assignment")).status_code == 200
    response = client.post(reverse("dispatch:settings-assignment"), POLICY)
    assert response.status_code == 302
    policy = policy_for(olga.organization)
    assert (
        policy.pk and policy.auto_assign and policy.booking_days == 14 and str(policy.labour_rate) == "150.00"
    )
    change = SettingsChange.objects.get(organization=olga.organization, area="assignment")
    assert change.detail["changes"]["auto_assign"] == [False, True]
    assert change.detail["changes"]["labour_rate"] == ["120.00", "150.00"]


def test_bad_policy_input_names_the_field(client_for, olga):
    for field, value in (
        ("booking_days", "0"),
        ("slot_hours", "9"),
        ("road_factor", "0.5"),
        ("visit_fee", "-1"),
        ("lead_minutes", "abc"),
    ):
        response = client_for(olga).post(reverse("dispatch:settings-assignment"), {**POLICY, field: value})
        assert response.status_code == 200 and field in response.context["form"].errors, field
        assert f'value="{value}"' in response.content.decode(), field
    assert not DispatchPolicy.objects.exists() and not SettingsChange.objects.exists()


def test_skill_requirements_are_added_edited_and_deleted(client_for, olga):
    ac = ProductCategory.objects.create(organization=olga.organization, code="ac", name="空调")
    client = client_for(olga)
    data = {
        "category": str(ac.pk),
        "request_kind": "installation",
        "skill_kind": "certification",
        "skill_code": "refrigerant",
        "min_level": "1",
    }
    assert client.post(reverse("dispatch:settings-skill-new"), data).status_code == 302
    row = SkillRequirement.objects.get(organization=olga.organization)
    assert (row.category, row.request_kind, row.skill_code) == (ac, "installation", "refrigerant")
    response = client.post(
        reverse("dispatch:settings-skill", args=[row.pk]), {**data, "skill_code": "制冷 证"}
    )
    assert response.status_code == 200 and "skill_code" in response.context["requirement_form"].errors
    assert (
        client.post(reverse("dispatch:settings-skill", args=[row.pk]), {**data, "min_level": "2"}).status_code
        == 302
    )
    row.refresh_from_db()
    assert row.min_level == 2
    assert client.post(reverse("dispatch:settings-skill-delete", args=[row.pk])).status_code == 302
    assert not SkillRequirement.objects.exists()
    actions = list(
        SettingsChange.objects.filter(area="assignment").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["created", "changed", "deleted"]


def test_another_organizations_rows_are_not_found(client_for, olga, oscar, alice):
    theirs_cat = ProductCategory.objects.create(organization=oscar.organization, code="tv", name="电视")
    theirs = SkillRequirement.objects.create(organization=oscar.organization, skill_code="x")
    client = client_for(olga)
    assert client.get(reverse("dispatch:settings-skill", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("dispatch:settings-skill-delete", args=[theirs.pk])).status_code == 404
    response = client.post(
        reverse("dispatch:settings-skill-new"),
        {"category": str(theirs_cat.pk), "skill_kind": "certification", "skill_code": "x", "min_level": "1"},
    )
    assert response.status_code == 200 and "category" in response.context["requirement_form"].errors
    assert SkillRequirement.objects.filter(organization=olga.organization).count() == 0
    assert SkillRequirement.objects.filter(pk=theirs.pk).exists()
    for url in (
        reverse("dispatch:settings-assignment"),
        reverse("dispatch:settings-skill-new"),
        reverse("dispatch:settings-skill", args=[theirs.pk]),
    ):
        assert client_for(alice).get(url).status_code == 404
