from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization
from aftersales.core.fields import EncryptedTextField


class OutboxMessage(models.Model):
    """Something to send outside the process, written in the same transaction as its cause.

    A background job delivers it at least once; ``dedupe_key`` keeps the same event from being
    queued twice, and receivers deduplicate on the event id they get.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("邮件")
        SMS = "sms", _("短信")
        WEBHOOK = "webhook", _("Webhook")
        # One row for everything an event sends, expanded into the rows above by the delivery
        # job (``outbox.expand_notices``).
        NOTICE = "notice", _("事件通知")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("失败")

    # No database constraint: see "Hot parents" in ``aftersales/service/models.py``.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, db_constraint=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    dedupe_key = models.CharField(max_length=200)  # unique by a constraint in Meta: no LIKE index
    # For SMS this is the masked number; the number itself is kept encrypted beside it.
    recipient = models.CharField(max_length=500)
    recipient_phone = EncryptedTextField(blank=True, default="")
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    subscription = models.ForeignKey(
        "WebhookSubscription",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbox",
        db_index=False,
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()  # indexed with status in Meta, as the delivery job reads it
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            # Partial: emails and texts have no subscription and skip it.
            models.Index(
                fields=["subscription"], condition=Q(subscription__isnull=False), name="outbox_subscription"
            ),
        ]
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], name="outbox_dedupe_key_unique")]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient} ({self.status})"


class WebhookSubscription(models.Model):
    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    url = models.URLField(_("地址"), max_length=500)
    secret = models.CharField(
        _("签名密钥"), max_length=100, help_text=_("用于 HMAC-SHA256 签名 X-Aftersales-Signature。")
    )
    events = models.JSONField(
        _("事件"), default=list, blank=True, help_text=_('留空表示全部，如 ["request.status_changed"]。')
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Webhook 订阅")
        verbose_name_plural = _("Webhook 订阅")

    def __str__(self) -> str:
        return self.url

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


class DeliveryAttempt(models.Model):
    """One try at delivering an outbox message: the log admins read when a receiver complains."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="deliveries")
    attempted_at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        ordering = ["-attempted_at"]

    def __str__(self) -> str:
        return f"{self.message_id} {'ok' if self.ok else 'failed'}"


class OutboxSettings(models.Model):
    """How an organization's email and SMS leave: sender, signature, how long to keep trying.

    Organizations without a row use the defaults below (the deployment's ``DEFAULT_FROM_EMAIL``
    with no display name, no SMS signature, 8 tries from 30 seconds apart up to 6 hours apart).
    """

    organization = models.OneToOneField(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="outbox_settings"
    )
    email_sender_name = models.CharField(
        _("邮件发件人名称"),
        max_length=60,
        blank=True,
        help_text=_("收件人看到的发件人，如“Acme 客服中心”；地址仍是部署配置的发信地址。"),
    )
    email_reply_to = models.EmailField(
        _("回复地址"), blank=True, help_text=_("客户点“回复”时寄往的地址，如客服邮箱；留空则回复到发信地址。")
    )
    sms_signature = models.CharField(
        _("短信签名"),
        max_length=12,
        blank=True,
        help_text=_(
            "2–12 个字，不含【】，发送时自动加在短信开头，如【Acme家电】；须与短信服务商处报备的签名一致。"
        ),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("最多尝试次数"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("邮件、短信和 Webhook 投递失败后重试，达到次数后标为失败。"),
    )
    retry_first_seconds = models.PositiveIntegerField(
        _("首次重试间隔（秒）"),
        default=30,
        validators=[MinValueValidator(10), MaxValueValidator(3600)],
        help_text=_("之后每次间隔翻倍。"),
    )
    retry_max_hours = models.PositiveSmallIntegerField(
        _("最长重试间隔（小时）"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(48)],
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("发送设置")
        verbose_name_plural = _("发送设置")

    def __str__(self) -> str:
        return str(self.organization)

    def clean(self) -> None:
        signature = self.sms_signature.strip()
        if signature and ("【" in signature or "】" in signature or "[" in signature or "]" in signature):
            raise ValidationError({"sms_signature": _("签名不要包含【】，发送时会自动加上。")})
        if signature and len(signature) < 2:
            raise ValidationError({"sms_signature": _("签名至少 2 个字。")})
        if (
            self.retry_first_seconds
            and self.retry_max_hours
            and self.retry_first_seconds > self.retry_max_hours * 3600
        ):
            raise ValidationError({"retry_first_seconds": _("首次重试间隔不能长于最长重试间隔。")})

    def signed(self, text: str) -> str:
        """``text`` with the signature in front, unless it already starts with one."""
        if not self.sms_signature or text.startswith("【"):
            return text
        return f"【{self.sms_signature}】{text}"
