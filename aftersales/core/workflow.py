"""The one shape every workflow's state machine has: a table of named transitions.

A transition names the statuses it leaves from, the status it leads to, who may take it and
whether a reason is required. The service request's lifecycle (``service.lifecycle``), the return
(``entitlement.rma.table``), the quote (``entitlement.quotes``) and the mail-in shipment
(``dispatch.mailin``) each declare one table of these; their services look a step up in that table
(``take``) and never test statuses of their own, so a table can be read, tested and shown on its own.

Pure Python (no database, no Django): each service turns a refusal into its own ``Conflict``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar


class Actor(StrEnum):
    STAFF = "staff"
    CUSTOMER = "customer"
    SYSTEM = "system"


StatusT = TypeVar("StatusT", bound=str)


@dataclass(frozen=True)
class Transition(Generic[StatusT]):
    name: str
    sources: frozenset[StatusT]
    target: StatusT
    actors: frozenset[Actor]
    needs_reason: bool = False

    def leaves(self, status: str) -> bool:
        return status in self.sources


def transition(
    name: str,
    sources: Iterable[StatusT],
    target: StatusT,
    actors: Iterable[Actor],
    needs_reason: bool = False,
) -> Transition[StatusT]:
    return Transition(name, frozenset(sources), target, frozenset(actors), needs_reason)


class Refused(Exception):
    """A transition the table does not allow from ``status`` (for ``actor``), with the ones it does."""

    def __init__(self, name: str, status: str, allowed: Sequence[Transition[StatusT]]) -> None:
        self.name = name
        self.status = status
        self.allowed = [t.name for t in allowed]
        super().__init__(
            f"{name!r} is not allowed from {status!r}; allowed: {', '.join(self.allowed) or 'none'}"
        )


def find(table: Sequence[Transition[StatusT]], name: str) -> Transition[StatusT] | None:
    return next((t for t in table if t.name == name), None)


def allowed(
    table: Sequence[Transition[StatusT]], status: str, actor: Actor | None = None
) -> list[Transition[StatusT]]:
    """Transitions that leave ``status`` (that ``actor`` may take, when given), in table order."""
    return [t for t in table if t.leaves(status) and (actor is None or actor in t.actors)]


def take(
    table: Sequence[Transition[StatusT]], name: str, status: str, actor: Actor | None = None
) -> Transition[StatusT]:
    """The transition ``name`` if it may be taken from ``status`` (by ``actor``); ``Refused`` otherwise."""
    found = find(table, name)
    if found is None or not found.leaves(status) or (actor is not None and actor not in found.actors):
        raise Refused(name, status, allowed(table, status, actor))
    return found


def statuses(table: Sequence[Transition[StatusT]]) -> frozenset[StatusT]:
    """Every status the table mentions."""
    out: set[StatusT] = set()
    for t in table:
        out |= t.sources | {t.target}
    return frozenset(out)
