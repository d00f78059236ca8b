from django.urls import path

from aftersales.sla import views

app_name = "sla"
urlpatterns = [
    path("sla/", views.report, name="report"),
    path("sla/breaches/", views.breach_list, name="breaches"),
    path("sla/export/<str:what>.<str:fmt>", views.export, name="export"),
]
