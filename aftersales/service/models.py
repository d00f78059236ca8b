from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization
from aftersales.core import masking
from aftersales.core.fields import EncryptedTextField, stored
from aftersales.customers.models import Customer, Unit
from aftersales.service import event_text
from aftersales.service.lifecycle import Kind, Status

# ``Kind`` and ``Status`` are defined once, with the lifecycle table; the fields use them as choices.


class Channel(models.TextChoices):
    WEB = "web", _("网页")
    APP = "app", _("App")
    PHONE = "phone", _("电话")
    EMAIL = "email", _("邮件")
    CHAT = "chat", _("在线客服")
    SOCIAL = "social", _("社交媒体")
    STORE = "store", _("门店")
    API = "api", _("API")


class Priority(models.TextChoices):
    LOW = "low", _("低")
    NORMAL = "normal", _("普通")
    HIGH = "high", _("高")
    URGENT = "urgent", _("紧急")


class Fulfilment(models.TextChoices):
    ONSITE = "onsite", _("上门")
    MAIL_IN = "mail_in", _("寄修")
    CARRY_IN = "carry_in", _("到店")


# Hot parents. Every create writes rows that point at the same organization and, from one
# integration, the same user. A foreign-key constraint checks each such row by locking its parent
# row (FOR KEY SHARE); with many creates at once PostgreSQL records the overlapping locks as
# multixacts, about a sixth of its CPU per create (``benchmarks/intake.py``). So the keys to the
# organization and to the acting user on the rows every create writes (a request's organization
# and creator, an event's actor, an outbox message's organization) carry no database constraint.
# What a constraint would add is little: they are set from the signed-in user by the code that
# writes them, staff leave by being deactivated, and a deletion through Django (the admin) still
# protects, cascades or clears them (``on_delete``). The keys a request's own rows hold (customer,
# unit, request) keep their constraints.


