"""API tokens: created shown-once, stored as a SHA-256 hash, looked up by hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from aftersales.accounts.config import mark_fresh
from aftersales.accounts.models import ApiToken, Organization, User
from aftersales.core.fastpath import changes, reads, rows

PREFIX = "as_"
# Live tokens found, by hash: (token, user, organization) as read, never handed out themselves
# (``rows.detached_copy``). Emptied on any change to the three tables (``aftersales.core.fastpath.changes``).
_found = changes.store()


def _hash(raw: str) -> str:
    # Tokens are 256-bit random, so a plain SHA-256 is enough; a slow hash would only slow
    # every API call without adding protection.
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(
    *,
    user: User,
    name: str,
    organization: Organization | None = None,
    access: str = ApiToken.Access.READ_WRITE,
    all_resources: bool = True,
    resources: list[str] | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Returns the token row and the clear value, which is never stored or shown again.

    By default the token may do whatever its user may; ``access``, ``resources`` and
    ``expires_at`` narrow that (``aftersales.accounts.scopes``)."""
    org = organization or user.organization
    if org is None:
        raise ValueError("API tokens belong to an organization; this user has none")
    with transaction.atomic():
        prefix = secrets.token_hex(4)
        raw = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(
            organization=org,
            user=user,
            name=name[:100] or "token",
            prefix=prefix,
            token_hash=_hash(raw),
            access=access,
            all_resources=all_resources,
            resources=[] if all_resources else sorted(resources or []),
            expires_at=expires_at,
        )
    return token, raw


@lru_cache(maxsize=1)
def _lookup_sql() -> str:
    q = connection.ops.quote_name
    token, user, org = (q(m._meta.db_table) for m in (ApiToken, User, Organization))
    # Every API call runs this: written once as SQL rather than compiled by the ORM each time
    # (see aftersales.core.fastpath.reads). The same as select_related("user", "organization").
    return (
        f"SELECT {reads.columns(ApiToken, 't')}, {reads.columns(User, 'u')}, {reads.columns(Organization, 'o')} "  # noqa: S608
        f"FROM {token} t INNER JOIN {user} u ON u.id = t.user_id INNER JOIN {org} o ON o.id = t.organization_id "
        "WHERE t.token_hash = %s AND t.revoked_at IS NULL LIMIT 1"
    )


def token_lookup(*, raw: str) -> ApiToken | None:
    """The live token with this clear value, its user (and the user's organization) and its
    organization loaded; None for an unknown or revoked one. Kept in this process between calls
    while nothing in the three tables changes (``aftersales.core.fastpath.changes``)."""
    if not raw.startswith(PREFIX):
        return None
    digest = _hash(raw)
    use_kept = changes.usable()
    objs: tuple[Any, ...] | None = changes.get(_found, digest) if use_kept else None
    if objs is not None:
        objs = tuple(rows.detached_copy(obj) for obj in objs)
    else:
        since = changes.generation()
        found = reads.one(_lookup_sql(), [digest], ApiToken, User, Organization)
        if found is None:
            return None
        objs = tuple(found[0])
        if use_kept:
            changes.keep(_found, digest, objs, since)  # these are kept: hand out copies
            objs = tuple(rows.detached_copy(obj) for obj in objs)
    token, user, org = objs
    assert isinstance(token, ApiToken) and isinstance(user, User) and isinstance(org, Organization)
    if user.organization_id == org.pk:  # as always, unless the user has moved since (then read when used)
        rows.relate(user, "organization", org)
    rows.relate(token, "user", user)
    rows.relate(
        token, "organization", mark_fresh(org)
    )  # read, or kept with no change since: its stamp can answer
    return token


def token_used(*, token: ApiToken, at: datetime) -> None:
    """Record that ``token`` was used at ``at`` (callers do so about once a minute)."""
    type(token).objects.filter(pk=token.pk).update(last_used_at=at)
    token.last_used_at = at
    kept = changes.get(_found, token.token_hash)
    if kept is not None:
        kept[0].last_used_at = at  # not a change of rights: the trigger ignores it too


def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
