"""The settings log: who changed which of the organization's settings, when, from what to what."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder

from aftersales.accounts.models import Organization, SettingsChange, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def settings_change_log(
    *,
    organization: Organization,
    actor: User | AnonymousUser | None,
    area: str,
    action: str,
    target: str,
    detail: dict[str, Any] | None = None,
) -> SettingsChange:
    """Record one settings change. Call it inside the transaction that makes the change.

    ``detail`` holds what changed (``{"field": [before, after]}`` or any small JSON); never put
    secrets in it: the log is shown to every admin of the organization.
    """
    # Dates, decimals and lazy strings in ``detail`` become JSON values the log can show.
    clean = json.loads(json.dumps(detail or {}, cls=DjangoJSONEncoder, default=str))
    user = actor if isinstance(actor, User) else None
    return SettingsChange.objects.create(
        organization=organization,
        actor=user,
        area=area,
        action=action,
        target=str(target)[:200],
        detail=clean,
    )


def form_changes(form: Any) -> dict[str, list[Any]]:
    """``{"field": [before, after]}`` for each changed field of a bound ModelForm, read before save."""
    changes: dict[str, list[Any]] = {}
    for name in form.changed_data:
        before = form.initial.get(name)
        after = form.cleaned_data.get(name)
        changes[name] = [_plain(before), _plain(after)]
    return changes


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return str(value)
    if (
        isinstance(value, (list, tuple, set))
        or hasattr(value, "__iter__")
        and not isinstance(value, (str, dict))
    ):
        return [str(v) for v in value]
    return value
