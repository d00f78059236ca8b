from django.urls import path

from aftersales.customers import portal_views

app_name = "portal"
urlpatterns = [
    path("", portal_views.home, name="home"),
]
