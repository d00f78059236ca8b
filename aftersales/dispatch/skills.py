"""Skills as plain strings the route planner can compare by set inclusion.

A technician with level 2 in air conditioners holds ``category:ac@1`` and ``category:ac@2``;
a job that needs level 2 asks for ``category:ac@2``. Levels thus become ordinary skills, so the
planner, the slot check and the assignment rules all agree on who is qualified.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from aftersales.dispatch.models import Certification, SkillKind, SkillLevel, SkillRequirement, Technician
from aftersales.service.lifecycle import FIELD_KINDS as FIELD_KINDS  # re-exported: callers ask the planner
from aftersales.service.models import Kind, ServiceRequest


def token(kind: str, code: str, level: int = 1) -> str:
    return f"{kind}:{code}@{level}"


def technician_tokens(technician: Technician) -> frozenset[str]:
    """Every token the technician holds (their ``skills`` should be prefetched)."""
    out: set[str] = set()
    for skill in technician.skills.all():
        out.update(token(skill.kind, skill.code, level) for level in range(1, skill.level + 1))
    return frozenset(out)


def required_tokens(
    request: ServiceRequest, requirements: Iterable[SkillRequirement] | None = None
) -> frozenset[str]:
    """What a job needs: its product category, its kind of work, and the organization's extra rules."""
    needed = {token(SkillKind.WORK, request.kind)}
    category = request.unit.product_model.category if request.unit is not None else None
    if category is not None:
        needed.add(token(SkillKind.CATEGORY, category.code))
    if requirements is None:
        requirements = SkillRequirement.objects.filter(organization_id=request.organization_id)
    for rule in requirements:
        if rule.category_id is not None and (category is None or rule.category_id != category.pk):
            continue
        if rule.request_kind and rule.request_kind != request.kind:
            continue
        needed.add(token(rule.skill_kind, rule.skill_code, rule.min_level))
    return frozenset(needed)


def label(tok: str, category_names: dict[str, str] | None = None) -> str:
    """``category:ac@2`` → ``空调（中级）`` for people."""
    kind, _sep, rest = tok.partition(":")
    code, _at, level_text = rest.partition("@")
    if kind == SkillKind.CATEGORY:
        name = (category_names or {}).get(code, code)
    elif kind == SkillKind.WORK:
        name = str(Kind(code).label) if code in Kind.values else code
    elif kind == SkillKind.CERTIFICATION:
        name = str(Certification(code).label) if code in Certification.values else code
    else:
        name = code
    level = int(level_text) if level_text.isdigit() else 1
    if level > 1:
        return _("%(name)s（%(level)s）") % {"name": name, "level": SkillLevel(level).label}
    return name


def labels(tokens: Iterable[str], category_names: dict[str, str] | None = None) -> str:
    # Show the highest level of each skill only: "空调（中级）", not "空调、空调（中级）".
    best: dict[str, str] = {}
    for tok in sorted(tokens):
        best[tok.rsplit("@", 1)[0]] = tok
    return "、".join(label(t, category_names) for t in sorted(best.values()))
