"""Escalations: when a clock passes a rule's threshold, tell people, raise the priority, reassign.

Each (clock, rule) pair is recorded once by a unique row written in the same transaction as
its notifications (outbox) and its timeline event, so running the check twice, or in two
workers at once, escalates once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.notifications import outbox
from aftersales.service.event_text import EventText, text
from aftersales.service.events import event_add
from aftersales.service.models import Priority, RequestEvent, ServiceRequest
from aftersales.service.services import request_assign
from aftersales.sla import event_codes as codes
from aftersales.sla.clocks import event_sla
from aftersales.sla.models import Escalation, EscalationRule, RequestSla, SlaClock
from aftersales.sla.services import policy_apply

PRIORITY_UP = {Priority.LOW: Priority.NORMAL, Priority.NORMAL: Priority.HIGH, Priority.HIGH: Priority.URGENT}
_EPSILON = 1e-6


def rules_by_policy(policy_ids: Iterable[int | None]) -> dict[int, list[EscalationRule]]:
    rules: dict[int, list[EscalationRule]] = defaultdict(list)
    ids = {p for p in policy_ids if p is not None}
    for rule in EscalationRule.objects.filter(policy_id__in=ids).order_by("position", "id"):
        rules[rule.policy_id].append(rule)
    return rules


def rules_due(
    rules: Iterable[EscalationRule], *, metric: str, target_minutes: int, fraction_used: float, mark: float
) -> list[EscalationRule]:
    """Rules for ``metric`` whose trigger lies in (mark, used]: passed since the last look."""
    used = fraction_used * target_minutes
    return [
        r
        for r in rules
        if (not r.metric or r.metric == metric)
        and mark < r.trigger_minutes(target_minutes) <= used + _EPSILON
    ]


def _recipients(request: ServiceRequest, rule: EscalationRule) -> list[User]:
    people: dict[int, User] = {}
    if rule.notify_assignee and request.assignee is not None and request.assignee.is_active:
        people[request.assignee.pk] = request.assignee
    if rule.notify_roles:
        for user in User.objects.filter(
            organization_id=request.organization_id, role__in=rule.notify_roles, is_active=True
        ).order_by("pk"):
            people[user.pk] = user
    return list(people.values())


def _describe(clock: SlaClock, rule: EscalationRule) -> EventText:
    if clock.state == SlaClock.State.BREACHED:
        return text(codes.WHAT_BREACHED, metric=clock.metric, minutes=clock.breached_by_minutes)
    return text(codes.WHAT_USED, metric=clock.metric, percent=round(clock.fraction_used * 100))


def priority_raise(*, request: ServiceRequest, at: datetime, reason: EventText) -> str | None:
    """One step up (low → normal → high → urgent); re-applies the policy. Returns the new one."""
    new = PRIORITY_UP.get(Priority(request.priority))
    if new is None:
        return None
    old = request.priority
    request.priority = new
    request.version += 1
    request.save(update_fields=["priority", "version", "updated_at"])
    event_add(
        request=request,
        kind=RequestEvent.Kind.FIELD,
        by=None,
        public=False,
        reason=reason,
        data={"changes": {"priority": [old, new.value]}},
        at=at,
    )
    policy_apply(request=request, at=at)
    return new.value


def escalate(*, clock_id: int, rule: EscalationRule, at: datetime | None = None) -> Escalation | None:
    """Apply ``rule`` to the clock once; None when it was applied before or no longer applies."""
    at = at or timezone.now()
    with transaction.atomic():
        # Request first, then clock: the order the request services lock them in.
        request_id = SlaClock.objects.values_list("request_id", flat=True).filter(pk=clock_id).first()
        if request_id is None:
            return None
        request = (
            ServiceRequest.objects.select_for_update(of=("self",))
            .select_related("organization", "assignee", "customer")
            .get(pk=request_id)
        )
        clock = SlaClock.objects.select_for_update().get(pk=clock_id)
        if not clock.active or not request.is_open:
            return None
        if rule.trigger_minutes(clock.target_minutes) > clock.fraction_used * clock.target_minutes + _EPSILON:
            return None  # retargeted since it was read
        try:
            with transaction.atomic():
                escalation = Escalation.objects.create(
                    clock=clock,
                    rule=rule,
                    request=request,
                    rule_name=rule.name,
                    level=rule.level,
                    created_at=at,
                )
        except IntegrityError:
            return None
        what = _describe(clock, rule)
        actions: dict[str, object] = {
            "rule": rule.name,
            "metric": clock.metric,
            "fraction_used": clock.fraction_used,
        }
        notified = []
        for user in _recipients(request, rule):
            if user.email:
                subject = _("【时效预警】服务单 %(number)s：%(what)s") % {
                    "number": request.number,
                    "what": what,
                }
                body = _(
                    "%(name)s，您好：\n\n服务单 %(number)s（%(subject)s）%(what)s，期限 %(due)s。\n"
                    "升级规则：%(rule)s\n\n请尽快处理。"
                ) % {
                    "name": user.get_full_name() or user.username,
                    "number": request.number,
                    "subject": request.subject,
                    "what": what,
                    "rule": rule.name,
                    "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M"),
                }
                outbox.queue_email(
                    organization=request.organization,
                    key=f"sla-escalation:{escalation.pk}:{user.pk}",
                    to=user.email,
                    subject=subject,
                    body=body,
                )
            notified.append(user.username)
        actions["notified"] = notified
        if rule.level:
            RequestSla.objects.filter(request=request, escalation_level__lt=rule.level).update(
                escalation_level=rule.level
            )
            actions["level"] = rule.level
        event_sla(
            request=request,
            action="escalated",
            at=at,
            reason=text(codes.ESCALATED, rule=rule.name, what=what),
            rule=rule.name,
            level=rule.level,
            metric=clock.metric,
            notified=notified,
        )
        if rule.raise_priority:
            actions["priority"] = priority_raise(
                request=request, at=at, reason=text(codes.ESCALATED_RULE, rule=rule.name)
            )
        if rule.reassign_to_id and rule.reassign_to_id != request.assignee_id:
            target = User.objects.filter(
                pk=rule.reassign_to_id, is_active=True, organization_id=request.organization_id
            ).first()
            if target is not None:
                request_assign(
                    request=request,
                    assignee=target,
                    by=None,
                    reason=text(codes.ESCALATED_RULE, rule=rule.name),
                )
                actions["reassigned_to"] = target.username
        escalation.actions = actions
        escalation.save(update_fields=["actions"])
    return escalation


def escalate_due(*, candidates: Iterable[tuple[int, float, list[EscalationRule]]], at: datetime) -> int:
    """Apply each clock's due rules, then move its mark so the next run skips them."""
    applied = 0
    for clock_id, used, rules in candidates:
        for rule in rules:
            if escalate(clock_id=clock_id, rule=rule, at=at) is not None:
                applied += 1
        SlaClock.objects.filter(pk=clock_id, escalation_mark__lt=used).update(escalation_mark=used)
    return applied
