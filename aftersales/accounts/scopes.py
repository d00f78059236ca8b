"""What an API token's scope lets it reach: read-only or read-write, and which resources.

A token acts as its user (the role's rules still apply, ``aftersales.accounts.access``); its scope
can only narrow that. Resources are named by the API paths under ``/api/v1/`` they cover, by the
first path segment: ``/requests/<n>/sla`` belongs to ``requests``, ``/sla/compliance`` to ``sla``.
A path no resource claims is open only to a token with every resource, so a new endpoint is closed
to narrowed tokens until someone says which resource it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

API_PREFIX = "/api/v1/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Resource:
    key: str
    label: str | Promise
    segments: tuple[str, ...]  # first path segments under /api/v1/


RESOURCES: tuple[Resource, ...] = (
    Resource("requests", _("服务单（含消息、附件、时效）"), ("requests", "inbound")),
    Resource("customers", _("客户"), ("customers",)),
    Resource("units", _("机器"), ("units",)),
    Resource("catalog", _("产品型号与备件"), ("product-models", "spare-parts")),
    Resource("stations", _("服务网点"), ("stations",)),
    Resource("appointments", _("预约、工程师与路线"), ("appointments", "technicians", "plans")),
    Resource("entitlements", _("权益与报价"), ("entitlements", "quotes")),
    Resource("returns", _("退换货"), ("returns",)),
    Resource("sla", _("服务时效策略与报表"), ("sla-policies", "sla")),
)
KEYS = frozenset(r.key for r in RESOURCES)
_BY_SEGMENT = {segment: r.key for r in RESOURCES for segment in r.segments}


def resource_of(path: str) -> str | None:
    """The resource key an API path belongs to; None for a path outside every resource."""
    if not path.startswith(API_PREFIX):
        return None
    segment = path[len(API_PREFIX) :].split("/", 1)[0]
    return _BY_SEGMENT.get(segment)


def label_of(key: str) -> str | Promise:
    for r in RESOURCES:
        if r.key == key:
            return r.label
    return key


class Denied(Exception):
    """The token's scope does not cover this call; the message says why (English, for the API)."""


def check(
    *, read_only: bool, all_resources: bool, resources: list[str] | tuple[str, ...], method: str, path: str
) -> None:
    """Raise ``Denied`` unless a token with this scope may make this call."""
    if read_only and method.upper() not in SAFE_METHODS:
        raise Denied("This API token is read-only; it may not change anything.")
    if all_resources:
        return
    resource = resource_of(path)
    if resource is None or resource not in resources:
        raise Denied(f"This API token's scope does not include the resource of {path}.")


def expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and now >= expires_at
