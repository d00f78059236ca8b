"""What the customer and integrators hear about a request, written to the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from aftersales.notifications import outbox
from aftersales.service.models import Kind, ServiceRequest

if TYPE_CHECKING:
    from aftersales.notifications.models import OutboxMessage
    from aftersales.service.models import Message

STATUS_TEXT = {
    "new": "已收到",
    "accepted": "已受理",
    "assigned": "已安排工程师",
    "scheduled": "已预约上门时间",
    "in_progress": "正在处理",
    "awaiting_parts": "正在等待备件",
    "awaiting_customer": "需要您补充信息",
    "resolved": "已处理完成，请验收",
    "reopened": "已重新处理（返修）",
    "closed": "已完成",
    "cancelled": "已取消",
}


def request_payload(request: ServiceRequest) -> dict[str, Any]:
    return {
        "number": request.number,
        "kind": request.kind,
        "status": request.status,
        "priority": request.priority,
        "channel": request.channel,
        "customer_id": request.customer_id,
        "unit_serial": request.unit.serial_number if request.unit_id and request.unit else None,
        "version": request.version,
        "updated_at": request.updated_at.isoformat() if request.updated_at else None,
    }


def _customer_messages(
    request: ServiceRequest, key: str, text: str, status: str
) -> list[OutboxMessage | None]:
    customer = request.customer
    org = request.organization
    subject = f"【{org.name}】服务单 {request.number}：{STATUS_TEXT.get(status, status)}"
    body = f"{customer.name}，您好：\n\n{text}\n\n服务单号：{request.number}\n\n{org.name} 售后服务"
    return [
        outbox.email_message(organization=org, key=key, to=customer.email, subject=subject, body=body),
        outbox.sms_message(
            organization=org, key=key, phone=customer.phone, text=f"【{org.name}】{text} 单号{request.number}"
        ),
    ]


# A request's change is written as one notice (see ``outbox.notice``) holding what the change
# was: the event, the request's state for webhooks, and when. ``expand`` writes the messages
# from it in the delivery job, to the customer's email and phone as they are then.


def _notice(
    request: ServiceRequest, key: str, event: str, data: dict[str, Any], at: datetime
) -> OutboxMessage:
    return outbox.notice(
        organization=request.organization,
        source="request",
        key=key,
        label=request.number,
        request=request.pk,
        event=event,
        data=data,
        at=at.isoformat(),
    )


def notify_created(request: ServiceRequest) -> None:
    """Inside the create's unit of work the notice goes in with its other rows (``outbox.put_all``)."""
    outbox.put_all(
        [
            _notice(
                request,
                f"request:{request.pk}:created",
                "request.created",
                request_payload(request),
                request.created_at,
            )
        ]
    )


def notify_status(request: ServiceRequest, old_status: str) -> None:
    outbox.put_all(
        [
            _notice(
                request,
                f"request:{request.pk}:v{request.version}:status",
                "request.status_changed",
                {**request_payload(request), "from_status": old_status},
                request.updated_at,
            )
        ]
    )


@outbox.expands("request")
def expand(notice: OutboxMessage) -> list[OutboxMessage | None]:
    """The email and SMS to the customer and a webhook per subscription; nothing when the request
    is gone."""
    payload = notice.payload
    request = (
        ServiceRequest.objects.select_related("customer", "organization")
        .filter(pk=payload["request"])
        .first()
    )
    if request is None:
        return []
    key, data = payload["key"], payload["data"]
    status = data["status"]
    if payload["event"] == "request.created":
        text = f"我们已收到您的{Kind(request.kind).label}申请，将尽快处理。"
    else:
        text = f"您的服务单状态更新为：{STATUS_TEXT.get(status, status)}。"
    return [
        *_customer_messages(request, key, text, status),
        *outbox.webhook_messages(
            organization=request.organization,
            event=payload["event"],
            key=key,
            data=data,
            at=payload.get("at"),
        ),
    ]


def notify_message(request: ServiceRequest, message: Message) -> None:
    key = f"message:{message.pk}"
    if message.author_kind == "staff":
        org = request.organization
        outbox.queue_email(
            organization=org,
            key=key,
            to=request.customer.email,
            subject=f"【{org.name}】服务单 {request.number} 有新回复",
            body=f"{message.body}\n\n回复此邮件即可继续沟通（请保留主题中的单号 {request.number}）。",
        )
    outbox.queue_webhooks(
        organization=request.organization,
        event="request.message",
        key=key,
        data={
            **request_payload(request),
            "message": {"id": message.pk, "author": message.author_kind, "body": message.body},
        },
    )
