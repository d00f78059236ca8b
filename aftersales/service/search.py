"""The console's one search: requests, customers and units for whatever a caller gives.

Reads only, through the selectors every list uses (``request_queue``, ``customer_search``,
``unit_search``), so the top bar finds what the request queue's and the customer list's own
boxes find, within the same organization and role scope. Each group reads at most
``GROUP_LIMIT`` rows and counts at most ``COUNT_CAP``: a search never costs more than a few
bounded queries, whatever the organization's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aftersales.customers import lookup
from aftersales.customers.selectors import customer_match, customer_search, customers_for_user, unit_search
from aftersales.service.selectors import QueueFilter, request_queue

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from aftersales.service.selectors import AnyUser

GROUP_LIMIT = 10
COUNT_CAP = 200


@dataclass(frozen=True)
class Group:
    key: str  # requests | customers | units
    label: str | Promise
    rows: list[Any]
    count: int  # up to COUNT_CAP
    more_url: str  # the group's own list, filtered by the same text

    @property
    def capped(self) -> bool:
        return self.count >= COUNT_CAP

    @property
    def has_more(self) -> bool:
        return self.count > len(self.rows)


@dataclass(frozen=True)
class Results:
    q: str
    term: lookup.Term
    groups: list[Group] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)


def _group(
    key: str,
    label: str | Promise,
    qs: QuerySet[Any],
    url_name: str,
    q: str,
    counted: QuerySet[Any] | None = None,
) -> Group:
    rows = list(qs[:GROUP_LIMIT])
    count = (
        len(rows)
        if len(rows) < GROUP_LIMIT
        else (qs if counted is None else counted).order_by()[:COUNT_CAP].count()
    )
    return Group(
        key=key, label=label, rows=rows, count=count, more_url=f"{reverse(url_name)}?{urlencode({'q': q})}"
    )


def search_everything(*, user: AnyUser, q: str) -> Results:
    """What ``q`` finds, grouped; nothing for an empty one."""
    term = lookup.parse(q)
    if not term:
        return Results(q="", term=term)
    requests = (
        request_queue(user=user, f=QueueFilter(q=term.text))
        .select_related("unit__product_model")
        .defer("description", "address_detail", "customer__id_number", "customer__notes")
    )
    customers = customer_search(user=user, q=term.text)
    # Counted without the list's per-row unit count, which would be grouped over every match.
    customers_counted = customers_for_user(user).filter(customer_match(user=user, term=term))
    units = unit_search(user=user, q=term.text)
    return Results(
        q=term.text,
        term=term,
        groups=[
            _group("requests", _("服务单"), requests, "service:queue", term.text),
            _group("customers", _("客户"), customers, "customers:list", term.text, customers_counted),
            _group("units", _("机器"), units, "customers:units", term.text),
        ],
    )
