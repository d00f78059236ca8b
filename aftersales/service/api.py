"""REST endpoints for service requests. Schemas in and out; the work is in services."""

from datetime import datetime
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.models import Role, User
from aftersales.core.errors import InvalidInput, PermissionDenied
from aftersales.core.fastpath.schemas import trusted
from aftersales.core.patching import patch_changes
from aftersales.service import attachments as attach
from aftersales.service import intake, opening, selectors, services
from aftersales.service.models import Attachment, Message, Rating, ServiceRequest

router = Router(tags=["service requests"])

KindLit = Literal[
    "installation",
    "repair",
    "maintenance",
    "return",
    "exchange",
    "refund",
    "extended_warranty",
    "complaint",
    "consultation",
]
ChannelLit = Literal["web", "app", "phone", "email", "chat", "social", "store", "api"]
PriorityLit = Literal["low", "normal", "high", "urgent"]
FulfilmentLit = Literal["onsite", "mail_in", "carry_in"]


class RequestOut(Schema):
    number: str
    organization: str = Field(alias="organization.slug")
    customer_id: int
    customer_name: str = Field(alias="customer.name")
    unit_serial: str | None = None
    kind: str
    channel: str
    priority: str
    status: str
    subject: str
    description: str
    fault_category: str
    fulfilment: str
    address: str = Field(alias="masked_address")
    preferred_start: datetime | None
    preferred_end: datetime | None
    assignee: str | None = None
    linked_to: str | None = None
    merged_into: str | None = None
    reopen_count: int
    version: int
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None

    @staticmethod
    def resolve_unit_serial(obj: ServiceRequest) -> str | None:
        return obj.unit.serial_number if obj.unit_id and obj.unit else None

    @staticmethod
    def resolve_assignee(obj: ServiceRequest) -> str | None:
        return obj.assignee.username if obj.assignee_id and obj.assignee else None

    @staticmethod
    def resolve_linked_to(obj: ServiceRequest) -> str | None:
        return obj.linked_to.number if obj.linked_to_id and obj.linked_to else None

    @staticmethod
    def resolve_merged_into(obj: ServiceRequest) -> str | None:
        return obj.merged_into.number if obj.merged_into_id and obj.merged_into else None


class ContactIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)


class RequestIn(Schema):
    kind: KindLit
    description: str = Field(min_length=1, max_length=5000)
    subject: str = Field("", max_length=200)
    channel: ChannelLit = "api"
    priority: PriorityLit = "normal"
    fault_category: str = Field("", max_length=100)
    fulfilment: FulfilmentLit = "onsite"
    customer_id: int | None = Field(None, description="An existing customer (staff only).")
    contact: ContactIn | None = Field(
        None, description="Find or create the customer by phone or email (staff only)."
    )
    unit_serial: str | None = Field(None, max_length=64)
    address_id: int | None = None
    preferred_start: datetime | None = None
    preferred_end: datetime | None = None
    link_to: str | None = Field(None, description="Number of an open request on the same unit to link to.")
    allow_duplicate: bool = Field(False, description="Create even though the unit has an open request.")


class RequestPatch(Schema):
    version: int = Field(description="The version you read; a stale one answers 409.")
    priority: PriorityLit | None = None
    kind: KindLit | None = None
    subject: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, min_length=1, max_length=5000)
    fault_category: str | None = Field(None, max_length=100)
    fulfilment: FulfilmentLit | None = None
    preferred_start: datetime | None = None
    preferred_end: datetime | None = None


class QueueIn(Schema):
    queue: Literal["", "mine", "unassigned", "open", "all"] = ""
    status: str = ""
    kind: str = ""
    priority: str = ""
    channel: str = ""
    q: str = Field("", description="Number, phone, serial or text")


class TransitionIn(Schema):
    name: str = Field(min_length=1, max_length=40)
    reason: str = Field("", max_length=2000)
    version: int | None = None


