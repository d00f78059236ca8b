"""Every write to service requests. Each runs in one transaction and writes its timeline event."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.models import Role
from aftersales.accounts.roles import Cap
from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied
from aftersales.core.fastpath.rows import new as rows_new
from aftersales.core.fastpath.unit import unit_of_work
from aftersales.core.fields import stored
from aftersales.customers.models import Customer, CustomerAddress, Unit
from aftersales.service import event_text, lifecycle
from aftersales.service.access import request_access, request_for_user, step_cap
from aftersales.service.events import Reason, actor_of, event_add, event_new
from aftersales.service.models import (
    Channel,
    Fulfilment,
    Kind,
    Message,
    Priority,
    Rating,
    RequestEvent,
    ServiceRequest,
    Status,
)
from aftersales.service.notify import notify_created, notify_message, notify_status
from aftersales.sla import hooks as sla_hooks

if TYPE_CHECKING:
    from aftersales.accounts.models import Organization, User

UNIT_REQUIRED = lifecycle.UNIT_KINDS
MAX_DESCRIPTION = 5000


def open_requests_for_unit(unit: Unit) -> list[ServiceRequest]:
    return list(
        ServiceRequest.objects.filter(unit=unit)
        .exclude(status__in=[Status.CLOSED, Status.CANCELLED])
        .order_by("-created_at")[:5]
    )


# Each choice set's values, once: ``TextChoices.values`` builds a new list on every call.
_VALUES: dict[type, frozenset[str]] = {c: frozenset(c.values) for c in (Kind, Channel, Priority, Fulfilment)}


def _number(request: ServiceRequest) -> str:
    return f"SR-{request.created_at.year}-{request.pk:06d}"


def request_create(
    *,
    organization: Organization,
    customer: Customer,
    by: User | None,
    kind: str,
    channel: str,
    description: str,
    subject: str = "",
    unit: Unit | None = None,
    priority: str = Priority.NORMAL,
    fault_category: str = "",
    fulfilment: str = Fulfilment.ONSITE,
    address: CustomerAddress | None = None,
    preferred_start: datetime | None = None,
    preferred_end: datetime | None = None,
    link_to: ServiceRequest | None = None,
    allow_duplicate: bool = False,
    created_at: datetime | None = None,
    notify: bool = True,
    reserved_id: int | None = None,
) -> ServiceRequest:
    """Open a request. ``reserved_id``: its id, when the caller took one from the sequence with
    an earlier read (``selectors.intake_unit``)."""
    errors: dict[str, str] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = _("请描述问题。")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("问题描述最多 %(n)d 个字符。") % {"n": MAX_DESCRIPTION}
    if kind not in _VALUES[Kind]:
        errors["kind"] = _("未知的服务类型。")
    if channel not in _VALUES[Channel]:
        errors["channel"] = _("未知的渠道。")
    if priority not in _VALUES[Priority]:
        errors["priority"] = _("未知的优先级。")
    if fulfilment not in _VALUES[Fulfilment]:
        errors["fulfilment"] = _("未知的服务方式。")
    if customer.organization_id != organization.pk:
        errors["customer"] = _("客户不属于该组织。")
    if unit is None and kind in UNIT_REQUIRED:
        errors["unit"] = _("请选择或填写机器序列号。")
    if unit is not None and (
        unit.organization_id != organization.pk or (unit.customer_id not in (None, customer.pk))
    ):
        errors["unit"] = _("该机器不属于此客户。")
    if preferred_start and preferred_end and preferred_end <= preferred_start:
        errors["preferred_end"] = _("期望结束时间必须晚于开始时间。")
    if link_to is not None and link_to.organization_id != organization.pk:
        errors["link_to"] = _("关联的服务单不存在。")
    if errors:
        raise InvalidInput(errors)
    # ``has_open_request`` is read with the unit by the API (selectors.intake_unit); a False there
    # spares the lookup.
    if (
        unit is not None
        and link_to is None
        and not allow_duplicate
        and getattr(unit, "has_open_request", True)
    ):
        existing = open_requests_for_unit(unit)
        if existing:
            numbers = ", ".join(r.number for r in existing)
            raise Conflict(
                _("这台机器已有未完成的服务单：%(numbers)s。可以关联到它，或确认仍要新建。")
                % {"numbers": numbers},
                {"unit": numbers},
            )
    now = created_at or timezone.now()
    if not subject:
        subject = description.splitlines()[0][:60]
    region = detail = ""
    lat = lon = None
    if address is not None:
        if address.customer_id != customer.pk:
            raise InvalidInput({"address": _("地址不属于此客户。")})
        # The detail as stored: copied to the request's encrypted column without decrypting it.
        region, detail, lat, lon = (
            address.region,
            stored(address, "detail"),
            address.latitude,
            address.longitude,
        )
    # The unit of work collects what the create writes (the SLA start and the outbox add theirs
    # through ``current_unit()``) and writes it when the block ends.
    with unit_of_work() as rows:
        request = rows_new(
            ServiceRequest,
            organization=organization,
            customer=customer,
            unit=unit,
            kind=kind,
            channel=channel,
            priority=priority,
            subject=subject[:200],
            description=description,
            fault_category=fault_category[:100],
            fulfilment=fulfilment,
            address_region=region,
            address_detail=detail,
            latitude=lat,
            longitude=lon,
            preferred_start=preferred_start,
            preferred_end=preferred_end,
            linked_to=link_to,
            created_by=by,
            created_at=now,
        )
        # Everything the create writes goes in together (one statement on PostgreSQL, whose
        # sequence gives the id, and so the number, before anything is written; that statement
        # is atomic on its own, so the unit opens no transaction there).
        if rows.reserve(request, reserved_id):
            request.number = _number(request)
        else:
            # A placeholder until the id is known; random so concurrent creates never collide
            # (a timestamp truncated to the column width did, within the same 100 µs).
            request.number = f"TMP-{uuid.uuid4().hex[:16]}"
            request.save(force_insert=True)
            request.number = _number(request)
            ServiceRequest.objects.filter(pk=request.pk).update(number=request.number)
        rows.add(
            event_new(
                request=request,
                kind=RequestEvent.Kind.CREATED,
                by=by,
                to_status=Status.NEW,
                data={"channel": channel, "kind": kind},
                at=now,
            )
        )
        if link_to is not None:
            rows.add(
                event_new(
                    request=request,
                    kind=RequestEvent.Kind.LINK,
                    by=by,
                    data={"number": link_to.number},
                    at=now,
                ),
                event_new(
                    request=link_to,
                    kind=RequestEvent.Kind.LINK,
                    by=by,
                    data={"number": request.number},
                    at=now,
                ),
            )
        sla_hooks.on_request_created(request=request, at=now)
        if notify:
            notify_created(request)
    return request


def _check_version(request: ServiceRequest, version: int | None) -> None:
    if version is not None and version != request.version:
        raise Conflict(
            _("服务单已被他人修改（当前版本 %(v)d），请刷新后再试。") % {"v": request.version},
            {"version": _("版本已过期，当前为 %(v)d。") % {"v": request.version}},
        )


def _move(request: ServiceRequest, transition: lifecycle.Transition, now: datetime) -> None:
    """Set the status ``transition`` leads to, with the timestamps and counters that go with it."""
    request.status = transition.target
    if transition.target == Status.RESOLVED:
        request.resolved_at = now
    if transition.target in (Status.CLOSED, Status.CANCELLED):
        request.closed_at = now
    if transition.target == Status.REOPENED:
        request.reopen_count += 1
        request.resolved_at = None


def lock_in_pk_order(*pks: int) -> dict[int, ServiceRequest]:
    """Lock several requests, always in primary-key order, so two writers that each need the same
    two rows (merging A into B while B is merged into A) queue behind each other instead of each
    holding one row and waiting for the other (a deadlock)."""
    return {pk: ServiceRequest.objects.select_for_update().get(pk=pk) for pk in sorted(set(pks))}


def request_transition(
    *,
    request: ServiceRequest,
    name: str,
    by: User | None,
    reason: Reason = "",
    version: int | None = None,
    at: datetime | None = None,
    notify: bool = True,
    part_of: Cap | None = None,
) -> ServiceRequest:
    """Take transition ``name``; raises Conflict naming the allowed ones when it is not possible.

    Staff need the step's capability (``access.STEP_CAPS``), or ``part_of``'s when the step is part
    of a larger action that capability authorizes. A customer takes only the steps the lifecycle
    gives the customer, on their own request."""
    if not isinstance(reason, event_text.EventText):
        reason = (reason or "").strip()
    with transaction.atomic():
        locked = request_for_user(
            by, request.pk, cap=part_of or step_cap(name), owner_may=True, for_update=True
        )
        _check_version(locked, version)
        actor = actor_of(by)
        transition = lifecycle.find(locked.kind, name)
        if transition is not None and actor not in transition.actors:
            raise PermissionDenied(_("您的角色无权执行此操作。"))  # e.g. a customer accepting
        allowed = lifecycle.allowed(locked.kind, locked.status, actor)
        if transition is None or transition not in allowed:
            names = ", ".join(t.name for t in allowed) or _("无")
            raise Conflict(
                _("当前状态“%(status)s”不能执行“%(name)s”。可执行：%(allowed)s。")
                % {"status": locked.get_status_display(), "name": name, "allowed": names},
                {"transition": names},
            )
        if transition.needs_reason and not reason:
            raise InvalidInput({"reason": _("请填写原因。")})
        now = at or timezone.now()
        old = locked.status
        _move(locked, transition, now)
        if actor == lifecycle.Actor.STAFF and locked.first_response_at is None:
            locked.first_response_at = now
        locked.version += 1
        locked.save()
        event_add(
            request=locked,
            kind=RequestEvent.Kind.STATUS,
            by=by,
            from_status=old,
            to_status=transition.target,
            reason=reason,
            data={"transition": name},
            at=now,
        )
        sla_hooks.on_status_changed(request=locked, old=old, at=now)
        if notify:
            notify_status(locked, old)
    return locked


def request_assign(
    *,
    request: ServiceRequest,
    assignee: User,
    by: User | None,
    reason: Reason = "",
    version: int | None = None,
    part_of: Cap | None = None,
) -> ServiceRequest:
    """Give the request an owner: staff need ``ASSIGN_REQUESTS`` (or ``part_of``, see
    ``request_transition``)."""
    if assignee.organization_id != request.organization_id or assignee.role == Role.CUSTOMER:
        raise InvalidInput({"assignee": _("处理人必须是本组织员工。")})
    cap = part_of or Cap.ASSIGN_REQUESTS
    with transaction.atomic():
        locked = request_for_user(by, request.pk, cap=cap, for_update=True)
        _check_version(locked, version)
        # A new owner never sends the request back (已预约 stays 已预约; see lifecycle).
        if lifecycle.assign_moves_status(locked.kind, locked.status):
            locked = request_transition(request=locked, name="assign", by=by, reason=reason, part_of=cap)
        previous = locked.assignee
        locked.assignee = assignee
        locked.version += 1
        locked.save(update_fields=["assignee", "version", "updated_at"])
        event_add(
            request=locked,
            kind=RequestEvent.Kind.ASSIGNMENT,
            by=by,
            public=False,
            reason=reason,
            data={
                "from": previous.username if previous else None,
                "to": assignee.username,
                "to_name": assignee.get_full_name() or assignee.username,
            },
        )
        sla_hooks.on_assigned(request=locked)
    return locked


EDITABLE = {
    "priority",
    "kind",
    "subject",
    "description",
    "fault_category",
    "fulfilment",
    "preferred_start",
    "preferred_end",
}


def request_update(
    *,
    request: ServiceRequest,
    by: User | None,
    version: int | None,
    part_of: Cap | None = None,
    owner_may: bool = False,
    **changes: Any,
) -> ServiceRequest:
    """Change the request's own fields: staff need ``EDIT_REQUESTS``, or ``part_of`` when the change
    is part of a larger action (registering a mail-in switches the fulfilment); ``owner_may`` lets
    the request's customer make that change too (choosing to bring the unit in)."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidInput({f: _("不能修改此字段。") for f in sorted(unknown)})
    errors: dict[str, str] = {}
    if "priority" in changes and changes["priority"] not in _VALUES[Priority]:
        errors["priority"] = _("未知的优先级。")
    if "kind" in changes and changes["kind"] not in _VALUES[Kind]:
        errors["kind"] = _("未知的服务类型。")
    if "fulfilment" in changes and changes["fulfilment"] not in _VALUES[Fulfilment]:
        errors["fulfilment"] = _("未知的服务方式。")
    if "description" in changes and not (changes["description"] or "").strip():
        errors["description"] = _("请描述问题。")
    if changes.get("fault_category", "") is None:
        changes["fault_category"] = ""  # no category is the empty one
    if "subject" in changes and not (changes["subject"] or "").strip():
        errors["subject"] = _("请填写标题。")
    for field in ("priority", "kind", "fulfilment"):
        if field in changes and changes[field] is None:
            errors[field] = _("不能为空。")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        locked = request_for_user(
            by, request.pk, cap=part_of or Cap.EDIT_REQUESTS, owner_may=owner_may, for_update=True
        )
        _check_version(locked, version)
        # Changing the kind must keep the request somewhere its new flow knows.
        new_kind = changes.get("kind", locked.kind)
        if (
            new_kind != locked.kind
            and locked.is_open
            and not lifecycle.allowed(new_kind, locked.status, lifecycle.Actor.STAFF)
        ):
            raise Conflict(_("当前状态下不能改为该类型。"), {"kind": _("当前状态下不能改为该类型。")})
        changed: dict[str, list[Any]] = {}
        for field, value in changes.items():
            old = getattr(locked, field)
            if old != value:
                changed[field] = [
                    str(old) if old is not None else None,
                    str(value) if value is not None else None,
                ]
                setattr(locked, field, value)
        if not changed:
            return locked
        locked.version += 1
        locked.save()
        event_add(
            request=locked, kind=RequestEvent.Kind.FIELD, by=by, public=False, data={"changes": changed}
        )
        sla_hooks.on_request_updated(request=locked, changed=changed)
    return locked


