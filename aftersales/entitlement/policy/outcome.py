"""What the engine answers: the options open to the customer, each with its basis and amounts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from . import statutes

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    """Round to the cent the way a receipt does (half up), so amounts add up on paper."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class OptionKind(StrEnum):
    RETURN = "return"
    EXCHANGE = "exchange"
    FREE_REPAIR = "free_repair"
    PAID_REPAIR = "paid_repair"
    LOANER = "loaner"
    NONE = "none"


class Payer(StrEnum):
    CUSTOMER = "customer"
    SELLER = "seller"
    REPAIRER = "repairer"
    WARRANTY_PROVIDER = "warranty_provider"


@dataclass(frozen=True)
class Basis:
    """Where an option comes from. article is None where we cite the clause rather than guess a number."""

    document: str
    article: str | None
    clause: str
    clause_en: str = ""

    def citation(self) -> str:
        return f"{self.document}{self.article or ''}"

    def citation_en(self) -> str:
        """The statute's English name beside its Chinese title, and the article as "Art. N"."""
        return statutes.citation_en(self.document, self.article)


@dataclass(frozen=True)
class Amounts:
    refund: Decimal = ZERO
    depreciation: Decimal = ZERO
    use_compensation: Decimal = ZERO
    gift_charge: Decimal = ZERO
    coverage_remaining: Decimal | None = None


@dataclass(frozen=True)
class Option:
    """One thing the customer may choose. rule_id names the rule that opened it.

    basis is the rule that opens the option; supporting cites the clauses its terms come from
    (how the period is counted, the depreciation rate, the use-compensation formula).
    """

    kind: OptionKind
    rule_id: str
    basis: Basis
    deadline: date | None
    reason_zh: str
    reason_en: str
    amounts: Amounts = field(default_factory=Amounts)
    cost_borne_by: Payer | None = None
    return_shipping_paid_by: Payer | None = None
    refund_due_days: int | None = None
    refund_method: str | None = None
    requires_quote: bool = False
    supporting: tuple[Basis, ...] = ()


@dataclass(frozen=True)
class Refusal:
    """A rule that was looked at and does not apply, with why: what an agent tells the customer."""

    kind: OptionKind
    rule_id: str
    basis: Basis
    reason_zh: str
    reason_en: str


FactValue = str | int | Decimal | date | bool | None


@dataclass(frozen=True)
class Decision:
    options: tuple[Option, ...]
    refusals: tuple[Refusal, ...]
    facts_used: Mapping[str, FactValue]
    evaluated_on: date

    def kinds(self) -> frozenset[OptionKind]:
        return frozenset(option.kind for option in self.options)

    def find(self, kind: OptionKind, rule_id: str | None = None) -> Option | None:
        for option in self.options:
            if option.kind == kind and (rule_id is None or option.rule_id == rule_id):
                return option
        return None


@dataclass
class Findings:
    """What one rule module contributes; the engine merges them."""

    options: list[Option] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    facts: dict[str, FactValue] = field(default_factory=dict)

    def extend(self, other: Findings) -> None:
        self.options.extend(other.options)
        self.refusals.extend(other.refusals)
        self.facts.update(other.facts)
