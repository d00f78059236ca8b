"""API tokens: created shown-once, stored as a SHA-256 hash, looked up by hash."""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone

from aftersales.accounts.config import mark_fresh
from aftersales.accounts.models import ApiToken, Organization, User
from aftersales.core import reads

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


@lru_cache(maxsize=1)
def _lookup_sql() -> str:
    q = connection.ops.quote_name
    token, user, org = (q(m._meta.db_table) for m in (ApiToken, User, Organization))
    # Every API call runs this: written once as SQL rather than compiled by the ORM each time
    # (see aftersales.core.reads). The same as select_related("user", "organization").
    return (f"SELECT {reads.columns(ApiToken, 't')}, {reads.columns(User, 'u')}, {reads.columns(Organization, 'o')} "  # noqa: S608
            f"FROM {token} t INNER JOIN {user} u ON u.id = t.user_id INNER JOIN {org} o ON o.id = t.organization_id "
            "WHERE t.token_hash = %s AND t.revoked_at IS NULL LIMIT 1")


def token_lookup(*, raw: str) -> ApiToken | None:
    """The live token with this clear value, its user (and the user's organization) and its
    organization loaded; None for an unknown or revoked one."""
    if not raw.startswith(PREFIX):
        return None
    found = reads.one(_lookup_sql(), [_hash(raw)], ApiToken, User, Organization)
    if found is None:
        return None
    (token, user, org), _extra = found
    assert isinstance(token, ApiToken) and isinstance(user, User) and isinstance(org, Organization)
    if user.organization_id == org.pk:  # as always, unless the user has moved since (then read when used)
        user.organization = org
    token.user = user
    token.organization = mark_fresh(org)  # read just now: its settings stamp can answer for the cache
    return token


def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
