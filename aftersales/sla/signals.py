"""Keep the per-process policy cache (``aftersales.sla.policies.active_policies``) honest.

A policy's save, and any change to what hangs off a policy, moves its organization's latest
``updated_at`` forward: its targets, its product categories, or a category it names being deleted.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from aftersales.accounts.config import config_touch, watch
from aftersales.catalog.models import ProductCategory
from aftersales.sla.models import ServiceCalendar, SlaPolicy, SlaTarget
from aftersales.sla.policies import policies_touch

# Request creates cache the default and station calendars per process; a policy's save replaces
# the settings stamp through ``policies_touch`` (below), its delete here.
watch(ServiceCalendar)


@receiver(post_delete, sender=SlaPolicy, dispatch_uid="sla_policy_deleted")
def _policy_deleted(sender: Any, instance: SlaPolicy, **kwargs: Any) -> None:
    config_touch(instance.organization_id)


@receiver(post_save, sender=SlaPolicy, dispatch_uid="sla_policy_saved")
def _policy_saved(sender: Any, instance: SlaPolicy, raw: bool = False, **kwargs: Any) -> None:
    # auto_now stamped timezone.now(), which may be behind another policy's time: move past it.
    if not raw:
        policies_touch([instance.pk])


@receiver(post_save, sender=SlaTarget, dispatch_uid="sla_target_saved")
@receiver(post_delete, sender=SlaTarget, dispatch_uid="sla_target_deleted")
def _target_changed(sender: Any, instance: SlaTarget, **kwargs: Any) -> None:
    policies_touch([instance.policy_id])


@receiver(m2m_changed, sender=SlaPolicy.product_categories.through, dispatch_uid="sla_policy_categories")
def _categories_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:
        policies_touch([instance.pk])
    elif action == "post_clear":
        # A category's policies were cleared from its side: which ones is no longer known.
        policies_touch(SlaPolicy.objects.filter(organization_id=instance.organization_id).values("pk"))
    else:
        policies_touch(pk_set or [])


@receiver(pre_delete, sender=ProductCategory, dispatch_uid="sla_category_deleted")
def _category_deleted(sender: Any, instance: ProductCategory, **kwargs: Any) -> None:
    policies_touch(SlaPolicy.objects.filter(product_categories=instance).values("pk"))
