"""The transition shape every workflow shares: lookup, who may, and a refusal that names the way on."""

from __future__ import annotations

import pytest

from aftersales.core import workflow
from aftersales.core.workflow import Actor

TABLE = (
    workflow.transition("open", {"new"}, "open", {Actor.STAFF, Actor.CUSTOMER}),
    workflow.transition("close", {"open"}, "closed", {Actor.STAFF}),
)


def test_take_returns_the_transition_the_table_allows() -> None:
    assert workflow.take(TABLE, "close", "open", Actor.STAFF).target == "closed"
    assert [t.name for t in workflow.allowed(TABLE, "new", Actor.CUSTOMER)] == ["open"]
    assert workflow.statuses(TABLE) == {"new", "open", "closed"}


@pytest.mark.parametrize(
    ("name", "status", "actor", "allowed"),
    [
        ("close", "new", Actor.STAFF, ["open"]),  # not from here
        ("close", "open", Actor.CUSTOMER, []),  # not by them
        ("teleport", "new", Actor.STAFF, ["open"]),  # no such step
    ],
)
def test_an_illegal_transition_is_refused_naming_the_allowed_ones(name, status, actor, allowed) -> None:
    with pytest.raises(workflow.Refused) as refused:
        workflow.take(TABLE, name, status, actor)
    assert (refused.value.name, refused.value.status, refused.value.allowed) == (name, status, allowed)
    assert f"{name!r} is not allowed from {status!r}" in str(refused.value)
