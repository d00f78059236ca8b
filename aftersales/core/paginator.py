"""Paging list pages: ``paginate`` for the ordinary case, ``IdsFirstPaginator`` for a wide list query
(the page's ids first, narrow, then the rows for those ids only)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def paginate(request: HttpRequest, qs: Any, per_page: int = 25) -> Page:
    """The page the request's ``?page=`` names; the last one when past the end, the first when not a number."""
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


class IdsFirstPaginator(Paginator):
    """A ``Paginator`` for querysets that join and prefetch a lot per row and sort on an
    expression (the console's queue, by SLA urgency).

    PostgreSQL cannot stop early on such a sort: it joins the customer, unit, model and assignee
    of every matching row (ten thousand open requests) before keeping 25. Here the sort runs on the
    request table alone and picks the page's ids; the second query joins and prefetches just those
    rows, which are then put back in the page's order. Two statements for the rows, whatever the
    page size.
    """

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        qs: QuerySet[Any] = self.object_list  # type: ignore[assignment]
        ids = list(qs.select_related(None).prefetch_related(None).values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in qs.filter(pk__in=ids).order_by()}
        return Page([rows[pk] for pk in ids if pk in rows], number, self)