def message_add(
    *,
    request: ServiceRequest,
    by: User | None,
    body: str,
    internal: bool = False,
    channel: str = Channel.WEB,
    email_message_id: str = "",
    at: datetime | None = None,
    notify: bool = True,
) -> Message:
    body = (body or "").strip()
    if not body:
        raise InvalidInput({"body": _("内容不能为空。")})
    if len(body) > 20000:
        raise InvalidInput({"body": _("内容太长。")})
    request_access(by, request)
    is_customer = by is not None and by.role == Role.CUSTOMER
    if is_customer and internal:
        raise PermissionDenied(_("客户不能写内部备注。"))
    author_kind = (
        Message.Author.CUSTOMER
        if (is_customer or (by is None and channel == Channel.EMAIL))
        else (Message.Author.SYSTEM if by is None else Message.Author.STAFF)
    )
    now = at or timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            request=request,
            author=by,
            author_kind=author_kind,
            body=body,
            internal=internal,
            channel=channel,
            email_message_id=email_message_id[:255],
            created_at=now,
        )
        updates = ["version", "updated_at"]
        request.version += 1
        if author_kind == Message.Author.STAFF and not internal and request.first_response_at is None:
            request.first_response_at = now
            updates.append("first_response_at")
        ServiceRequest.objects.filter(pk=request.pk).update(
            **{f: getattr(request, f) for f in updates if f != "updated_at"}, updated_at=now
        )
        event_add(
            request=request,
            kind=RequestEvent.Kind.NOTE if internal else RequestEvent.Kind.MESSAGE,
            by=by,
            public=not internal,
            data={"message_id": message.pk, "excerpt": body[:120], "author": author_kind},
            at=now,
        )
        sla_hooks.on_message(request=request, message=message)
        if notify and not internal:
            notify_message(request, message)
    return message


