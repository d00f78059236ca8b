"""Forms of the organization admin's SLA settings. They validate and name the field; the
services in ``aftersales.sla.settings_services`` write."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization, Role, User
from aftersales.catalog.models import ProductCategory
from aftersales.customers.models import Customer
from aftersales.service.models import Channel, Kind, Priority, Status
from aftersales.sla.calendar import Hours
from aftersales.sla.models import CalendarDay, EscalationRule, Metric, ServiceCalendar, SlaPolicy, TimeBasis
from aftersales.sla.models.calendars import WEEKDAYS, format_hours, parse_hours
from aftersales.sla.settings_services import PolicyData, RuleData
from aftersales.stations.models import ServiceStation

ANY = _("不选表示任意。")
STAFF_ROLES = [(r.value, r.label) for r in Role if r not in (Role.CUSTOMER, Role.PLATFORM_ADMIN)]


def _multi(choices: Any, label: Any, help_text: Any = ANY) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=choices, required=False, label=label, help_text=help_text, widget=forms.CheckboxSelectMultiple
    )


class _Bootstrap:
    """Bootstrap classes on every widget, ``is-invalid`` on those with errors."""

    def _style(self) -> None:
        for name, bound in self.fields.items():  # type: ignore[attr-defined]
            widget = bound.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            if name in (self._errors or {}):  # type: ignore[attr-defined]  # not .errors: that validates
                css += " is-invalid"
            widget.attrs["class"] = css

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        self._style()


class PolicyForm(_Bootstrap, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("如“投诉：24 小时内给出解决方案”。"))
    position = forms.IntegerField(
        label=_("顺序"),
        min_value=0,
        max_value=100000,
        initial=100,
        help_text=_("数字小的先匹配；服务单按顺序套用第一条条件全部满足的启用政策。"),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    kinds = _multi(Kind.choices, _("服务类型"))
    channels = _multi(Channel.choices, _("渠道"))
    priorities = _multi(Priority.choices, _("优先级"))
    customer_tiers = _multi(Customer.Tier.choices, _("客户等级"))
    product_categories = forms.ModelMultipleChoiceField(
        queryset=ProductCategory.objects.none(),
        required=False,
        label=_("产品品类"),
        widget=forms.CheckboxSelectMultiple,
        help_text=ANY,
    )
    pause_statuses = _multi(
        [(s.value, s.label) for s in Status if s not in (Status.CLOSED, Status.CANCELLED)],
        _("暂停计时的状态"),
        _("服务单处于这些状态时时效暂停计时，如等待客户回复或寄回备件。"),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product_categories"].queryset = ProductCategory.objects.filter(  # type: ignore[attr-defined]
            organization=organization
        ).order_by("name")
        self._style()

    @classmethod
    def initial_for(cls, policy: SlaPolicy) -> dict[str, Any]:
        return {
            "name": policy.name,
            "position": policy.position,
            "is_active": policy.is_active,
            "kinds": policy.kinds,
            "channels": policy.channels,
            "priorities": policy.priorities,
            "customer_tiers": policy.customer_tiers,
            "pause_statuses": policy.pause_statuses,
            "product_categories": list(policy.product_categories.all()),
        }

    def data_out(self) -> PolicyData:
        d = self.cleaned_data
        return PolicyData(
            name=d["name"].strip(),
            position=d["position"],
            is_active=d["is_active"],
            kinds=d["kinds"],
            priorities=d["priorities"],
            channels=d["channels"],
            customer_tiers=d["customer_tiers"],
            pause_statuses=d["pause_statuses"],
            product_category_ids=[c.pk for c in d["product_categories"]],
        )


class Unit:
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    CHOICES = [(MINUTES, _("分钟")), (HOURS, _("小时")), (DAYS, _("天"))]


WORKING_DAY_MINUTES = 8 * 60


def day_minutes(basis: str) -> int:
    """A "day" of a target: 8 working hours on working time, 24 hours on calendar time."""
    return WORKING_DAY_MINUTES if basis == TimeBasis.WORKING else 24 * 60


def split_minutes(minutes: int, basis: str) -> tuple[int, str]:
    """The largest unit that states ``minutes`` as a whole number."""
    if minutes % day_minutes(basis) == 0:
        return minutes // day_minutes(basis), Unit.DAYS
    if minutes % 60 == 0:
        return minutes // 60, Unit.HOURS
    return minutes, Unit.MINUTES


class TargetForm(_Bootstrap, forms.Form):
    metric = forms.ChoiceField(
        label=_("指标"),
        choices=Metric.choices,
        help_text=_("首次响应：首次回复客户；上门到达：工程师签到；解决：待验收或关闭。"),
    )
    amount = forms.IntegerField(label=_("时限"), min_value=1, max_value=100000)
    unit = forms.ChoiceField(
        label=_("单位"),
        choices=Unit.CHOICES,
        initial=Unit.HOURS,
        help_text=_("按工作时间计时时 1 天 = 8 个工作小时（480 分钟）；按自然时间计时时 1 天 = 24 小时。"),
    )
    basis = forms.ChoiceField(
        label=_("计时方式"),
        choices=TimeBasis.choices,
        initial=TimeBasis.WORKING,
        help_text=_("工作时间只在日历的工作时段内计时，跳过周末、法定节假日，调休上班日计入。"),
    )

    MAX_MINUTES = 366 * 24 * 60

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        amount, unit, basis = data.get("amount"), data.get("unit"), data.get("basis")
        if amount is not None and unit and basis:
            factor = {Unit.MINUTES: 1, Unit.HOURS: 60, Unit.DAYS: day_minutes(basis)}[unit]
            minutes = amount * factor
            if minutes > self.MAX_MINUTES:
                self.add_error("amount", _("时限不能超过一年。"))
            data["minutes"] = minutes
        return data


class RuleForm(_Bootstrap, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("如“75% 预警：通知处理人”。"))
    metric = forms.ChoiceField(
        label=_("指标"), choices=[("", _("该政策的所有指标")), *Metric.choices], required=False
    )
    trigger = forms.ChoiceField(
        label=_("触发方式"),
        choices=[("percent", _("已用时限的百分比")), ("after", _("计时开始后经过的分钟数"))],
        initial="percent",
        widget=forms.RadioSelect,
    )
    threshold_percent = forms.IntegerField(
        label=_("触发比例（%）"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=_("100 表示超时时触发；75 表示用掉四分之三时预警。"),
    )
    after_minutes = forms.IntegerField(
        label=_("触发时间（分钟）"),
        min_value=1,
        max_value=525600,
        required=False,
        help_text=_("按该指标同样的计时方式计算，如投诉 240 分钟后升级到班长。"),
    )
    level = forms.IntegerField(
        label=_("升级层级"),
        min_value=0,
        max_value=9,
        initial=0,
        help_text=_("0 表示不改变层级；投诉按 1 班长、2 服务经理逐级升级。"),
    )
    notify_assignee = forms.BooleanField(label=_("通知处理人"), required=False, initial=True)
    notify_roles = _multi(
        STAFF_ROLES,
        _("通知角色"),
        _("该角色的所有在职员工都会收到邮件；组织管理员即班长，质量经理即服务经理。"),
    )
    raise_priority = forms.BooleanField(
        label=_("提高优先级"), required=False, help_text=_("低 → 普通 → 高 → 紧急，每次一级。")
    )
    reassign_to = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label=_("改派给"), help_text=_("留空表示不改派。")
    )
    position = forms.IntegerField(label=_("顺序"), min_value=0, max_value=1000, initial=0)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reassign_to = self.fields["reassign_to"]
        assert isinstance(reassign_to, forms.ModelChoiceField)
        reassign_to.queryset = (
            User.objects.filter(organization=organization, is_active=True)
            .exclude(role=Role.CUSTOMER)
            .order_by("username")
        )
        self._style()

    @classmethod
    def initial_for(cls, rule: EscalationRule) -> dict[str, Any]:
        return {
            "name": rule.name,
            "metric": rule.metric,
            "trigger": "after" if rule.after_minutes is not None else "percent",
            "threshold_percent": rule.threshold_percent,
            "after_minutes": rule.after_minutes,
            "level": rule.level,
            "notify_assignee": rule.notify_assignee,
            "notify_roles": rule.notify_roles,
            "raise_priority": rule.raise_priority,
            "reassign_to": rule.reassign_to_id,
            "position": rule.position,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("trigger") == "after":
            data["threshold_percent"] = None
            if data.get("after_minutes") is None and "after_minutes" not in self.errors:
                self.add_error("after_minutes", _("请填写触发时间。"))
        else:
            data["after_minutes"] = None
            if data.get("threshold_percent") is None and "threshold_percent" not in self.errors:
                self.add_error("threshold_percent", _("请填写触发比例。"))
        if (
            not data.get("notify_assignee")
            and not data.get("notify_roles")
            and not data.get("raise_priority")
            and not data.get("reassign_to")
            and not data.get("level")
        ):
            self.add_error("notify_assignee", _("规则至少要通知、提级、改派或升级中的一项。"))
        return data

    def data_out(self) -> RuleData:
        d = self.cleaned_data
        return RuleData(
            name=d["name"].strip(),
            metric=d["metric"] or "",
            threshold_percent=d["threshold_percent"],
            after_minutes=d["after_minutes"],
            level=d["level"],
            notify_assignee=d["notify_assignee"],
            notify_roles=d["notify_roles"],
            raise_priority=d["raise_priority"],
            reassign_to_id=d["reassign_to"].pk if d["reassign_to"] else None,
            position=d["position"],
        )


_ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


class CalendarForm(_Bootstrap, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    timezone = forms.ChoiceField(
        label=_("时区"),
        choices=[(z, z) for z in _ZONES],
        initial="Asia/Shanghai",
        help_text=_("工作时段按该时区的当地时间理解。"),
    )
    holiday_source = forms.ChoiceField(
        label=_("法定节假日"),
        choices=ServiceCalendar.HolidaySource.choices,
        initial=ServiceCalendar.HolidaySource.CHINA,
        help_text=_(
            "中国大陆：按国务院办公厅每年发布的部分节假日安排通知放假和调休上班，节日依据《全国年节及纪念日放假办法》第二条。"
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class StationCalendarForm(CalendarForm):
    station = forms.ModelChoiceField(
        queryset=ServiceStation.objects.none(),
        label=_("服务网点"),
        help_text=_("网点日历优先于组织默认日历；新日历先复制默认日历的工作时段。"),
    )
    field_order = ["station", "name", "timezone", "holiday_source"]

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = ServiceStation.objects.filter(  # type: ignore[attr-defined]
            organization=organization, sla_calendar__isnull=True
        ).order_by("name")
        self.fields["name"].required = False
        self.fields["name"].help_text = _("留空则使用网点名称。")
        self._style()


class WeeklyHoursForm(_Bootstrap, forms.Form):
    """Seven text fields, ``09:00-12:00, 13:00-18:00``; empty is a day off."""

    def __init__(self, *args: Any, weekly: dict[int, Hours] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, label in WEEKDAYS:
            self.fields[f"d{day}"] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                initial=format_hours(weekly.get(day, ())) if weekly else "",
                widget=forms.TextInput(attrs={"placeholder": _("休息"), "inputmode": "text"}),
            )
        self._style()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        weekly: dict[int, Hours] = {}
        for day, _label in WEEKDAYS:
            try:
                weekly[day] = parse_hours(data.get(f"d{day}", ""))
            except ValueError as exc:
                self.add_error(f"d{day}", str(exc))
        if not self.errors and not any(weekly.values()):
            self.add_error(None, _("至少一天要有工作时段，否则按工作时间计时的期限永远不会到期。"))
        data["weekly"] = weekly
        return data


class DayForm(_Bootstrap, forms.Form):
    kind = forms.ChoiceField(
        label=_("这一天"),
        choices=[
            (CalendarDay.Kind.HOLIDAY, _("休息（不计工作时间）")),
            (CalendarDay.Kind.WORKDAY, _("上班（按星期一的工作时段）")),
            (CalendarDay.Kind.SPECIAL, _("特殊工作时间")),
        ],
        widget=forms.RadioSelect,
    )
    hours = forms.CharField(
        label=_("工作时段"),
        required=False,
        max_length=200,
        help_text=_("特殊工作时间必填，如 09:00-12:00, 13:00-17:00。"),
    )
    name = forms.CharField(
        label=_("说明"), required=False, max_length=100, help_text=_("如“公司年会”“盘点”，显示在日历上。")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, hours = data.get("kind"), (data.get("hours") or "").strip()
        if kind == CalendarDay.Kind.SPECIAL and not hours:
            self.add_error("hours", _("特殊工作时间需要填写工作时段。"))
        elif kind != CalendarDay.Kind.SPECIAL:
            hours = ""
        if hours:
            try:
                parse_hours(hours)
            except ValueError as exc:
                self.add_error("hours", str(exc))
        data["hours"] = hours
        return data


class YearForm(_Bootstrap, forms.Form):
    confirmed = forms.BooleanField(
        label=_("已确认该年安排"),
        required=False,
        help_text=_("国务院办公厅公布该年放假安排并核对无误后确认；未确认年份内的期限标注“未确认”。"),
    )
    note = forms.CharField(
        label=_("备注"), required=False, max_length=200, help_text=_("如该年放假安排通知的文号。")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()
