from django.urls import path

from aftersales.catalog import views

app_name = "catalog"
urlpatterns = [
    path("models/", views.model_list, name="models"),
    path("models/<int:pk>/", views.model_detail, name="model-detail"),
    path("parts/", views.part_list, name="parts"),
    path("parts/new/", views.part_edit, name="part-create"),
    path("parts/<int:pk>/", views.part_edit, name="part-edit"),
]
