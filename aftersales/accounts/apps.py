from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "aftersales.accounts"
    verbose_name = _("账号与组织")

    def ready(self) -> None:
        from aftersales.accounts import changes

        changes.connect()
