"""The periodic check: breaches recorded once, escalations applied once, through the outbox."""

from __future__ import annotations

import pytest

from aftersales.jobs.registry import REGISTRY, load_all
from aftersales.notifications.models import OutboxMessage
from aftersales.service import services
from aftersales.service.models import RequestEvent
from aftersales.sla.escalation import escalate
from aftersales.sla.models import Escalation, EscalationRule, Metric, RequestSla, SlaClock, SlaPolicy
from aftersales.sla.recompute import sla_check

from .conftest import clock_at, sh, walk

State = SlaClock.State


@pytest.fixture
def assigned_repair(make_request, alice, dave):
    # Monday 09:00; dave the dispatcher accepts at 09:05 (first response met), alice holds it
    sr = make_request("repair", sh(2025, 3, 10, 9))
    sr = walk(sr, dave, sh(2025, 3, 10, 9, 5), "accept")
    with clock_at(sh(2025, 3, 10, 9, 6)):
        services.request_assign(request=sr, assignee=alice, by=dave)
    sr.refresh_from_db()
    return sr


def _mail_to(address: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel="email", recipient=address).order_by("id"))


def test_the_job_is_registered_every_minute() -> None:
    load_all()
    spec = REGISTRY["sla.check"]
    assert spec.every is not None and spec.every.total_seconds() == 60


def test_at_75_percent_the_assignee_is_notified_once(assigned_repair, alice, olga):
    # on-site arrival: 16 working hours from Monday 09:00; 75% is 12 h, Tuesday 14:00
    sla_check(now=sh(2025, 3, 11, 13, 59))
    assert not _mail_to(alice.email)
    # when the job runs twice at 14:01
    first = sla_check(now=sh(2025, 3, 11, 14, 1))
    second = sla_check(now=sh(2025, 3, 11, 14, 1))
    # then one escalation, one mail, one timeline line
    assert first["escalated"] == 1 and second["escalated"] == 0
    onsite = SlaClock.objects.get(request=assigned_repair, metric=Metric.ONSITE_ARRIVAL)
    assert list(Escalation.objects.filter(clock=onsite).values_list("rule_name", flat=True)) == [
        "75% 预警：通知处理人"
    ]
    mails = _mail_to(alice.email)
    assert len(mails) == 1 and assigned_repair.number in mails[0].subject and "75%" in mails[0].subject
    assert not _mail_to(olga.email)  # the team lead hears only at breach
    events = RequestEvent.objects.filter(request=assigned_repair, kind="sla", data__action="escalated")
    assert events.count() == 1


def test_at_breach_the_team_lead_hears_and_the_priority_rises(assigned_repair, alice, olga):
    # on-site due Tuesday 18:00 (16 working hours); the job next runs on Wednesday 09:30
    sla_check(now=sh(2025, 3, 12, 9, 30))
    onsite = SlaClock.objects.get(request=assigned_repair, metric=Metric.ONSITE_ARRIVAL)
    assert onsite.state == State.BREACHED and onsite.breached_at == sh(2025, 3, 11, 18)
    assert onsite.breached_by_minutes == 30  # working minutes: the night does not count
    # both rules had passed: 75% and breach, each once
    assert set(Escalation.objects.filter(clock=onsite).values_list("rule_name", flat=True)) == {
        "75% 预警：通知处理人",
        "超时：通知处理人和班长，提高优先级",
    }
    assert len(_mail_to(olga.email)) == 1 and len(_mail_to(alice.email)) == 2
    assigned_repair.refresh_from_db()
    assert assigned_repair.priority == "high"
    assert RequestEvent.objects.filter(
        request=assigned_repair, kind="field", data__changes__priority=["normal", "high"]
    ).exists()
    assert (
        RequestEvent.objects.filter(request=assigned_repair, kind="sla", data__action="breached").count() == 1
    )
    # and running the job again changes nothing
    sla_check(now=sh(2025, 3, 12, 9, 31))
    assigned_repair.refresh_from_db()
    assert assigned_repair.priority == "high" and Escalation.objects.filter(clock=onsite).count() == 2
    assert (
        RequestEvent.objects.filter(request=assigned_repair, kind="sla", data__action="breached").count() == 1
    )


