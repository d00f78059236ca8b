"""Back-office configuration of calendars, policies and escalation rules; clocks read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aftersales.accounts.models import Role
from aftersales.customers.models import Customer
from aftersales.service.models import Channel, Kind, Priority, Status
from aftersales.sla.calendars import calendar_load_official, calendar_touch, official_years
from aftersales.sla.models import (
    CalendarDay,
    CalendarYear,
    Escalation,
    EscalationRule,
    ServiceCalendar,
    SlaClock,
    SlaPolicy,
    SlaTarget,
    WorkingHours,
)

STAFF_ROLES = [(r.value, r.label) for r in Role if r not in (Role.CUSTOMER, Role.PLATFORM_ADMIN)]


def _choices(choices: Any, label: Any, help_text: Any = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=choices, required=False, label=label, help_text=help_text, widget=forms.CheckboxSelectMultiple
    )


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class CalendarYearInline(admin.TabularInline):
    model = CalendarYear
    extra = 0


@admin.register(ServiceCalendar)
class ServiceCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "station", "timezone", "holiday_source", "updated_at")
    list_filter = ("organization", "holiday_source")
    search_fields = ("name",)
    raw_id_fields = ("station",)
    readonly_fields = ("updated_at",)
    inlines = [WorkingHoursInline, CalendarYearInline]
    actions = ["load_official"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        calendar_touch(form.instance.pk)

    @admin.action(description=_("载入国务院放假安排（去年至已公布年份后两年）"))
    def load_official(self, request: HttpRequest, queryset: QuerySet[ServiceCalendar]) -> None:
        years = official_years()
        days = 0
        for calendar in queryset.filter(holiday_source=ServiceCalendar.HolidaySource.CHINA):
            days += calendar_load_official(calendar=calendar, years=years)
        self.message_user(
            request, ngettext("已载入 %(n)d 天。", "已载入 %(n)d 天。", days) % {"n": days}, messages.SUCCESS
        )


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "hours", "name", "source", "calendar")
    list_filter = ("calendar", "kind", "source")
    date_hierarchy = "date"
    search_fields = ("name",)
    readonly_fields = ("source",)

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        # An admin's edit is kept when the official schedule is reloaded.
        obj.source = CalendarDay.Source.ADMIN
        super().save_model(request, obj, form, change)
        calendar_touch(obj.calendar_id)

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        calendar_id = obj.calendar_id
        super().delete_model(request, obj)
        calendar_touch(calendar_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        ids = set(queryset.values_list("calendar_id", flat=True))
        super().delete_queryset(request, queryset)
        for calendar_id in ids:
            calendar_touch(calendar_id)


class PolicyForm(forms.ModelForm):
    kinds = _choices(Kind.choices, _("服务类型"), _("不选表示任意。"))
    priorities = _choices(Priority.choices, _("优先级"), _("不选表示任意。"))
    channels = _choices(Channel.choices, _("渠道"), _("不选表示任意。"))
    customer_tiers = _choices(Customer.Tier.choices, _("客户等级"), _("不选表示任意。"))
    pause_statuses = _choices(Status.choices, _("暂停计时的状态"))

    class Meta:
        model = SlaPolicy
        fields = [
            "organization",
            "name",
            "position",
            "is_active",
            "kinds",
            "priorities",
            "channels",
            "customer_tiers",
            "product_categories",
            "pause_statuses",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        org = data.get("organization")
        categories = data.get("product_categories")
        if (
            org is not None
            and categories is not None
            and any(c.organization_id != org.pk for c in categories)
        ):
            self.add_error("product_categories", _("只能选择本组织的产品品类。"))
        return data


class TargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0


class RuleForm(forms.ModelForm):
    notify_roles = _choices(STAFF_ROLES, _("通知角色"), _("组织管理员即班长，质量经理即服务经理。"))

    class Meta:
        model = EscalationRule
        fields = [
            "name",
            "metric",
            "threshold_percent",
            "after_minutes",
            "level",
            "notify_assignee",
            "notify_roles",
            "raise_priority",
            "reassign_to",
            "position",
        ]


class RuleInline(admin.StackedInline):
    model = EscalationRule
    form = RuleForm
    extra = 0
    raw_id_fields = ("reassign_to",)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    form = PolicyForm
    list_display = ("name", "organization", "position", "is_active", "updated_at")
    list_editable = ("position", "is_active")
    list_filter = ("organization", "is_active")
    search_fields = ("name",)
    filter_horizontal = ("product_categories",)
    inlines = [TargetInline, RuleInline]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnly):
    list_display = ("request", "metric", "cycle", "state", "due_at", "fraction_used", "confirmed", "owner")
    list_filter = ("organization", "metric", "state", "active", "confirmed")
    search_fields = ("request__number",)
    list_select_related = ("request", "owner")


@admin.register(Escalation)
class EscalationAdmin(ReadOnly):
    list_display = ("request", "rule_name", "level", "created_at")
    list_filter = ("level",)
    search_fields = ("request__number", "rule_name")
    list_select_related = ("request",)
