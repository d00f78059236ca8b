"""Writes of the organization admin's assignment settings: the dispatch policy (auto-assign,
booking window, charges) and the extra skills a kind of job needs. Each write is audited on the
settings log in its own transaction."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction

from aftersales.accounts.settings_log import settings_change_log
from aftersales.dispatch.models import DispatchPolicy, SkillRequirement

if TYPE_CHECKING:
    from aftersales.accounts.models import Organization, User

AREA = "assignment"
POLICY_FIELDS = (
    "auto_assign",
    "booking_days",
    "slot_hours",
    "same_day_for_priority",
    "lead_minutes",
    "labour_rate",
    "visit_fee",
    "travel_cost_per_km",
    "road_factor",
)
REQUIREMENT_FIELDS = ("category_id", "request_kind", "skill_kind", "skill_code", "min_level")


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _facts(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in fields}


def dispatch_policy_update(
    *, organization: Organization, actor: User, values: Mapping[str, Any]
) -> DispatchPolicy:
    """Save the organization's dispatch policy (made on first save; until then the defaults apply)."""
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"not a dispatch setting: {sorted(unknown)}")
    with transaction.atomic():
        policy = DispatchPolicy.objects.select_for_update().filter(organization=organization).first()
        created = policy is None
        policy = policy or DispatchPolicy(organization=organization)
        before = _facts(policy, POLICY_FIELDS)
        for name, value in values.items():
            setattr(policy, name, value)
        policy.full_clean(exclude=["organization"])
        policy.save()
        after = _facts(policy, POLICY_FIELDS)
        changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
        if changes or created:
            settings_change_log(
                organization=organization,
                actor=actor,
                area=AREA,
                action="changed",
                target=str(DispatchPolicy._meta.verbose_name),
                detail={"changes": changes},
            )
    return policy


def _requirement_write(row: SkillRequirement, values: Mapping[str, Any]) -> None:
    for name in REQUIREMENT_FIELDS:
        setattr(row, name, values.get(name, getattr(row, name)))
    if row.category is not None and row.category.organization_id != row.organization_id:
        raise ValueError("category of another organization")
    row.full_clean(exclude=["organization"])
    row.save()


def skill_requirement_create(
    *, organization: Organization, actor: User, values: Mapping[str, Any]
) -> SkillRequirement:
    with transaction.atomic():
        row = SkillRequirement(organization=organization)
        _requirement_write(row, values)
        settings_change_log(
            organization=organization,
            actor=actor,
            area=AREA,
            action="created",
            target=str(row),
            detail={"skill_requirement": row.pk, **_facts(row, REQUIREMENT_FIELDS)},
        )
    return row


def skill_requirement_update(
    *, row: SkillRequirement, actor: User, values: Mapping[str, Any]
) -> SkillRequirement:
    with transaction.atomic():
        row = SkillRequirement.objects.select_for_update().get(pk=row.pk)
        before = _facts(row, REQUIREMENT_FIELDS)
        _requirement_write(row, values)
        after = _facts(row, REQUIREMENT_FIELDS)
        changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
        if changes:
            settings_change_log(
                organization=row.organization,
                actor=actor,
                area=AREA,
                action="changed",
                target=str(row),
                detail={"skill_requirement": row.pk, "changes": changes},
            )
    return row


def skill_requirement_delete(*, row: SkillRequirement, actor: User) -> None:
    with transaction.atomic():
        organization, label, facts, pk = row.organization, str(row), _facts(row, REQUIREMENT_FIELDS), row.pk
        row.delete()
        settings_change_log(
            organization=organization,
            actor=actor,
            area=AREA,
            action="deleted",
            target=label,
            detail={"skill_requirement": pk, **facts},
        )
