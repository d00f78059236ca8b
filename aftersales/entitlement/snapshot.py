"""Facts, requests, rules and decisions to JSON and back.

A decision is stored with exactly the facts it was taken on; loading them back and running the
engine again reproduces it, which is how a decision is explained months later.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from aftersales.entitlement.policy import Decision, Facts, OrgRules, Request
from aftersales.entitlement.policy.outcome import Basis

T = TypeVar("T")


def dump(value: Any) -> Any:
    """Dataclasses, enums, dates and decimals as plain JSON values (decimals as strings, exact)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): dump(v) for k, v in value.items()}
    if isinstance(value, tuple | list | frozenset | set):
        return [dump(v) for v in value]
    return value


def load(cls: type[T], data: Any) -> T:
    """The inverse of dump for the policy's frozen dataclasses."""
    return typing.cast(T, _load(cls, data))


def _load(tp: Any, data: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if data is None:
            return None
        return _load(args[0], data)
    if origin is tuple:
        (item, *_rest) = typing.get_args(tp)
        return tuple(_load(item, v) for v in data)
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        kwargs = {
            f.name: _load(hints[f.name], data[f.name]) for f in dataclasses.fields(tp) if f.name in data
        }
        return typing.cast(Any, tp)(**kwargs)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if tp is date:
        return date.fromisoformat(data)
    if tp is Decimal:
        return Decimal(data)
    return data


def inputs_json(facts: Facts, request: Request, org_rules: OrgRules | None) -> dict[str, Any]:
    return {
        "facts": dump(facts),
        "request": dump(request),
        "org_rules": dump(org_rules) if org_rules is not None else None,
    }


def inputs_from_json(data: Mapping[str, Any]) -> tuple[Facts, Request, OrgRules | None]:
    rules = data.get("org_rules")
    return (
        load(Facts, data["facts"]),
        load(Request, data["request"]),
        load(OrgRules, rules) if rules is not None else None,
    )


def decision_json(decision: Decision) -> dict[str, Any]:
    out: dict[str, Any] = dump(decision)
    for option, raw in zip(decision.options, out["options"], strict=True):
        _cite(option.basis, raw["basis"])
        for basis, supporting in zip(option.supporting, raw.get("supporting") or (), strict=True):
            _cite(basis, supporting)
    for refusal, raw in zip(decision.refusals, out["refusals"], strict=True):
        _cite(refusal.basis, raw["basis"])
    return out


def _cite(basis: Basis, raw: dict[str, Any]) -> None:
    raw["citation"] = basis.citation()
    raw["citation_en"] = basis.citation_en()
