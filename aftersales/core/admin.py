from django.contrib import admin

from aftersales.core.models import RevealLog


@admin.register(RevealLog)
class RevealLogAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "user",
        "organization",
        "object_type",
        "object_id",
        "field",
        "reason",
        "ip_address",
    )
    list_filter = ("organization", "object_type", "field")
    search_fields = ("user__username", "object_id", "reason")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
