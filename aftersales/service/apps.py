from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "aftersales.service"
    verbose_name = _("服务单")

    def ready(self) -> None:
        # Registers how the delivery job expands a request's notices (``outbox.expands``).
        from aftersales.service import (
            event_codes,  # noqa: F401 - registers the timeline's sentences
            notify,  # noqa: F401
        )
