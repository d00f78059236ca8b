from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StationsConfig(AppConfig):
    name = "aftersales.stations"
    verbose_name = _("服务网点")
