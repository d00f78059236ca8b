"""The return workflow's table: its shape, and that every step consults it and nothing else."""

from __future__ import annotations

import pytest

from aftersales.core import workflow
from aftersales.core.errors import Conflict
from aftersales.core.workflow import Actor
from aftersales.entitlement import rma as steps
from aftersales.entitlement.models import ReturnAuthorization
from aftersales.entitlement.rma import base, table
from aftersales.service.models import RequestEvent

S = ReturnAuthorization.Status


def test_every_status_is_reachable_and_only_rejected_and_closed_are_final() -> None:
    seen, frontier = {S.REQUESTED}, [S.REQUESTED]
    while frontier:
        status = frontier.pop()
        for t in workflow.allowed(table.TABLE, status):
            if t.target not in seen:
                seen.add(t.target)
                frontier.append(t.target)
    assert seen == set(S)
    assert {S.REJECTED, S.CLOSED} == table.FINAL
    assert set(table.LABELS) == {t.name for t in table.TABLE}


def test_customers_only_ship_the_goods_and_confirm_the_end() -> None:
    assert {t.name for t in table.TABLE if Actor.CUSTOMER in t.actors} == {"ship", "close"}


@pytest.mark.django_db
def test_an_illegal_step_is_refused_with_the_status_and_the_step(online_unit, carol, alice):
    # given a return that is approved, the goods not back yet
    rma = steps.rma_request(unit=online_unit, by=carol, kind="return", fault="none", description="颜色不喜欢")
    rma = steps.rma_approve(rma=rma, by=alice)
    events = RequestEvent.objects.filter(request=rma.request).count()
    # when the agent tries to refund it
    with pytest.raises(Conflict) as refused:
        steps.rma_refund(rma=rma, by=alice, method="original_payment")
    # then the table refuses, naming where the return stands and the step asked for
    assert refused.value.message == "退换货单当前为“已批准，待寄回”，不能执行“退款”。"
    assert refused.value.errors == {"status": S.APPROVED}
    rma.refresh_from_db()
    assert rma.status == S.APPROVED and RequestEvent.objects.filter(request=rma.request).count() == events


@pytest.mark.django_db
def test_the_steps_read_the_table_and_no_status_list_of_their_own(online_unit, carol, alice, monkeypatch):
    # given a table in which approving no longer leaves "requested"
    narrowed = tuple(t for t in table.TABLE if t.name != "approve")
    monkeypatch.setattr(base, "TABLE", narrowed)
    rma = steps.rma_request(unit=online_unit, by=carol, kind="return", fault="none", description="颜色不喜欢")
    # when / then approving is refused although nothing else changed
    with pytest.raises(Conflict, match="不能执行“批准”"):
        steps.rma_approve(rma=rma, by=alice)
