"""The product's own account pages (API tokens live in the settings area)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from aftersales.core.start import start_url


class LoginView(auth_views.LoginView):
    """The login form; without a page asked for, each role lands where its work is."""

    def get_default_redirect_url(self) -> str:
        return start_url(self.request.user)
