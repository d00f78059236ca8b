from django.urls import path

from aftersales.entitlement import settings_views

app_name = "entitlement_settings"
urlpatterns = [
    path("", settings_views.entitlement_settings, name="index"),
    path("categories/<int:pk>/", settings_views.category_terms, name="category"),
]
