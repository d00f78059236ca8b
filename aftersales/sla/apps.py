from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "aftersales.sla"
    verbose_name = _("服务时效")

    def ready(self) -> None:
        from aftersales.sla import (
            event_codes,  # noqa: F401 - registers the timeline's sentences
            signals,  # noqa: F401 - registers the policy-cache receivers
        )
