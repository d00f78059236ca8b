"""The mail-in shipment's table: a line of steps, who takes which, and a step out of turn refused."""

from __future__ import annotations

import pytest

from aftersales.core import workflow
from aftersales.core.errors import Conflict
from aftersales.dispatch import mailin
from aftersales.dispatch.mailin import mail_in_start, mail_in_step
from aftersales.dispatch.models import MailInShipment

from .conftest import field_request

Step = MailInShipment.Step


def test_the_steps_are_one_line_from_awaiting_to_delivered() -> None:
    walked, status = [], Step.AWAITING
    while (nxt := mailin.next_step(status)) is not None:
        walked.append(nxt)
        status = workflow.find(mailin.TABLE, nxt).target
    assert walked == [Step.IN_TRANSIT, Step.RECEIVED, Step.REPAIRED, Step.SHIPPED_BACK, Step.DELIVERED]
    assert [s for s in walked if mailin.customer_may(s)] == [Step.IN_TRANSIT, Step.DELIVERED]


@pytest.fixture
def shipment(org_a, carol_customer, ac_model, alice):
    sr = field_request(org_a, carol_customer, ac_model)
    return mail_in_start(request=sr, by=alice, method="pickup")


def test_a_step_out_of_turn_is_refused_naming_the_next_one(shipment, alice):
    version = shipment.version
    # when the repair centre records the repair before the unit has even left
    with pytest.raises(Conflict) as refused:
        mail_in_step(shipment=shipment, by=alice, step=Step.REPAIRED)
    # then the table refuses and names the step that comes next
    assert refused.value.message == "当前进度“待寄出”的下一步是：寄往维修中心。"
    assert refused.value.errors == {"step": Step.IN_TRANSIT}
    shipment.refresh_from_db()
    assert shipment.status == Step.AWAITING and shipment.version == version


def test_the_step_reads_the_table(shipment, alice, monkeypatch):
    # given a table in which the unit may go straight to the repair centre's hands
    monkeypatch.setattr(
        mailin,
        "TABLE",
        (workflow.transition(Step.RECEIVED, {Step.AWAITING}, Step.RECEIVED, {workflow.Actor.STAFF}),),
    )
    # when / then that step is taken, and the usual first step is now refused
    assert mail_in_step(shipment=shipment, by=alice, step=Step.RECEIVED).status == Step.RECEIVED
    with pytest.raises(Conflict, match="下一步是：无"):
        mail_in_step(shipment=shipment, by=alice, step=Step.IN_TRANSIT, carrier="顺丰", tracking="SF1")
