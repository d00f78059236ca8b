"""API authentication: bearer tokens for integrations, the session for the browser."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from aftersales.accounts import scopes, tokens
from aftersales.accounts.models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = tokens.token_lookup(raw=token)
        if found is None or not found.user.is_active:
            return None
        now = timezone.now()
        # The scope and expiry are read with the token (kept per process like it, and dropped on
        # any change to the row, ``aftersales.core.fastpath.changes``), so checking them costs no query.
        if scopes.expired(found.expires_at, now):
            raise AuthenticationError(message="This API token has expired.")
        try:
            scopes.check(
                read_only=found.access == ApiToken.Access.READ,
                all_resources=found.all_resources,
                resources=found.resources or (),
                method=request.method or "GET",
                path=request.path_info,
            )
        except scopes.Denied as exc:
            raise AuthorizationError(message=str(exc)) from exc
        # Writing on every call would turn each read into a write; a minute's precision is plenty.
        if found.last_used_at is None or now - found.last_used_at > timedelta(minutes=1):
            tokens.token_used(token=found, at=now)
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


class SessionAuth(NinjaSessionAuth):
    """Session cookie auth with Django's CSRF check on unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


__all__ = ["TokenAuth", "SessionAuth", "APIKeyCookie"]
