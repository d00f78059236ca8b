from django.urls import path

from aftersales.entitlement import quote_views, rma_views, views

app_name = "entitlement"
urlpatterns = [
    path("entitlement/", views.check, name="check"),
    path("entitlement/requests/<str:number>/panel/", views.request_panel, name="request-panel"),
    path("entitlement/requests/<str:number>/return/", rma_views.rma_attach, name="rma-attach"),
    path("entitlement/units/<int:pk>/", views.unit_section, name="unit-section"),
    path("entitlement/units/<int:pk>/sale-terms/", views.sale_terms_edit, name="sale-terms"),
    path("entitlement/units/<int:pk>/facts/", views.unit_facts_edit, name="unit-facts"),
    path("entitlement/requests/<str:number>/repair-facts/", views.repair_facts_edit, name="repair-facts"),
    path("entitlement/units/<int:pk>/contracts/new/", views.contract_new, name="contract-new"),
    path("entitlement/contracts/<int:pk>/claims/", views.claim_new, name="claim-new"),
    path("entitlement/contracts/<int:pk>/cancel/", views.contract_cancel, name="contract-cancel"),
    path("entitlement/decisions/<int:pk>/", views.decision_detail, name="decision"),
    path("returns/", rma_views.rma_list, name="rma-list"),
    path("returns/new/", rma_views.rma_new, name="rma-new"),
    path("returns/<int:pk>/", rma_views.rma_detail, name="rma-detail"),
    path("returns/<int:pk>/<str:step>/", rma_views.rma_step, name="rma-step"),
    path("quotes/new/", quote_views.quote_new, name="quote-new"),
    path("quotes/<int:pk>/", quote_views.quote_detail, name="quote-detail"),
    path("quotes/<int:pk>/<str:action>/", quote_views.quote_action, name="quote-action"),
]
