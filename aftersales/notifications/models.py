from __future__ import annotations

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
        "WebhookSubscription", null=True, blank=True, on_delete=models.CASCADE, related_name="outbox", db_index=False
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
            models.Index(fields=["subscription"], condition=Q(subscription__isnull=False), name="outbox_subscription"),
        ]
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], name="outbox_dedupe_key_unique")]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient} ({self.status})"


class WebhookSubscription(models.Model):
    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    url = models.URLField(_("地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=100, help_text=_("用于 HMAC-SHA256 签名 X-Aftersales-Signature。"))
    events = models.JSONField(
        _("事件"), default=list, blank=True, help_text=_("留空表示全部，如 [\"request.status_changed\"]。")
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
