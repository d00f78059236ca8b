from django.contrib import admin

from aftersales.jobs.models import Heartbeat, Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "attempts", "run_after", "finished_at", "created_at")
    list_filter = ("status", "name")
    readonly_fields = ("last_error",)


admin.site.register(Heartbeat)
