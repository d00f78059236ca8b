from django.contrib import admin

from aftersales.stations.models import ServiceStation


@admin.register(ServiceStation)
class ServiceStationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "organization",
        "city",
        "service_radius_km",
        "daily_capacity",
        "is_active",
    )
    list_filter = ("organization", "province", "is_active")
    search_fields = ("name", "code", "city")
