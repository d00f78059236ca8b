from django.urls import path

from aftersales.notifications import outbox_views

app_name = "outbox"
urlpatterns = [
    path("", outbox_views.outbox_settings, name="settings"),
]
