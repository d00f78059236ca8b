from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "aftersales.service"
    verbose_name = _("服务单")

    def ready(self) -> None:
        # Registers how the delivery job expands a request's notices (``outbox.expands``).
        from aftersales.accounts.settings_area import SettingsSection, register_section
        from aftersales.service import (
            event_codes,  # noqa: F401 - registers the timeline's sentences
            notify,  # noqa: F401
        )

        register_section(
            SettingsSection(
                key="canned_replies",
                label=_("快捷回复"),
                url_name="canned:list",
                icon="bi-chat-left-quote",
                order=70,
                description=_("客服回复时一键插入的常用话术，支持客户姓名、单号等占位符。"),
            )
        )
