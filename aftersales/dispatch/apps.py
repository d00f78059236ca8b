from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "aftersales.dispatch"
    verbose_name = _("派单与上门服务")

    def ready(self) -> None:
        from aftersales.accounts.settings_area import SettingsSection, register_section
        from aftersales.dispatch import event_codes  # noqa: F401 - registers the timeline's sentences

        register_section(
            SettingsSection(
                key="assignment",
                label=_("派单规则"),
                url_name="dispatch:settings-assignment",
                icon="bi-diagram-3",
                order=30,
                description=_("自动派单、预约时段、收费标准，以及某类工作需要的技能资质。"),
            )
        )
        register_section(
            SettingsSection(
                key="technicians",
                label=_("工程师档案"),
                url_name="dispatch:settings-technicians",
                icon="bi-person-gear",
                order=35,
                description=_(
                    "工程师的所属网点、每日上门上限、技能与资质；新邀请的工程师在这里建立档案后才能接单。"
                ),
            )
        )
        register_section(
            SettingsSection(
                key="map",
                label=_("地图"),
                url_name="dispatch:settings-map",
                icon="bi-map",
                order=70,
                description=_("派单看板地图使用的瓦片服务（高德、天地图或 OpenStreetMap）及其密钥。"),
            )
        )
