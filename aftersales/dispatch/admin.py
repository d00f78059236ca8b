from django.contrib import admin

from aftersales.dispatch.models import (
    Appointment,
    DayPlan,
    DispatchPolicy,
    MailInShipment,
    PartUsage,
    RepairRecord,
    Shift,
    SkillRequirement,
    Technician,
    TechnicianSkill,
    TimeOff,
)


@admin.register(DispatchPolicy)
class DispatchPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "organization",
        "auto_assign",
        "booking_days",
        "slot_hours",
        "same_day_for_priority",
        "labour_rate",
        "visit_fee",
    ]


class SkillInline(admin.TabularInline):
    model = TechnicianSkill
    extra = 1


class ShiftInline(admin.TabularInline):
    model = Shift
    extra = 0
    max_num = 7


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organization", "home_station", "max_jobs_per_day", "is_active"]
    list_filter = ["organization", "home_station", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    inlines = [SkillInline, ShiftInline, TimeOffInline]


@admin.register(SkillRequirement)
class SkillRequirementAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "organization",
        "category",
        "request_kind",
        "skill_kind",
        "skill_code",
        "min_level",
    ]
    list_filter = ["organization", "skill_kind"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Operational records are written by the services; the admin only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ["request", "window_start", "window_end", "technician", "station", "status"]
    list_filter = ["status", "station"]
    search_fields = ["request__number"]


@admin.register(DayPlan)
class DayPlanAdmin(ReadOnlyAdmin):
    list_display = ["station", "day", "solver", "distance_m", "planned_at"]
    list_filter = ["station"]


class PartUsageInline(admin.TabularInline):
    model = PartUsage
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RepairRecord)
class RepairRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "request",
        "technician",
        "fault_code",
        "coverage",
        "charge_total",
        "first_time_fix",
        "completed_at",
    ]
    list_filter = ["coverage", "first_time_fix"]
    search_fields = ["request__number", "fault_code"]
    inlines = [PartUsageInline]


@admin.register(MailInShipment)
class MailInShipmentAdmin(ReadOnlyAdmin):
    list_display = ["request", "method", "status", "inbound_tracking", "outbound_tracking", "created_at"]
    list_filter = ["status", "method"]
    search_fields = ["request__number", "inbound_tracking", "outbound_tracking"]
