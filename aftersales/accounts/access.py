"""The access rule, in one place: which rows a user may reach.

Staff reach their own organization's rows; a platform admin reaches everything; a customer
reaches only rows that belong to them. Every selector that serves a view or an API endpoint
goes through ``scope`` so an object outside a user's reach is simply not found (404) rather
than forbidden, and nobody learns that it exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404

from aftersales.accounts.models import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from aftersales.accounts.models import User

M = TypeVar("M", bound=Model)


def scope(
    qs: QuerySet[M],
    user: User | AnonymousUser,
    *,
    org_field: str = "organization",
    customer_field: str | None = None,
) -> QuerySet[M]:
    """Narrow ``qs`` to what ``user`` may see.

    ``customer_field`` is the lookup path from the model to the customer's login user
    (for example ``"customer__user"``); models without one are invisible to customers.
    """
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    role = user.role
    if role == Role.PLATFORM_ADMIN:
        return qs
    if role == Role.CUSTOMER:
        if customer_field is None:
            return qs.none()
        return qs.filter(**{customer_field: user})
    org_id = user.organization_id
    if org_id is None:
        return qs.none()
    return qs.filter(**{f"{org_field}_id": org_id})


def get_or_404(qs: QuerySet[M], **lookup: Any) -> M:
    try:
        return qs.get(**lookup)
    except (ObjectDoesNotExist, MultipleObjectsReturned, ValueError, TypeError, OverflowError) as exc:
        raise Http404(str(qs.model._meta.verbose_name)) from exc
