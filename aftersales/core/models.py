from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RevealLog(models.Model):
    """Who saw which piece of personal data in full, when and why."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.PROTECT)
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("组织"), null=True, blank=True, on_delete=models.PROTECT
    )
    object_type = models.CharField(_("对象类型"), max_length=50)
    object_id = models.CharField(_("对象"), max_length=64)
    field = models.CharField(_("字段"), max_length=50)
    reason = models.CharField(_("原因"), max_length=200)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("敏感信息查看记录")
        verbose_name_plural = _("敏感信息查看记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.object_type}:{self.object_id}.{self.field}"


class IdempotencyKey(models.Model):
    """The first response to a POST with an ``Idempotency-Key``, replayed for repeats."""

    # Who sent it: a hash of the bearer token, or the session's user; keys are per client.
    principal = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    endpoint = models.CharField(max_length=200)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotency_key_per_client")
        ]

    def __str__(self) -> str:
        return self.key
