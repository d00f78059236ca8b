from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization
from aftersales.catalog.models import ProductModel
from aftersales.core import masking
from aftersales.core.fields import EncryptedTextField, PhoneTailHashField, stored


class Customer(models.Model):
    """A person as one organization knows them.

    The same person buying from two organizations is two rows (each organization owns its
    records), tied together by ``user`` once they log in to the portal.
    """

    class Tier(models.TextChoices):
        STANDARD = "standard", _("普通")
        SILVER = "silver", _("银卡")
        GOLD = "gold", _("金卡")
        VIP = "vip", _("VIP")

    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    name = models.CharField(_("姓名"), max_length=100)
    phone = EncryptedTextField(_("手机号"))
    phone_hash = models.CharField(max_length=64, db_index=True, editable=False)
    # "尾号1234" and "138****1234", the way a caller gives their number: see crypto.phone_tail_hash.
    phone_tail_hash = PhoneTailHashField()
    email = models.EmailField(_("邮箱"), blank=True)
    id_number = EncryptedTextField(_("证件号码"), blank=True, default="")
    tier = models.CharField(_("等级"), max_length=10, choices=Tier.choices, default=Tier.STANDARD)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("门户账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer_records",
    )
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "name"]),
            models.Index(fields=["organization", "email"]),
            # A last-4 search reads ~n/10,000 rows of one organization through this, not all of them.
            models.Index(fields=["organization", "phone_tail_hash"], name="customer_org_phone_tail"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organization", "phone_hash"], name="one_customer_per_phone")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return masking.mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return masking.mask_id_number(self.id_number)


class CustomerAddress(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="addresses"
    )
    label = models.CharField(_("标签"), max_length=40, blank=True, help_text=_("如：家、公司"))
    # Region parts stay in clear text: routing, coverage and fault analysis group by them.
    province = models.CharField(_("省"), max_length=40)
    city = models.CharField(_("市"), max_length=40)
    district = models.CharField(_("区县"), max_length=40, blank=True)
    detail = EncryptedTextField(_("详细地址"))
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    is_default = models.BooleanField(_("默认地址"), default=False)

    class Meta:
        verbose_name = _("客户地址")
        verbose_name_plural = _("客户地址")
        ordering = ["-is_default", "id"]

    def __str__(self) -> str:
        return self.masked

    @property
    def region(self) -> str:
        parts = [self.province, self.city, self.district]
        # Municipalities repeat themselves (北京市北京市); say it once.
        out: list[str] = []
        for part in parts:
            if part and part not in out:
                out.append(part)
        return "".join(out)

    @property
    def masked(self) -> str:
        return masking.mask_address(self.region, stored(self, "detail"))

    @property
    def full(self) -> str:
        return self.region + self.detail


class Unit(models.Model):
    """One sold item, known by its serial number."""

    class SalesChannel(models.TextChoices):
        ONLINE = "online", _("线上")
        OFFLINE = "offline", _("线下")

    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    product_model = models.ForeignKey(ProductModel, verbose_name=_("型号"), on_delete=models.PROTECT)
    serial_number = models.CharField(_("序列号"), max_length=64)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units",
    )
    purchase_date = models.DateField(_("购买日期"))
    delivery_date = models.DateField(_("签收日期"), null=True, blank=True)
    invoice_number = models.CharField(_("发票号"), max_length=64, blank=True)
    invoice_amount = models.DecimalField(
        _("发票金额"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    sales_channel = models.CharField(
        _("销售渠道"), max_length=10, choices=SalesChannel.choices, default=SalesChannel.OFFLINE
    )
    store = models.CharField(_("门店/店铺"), max_length=200, blank=True)
    order_number = models.CharField(_("订单号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("机器")
        verbose_name_plural = _("机器")
        ordering = ["-purchase_date", "-id"]
        indexes = [
            models.Index(fields=["serial_number"]),
            models.Index(fields=["organization", "invoice_number"]),
            models.Index(fields=["organization", "order_number"], name="unit_org_order_number"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["product_model", "serial_number"], name="serial_unique_per_model"
            ),
            models.CheckConstraint(
                name="delivery_not_before_purchase",
                condition=models.Q(delivery_date__isnull=True)
                | models.Q(delivery_date__gte=models.F("purchase_date")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_model.model_number} #{self.serial_number}"


class ImportJob(models.Model):
    """An uploaded sales file and how far its import has got."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        REJECTED = "rejected", _("有错误，未导入")
        FAILED = "failed", _("失败")

    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT
    )
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("文件名"), max_length=255)
    mode = models.CharField(_("模式"), max_length=20, default="all_or_nothing")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(_("阶段"), max_length=20, blank=True)
    processed = models.PositiveIntegerField(_("已处理"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    errors = models.JSONField(_("错误行"), default=list, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename

    @property
    def percent(self) -> int:
        if self.status in (self.Status.DONE, self.Status.REJECTED):
            return 100
        return int(self.processed * 100 / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REJECTED, self.Status.FAILED)
