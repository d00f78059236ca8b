from django.urls import path

from aftersales.sla import settings_views, views

app_name = "sla"
urlpatterns = [
    path("sla/", views.report, name="report"),
    path("sla/breaches/", views.breach_list, name="breaches"),
    path("sla/export/<str:what>.<str:fmt>", views.export, name="export"),
    # The organization admin's settings (mounted under console/, so /console/settings/…).
    path("settings/sla/", settings_views.policy_list, name="settings-policies"),
    path("settings/sla/new/", settings_views.policy_new, name="settings-policy-new"),
    path("settings/sla/<int:pk>/", settings_views.policy_edit, name="settings-policy"),
    path("settings/sla/<int:pk>/active/", settings_views.policy_active, name="settings-policy-active"),
    path("settings/sla/<int:pk>/targets/", settings_views.target_save, name="settings-target-save"),
    path(
        "settings/sla/<int:pk>/targets/<int:target_id>/delete/",
        settings_views.target_delete,
        name="settings-target-delete",
    ),
    path("settings/escalation/", settings_views.rule_list, name="settings-escalation"),
    path("settings/escalation/new/<int:pk>/", settings_views.rule_new, name="settings-rule-new"),
    path("settings/escalation/<int:pk>/", settings_views.rule_edit, name="settings-rule"),
    path("settings/escalation/<int:pk>/delete/", settings_views.rule_delete, name="settings-rule-delete"),
    path("settings/calendars/", settings_views.calendar_list, name="settings-calendars"),
    path("settings/calendars/new/", settings_views.calendar_new, name="settings-calendar-new"),
    path("settings/calendars/<int:pk>/", settings_views.calendar_edit, name="settings-calendar"),
    path(
        "settings/calendars/<int:pk>/delete/", settings_views.calendar_delete, name="settings-calendar-delete"
    ),
    path(
        "settings/calendars/<int:pk>/<int:year>/", settings_views.calendar_year, name="settings-calendar-year"
    ),
    path(
        "settings/calendars/<int:pk>/<int:year>/confirm/",
        settings_views.calendar_year_confirm,
        name="settings-calendar-year-confirm",
    ),
    path(
        "settings/calendars/<int:pk>/<int:year>/load/",
        settings_views.calendar_load,
        name="settings-calendar-load",
    ),
    path(
        "settings/calendars/<int:pk>/day/<str:day>/",
        settings_views.calendar_day,
        name="settings-calendar-day",
    ),
]
