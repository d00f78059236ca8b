from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StationsConfig(AppConfig):
    name = "aftersales.stations"
    verbose_name = _("服务网点")

    def ready(self) -> None:
        from aftersales.accounts.config import watch
        from aftersales.stations.models import ServiceStation

        watch(ServiceStation)  # request creates cache the coverage per process