def rating_submit(
    *,
    request: ServiceRequest,
    by: User,
    quality: int,
    speed: int,
    attitude: int,
    professionalism: int,
    price: int,
    comment: str = "",
) -> Rating:
    if by.role != Role.CUSTOMER or request.customer.user_id != by.pk:
        raise PermissionDenied(_("只有提交服务单的客户可以评价。"))
    scores = {
        "quality": quality,
        "speed": speed,
        "attitude": attitude,
        "professionalism": professionalism,
        "price": price,
    }
    errors = {
        k: _("请给出 1 到 5 星。") for k, v in scores.items() if not isinstance(v, int) or not 1 <= v <= 5
    }
    if len(comment or "") > 2000:
        errors["comment"] = _("评价内容最多 2000 字。")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        locked = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != Status.CLOSED:
            raise Conflict(_("验收完成后才能评价。"), {"status": locked.status})
        if Rating.objects.filter(request=locked).exists():
            raise Conflict(_("这张服务单已经评价过了。"), {"rating": _("已评价")})
        rating = Rating.objects.create(
            request=locked, comment=(comment or "").strip(), created_at=timezone.now(), **scores
        )
        event_add(
            request=locked, kind=RequestEvent.Kind.RATING, by=by, data={**scores, "average": rating.average}
        )
    return rating


