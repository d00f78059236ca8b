"""The quote's table: who answers, what follows what, and a step out of turn refused."""

from __future__ import annotations

import pytest

from aftersales.core import workflow
from aftersales.core.errors import Conflict
from aftersales.core.workflow import Actor
from aftersales.entitlement import quotes as steps
from aftersales.entitlement.models import Quote
from aftersales.service.services import request_create, request_transition

Q = Quote.Status


def test_only_the_answer_is_the_customers_and_every_end_is_final() -> None:
    assert {t.name for t in steps.TABLE if Actor.CUSTOMER in t.actors} == {"approve", "decline"}
    assert not workflow.allowed(steps.TABLE, Q.APPROVED) and not workflow.allowed(steps.TABLE, Q.WITHDRAWN)
    assert workflow.statuses(steps.TABLE) == set(Q)


@pytest.fixture
def draft(old_unit, alice):
    sr = request_create(
        organization=old_unit.organization,
        customer=old_unit.customer,
        by=alice,
        kind="repair",
        channel="phone",
        description="屏幕不亮",
        unit=old_unit,
    )
    sr = request_transition(request=sr, name="accept", by=alice)
    return steps.quote_create(
        request=sr, by=alice, lines=[steps.LineIn(kind="labour", description="检修", unit_price=150)]
    )


@pytest.mark.django_db
def test_approving_a_quote_not_yet_sent_is_refused(draft, carol):
    with pytest.raises(Conflict) as refused:
        steps.quote_approve(quote=draft, by=carol)
    assert refused.value.message == "报价单当前为“草稿”，不能执行此操作。"
    assert refused.value.errors == {"status": Q.DRAFT}
    draft.refresh_from_db()
    assert draft.status == Q.DRAFT and draft.decided_by is None


@pytest.mark.django_db
def test_the_steps_read_the_table(draft, alice, monkeypatch):
    # given a table in which a draft cannot be withdrawn, only a sent quote
    narrowed = tuple(
        t if t.name != "withdraw" else workflow.transition("withdraw", {Q.SENT}, Q.WITHDRAWN, t.actors)
        for t in steps.TABLE
    )
    monkeypatch.setattr(steps, "TABLE", narrowed)
    # when / then withdrawing the draft is refused
    with pytest.raises(Conflict, match="草稿"):
        steps.quote_withdraw(quote=draft, by=alice)