class TransitionOut(Schema):
    name: str
    target: str
    needs_reason: bool


class AssignIn(Schema):
    username: str
    reason: str = Field("", max_length=500)
    version: int | None = None


class MessageIn(Schema):
    body: str = Field(min_length=1, max_length=20000)
    internal: bool = False


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str
    created_at: datetime

    @staticmethod
    def resolve_url(obj: Attachment) -> str:
        return f"/requests/attachments/{obj.pk}"


class MessageOut(Schema):
    id: int
    author_kind: str
    author: str | None = None
    body: str
    internal: bool
    channel: str
    created_at: datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_author(obj: Message) -> str | None:
        return obj.author.username if obj.author_id and obj.author else None


class EventOut(Schema):
    kind: str
    actor: str = Field(alias="actor_text")
    from_status: str
    to_status: str
    reason: str = Field(
        description="The reason as stored: typed by a person, or the system's sentence in Chinese."
    )
    code: str = Field(description="The system sentence's code (empty for text people typed).")
    params: dict[str, Any] = Field(description="The code's parameters.")
    text: str = Field(description="The reason in the request's language (Accept-Language).")
    data: dict[str, Any]
    public: bool
    created_at: datetime


class RatingIn(Schema):
    quality: int = Field(ge=1, le=5)
    speed: int = Field(ge=1, le=5)
    attitude: int = Field(ge=1, le=5)
    professionalism: int = Field(ge=1, le=5)
    price: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=2000)


class RatingOut(RatingIn):
    average: float
    created_at: datetime


def _get(request: AuthedRequest, number: str) -> ServiceRequest:
    return selectors.request_for_user(user=request.user, number=number)


def _out(request: AuthedRequest, number: str) -> RequestOut:
    """The request as the API shows it, read fresh (after a change, with its new version)."""
    return trusted(RequestOut, _get(request, number))


@router.post("/requests", response={201: RequestOut})
def create_request(request: AuthedRequest, payload: RequestIn) -> Status[RequestOut]:
    data = payload.dict()
    contact = data.pop("contact")
    created = opening.request_open(
        by=request.user,
        contact=opening.Contact(**contact) if contact else None,
        **data,
    )
    # Everything the response shows is on ``created`` already (its organization, customer, unit
    # and linked request are the objects passed in; nothing in the create changes the row after
    # the number is written), so it is not read back.
    return Status(201, trusted(RequestOut, created))


@router.get("/requests", response=list[RequestOut])
@paginate(LimitOffsetPagination)
def list_requests(request: AuthedRequest, filters: Query[QueueIn]) -> Any:
    return selectors.request_queue(
        user=request.user, f=selectors.QueueFilter(**filters.dict())
    ).select_related("organization")


@router.get("/requests/{number}", response=RequestOut)
def get_request(request: AuthedRequest, number: str) -> RequestOut:
    return _out(request, number)


def _staff_only(request: AuthedRequest) -> None:
    if request.user.role == Role.CUSTOMER:
        raise PermissionDenied(_("只有员工可以执行此操作。"))


@router.patch("/requests/{number}", response=RequestOut)
def update_request(request: AuthedRequest, number: str, payload: RequestPatch) -> RequestOut:
    sr = _get(request, number)
    _staff_only(request)
    changes = patch_changes(payload, ServiceRequest)
    version = changes.pop("version")
    services.request_update(request=sr, by=request.user, version=version, **changes)
    return _out(request, number)


@router.get("/requests/{number}/transitions", response=list[TransitionOut])
def list_transitions(request: AuthedRequest, number: str) -> list[dict[str, Any]]:
    sr = _get(request, number)
    return [
        {"name": t.name, "target": t.target.value, "needs_reason": t.needs_reason}
        for t in selectors.allowed_transitions(user=request.user, request=sr)
    ]


