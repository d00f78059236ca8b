from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from aftersales.accounts import forms as accounts_forms
from aftersales.accounts import views as accounts_views
from aftersales.accounts.forms import LoginForm
from aftersales.api import api
from aftersales.core import views as core_views
from aftersales.env import envbool

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # Early in the list: Django tries the patterns in order on every request, and the API is what
    # integrations call thousands of times a minute.
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "accounts/login/",
        accounts_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    # The account pages Django provides, with the product's forms (its templates: core/registration/).
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(form_class=accounts_forms.PasswordChangeForm),
        name="password_change",
    ),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=accounts_forms.PasswordResetForm),
        name="password_reset",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=accounts_forms.SetPasswordForm),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("aftersales.accounts.urls")),
    path("console/settings/", include("aftersales.accounts.settings_urls")),
    path("console/settings/entitlement/", include("aftersales.entitlement.settings_urls")),
    path("console/settings/", include("aftersales.accounts.settings_admin_urls")),
    path("console/settings/webhooks/", include("aftersales.notifications.urls")),
    path("console/settings/canned-replies/", include("aftersales.service.settings_urls")),
    path("console/", include("aftersales.customers.urls")),
    path("console/", include("aftersales.catalog.urls")),
    path("console/", include("aftersales.sla.urls")),
    path("console/settings/outbox/", include("aftersales.notifications.outbox_urls")),
    path("", include("aftersales.dispatch.urls")),
    path("portal/requests/", include("aftersales.service.portal_urls")),
    path("portal/", include("aftersales.customers.portal_urls")),
    path("portal/", include("aftersales.entitlement.portal_urls")),
    path("console/", include("aftersales.entitlement.urls")),
    path("", include("aftersales.service.urls")),
    path("admin/", admin.site.urls),
]

if envbool("AFTERSALES_BENCH_ENDPOINT", False):
    # Benchmark-only (benchmarks/intake.py): a bare Django view doing one insert, to compare with.
    from aftersales.core.benchmark_views import bench_insert

    # At the API's place in the list, so both pay the same URL resolution.
    urlpatterns.insert(2, path("bench/insert", bench_insert, name="bench-insert"))

handler404 = "aftersales.core.views.not_found"
handler500 = "aftersales.core.views.server_error"
