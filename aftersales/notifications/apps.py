from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "aftersales.notifications"
    verbose_name = _("通知与 Webhook")

    def ready(self) -> None:
        from aftersales.accounts import mail
        from aftersales.accounts.config import watch
        from aftersales.notifications import outbox
        from aftersales.notifications.models import WebhookSubscription

        watch(WebhookSubscription)  # request creates cache the subscriptions per process
        mail.register(outbox.queue_email)  # invitations and password resets go through the outbox