class ServiceRequest(models.Model):
    """服务单: one after-sales request from first contact to the customer's rating."""

    number = models.CharField(_("单号"), max_length=20)  # unique by a constraint in Meta, see there
    # No single-column indexes on these three: the composite indexes in Meta start with each of
    # them, and every index is one more write on every create.
    # The organization and the creator carry no database constraint (see "Hot parents" above).
    organization = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, db_index=False, db_constraint=False
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="service_requests",
        db_index=False,
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("机器"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_requests",
        db_index=False,
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.NEW)
    subject = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("问题描述"))
    fault_category = models.CharField(_("故障类别"), max_length=100, blank=True)
    fulfilment = models.CharField(
        _("服务方式"), max_length=10, choices=Fulfilment.choices, default=Fulfilment.ONSITE
    )
    # The service address is copied onto the request: a later change of the customer's
    # address must not move a job that is already planned.
    address_region = models.CharField(_("服务地区"), max_length=120, blank=True)
    address_detail = EncryptedTextField(_("服务地址"), blank=True, default="")
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    preferred_start = models.DateTimeField(_("期望开始时间"), null=True, blank=True)
    preferred_end = models.DateTimeField(_("期望结束时间"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_requests",
        db_index=False,
    )
    linked_to = models.ForeignKey(
        "self",
        verbose_name=_("关联服务单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="linked",
        db_index=False,
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("已合并到"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
        db_index=False,
    )
    reopen_count = models.PositiveSmallIntegerField(_("返修次数"), default=0)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        # No database constraint (see "Hot parents" above) and no index: nothing looks requests up
        # by creator but the clearing of it when a user is deleted, which is rare.
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    created_at = models.DateTimeField(_("创建时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    first_response_at = models.DateTimeField(_("首次响应"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("服务单")
        verbose_name_plural = _("服务单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status", "-created_at"]),
            models.Index(fields=["organization", "kind", "status"]),
            models.Index(fields=["customer", "-created_at"]),
            # Partial, as the ones below: a new request has no assignee, and a consultation no
            # unit, so their inserts skip these. "Mine" asks for an assignee and the duplicate
            # check for a unit; the unassigned queue is served by the status index above.
            models.Index(
                fields=["organization", "assignee", "status"],
                condition=Q(assignee__isnull=False),
                name="service_request_org_assignee",
            ),
            models.Index(
                fields=["unit", "status"], condition=Q(unit__isnull=False), name="service_request_unit"
            ),
            # Partial: a new request has none of these, so its insert skips the three indexes.
            # They serve the reverse lookups and a deleted user's or request's SET NULL.
            models.Index(
                fields=["assignee"], condition=Q(assignee__isnull=False), name="service_request_assignee"
            ),
            models.Index(
                fields=["linked_to"], condition=Q(linked_to__isnull=False), name="service_request_linked_to"
            ),
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="service_request_merged_into",
            ),
        ]
        constraints = [
            # A constraint rather than ``unique=True``, which on PostgreSQL adds a second index
            # for LIKE 'prefix%' searches that nothing runs; numbers are matched exactly.
            models.UniqueConstraint(fields=["number"], name="service_request_number_unique"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.CLOSED, Status.CANCELLED)

    @property
    def masked_address(self) -> str:
        return masking.mask_address(self.address_region, stored(self, "address_detail"))


# How the system signed events before they were rendered at display time.
SYSTEM_LABELS = frozenset({"", "系统", "System"})


class RequestEvent(models.Model):
    """One line of a request's timeline and audit trail."""

    class Kind(models.TextChoices):
        CREATED = "created", _("创建")
        STATUS = "status", _("状态变更")
        ASSIGNMENT = "assignment", _("派单")
        MESSAGE = "message", _("回复")
        NOTE = "note", _("内部备注")
        ATTACHMENT = "attachment", _("附件")
        FIELD = "field", _("字段修改")
        LINK = "link", _("关联")
        MERGE = "merge", _("合并")
        SPLIT = "split", _("拆分")
        RATING = "rating", _("评价")
        SLA = "sla", _("时效")
        NOTIFY = "notify", _("通知")

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # No database constraint (see "Hot parents" above) and no index: events are read through
    # their request, and the one lookup by actor, clearing it when a user is deleted, is rare.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    actor_label = models.CharField(max_length=100, blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    # A system-written sentence as a code and its parameters (``service.event_text``), rendered
    # in the reader's language; ``reason`` then keeps the Chinese sentence for raw readers.
    # Empty for text people typed, which ``reason`` holds as typed.
    code = models.CharField(max_length=60, blank=True)
    params = models.JSONField(default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Internal notes, field edits and assignments to named staff stay off the customer's view.
    public = models.BooleanField(default=True)
    created_at = models.DateTimeField()  # ordered within a request: the request's index serves

    class Meta:
        verbose_name = _("服务单事件")
        verbose_name_plural = _("服务单事件")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def text(self) -> str:
        """The reason in the active language: rendered from the code, or as typed."""
        if self.code:
            return event_text.render(self.code, self.params, fallback=self.reason)
        return self.reason

    @property
    def actor_text(self) -> str:
        """Who, in the active language: the system's label was stored in the writer's language."""
        if self.actor_id is None and self.actor_label in SYSTEM_LABELS:
            return str(_("系统"))
        return self.actor_label


class Message(models.Model):
    class Author(models.TextChoices):
        CUSTOMER = "customer", _("客户")
        STAFF = "staff", _("客服")
        SYSTEM = "system", _("系统")

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_kind = models.CharField(max_length=10, choices=Author.choices)
    body = models.TextField(_("内容"))
    internal = models.BooleanField(_("内部备注"), default=False)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    email_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


def _attachment_path(instance: Attachment, filename: str) -> str:
    return f"requests/{instance.request.organization_id}/{instance.request_id}/{filename}"


class Attachment(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(upload_to=_attachment_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    public = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def _stars() -> list[MinValueValidator | MaxValueValidator]:
    return [MinValueValidator(1), MaxValueValidator(5)]


class Rating(models.Model):
    """The customer's rating of finished work, five dimensions of 1–5 stars."""

    request = models.OneToOneField(ServiceRequest, on_delete=models.CASCADE, related_name="rating")
    quality = models.PositiveSmallIntegerField(_("服务质量"), validators=_stars())
    speed = models.PositiveSmallIntegerField(_("响应速度"), validators=_stars())
    attitude = models.PositiveSmallIntegerField(_("服务态度"), validators=_stars())
    professionalism = models.PositiveSmallIntegerField(_("专业水平"), validators=_stars())
    price = models.PositiveSmallIntegerField(_("收费合理"), validators=_stars())
    comment = models.TextField(_("评价内容"), blank=True)
    created_at = models.DateTimeField()

    DIMENSIONS = ("quality", "speed", "attitude", "professionalism", "price")

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        constraints = [
            models.CheckConstraint(
                name="rating_stars_1_to_5",
                condition=models.Q(
                    quality__range=(1, 5),
                    speed__range=(1, 5),
                    attitude__range=(1, 5),
                    professionalism__range=(1, 5),
                    price__range=(1, 5),
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.average:.1f}"

    @property
    def average(self) -> float:
        return sum(getattr(self, d) for d in self.DIMENSIONS) / len(self.DIMENSIONS)


class CannedReply(models.Model):
    """A reply agents reuse; placeholders such as {customer_name} and {number} are filled in."""

    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(
        _("内容"), help_text=_("可用占位符：{customer_name} {number} {status} {agent_name} {model}")
    )

    class Meta:
        verbose_name = _("快捷回复")
        verbose_name_plural = _("快捷回复")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


def _pending_path(instance: PendingUpload, filename: str) -> str:
    return f"pending/{instance.owner_id}/{instance.token}/{filename}"


class PendingUpload(models.Model):
    """A file uploaded with a form that came back (a warning to confirm, an error to fix).

    Kept server-side, keyed to the user and the form's token, so the re-shown form lists it and
    the confirming submit attaches it; what is never claimed is removed by a job.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=43)
    field = models.CharField(max_length=30)
    file = models.FileField(upload_to=_pending_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("待提交的附件")
        verbose_name_plural = _("待提交的附件")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["owner", "token"], name="service_pending_owner_token")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
