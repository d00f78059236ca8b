from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "aftersales.dispatch"
    verbose_name = _("派单与上门服务")

    def ready(self) -> None:
        from aftersales.dispatch import event_codes  # noqa: F401 - registers the timeline's sentences
