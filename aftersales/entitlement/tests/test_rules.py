"""Organization rules extend the legal minimums and are clamped so they never go below them."""

from __future__ import annotations

import pytest

from aftersales.entitlement.policy import (
    CategoryExtension,
    OrgRules,
    PartTerm,
    PolicyConfigError,
    check_org_rules,
    effective_rules,
    validate_org_rules,
)

from .factories import CAR, TV


def by_id(org: OrgRules | None, terms: object = TV) -> dict[str, tuple[int, int | None, int]]:
    return {
        rule.rule_id: (rule.legal_minimum, rule.configured, rule.effective)
        for rule in effective_rules(TV if terms is TV else CAR, org)
    }


def test_without_configuration_the_law_applies() -> None:
    rules = by_id(None)

    assert rules["goods.return_days"] == (7, None, 7)
    assert rules["goods.exchange_days"] == (15, None, 15)
    assert rules["online.no_reason_days"] == (7, None, 7)
    assert rules["goods.whole_unit_months"] == (12, None, 12)
    assert rules["goods.part_months:panel"] == (36, None, 36)


def test_extensions_raise_the_effective_value() -> None:
    org = OrgRules("Acme", (CategoryExtension("colour_tv", exchange_days=30, main_parts_months=48),))

    rules = by_id(org)

    assert rules["goods.exchange_days"] == (15, 30, 30)
    assert rules["goods.part_months:panel"] == (36, 48, 48)


def test_values_below_the_minimum_are_clamped_and_reported() -> None:
    org = OrgRules("Acme", (CategoryExtension("colour_tv", return_days=3, whole_unit_months=6),))

    rules = by_id(org)

    assert rules["goods.return_days"] == (7, 3, 7)
    assert rules["goods.whole_unit_months"] == (12, 6, 12)
    assert [name for name, _ in check_org_rules(TV, org)] == ["goods.return_days", "goods.whole_unit_months"]
    with pytest.raises(PolicyConfigError) as caught:
        validate_org_rules(TV, org)
    assert "below the legal minimum" in str(caught.value)


def test_a_valid_configuration_passes() -> None:
    validate_org_rules(TV, OrgRules("Acme", (CategoryExtension("colour_tv", return_days=10),)))


def test_an_organization_can_add_main_parts_and_part_periods() -> None:
    org = OrgRules(
        "Acme",
        (
            CategoryExtension(
                "colour_tv", extra_main_parts=("speaker",), part_months=(PartTerm("panel", 60),)
            ),
        ),
    )

    rules = by_id(org)

    assert rules["goods.part_months:speaker"] == (12, 36, 36)
    assert rules["goods.part_months:panel"] == (36, 60, 60)


def test_extensions_for_other_categories_do_not_apply() -> None:
    org = OrgRules("Acme", (CategoryExtension("fridge", return_days=30),))

    assert by_id(org)["goods.return_days"] == (7, None, 7)


def test_car_rules_show_warranty_and_三包_minimums() -> None:
    rules = by_id(OrgRules("Acme", (CategoryExtension("sedan", car_sanbao_km=40_000),)), CAR)

    assert rules["car.warranty_months"] == (36, None, 36)
    assert rules["car.warranty_km"] == (60_000, None, 60_000)
    assert rules["car.sanbao_months"] == (24, None, 24)
    assert rules["car.sanbao_km"] == (50_000, 40_000, 50_000)
    assert "goods.return_days" not in rules