def request_merge(*, source: ServiceRequest, target: ServiceRequest, by: User) -> ServiceRequest:
    """Fold ``source`` into ``target``: its messages and attachments move, it closes as merged
    (``lifecycle.MERGE``)."""
    request_access(by, source, cap=Cap.MERGE_REQUESTS)
    if source.pk == target.pk:
        raise InvalidInput({"target": _("不能合并到自身。")})
    if source.organization_id != target.organization_id or source.customer_id != target.customer_id:
        raise InvalidInput({"target": _("只能合并同一客户的服务单。")})
    if not source.is_open or not target.is_open:
        raise Conflict(_("只能合并未完成的服务单。"), {"target": _("只能合并未完成的服务单。")})
    with transaction.atomic():
        locked = lock_in_pk_order(source.pk, target.pk)
        locked_source, locked_target = locked[source.pk], locked[target.pk]
        # Checked again under the locks: either one may have closed since it was read.
        if not (lifecycle.MERGE.leaves(locked_source.status) and locked_target.is_open):
            raise Conflict(_("只能合并未完成的服务单。"), {"target": _("只能合并未完成的服务单。")})
        moved = Message.objects.filter(request=locked_source).update(request=locked_target)
        locked_source.attachments.update(request=locked_target)
        old = locked_source.status
        now = timezone.now()
        _move(locked_source, lifecycle.MERGE, now)
        locked_source.merged_into = locked_target
        locked_source.version += 1
        locked_source.save()
        locked_target.version += 1
        locked_target.save(update_fields=["version", "updated_at"])
        event_add(
            request=locked_source,
            kind=RequestEvent.Kind.MERGE,
            by=by,
            from_status=old,
            to_status=lifecycle.MERGE.target,
            data={"into": locked_target.number},
        )
        sla_hooks.on_status_changed(request=locked_source, old=old, at=now)
        event_add(
            request=locked_target,
            kind=RequestEvent.Kind.MERGE,
            by=by,
            data={"from": locked_source.number, "messages": moved},
        )
    return locked_target


def request_split(
    *,
    request: ServiceRequest,
    by: User,
    description: str,
    kind: str | None = None,
    unit: Unit | None = None,
) -> ServiceRequest:
    """A new request for part of this one (another unit, another problem), linked to it."""
    new = request_create(
        organization=request.organization,
        customer=request.customer,
        by=by,
        kind=kind or request.kind,
        channel=request.channel,
        description=description,
        unit=unit if unit is not None else request.unit,
        priority=request.priority,
        fulfilment=request.fulfilment,
        link_to=request,
        allow_duplicate=True,
    )
    event_add(request=request, kind=RequestEvent.Kind.SPLIT, by=by, data={"into": new.number})
    return new


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_canned(body: str, *, request: ServiceRequest, agent: User) -> str:
    """Fill a canned reply's placeholders; unknown ones stay visible so the agent notices."""
    values = _Blank(
        customer_name=request.customer.name,
        number=request.number,
        status=request.get_status_display(),
        agent_name=agent.get_full_name() or agent.username,
        model=str(request.unit.product_model) if request.unit else "",
    )
    try:
        return body.format_map(values)
    except (ValueError, IndexError):
        return body
