from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from aftersales.accounts.access import scope
from aftersales.accounts.models import Role
from aftersales.stations.models import ServiceStation

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from aftersales.accounts.models import User


def stations_for_user(user: User | AnonymousUser) -> QuerySet[ServiceStation]:
    qs = ServiceStation.objects.select_related("organization")
    # Station addresses are public information: customers see the stations of organizations
    # they bought from (to carry a unit in), staff see their own organization's.
    if user.is_authenticated and user.role == Role.CUSTOMER:
        return qs.filter(is_active=True, organization__customer__user=user).distinct()
    return scope(qs, user)
