from django.urls import path

from aftersales.entitlement import portal_views

app_name = "entitlement_portal"
urlpatterns = [
    path("units/<int:pk>/entitlement/", portal_views.unit_entitlement, name="unit"),
    path("units/<int:pk>/returns/new/", portal_views.return_new, name="return-new"),
    path("returns/", portal_views.return_list, name="returns"),
    path("returns/<int:pk>/", portal_views.return_detail, name="return-detail"),
    path("returns/<int:pk>/ship/", portal_views.return_ship, name="return-ship"),
    path("returns/<int:pk>/close/", portal_views.return_close, name="return-close"),
    path("quotes/<int:pk>/", portal_views.quote_detail, name="quote"),
    path("quotes/<int:pk>/approve/", portal_views.quote_approve, name="quote-approve"),
    path("quotes/<int:pk>/decline/", portal_views.quote_decline, name="quote-decline"),
    path("entitlement/requests/<str:number>/", portal_views.request_panel, name="request-panel"),
]
