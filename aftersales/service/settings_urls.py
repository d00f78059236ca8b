from django.urls import path

from aftersales.service import settings_views as views

app_name = "canned"
urlpatterns = [
    path("", views.canned_list, name="list"),
    path("new/", views.canned_edit, name="create"),
    path("<int:pk>/", views.canned_edit, name="edit"),
    path("<int:pk>/delete/", views.canned_delete, name="delete"),
]
