from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization


class ProductCategory(models.Model):
    class Kind(models.TextChoices):
        GOODS = "goods", _("一般商品")
        CAR = "car", _("家用汽车")

    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    code = models.SlugField(_("代码"), max_length=50)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("三包类别"), max_length=10, choices=Kind.choices, default=Kind.GOODS)
    # Defaults for new models in the category; each model can differ.
    whole_unit_months = models.PositiveSmallIntegerField(_("整机保修（月）"), default=12)
    main_parts_months = models.PositiveSmallIntegerField(_("主要部件保修（月）"), default=36)

    class Meta:
        verbose_name = _("产品品类")
        verbose_name_plural = _("产品品类")
        ordering = ["organization", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="category_code_per_org")]

    def __str__(self) -> str:
        return self.name


class ProductModel(models.Model):
    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    category = models.ForeignKey(ProductCategory, verbose_name=_("品类"), on_delete=models.PROTECT)
    brand = models.CharField(_("品牌"), max_length=100)
    model_number = models.CharField(_("型号"), max_length=100)
    name = models.CharField(_("名称"), max_length=200)
    list_price = models.DecimalField(
        _("指导价"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    whole_unit_months = models.PositiveSmallIntegerField(_("整机保修（月）"))
    main_parts_months = models.PositiveSmallIntegerField(_("主要部件保修（月）"))
    is_active = models.BooleanField(_("在售"), default=True)

    class Meta:
        verbose_name = _("产品型号")
        verbose_name_plural = _("产品型号")
        ordering = ["brand", "model_number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "model_number"], name="model_number_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.model_number}"


class SparePart(models.Model):
    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    part_number = models.CharField(_("备件编号"), max_length=64)
    name = models.CharField(_("名称"), max_length=200)
    price = models.DecimalField(
        _("价格"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    is_main_part = models.BooleanField(
        _("主要部件"), default=False, help_text=_("主要部件适用主要部件保修期。")
    )
    fits = models.ManyToManyField(
        ProductModel, verbose_name=_("适用型号"), related_name="spare_parts", blank=True
    )

    class Meta:
        verbose_name = _("备件")
        verbose_name_plural = _("备件")
        ordering = ["part_number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "part_number"], name="part_number_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.part_number} {self.name}"


class PartWarrantyOverride(models.Model):
    """A part of one model whose warranty differs from the model's terms (e.g. a compressor)."""

    product_model = models.ForeignKey(
        ProductModel, verbose_name=_("型号"), on_delete=models.CASCADE, related_name="part_overrides"
    )
    spare_part = models.ForeignKey(SparePart, verbose_name=_("备件"), on_delete=models.CASCADE)
    months = models.PositiveSmallIntegerField(_("保修（月）"))

    class Meta:
        verbose_name = _("部件保修例外")
        verbose_name_plural = _("部件保修例外")
        constraints = [
            models.UniqueConstraint(fields=["product_model", "spare_part"], name="one_override_per_part")
        ]

    def __str__(self) -> str:
        return f"{self.product_model} / {self.spare_part}: {self.months}"
