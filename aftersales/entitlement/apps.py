from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntitlementConfig(AppConfig):
    name = "aftersales.entitlement"
    verbose_name = _("保修、三包与退换货")

    def ready(self) -> None:
        from aftersales.accounts.settings_area import SettingsSection, register_section
        from aftersales.dispatch import charges
        from aftersales.entitlement import event_codes  # noqa: F401 - registers the timeline's sentences
        from aftersales.entitlement.cover import repair_cover

        charges.cover_check_register(repair_cover)

        register_section(
            SettingsSection(
                key="entitlement",
                label=_("三包与退换货规则"),
                url_name="entitlement_settings:index",
                icon="bi-shield-check",
                order=40,
                description=_(
                    "各品类的折旧率、网购无理由退货适用范围、汽车使用补偿系数与本机构承诺；节假日是否顺延。"
                ),
            )
        )
