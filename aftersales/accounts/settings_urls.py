from django.urls import path

from aftersales.accounts import settings_views

app_name = "settings"
urlpatterns = [
    path("", settings_views.settings_index, name="index"),
    path("log/", settings_views.settings_log, name="log"),
]
