"""The organization admin's sending settings: read with defaults, write audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction

from aftersales.accounts.settings_log import settings_change_log
from aftersales.notifications.models import OutboxSettings

if TYPE_CHECKING:
    from aftersales.accounts.models import Organization, User

AREA = "outbox"
FIELDS = (
    "email_sender_name",
    "email_reply_to",
    "sms_signature",
    "max_attempts",
    "retry_first_seconds",
    "retry_max_hours",
)


def outbox_settings_for(organization: Organization) -> OutboxSettings:
    """The saved settings, or the defaults (unsaved) for an organization without a row."""
    found = OutboxSettings.objects.filter(organization=organization).first()
    return found if found is not None else OutboxSettings(organization=organization)


def outbox_settings_update(
    *, organization: Organization, actor: User, values: Mapping[str, Any]
) -> OutboxSettings:
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"not a sending setting: {sorted(unknown)}")
    with transaction.atomic():
        row = OutboxSettings.objects.select_for_update().filter(organization=organization).first()
        row = row or OutboxSettings(organization=organization)
        before = {f: getattr(row, f) for f in FIELDS}
        for name, value in values.items():
            setattr(row, name, value.strip() if isinstance(value, str) else value)
        row.full_clean(exclude=["organization"])
        row.save()
        changes = {f: [before[f], getattr(row, f)] for f in FIELDS if before[f] != getattr(row, f)}
        if changes:
            settings_change_log(
                organization=organization,
                actor=actor,
                area=AREA,
                action="changed",
                target=str(OutboxSettings._meta.verbose_name),
                detail={"changes": changes},
            )
    return row
