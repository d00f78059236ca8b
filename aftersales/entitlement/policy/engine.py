"""The single entry point: facts and a request in, every open option with its basis out."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from . import cars, extended, goods, online
from . import citations as cite
from .context import build_context
from .exclusions import exclusions
from .facts import CategoryKind, Facts, Request
from .outcome import Basis, Decision, Findings, Option, OptionKind, Payer
from .rules import OrgRules, resolve
from .validation import validate

NO_OPTION = Basis("—", None, "无适用的退货、换货或修理规则", "No return, exchange or repair rule applies")


def evaluate(facts: Facts, request: Request, org_rules: OrgRules | None = None) -> Decision:
    """Raise InvalidFacts for impossible facts; otherwise decide as of request.on."""
    validate(facts, request)
    ctx = build_context(facts, request, resolve(facts.terms, org_rules))
    found = Findings()
    statutory = cars.evaluate(ctx) if facts.terms.kind == CategoryKind.CAR else goods.evaluate(ctx)
    statutory.options = [_carriage_on_seller(option) for option in statutory.options]
    found.extend(statutory)
    found.extend(online.evaluate(ctx))
    statutory_repair = any(option.kind == OptionKind.FREE_REPAIR for option in found.options)
    caused_damage = any(exclusion.damage for exclusion in exclusions(facts))
    if ctx.has_fault and not statutory_repair and not caused_damage:
        found.extend(extended.evaluate(ctx))
    options = _ordered(found.options, request)
    if not options:
        options = [
            Option(
                OptionKind.NONE,
                "none",
                NO_OPTION,
                None,
                "目前没有可选的退货、换货或免费修理方案",
                "No return, exchange or repair option is open now",
            )
        ]
    used = {
        "category": facts.terms.category,
        "kind": facts.terms.kind.value,
        "channel": facts.channel.value,
        "request_kind": request.kind.value,
        "fault": request.fault.value,
        **found.facts,
    }
    return Decision(tuple(options), tuple(found.refusals), MappingProxyType(used), request.on)


# The quality remedies of the 三包 rules; 《消费者权益保护法》第二十四条第二款 puts their carriage on the seller.
_QUALITY_REMEDIES = frozenset({OptionKind.RETURN, OptionKind.EXCHANGE, OptionKind.FREE_REPAIR})


def _carriage_on_seller(option: Option) -> Option:
    """A 三包 return, exchange or free repair: the seller pays the carriage, whatever the channel."""
    if option.kind not in _QUALITY_REMEDIES or option.return_shipping_paid_by is not None:
        return option
    return replace(
        option,
        return_shipping_paid_by=Payer.SELLER,
        supporting=(*option.supporting, cite.CONSUMER_LAW_24),
        reason_zh=f"{option.reason_zh}；运输等必要费用由经营者承担（《消费者权益保护法》第二十四条）",
        reason_en=f"{option.reason_en}; the seller pays the carriage (the Consumer Rights Protection Law (《消费者权益保护法》) Art. 24)",
    )


def _ordered(options: list[Option], request: Request) -> list[Option]:
    """What the customer asked for first; otherwise the order the rules produced (strongest first)."""
    asked = {"return": OptionKind.RETURN, "exchange": OptionKind.EXCHANGE, "repair": OptionKind.FREE_REPAIR}
    wanted = asked.get(request.kind.value)
    return sorted(options, key=lambda option: option.kind != wanted)
