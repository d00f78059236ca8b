from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_config_stamp() -> int:
    """A settings stamp no earlier state of any organization had (62 random bits; see
    ``aftersales.accounts.config``)."""
    return secrets.randbits(62)


class Organization(models.Model):
    class Kind(models.TextChoices):
        BRAND = "brand", _("品牌商")
        MERCHANT = "merchant", _("电商商家")
        DEALER = "dealer", _("经销商集团")

    name = models.CharField(_("名称"), max_length=200, unique=True)
    slug = models.SlugField(_("代码"), max_length=50, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.BRAND)
    timezone = models.CharField(_("时区"), max_length=64, default="Asia/Shanghai")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Replaced whenever the settings a create reads change (calendars, policies, stations,
    # webhooks): the key of each process's cache of them, see ``aftersales.accounts.config``.
    config_stamp = models.BigIntegerField(default=new_config_stamp, editable=False)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CUSTOMER = "customer", _("消费者")
    AGENT = "agent", _("客服")
    DISPATCHER = "dispatcher", _("派单员")
    TECHNICIAN = "technician", _("工程师")
    PARTS_MANAGER = "parts_manager", _("备件管理员")
    QUALITY_MANAGER = "quality_manager", _("质量经理")
    ORG_ADMIN = "org_admin", _("组织管理员")
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.CUSTOMER)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("员工所属组织；消费者和平台管理员为空。"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            # Organization staff must belong to an organization; customers and platform admins
            # must not, so access rules never have to guess.
            models.CheckConstraint(
                name="user_org_matches_role",
                condition=(
                    models.Q(role__in=["customer", "platform_admin"], organization__isnull=True)
                    | (
                        ~models.Q(role__in=["customer", "platform_admin"])
                        & models.Q(organization__isnull=False)
                    )
                ),
            )
        ]

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_platform_admin(self) -> bool:
        return self.role == Role.PLATFORM_ADMIN

    @property
    def is_org_staff(self) -> bool:
        return self.organization_id is not None


class ApiToken(models.Model):
    """A secret for integrations. Only its hash is stored; the clear value is shown once.

    What it may do is the user's role narrowed by the token's own scope: read-only or read-write,
    all resources or some (``aftersales.accounts.scopes``), until ``expires_at`` if set.
    """

    class Access(models.TextChoices):
        READ = "read", _("只读")
        READ_WRITE = "read_write", _("读写")

    organization = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    user = models.ForeignKey(
        User, verbose_name=_("代表用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    access = models.CharField(_("权限"), max_length=10, choices=Access.choices, default=Access.READ_WRITE)
    all_resources = models.BooleanField(_("全部资源"), default=True)
    resources = models.JSONField(
        _("资源"), default=list, blank=True, help_text=_("全部资源为否时，令牌只能访问这些资源。")
    )
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class SettingsChange(models.Model):
    """One change an organization admin made to the organization's settings: the settings log.

    Written by ``aftersales.accounts.settings_log.settings_change_log`` in the same transaction as
    the change, so the log never shows a change that did not happen or misses one that did.
    """

    organization = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="settings_changes"
    )
    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area = models.CharField(_("设置项"), max_length=40)
    action = models.CharField(_("操作"), max_length=20)
    target = models.CharField(_("对象"), max_length=200)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("设置变更")
        verbose_name_plural = _("设置日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organization", "-at"], name="settings_change_org_at")]

    def __str__(self) -> str:
        return f"{self.area} {self.action} {self.target}"
