"""Circumstances that take a unit out of 三包 altogether, leaving a paid repair with a quote."""

from __future__ import annotations

from dataclasses import dataclass

from .facts import CategoryKind, ConditionReport, Facts


@dataclass(frozen=True)
class Exclusion:
    code: str
    zh: str
    en: str
    damage: bool  # caused by how the unit was treated: an extended warranty does not cover it either


def exclusions(facts: Facts) -> list[Exclusion]:
    found: list[Exclusion] = []
    condition = facts.condition or ConditionReport()
    if condition.misuse_or_storage_damage:
        found.append(
            Exclusion("misuse", "因使用、维护、保管不当造成损坏", "damaged by misuse or poor storage", True)
        )
    if condition.unauthorized_disassembly:
        found.append(
            Exclusion(
                "unauthorized_disassembly",
                "非承担三包的修理者拆动造成损坏",
                "damaged by disassembly by an unauthorized repairer",
                True,
            )
        )
    if condition.force_majeure_damage:
        found.append(Exclusion("force_majeure", "因不可抗力造成损坏", "damaged by force majeure", True))
    if not facts.has_voucher and facts.invoiced_on is None:
        found.append(Exclusion("no_papers", "无三包凭证及有效发票", "no 三包 voucher and no invoice", False))
    if not facts.voucher_matches:
        found.append(
            Exclusion(
                "voucher_mismatch",
                "三包凭证型号与修理产品型号不符",
                "the voucher's model does not match the unit",
                False,
            )
        )
    if facts.voucher_altered:
        found.append(Exclusion("voucher_altered", "三包凭证被涂改", "the voucher was altered", False))
    if facts.terms.kind == CategoryKind.CAR and facts.commercial_use:
        found.append(
            Exclusion(
                "commercial_use",
                "用于出租或其他营运目的",
                "used for hire or other commercial operation",
                True,
            )
        )
    return found


def describe(found: list[Exclusion]) -> tuple[str, str]:
    return "；".join(e.zh for e in found), "; ".join(e.en for e in found)
