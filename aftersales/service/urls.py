from django.urls import path

from aftersales.service import search_views, views

app_name = "service"
urlpatterns = [
    path("console/search/", search_views.search, name="search"),
    path("console/requests/", views.request_queue, name="queue"),
    path("console/requests/bulk/", views.request_bulk, name="bulk"),
    path("console/requests/new/", views.request_new, name="new"),
    path("console/requests/new/customers/", views.customer_pick, name="customer-pick"),
    path("console/requests/new/units/", views.customer_units, name="customer-units"),
    path("console/requests/<str:number>/", views.request_detail, name="detail"),
    path("console/requests/<str:number>/transition/", views.request_transition, name="transition"),
    path("console/requests/<str:number>/assign/", views.request_assign, name="assign"),
    path("console/requests/<str:number>/reply/", views.request_reply, name="reply"),
    path("console/requests/<str:number>/canned/", views.canned_reply, name="canned"),
    path("console/requests/<str:number>/edit/", views.request_edit, name="edit"),
    path("console/requests/<str:number>/merge/", views.request_merge, name="merge"),
    path("console/requests/<str:number>/split/", views.request_split, name="split"),
    path("requests/attachments/<int:pk>", views.attachment_download, name="attachment"),
]
