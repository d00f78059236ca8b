from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "aftersales.sla"
    verbose_name = _("服务时效")

    def ready(self) -> None:
        from aftersales.accounts.settings_area import SettingsSection, register_section
        from aftersales.sla import (
            event_codes,  # noqa: F401 - registers the timeline's sentences
            signals,  # noqa: F401 - registers the policy-cache receivers
        )

        register_section(
            SettingsSection(
                key="sla",
                label=_("服务时效"),
                url_name="sla:settings-policies",
                icon="bi-stopwatch",
                order=20,
                description=_(
                    "时效政策按服务类型、渠道、优先级和品类匹配服务单，规定首次响应、上门、解决等时限。"
                ),
            )
        )
        register_section(
            SettingsSection(
                key="calendars",
                label=_("服务日历"),
                url_name="sla:settings-calendars",
                icon="bi-calendar3",
                order=22,
                description=_("工作时段、法定节假日和调休上班日；按工作时间计时的期限只在工作时段内走。"),
            )
        )
        register_section(
            SettingsSection(
                key="escalation",
                label=_("升级规则"),
                url_name="sla:settings-escalation",
                icon="bi-bell",
                order=24,
                description=_("用到时限的多少时通知谁、提高优先级或改派；超时后逐级升级。"),
            )
        )
