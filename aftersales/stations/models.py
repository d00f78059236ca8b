from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization


class ServiceStation(models.Model):
    """A place technicians start from and customers can carry units to (服务网点)."""

    organization = models.ForeignKey(Organization, verbose_name=_("组织"), on_delete=models.CASCADE)
    code = models.SlugField(_("代码"), max_length=50)
    name = models.CharField(_("名称"), max_length=200)
    province = models.CharField(_("省"), max_length=40)
    city = models.CharField(_("市"), max_length=40)
    district = models.CharField(_("区县"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200)
    latitude = models.FloatField(_("纬度"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(_("经度"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    service_radius_km = models.PositiveIntegerField(_("服务半径（公里）"), default=30)
    daily_capacity = models.PositiveIntegerField(_("每日上门能力"), default=40)
    accepts_carry_in = models.BooleanField(_("接受到店送修"), default=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("服务网点")
        verbose_name_plural = _("服务网点")
        ordering = ["organization", "city", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="station_code_per_org")]

    def __str__(self) -> str:
        return self.name
