from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "aftersales.accounts"
    verbose_name = _("账号与组织")

    def ready(self) -> None:
        from aftersales.accounts.models import ApiToken, Organization, User
        from aftersales.accounts.settings_area import SettingsSection, register_section
        from aftersales.core.fastpath import changes

        changes.connect(
            Organization, User, ApiToken, use_only={"User": {"last_login"}, "ApiToken": {"last_used_at"}}
        )
        register_section(
            SettingsSection(
                key="tokens",
                label=_("API 令牌"),
                url_name="accounts_settings:tokens",
                icon="bi-key",
                order=80,
                description=_("供 ERP、电商店铺等系统调用 API：只读或读写、可访问的资源、有效期。"),
            )
        )
        register_section(
            SettingsSection(
                key="users",
                label=_("用户与角色"),
                url_name="accounts_settings:users",
                icon="bi-people",
                order=90,
                description=_("邀请员工、分配角色、停用账号、发送重置密码链接。"),
            )
        )
