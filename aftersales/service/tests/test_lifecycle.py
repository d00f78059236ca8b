"""Every transition of every flow, its guards, and what each writes (pure table + services)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import ProtectedError

from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied
from aftersales.notifications.models import OutboxMessage
from aftersales.service import lifecycle, services
from aftersales.service.lifecycle import Actor, Status
from aftersales.service.models import RequestEvent, ServiceRequest
from aftersales.service.selectors import messages_for_user, timeline_for_user
from aftersales.testing.factories import CustomerFactory, UnitFactory

ALL_KINDS = sorted(lifecycle.FLOWS)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_flow_reaches_closed_from_new_and_cancel_only_early(kind: str) -> None:
    flow = lifecycle.transitions_for(kind)
    # reachability: walking the table from NEW reaches RESOLVED and CLOSED
    seen, frontier = {Status.NEW}, [Status.NEW]
    while frontier:
        status = frontier.pop()
        for t in flow:
            if status in t.sources and t.target not in seen:
                seen.add(t.target)
                frontier.append(t.target)
    assert {Status.RESOLVED, Status.CLOSED, Status.CANCELLED} <= seen
    # nothing leaves a final state
    for t in flow:
        assert not t.sources & {Status.CLOSED, Status.CANCELLED}, t
    cancel = lifecycle.find(kind, "cancel")
    assert cancel is not None and Status.IN_PROGRESS not in cancel.sources and cancel.needs_reason


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_customers_may_only_accept_reject_or_cancel(kind: str) -> None:
    names = {t.name for t in lifecycle.transitions_for(kind) if Actor.CUSTOMER in t.actors}
    assert names == {"customer_accept", "customer_reject", "cancel"}


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown request kind"):
        lifecycle.transitions_for("teleport")


@pytest.fixture
def repair(db, org_a, carol):
    customer = CustomerFactory(organization=org_a, user=carol)
    unit = UnitFactory(organization=org_a, customer=customer)
    return services.request_create(
        organization=org_a,
        customer=customer,
        by=None,
        kind="repair",
        channel="web",
        description="不制冷",
        unit=unit,
    )


def _walk(request: ServiceRequest, by, *names: str) -> ServiceRequest:
    for name in names:
        request = services.request_transition(request=request, name=name, by=by)
    return request


def test_each_transition_locks_changes_and_writes_one_event(repair, alice):
    # when
    done = _walk(
        repair, alice, "accept", "assign", "schedule", "start", "wait_for_parts", "resume", "resolve"
    )
    # then
    assert (
        done.status == Status.RESOLVED and done.resolved_at is not None and done.first_response_at is not None
    )
    events = list(
        RequestEvent.objects.filter(request=repair, kind="status").values_list("from_status", "to_status")
    )
    assert events == [
        ("new", "accepted"),
        ("accepted", "assigned"),
        ("assigned", "scheduled"),
        ("scheduled", "in_progress"),
        ("in_progress", "awaiting_parts"),
        ("awaiting_parts", "in_progress"),
        ("in_progress", "resolved"),
    ]
    assert done.version == repair.version + 7


def test_reject_reopens_with_reason_and_counts_the_return_visit(repair, alice, carol):
    resolved = _walk(repair, alice, "accept", "assign", "start", "resolve")
    with pytest.raises(InvalidInput) as missing:
        services.request_transition(request=resolved, name="customer_reject", by=carol)
    assert "reason" in missing.value.errors
    reopened = services.request_transition(
        request=resolved, name="customer_reject", by=carol, reason="仍然漏水"
    )
    assert reopened.status == Status.REOPENED and reopened.reopen_count == 1 and reopened.resolved_at is None
    event = RequestEvent.objects.filter(request=repair, to_status="reopened").get()
    assert event.reason == "仍然漏水" and event.actor == carol and event.public
    again = _walk(reopened, alice, "start", "resolve")
    closed = services.request_transition(request=again, name="customer_accept", by=carol)
    assert closed.status == Status.CLOSED and closed.closed_at is not None


def test_invalid_transition_names_the_allowed_ones_and_changes_nothing(repair, alice):
    with pytest.raises(Conflict) as exc:
        services.request_transition(request=repair, name="resolve", by=alice)
    assert "accept" in exc.value.errors["transition"] and "cancel" in exc.value.errors["transition"]
    repair.refresh_from_db()
    assert repair.status == Status.NEW and repair.version == 1
    assert not RequestEvent.objects.filter(request=repair, kind="status").exists()


def test_customer_cannot_take_staff_transitions_or_touch_others(repair, carol, cody):
    with pytest.raises(PermissionDenied):  # a staff step: refused as the role's, not the status's
        services.request_transition(request=repair, name="accept", by=carol)
    with pytest.raises(PermissionDenied):
        services.request_transition(request=repair, name="cancel", by=cody, reason="不是我的")
    cancelled = services.request_transition(request=repair, name="cancel", by=carol, reason="已自行解决")
    assert cancelled.status == Status.CANCELLED
    with pytest.raises(Conflict):  # final: nothing leaves it
        services.request_transition(request=cancelled, name="accept", by=None)


def test_cancel_is_refused_once_work_has_started(repair, alice):
    started = _walk(repair, alice, "accept", "assign", "start")
    with pytest.raises(Conflict):
        services.request_transition(request=started, name="cancel", by=alice, reason="x")


def test_stale_version_is_refused(repair, alice):
    services.request_transition(request=repair, name="accept", by=alice, version=1)
    with pytest.raises(Conflict) as exc:
        services.request_transition(request=repair, name="assign", by=alice, version=1)
    assert "version" in exc.value.errors


def test_a_rolled_back_transition_leaves_no_event_and_no_notification(repair, alice):
    before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.request_transition(request=repair, name="accept", by=alice)
        raise RuntimeError("the caller failed after the transition")
    repair.refresh_from_db()
    assert repair.status == Status.NEW
    assert OutboxMessage.objects.count() == before
    assert not RequestEvent.objects.filter(request=repair, kind="status").exists()


def test_consultation_and_complaint_take_their_shorter_paths(org_a, carol, alice):
    customer = CustomerFactory(organization=org_a, user=carol)
    consult = services.request_create(
        organization=org_a,
        customer=customer,
        by=None,
        kind="consultation",
        channel="chat",
        description="滤网怎么洗？",
    )
    assert services.request_transition(request=consult, name="resolve", by=alice).status == Status.RESOLVED
    complaint = services.request_create(
        organization=org_a,
        customer=customer,
        by=None,
        kind="complaint",
        channel="phone",
        description="师傅迟到两小时",
    )
    with pytest.raises(Conflict):
        services.request_transition(request=complaint, name="schedule", by=alice)  # no visits for complaints
    done = _walk(complaint, alice, "accept", "start", "resolve")
    assert done.status == Status.RESOLVED


def test_assignment_moves_status_and_records_who_and_why(repair, alice, tina, bob):
    accepted = _walk(repair, alice, "accept")
    assigned = services.request_assign(request=accepted, assignee=tina, by=alice, reason="离客户最近")
    assert assigned.status == Status.ASSIGNED and assigned.assignee == tina
    event = RequestEvent.objects.get(request=repair, kind="assignment")
    assert event.data["to"] == "tina" and event.reason == "离客户最近" and not event.public
    with pytest.raises(InvalidInput):
        services.request_assign(request=assigned, assignee=bob, by=alice)  # another organization's staff


def test_rating_only_by_the_owner_after_acceptance_and_once(repair, alice, carol, cody):
    stars = {"quality": 5, "speed": 5, "attitude": 4, "professionalism": 5, "price": 4}
    with pytest.raises(Conflict):
        services.rating_submit(request=repair, by=carol, **stars)
    closed = _walk(repair, alice, "accept", "assign", "start", "resolve")
    closed = services.request_transition(request=closed, name="customer_accept", by=carol)
    with pytest.raises(PermissionDenied):
        services.rating_submit(request=closed, by=cody, **stars)
    with pytest.raises(InvalidInput) as bad:
        services.rating_submit(request=closed, by=carol, **{**stars, "price": 6})
    assert "price" in bad.value.errors
    rating = services.rating_submit(request=closed, by=carol, comment="很满意", **stars)
    assert rating.average == pytest.approx(4.6)
    with pytest.raises(Conflict):
        services.rating_submit(request=closed, by=carol, **stars)


def test_internal_notes_stay_off_the_customer_timeline(repair, alice, carol):
    services.message_add(request=repair, by=alice, body="客户情绪激动，注意沟通", internal=True)
    services.message_add(request=repair, by=alice, body="您好，我们已安排工程师")
    repair.refresh_from_db()
    assert repair.first_response_at is not None
    with pytest.raises(PermissionDenied):
        services.message_add(request=repair, by=carol, body="x", internal=True)
    seen_by_customer = [m.body for m in messages_for_user(user=carol, request=repair)]
    assert seen_by_customer == ["您好，我们已安排工程师"]
    assert not timeline_for_user(user=carol, request=repair).filter(kind="note").exists()
    assert timeline_for_user(user=alice, request=repair).filter(kind="note").count() == 1


def test_merge_moves_the_conversation_and_closes_the_source(org_a, carol, alice):
    customer = CustomerFactory(organization=org_a, user=carol)
    a = services.request_create(
        organization=org_a, customer=customer, by=None, kind="consultation", channel="email", description="A"
    )
    b = services.request_create(
        organization=org_a, customer=customer, by=None, kind="consultation", channel="phone", description="B"
    )
    services.message_add(request=a, by=carol, body="来自邮件")
    target = services.request_merge(source=a, target=b, by=alice)
    a.refresh_from_db()
    assert a.status == Status.CLOSED and a.merged_into == target
    assert list(target.messages.values_list("body", flat=True)) == ["来自邮件"]
    with pytest.raises(InvalidInput):
        services.request_merge(source=b, target=b, by=alice)


def test_split_creates_a_linked_request(repair, alice):
    new = services.request_split(request=repair, by=alice, description="另一台也坏了", kind="maintenance")
    assert new.linked_to == repair and new.kind == "maintenance" and new.customer == repair.customer
    assert RequestEvent.objects.filter(request=repair, kind="split", data__into=new.number).exists()


def test_canned_reply_placeholders(repair, alice):
    text = services.render_canned(
        "{customer_name}您好，您的服务单{number}当前{status}。{unknown}", request=repair, agent=alice
    )
    assert repair.customer.name in text and repair.number in text and "新建" in text and "{unknown}" in text


def test_description_required_and_unit_must_belong(org_a, org_b, carol):
    customer = CustomerFactory(organization=org_a, user=carol)
    foreign = UnitFactory(organization=org_b)
    with pytest.raises(InvalidInput) as exc:
        services.request_create(
            organization=org_a,
            customer=customer,
            by=None,
            kind="repair",
            channel="web",
            description="  ",
            unit=foreign,
        )
    assert {"description", "unit"} <= set(exc.value.errors)
    assert ServiceRequest.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_deleting_staff_or_an_organization_still_minds_the_unconstrained_keys(org_a, alice) -> None:
    """The organization, creator and event actor keys carry no database constraint ("Hot
    parents" in the models): Django's on_delete still clears or protects them."""
    customer = CustomerFactory(organization=org_a)
    request = services.request_create(
        organization=org_a,
        customer=customer,
        by=alice,
        kind="consultation",
        channel="phone",
        description="滤网多久清洗一次？",
    )
    assert request.created_by_id == alice.pk
    assert RequestEvent.objects.filter(request=request, actor=alice).exists()
    outbox = OutboxMessage.objects.filter(organization=org_a).count()
    assert outbox > 0
    with pytest.raises(ProtectedError):
        org_a.delete()
    assert ServiceRequest.objects.filter(pk=request.pk).exists()
    assert OutboxMessage.objects.filter(organization=org_a).count() == outbox
    alice.delete()
    request.refresh_from_db()
    assert request.created_by_id is None
    assert not RequestEvent.objects.filter(request=request, actor_id__isnull=False).exists()
