from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from aftersales.accounts.access import get_or_404, scope
from aftersales.accounts.models import Role
from aftersales.catalog.models import ProductModel, SparePart

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from aftersales.accounts.models import User


def _catalog_scope(qs: QuerySet, user: User | AnonymousUser) -> QuerySet:
    # The catalog is not personal: a customer may read the models and parts of organizations
    # they bought from, but nothing else.
    if user.is_authenticated and user.role == Role.CUSTOMER:
        return qs.filter(organization__customer__user=user).distinct()
    return scope(qs, user)


def product_models_for_user(user: User | AnonymousUser) -> QuerySet[ProductModel]:
    return _catalog_scope(ProductModel.objects.select_related("category", "organization"), user)


def product_model_search(
    *, user: User | AnonymousUser, q: str = "", category: str = ""
) -> QuerySet[ProductModel]:
    qs = product_models_for_user(user).annotate(unit_count=Count("unit"))
    if q.strip():
        qs = qs.filter(Q(model_number__icontains=q) | Q(name__icontains=q) | Q(brand__icontains=q))
    if category:
        qs = qs.filter(category__code=category)
    return qs.order_by("brand", "model_number")


def product_model_for_user(*, user: User | AnonymousUser, pk: int) -> ProductModel:
    qs = product_models_for_user(user).prefetch_related("part_overrides__spare_part", "spare_parts")
    return get_or_404(qs, pk=pk)


def spare_parts_for_user(user: User | AnonymousUser) -> QuerySet[SparePart]:
    return _catalog_scope(SparePart.objects.select_related("organization"), user)


def spare_part_search(
    *, user: User | AnonymousUser, q: str = "", model_id: int | None = None
) -> QuerySet[SparePart]:
    qs = spare_parts_for_user(user).prefetch_related("fits")
    if q.strip():
        qs = qs.filter(Q(part_number__icontains=q) | Q(name__icontains=q))
    if model_id:
        qs = qs.filter(fits__id=model_id)
    return qs.order_by("part_number")
