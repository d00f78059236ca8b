from django.urls import path

from aftersales.service import portal_views

app_name = "portal_requests"
urlpatterns = [
    path("", portal_views.request_list, name="list"),
    path("new/", portal_views.request_new, name="new"),
    path("<str:number>/", portal_views.request_detail, name="detail"),
    path("<str:number>/status/", portal_views.request_status, name="status"),
    path("<str:number>/accept/", portal_views.request_accept, name="accept"),
    path("<str:number>/reject/", portal_views.request_reject, name="reject"),
    path("<str:number>/reply/", portal_views.request_reply, name="reply"),
    path("<str:number>/rate/", portal_views.request_rate, name="rate"),
]
