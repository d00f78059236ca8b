from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "aftersales.notifications"
    verbose_name = _("通知与 Webhook")

    def ready(self) -> None:
        from aftersales.accounts import mail
        from aftersales.accounts.config import watch
        from aftersales.accounts.settings_area import SettingsSection, register_section
        from aftersales.notifications import outbox
        from aftersales.notifications.models import WebhookSubscription

        watch(WebhookSubscription)  # request creates cache the subscriptions per process
        mail.register(outbox.queue_email)  # invitations and password resets go through the outbox
        register_section(
            SettingsSection(
                key="webhooks",
                label=_("Webhook"),
                url_name="webhooks:list",
                icon="bi-broadcast",
                order=60,
                description=_("事件推送到您的系统：地址、签名密钥、事件、测试发送和投递记录。"),
            )
        )
        register_section(
            SettingsSection(
                key="outbox",
                label=_("发送设置"),
                url_name="outbox:settings",
                icon="bi-send",
                order=65,
                description=_("邮件发件人名称、回复地址、短信签名和失败重试。"),
            )
        )
