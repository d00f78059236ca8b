from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntitlementConfig(AppConfig):
    name = "aftersales.entitlement"
    verbose_name = _("保修、三包与退换货")

    def ready(self) -> None:
        from aftersales.entitlement import event_codes  # noqa: F401 - registers the timeline's sentences
