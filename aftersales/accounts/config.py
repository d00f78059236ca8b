"""An organization's settings, cached per process for the reads every API create repeats.

Each create needs the organization's default SLA calendar and policy version, its webhook
subscriptions and its service stations. They change a few times a year, but reading them was four
of a create's seven statements. The organization row carries ``config_stamp``, a random number
replaced, in the same transaction, by every change to any of them:

* ``watch(Model)`` connects ``post_save`` and ``post_delete`` of a settings model;
* code that writes around those signals (``QuerySet.update``, ``bulk_create``) calls
  ``config_touch`` itself, as ``calendar_touch`` and ``policies_touch`` do.

The API's token lookup reads the organization row, stamp included, and marks it ``fresh``; on
PostgreSQL it keeps that row between calls until the row changes (``aftersales.core.fastpath.changes``:
a trigger on the organization table tells every process, so a new stamp reaches the others within
moments of its commit). For a fresh organization, ``cached`` answers from this process while the
stamp is the one the value was loaded under; any other caller (a page, a job, a test holding an
Organization for a while) reads the database as before.

A random stamp, not a counter: a rolled-back change, a restored backup or a re-used id can never
bring back a stamp that a stale value was stored under.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from aftersales.accounts.models import Organization, new_config_stamp
from aftersales.core.fastpath import changes

T = TypeVar("T")
_FRESH = "_config_fresh"
_cache: dict[tuple[int, str], tuple[int, Any]] = {}
_lock = threading.Lock()


def config_touch(organization_id: int | None) -> None:
    """The organization's settings changed: every process loads them again on its next request."""
    if organization_id is None:
        return
    Organization.objects.filter(pk=organization_id).update(config_stamp=new_config_stamp())
    forget(organization_id)
    changes.changed()  # kept token lookups hold the old stamp (other processes: the row's trigger)


def forget(organization_id: int) -> None:
    """Drop this process's cached settings of one organization."""
    with _lock:
        for key in [k for k in _cache if k[0] == organization_id]:
            del _cache[key]


def mark_fresh(organization: Organization) -> Organization:
    """``organization`` was read in this request: its stamp may answer for the cache."""
    setattr(organization, _FRESH, True)
    return organization


def cached(organization: Organization, name: str, load: Callable[[], tuple[T, bool]]) -> T:
    """The setting ``name`` of ``organization``: from this process's cache when the organization
    was read in this request and its stamp matches, else ``load()``. ``load`` returns the value
    and whether it may be kept: False when loading it wrote something (a default made on first
    use), which the request's transaction could still roll back."""
    if not getattr(organization, _FRESH, False):
        return load()[0]
    key = (organization.pk, name)
    stamp = organization.config_stamp
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value, keep = load()
    if keep:
        with _lock:
            _cache[key] = (stamp, value)
    return value


def _changed(sender: Any, instance: Model, raw: bool = False, **kwargs: Any) -> None:
    if not raw:  # fixtures load before any process could have cached anything
        config_touch(getattr(instance, "organization_id", None))


def watch(model: type[Model]) -> None:
    """Replace the organization's stamp whenever a row of ``model`` (with an ``organization``)
    is saved or deleted."""
    uid = f"config_stamp:{model._meta.label_lower}"
    post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}:save")
    post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}:delete")
