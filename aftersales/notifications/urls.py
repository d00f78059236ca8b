from django.urls import path

from aftersales.notifications import views

app_name = "webhooks"
urlpatterns = [
    path("", views.webhook_list, name="list"),
    path("new/", views.webhook_create, name="create"),
    path("<int:pk>/", views.webhook_detail, name="detail"),
    path("<int:pk>/toggle/", views.webhook_toggle, name="toggle"),
    path("<int:pk>/rotate/", views.webhook_rotate, name="rotate"),
    path("<int:pk>/test/", views.webhook_test, name="test"),
]