@router.post("/requests/{number}/transitions", response=RequestOut)
def take_transition(request: AuthedRequest, number: str, payload: TransitionIn) -> RequestOut:
    sr = _get(request, number)
    services.request_transition(
        request=sr,
        name=payload.name,
        by=request.user,
        reason=payload.reason,
        version=payload.version,
    )
    return _out(request, number)


@router.post("/requests/{number}/assign", response=RequestOut)
def assign(request: AuthedRequest, number: str, payload: AssignIn) -> RequestOut:
    sr = _get(request, number)
    _staff_only(request)
    assignee = User.objects.filter(username=payload.username, organization_id=sr.organization_id).first()
    if assignee is None:
        raise InvalidInput({"username": _("本组织没有这名员工。")})
    services.request_assign(
        request=sr,
        assignee=assignee,
        by=request.user,
        reason=payload.reason,
        version=payload.version,
    )
    return _out(request, number)


@router.get("/requests/{number}/messages", response=list[MessageOut])
def list_messages(request: AuthedRequest, number: str) -> Any:
    sr = _get(request, number)
    return selectors.messages_for_user(user=request.user, request=sr)


@router.post("/requests/{number}/messages", response={201: MessageOut})
def add_message(request: AuthedRequest, number: str, payload: MessageIn) -> tuple[int, Message]:
    sr = _get(request, number)
    message = services.message_add(
        request=sr,
        by=request.user,
        body=payload.body,
        internal=payload.internal,
        channel="web" if request.user.role == Role.CUSTOMER else "api",
    )
    return 201, message


@router.get("/requests/{number}/events", response=list[EventOut])
def list_events(request: AuthedRequest, number: str) -> Any:
    sr = _get(request, number)
    return selectors.timeline_for_user(user=request.user, request=sr)


@router.get("/requests/{number}/attachments", response=list[AttachmentOut])
def list_attachments(request: AuthedRequest, number: str) -> Any:
    sr = _get(request, number)
    return selectors.attachments_for_user(user=request.user, request=sr)


@router.post("/requests/{number}/attachments", response={201: AttachmentOut})
def add_attachment(
    request: AuthedRequest, number: str, file: File[UploadedFile], internal: Form[bool] = False
) -> tuple[int, Attachment]:
    sr = _get(request, number)
    if internal and request.user.role == Role.CUSTOMER:
        raise PermissionDenied(_("客户不能添加内部附件。"))
    data = attach.read_upload(file)
    return 201, attach.attachment_add(
        request=sr,
        by=request.user,
        name=file.name or "file",
        data=data,
        public=not internal,
    )


@router.get("/requests/{number}/rating", response=RatingOut)
def get_rating(request: AuthedRequest, number: str) -> Rating:
    sr = _get(request, number)
    return Rating.objects.get(request=sr)


@router.post("/requests/{number}/rating", response={201: RatingOut})
def rate(request: AuthedRequest, number: str, payload: RatingIn) -> tuple[int, Rating]:
    sr = _get(request, number)
    return 201, services.rating_submit(request=sr, by=request.user, **payload.dict())


class InboundOut(Schema):
    number: str
    created: bool


@router.post("/inbound/email", response={200: InboundOut, 201: InboundOut})
def inbound_email(request: AuthedRequest) -> tuple[int, dict[str, Any]]:
    """Post a raw RFC 822 message (Content-Type: message/rfc822) from a mail gateway."""
    user: User = request.user
    if user.organization is None or user.role == Role.CUSTOMER:
        raise PermissionDenied(_("只有组织的集成令牌可以提交邮件。"))
    if not request.body:
        raise InvalidInput({"body": _("请把原始邮件作为请求正文发送。")})
    try:
        sr, created = intake.ingest_email(organization=user.organization, raw=request.body)
    except ValueError as exc:
        raise InvalidInput({"body": _("不是 RFC 822 格式的邮件：%(error)s") % {"error": exc}}) from exc
    return (201 if created else 200), {"number": sr.number, "created": created}