def test_an_escalation_rule_can_reassign(assigned_repair, org_a, olga, tina):
    policy = RequestSla.objects.get(request=assigned_repair).policy
    EscalationRule.objects.create(
        policy=policy,
        name="转给工程师",
        metric=Metric.ONSITE_ARRIVAL,
        threshold_percent=50,
        notify_assignee=False,
        reassign_to=tina,
    )
    sla_check(now=sh(2025, 3, 10, 18))  # 8 of 16 hours
    assigned_repair.refresh_from_db()
    assert assigned_repair.assignee == tina
    assert RequestEvent.objects.filter(request=assigned_repair, kind="assignment", data__to="tina").exists()


def test_applying_the_same_rule_twice_directly_records_it_once(assigned_repair):
    sla_check(now=sh(2025, 3, 12, 10))
    onsite = SlaClock.objects.get(request=assigned_repair, metric=Metric.ONSITE_ARRIVAL)
    rule = EscalationRule.objects.get(policy=onsite.policy, threshold_percent=100)
    # as a second worker that read the clock before the first one marked it would
    assert escalate(clock_id=onsite.pk, rule=rule, at=sh(2025, 3, 12, 10)) is None
    assert Escalation.objects.filter(clock=onsite, rule=rule).count() == 1


def test_met_clocks_do_not_escalate(assigned_repair, alice):
    walk(assigned_repair, alice, sh(2025, 3, 10, 10), "start")
    sla_check(now=sh(2025, 3, 12, 10))
    onsite = SlaClock.objects.get(request=assigned_repair, metric=Metric.ONSITE_ARRIVAL)
    assert onsite.state == State.MET and not onsite.escalations.exists()


def test_complaints_climb_from_agent_to_team_lead_to_service_manager(make_request, alice, olga, quinn):
    sr = make_request("complaint", sh(2025, 3, 10, 9))
    sr = walk(sr, alice, sh(2025, 3, 10, 9, 10), "accept")
    with clock_at(sh(2025, 3, 10, 9, 11)):
        services.request_assign(request=sr, assignee=alice, by=alice)
    # after 3 hours: still with the agent
    sla_check(now=sh(2025, 3, 10, 12))
    assert RequestSla.objects.get(request=sr).escalation_level == 0
    # after 4 hours: level 1, the team lead (org admin) is told
    sla_check(now=sh(2025, 3, 10, 13, 1))
    assert RequestSla.objects.get(request=sr).escalation_level == 1
    assert len(_mail_to(olga.email)) == 1 and not _mail_to(quinn.email)
    # after 12 hours: level 2, the service manager (quality manager)
    sla_check(now=sh(2025, 3, 10, 21, 1))
    assert RequestSla.objects.get(request=sr).escalation_level == 2
    assert len(_mail_to(quinn.email)) == 1
    # 24 hours: breached, priority raised; levels never go back down
    sla_check(now=sh(2025, 3, 11, 9, 1))
    sr.refresh_from_db()
    assert sr.priority == "high" and RequestSla.objects.get(request=sr).escalation_level == 2
    levels = list(
        Escalation.objects.filter(request=sr, level__gt=0).order_by("level").values_list("level", flat=True)
    )
    assert levels == [1, 2]


def test_a_new_target_can_escalate_again(assigned_repair, alice, org_a):
    # given the 75% warning on the 16-hour on-site clock
    sla_check(now=sh(2025, 3, 11, 14, 1))
    onsite = SlaClock.objects.get(request=assigned_repair, metric=Metric.ONSITE_ARRIVAL)
    assert onsite.escalations.count() == 1
    # when a stricter policy for high priority takes over, its own rules fire on its target
    strict = SlaPolicy.objects.create(
        organization=org_a, name="高优先级上门", position=1, kinds=["repair"], priorities=["high"]
    )
    strict.targets.create(metric=Metric.ONSITE_ARRIVAL, minutes=16 * 60)
    strict.escalation_rules.create(name="高优先级 50%", threshold_percent=50, notify_assignee=True)
    with clock_at(sh(2025, 3, 11, 14, 2)):
        services.request_update(request=assigned_repair, by=alice, version=None, priority="high")
    sla_check(now=sh(2025, 3, 11, 14, 3))
    assert set(onsite.escalations.values_list("rule_name", flat=True)) == {
        "75% 预警：通知处理人",
        "高优先级 50%",
    }
