"""API tokens: created shown-once, stored as a SHA-256 hash, looked up by hash."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from aftersales.accounts.models import ApiToken, Organization, User

PREFIX = "as_"


def _hash(raw: str) -> str:
    # Tokens are 256-bit random, so a plain SHA-256 is enough; a slow hash would only slow
    # every API call without adding protection.
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user: User, name: str, organization: Organization | None = None) -> tuple[ApiToken, str]:
    """Returns the token row and the clear value, which is never stored or shown again."""
    org = organization or user.organization
    if org is None:
        raise ValueError("API tokens belong to an organization; this user has none")
    with transaction.atomic():
        prefix = secrets.token_hex(4)
        raw = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(
            organization=org, user=user, name=name[:100] or "token", prefix=prefix, token_hash=_hash(raw)
        )
    return token, raw


def token_lookup(*, raw: str) -> ApiToken | None:
    if not raw.startswith(PREFIX):
        return None
    return (
        ApiToken.objects.select_related("user__organization", "organization")
        .filter(token_hash=_hash(raw), revoked_at__isnull=True)
        .first()
    )


def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
