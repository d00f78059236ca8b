from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "aftersales.notifications"
    verbose_name = _("通知与 Webhook")

    def ready(self) -> None:
        from aftersales.accounts.config import watch
        from aftersales.accounts.settings_area import SettingsSection, register_section
        from aftersales.notifications.models import WebhookSubscription

        watch(WebhookSubscription)  # request creates cache the subscriptions per process
        register_section(SettingsSection(
            key="outbox", label=_("发送设置"), url_name="outbox:settings", icon="bi-send", order=60,
            description=_("邮件发件人名称、回复地址、短信签名和失败重试。")))
