"""Organization rules per category in the admin: effective rules shown, values below the law refused."""

from __future__ import annotations

import pytest

from aftersales.entitlement import rma as steps
from aftersales.entitlement.models import CategoryPolicy

pytestmark = pytest.mark.django_db

BASE = {
    "depreciation_rate_per_day": "0.00100",
    "no_reason_exclusion": "none",
    "use_compensation_rate": "0.0050",
}


def test_a_promise_below_the_legal_minimum_is_refused_with_the_reason(client_for, pat, tv_model):
    admin = client_for(pat)

    r = admin.post(
        "/admin/entitlement/categorypolicy/add/",
        {
            **BASE,
            "category": tv_model.category.pk,
            "return_days": "3",
            "whole_unit_months": "6",
        },
    )

    assert r.status_code == 200  # the form again, with errors
    html = r.content.decode()
    assert "性能故障退货期不能低于法定最低标准 7日（填写了 3日）" in html
    assert "整机三包有效期不能低于法定最低标准 12个月" in html
    assert not CategoryPolicy.objects.exists()


def test_a_longer_promise_is_saved_and_the_effective_rules_are_shown(client_for, pat, tv_model):
    admin = client_for(pat)

    r = admin.post(
        "/admin/entitlement/categorypolicy/add/",
        {
            **BASE,
            "category": tv_model.category.pk,
            "return_days": "15",
            "no_reason_days": "30",
            "main_parts_months": "48",
        },
    )

    assert r.status_code == 302, r.content.decode()[:3000]
    policy = CategoryPolicy.objects.get()
    page = admin.get(f"/admin/entitlement/categorypolicy/{policy.pk}/change/").content.decode()
    table = page[page.index('id="effective-rules"') :]
    assert "性能故障退货期" in table and "<strong>15 日</strong> （已延长）" in table
    assert "主要部件三包有效期：panel" in table and "<strong>48 个月</strong>" in table
    assert "<strong>15 日</strong>" in table  # the exchange window stays at the law's 15 days


def test_workflow_records_are_read_only_in_the_admin(client_for, pat, alice, carol, online_unit):
    rma = steps.rma_request(unit=online_unit, by=carol, kind="return", fault="none", description="不要了")
    admin = client_for(pat)

    assert admin.get("/admin/entitlement/returnauthorization/").status_code == 200
    assert admin.get(f"/admin/entitlement/returnauthorization/{rma.pk}/change/").status_code == 200
    assert admin.get("/admin/entitlement/returnauthorization/add/").status_code == 403
