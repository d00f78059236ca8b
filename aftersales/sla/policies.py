"""Which policy covers a request, and the defaults every organization starts with."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts import config
from aftersales.accounts.models import Organization, Role
from aftersales.core.fastpath import reads
from aftersales.customers.models import Customer, Unit
from aftersales.service.models import ServiceRequest
from aftersales.sla.calendars import default_calendar
from aftersales.sla.models import (
    EscalationRule,
    Metric,
    RequestSla,
    ServiceCalendar,
    SlaPause,
    SlaPolicy,
    SlaTarget,
    TimeBasis,
)

W, C = TimeBasis.WORKING, TimeBasis.CALENDAR
HOUR = 60
WORKING_DAY = 8 * HOUR  # the default calendar's working day: 09:00–12:00 and 13:00–18:00


@dataclass(frozen=True)
class _Rule:
    name: str
    percent: int | None = None
    after: int | None = None
    metric: str = ""
    level: int = 0
    notify_assignee: bool = True
    roles: tuple[str, ...] = ()
    raise_priority: bool = False


@dataclass(frozen=True)
class _Policy:
    name: str
    position: int
    kinds: tuple[str, ...]
    targets: tuple[tuple[str, int, str], ...]
    rules: tuple[_Rule, ...] = field(default=())


def _common_rules() -> tuple[_Rule, ...]:
    return (
        _Rule(_("75% 预警：通知处理人"), percent=75),
        _Rule(
            _("超时：通知处理人和班长，提高优先级"), percent=100, roles=(Role.ORG_ADMIN,), raise_priority=True
        ),
    )


def default_policies() -> list[_Policy]:
    """The defaults of the product issue; names are data, written in the language active now."""
    common = _common_rules()
    return [
        _Policy(
            _("咨询：2 个工作小时内答复"),
            10,
            ("consultation",),
            ((Metric.FIRST_RESPONSE, 2 * HOUR, W), (Metric.NEXT_RESPONSE, 2 * HOUR, W)),
            common,
        ),
        _Policy(
            _("投诉：24 小时内给出解决方案"),
            20,
            ("complaint",),
            (
                (Metric.FIRST_RESPONSE, 1 * HOUR, W),
                (Metric.NEXT_RESPONSE, 2 * HOUR, W),
                (Metric.RESOLUTION, 24 * HOUR, C),
            ),
            (
                *common,
                _Rule(
                    _("一级升级：班长"),
                    after=4 * HOUR,
                    metric=Metric.RESOLUTION,
                    level=1,
                    notify_assignee=True,
                    roles=(Role.ORG_ADMIN,),
                ),
                _Rule(
                    _("二级升级：服务经理"),
                    after=12 * HOUR,
                    metric=Metric.RESOLUTION,
                    level=2,
                    notify_assignee=True,
                    roles=(Role.QUALITY_MANAGER,),
                ),
            ),
        ),
        _Policy(
            _("退换货：3 个工作日内处理"),
            30,
            ("return", "exchange", "refund"),
            (
                (Metric.FIRST_RESPONSE, 4 * HOUR, W),
                (Metric.NEXT_RESPONSE, 4 * HOUR, W),
                (Metric.RETURN_PROCESSING, 3 * WORKING_DAY, W),
            ),
            common,
        ),
        _Policy(
            _("上门服务：5 个工作日内解决"),
            40,
            ("installation", "repair", "maintenance"),
            (
                (Metric.FIRST_RESPONSE, 4 * HOUR, W),
                (Metric.NEXT_RESPONSE, 4 * HOUR, W),
                (Metric.ONSITE_ARRIVAL, 2 * WORKING_DAY, W),
                (Metric.RESOLUTION, 5 * WORKING_DAY, W),
            ),
            common,
        ),
        _Policy(
            _("其他：1 个工作日内首次响应"),
            100,
            (),
            ((Metric.FIRST_RESPONSE, WORKING_DAY, W), (Metric.NEXT_RESPONSE, WORKING_DAY, W)),
            common,
        ),
    ]


def policies_seed(*, organization: Organization) -> list[SlaPolicy]:
    created = []
    with transaction.atomic():
        for spec in default_policies():
            policy = SlaPolicy.objects.create(
                organization=organization, name=spec.name, position=spec.position, kinds=list(spec.kinds)
            )
            SlaTarget.objects.bulk_create(
                SlaTarget(policy=policy, metric=metric, minutes=minutes, basis=basis)
                for metric, minutes, basis in spec.targets
            )
            EscalationRule.objects.bulk_create(
                EscalationRule(
                    policy=policy,
                    name=r.name,
                    metric=r.metric,
                    threshold_percent=r.percent,
                    after_minutes=r.after,
                    level=r.level,
                    notify_assignee=r.notify_assignee,
                    notify_roles=list(r.roles),
                    raise_priority=r.raise_priority,
                    position=i,
                )
                for i, r in enumerate(spec.rules)
            )
            created.append(policy)
    return created


def sla_setup_organization(*, organization: Organization) -> ServiceCalendar:
    """Give an organization its default calendar and, the first time only, the default policies.

    Safe to call on every request. The default calendar's ``policies_seeded_at`` is the marker:
    whichever app made the calendar first, the policies follow once, and an admin who deletes
    the default policies on purpose does not get them back.
    """
    return sla_setup_versioned(organization=organization)[0]


def _seed_once(organization: Organization) -> ServiceCalendar:
    """The default calendar, with the default policies given once (under the calendar's row lock,
    so two first requests at once seed one set)."""
    with transaction.atomic():
        calendar = default_calendar(organization)
        locked = ServiceCalendar.objects.select_for_update(of=("self",)).get(pk=calendar.pk)
        if locked.policies_seeded_at is None:
            if not SlaPolicy.objects.filter(organization=organization).exists():
                policies_seed(organization=organization)
                _replay_unmatched(organization)
            locked.policies_seeded_at = timezone.now()
            ServiceCalendar.objects.filter(pk=locked.pk).update(policies_seeded_at=locked.policies_seeded_at)
    return locked


def _replay_unmatched(organization: Organization) -> None:
    """Requests that got SLA rows while the organization had no policy at all (the calendar had
    been made by another app first) lose those rows, so the backfill replays their timelines
    against the policies just seeded and they get the clocks they should have had."""
    orphans = RequestSla.objects.filter(request__organization=organization, policy__isnull=True)
    request_ids = list(orphans.values_list("request_id", flat=True))
    for start in range(0, len(request_ids), 1000):
        chunk = request_ids[start : start + 1000]
        SlaPause.objects.filter(request_id__in=chunk).delete()
        RequestSla.objects.filter(request_id__in=chunk).delete()


def _version_sql() -> str:
    # Raw SQL: cheap to issue on every create, and the same driver values (a string or a
    # datetime, whatever the backend returns) on both paths that read the version.
    return (
        f"SELECT COUNT(*) AS policy_n, MAX(updated_at) AS policy_at, MAX(id) AS policy_top "  # noqa: S608
        f"FROM {connection.ops.quote_name(SlaPolicy._meta.db_table)} WHERE organization_id = %s"
    )


def _policy_version(organization_id: int) -> _PolicyVersion:
    with connection.cursor() as cursor:
        cursor.execute(_version_sql(), [organization_id])
        n, at, top = cursor.fetchone()
    return (n, at, top)


@lru_cache(maxsize=1)
def _setup_sql() -> str:
    """The organization's default calendar and its policies' version, in one row."""
    calendars = connection.ops.quote_name(ServiceCalendar._meta.db_table)
    return (
        f"SELECT {reads.columns(ServiceCalendar, 'c')}, v.policy_n, v.policy_at, v.policy_top "  # noqa: S608
        f"FROM {calendars} c, ({_version_sql()}) v "
        "WHERE c.organization_id = %s AND c.station_id IS NULL ORDER BY c.id LIMIT 1"
    )


def sla_setup_versioned(*, organization: Organization) -> tuple[ServiceCalendar, _PolicyVersion | None]:
    """``sla_setup_organization``, and the version of the organization's policies read in the
    same query (None when the calendar had to be made): pass it on to ``active_policies``."""
    # Every create runs this: SQL built once, on a cursor, not a RawQuerySet compiled each time.
    found = reads.one(_setup_sql(), [organization.pk, organization.pk], ServiceCalendar)
    if found is not None:
        (existing,), (n, at, top) = found
        assert isinstance(existing, ServiceCalendar)
        if existing.policies_seeded_at is not None:
            return existing, (n, at, top)
    return _seed_once(organization), None


def sla_setup_all() -> int:
    """Set up every organization whose default policies were never given (no default calendar
    yet, or one made by another app); returns how many."""
    having = ServiceCalendar.objects.filter(station__isnull=True, policies_seeded_at__isnull=False).values(
        "organization_id"
    )
    missing = Organization.objects.exclude(pk__in=having).order_by("pk")
    count = 0
    for org in missing:
        sla_setup_organization(organization=org)
        count += 1
    return count


# Each organization's active policies (with their category sets and targets, prefetched), cached
# per process and keyed on a version read in one aggregate query: the count, latest ``updated_at``
# and highest id of the organization's policy rows. A policy save moves ``updated_at`` (auto_now);
# a target saved or deleted, a category added to or removed from a policy, or a category deleted
# moves it too through ``policies_touch`` (signals in ``aftersales.sla.signals``), so the next read
# after any such write, in any process, loads the policies again.
_PolicyVersion = tuple[int, Any, Any]
_policy_cache: dict[int, tuple[_PolicyVersion, list[tuple[SlaPolicy, frozenset[int]]]]] = {}
_policy_lock = threading.Lock()


def policies_touch(policy_ids: Any) -> None:
    """Mark policies changed (saved, or their targets or categories moved) so that their
    organization's latest ``updated_at`` moves forward, even when ``timezone.now()`` is behind
    it (a clock set back, a test's mocked time): the policy cache then reloads them."""
    touched = SlaPolicy.objects.filter(pk__in=policy_ids)
    for organization_id in set(touched.values_list("organization_id", flat=True)):
        latest = SlaPolicy.objects.filter(organization_id=organization_id).aggregate(at=Max("updated_at"))[
            "at"
        ]
        now = timezone.now()
        stamp = max(now, latest + timedelta(microseconds=1)) if latest is not None else now
        touched.filter(organization_id=organization_id).update(updated_at=stamp)
        config.config_touch(organization_id)


def active_policies(
    organization_id: int, version: _PolicyVersion | None = None
) -> list[tuple[SlaPolicy, frozenset[int]]]:
    """The organization's active policies in matching order, each with its product category ids.

    ``version`` is what ``sla_setup_versioned`` read in this transaction, if the caller has it.
    The instances are shared by every caller in the process: read them, never change them.
    """
    if version is None:
        version = _policy_version(organization_id)
    with _policy_lock:
        cached = _policy_cache.get(organization_id)
    if cached is not None and cached[0] == version:
        return cached[1]
    policies = (
        SlaPolicy.objects.filter(organization_id=organization_id, is_active=True)
        .prefetch_related("product_categories", "targets")
        .order_by("position", "id")
    )
    loaded = [(policy, frozenset(c.pk for c in policy.product_categories.all())) for policy in policies]
    for policy, _categories in loaded:
        # Every create asks for its policy's targets by metric; asked once here.
        policy.targets_by_metric = policy_targets(policy)  # type: ignore[attr-defined]
    with _policy_lock:
        _policy_cache[organization_id] = (version, loaded)
    return loaded


def policy_targets(policy: SlaPolicy) -> dict[str, SlaTarget]:
    """The policy's targets by metric (kept with the shared instances ``active_policies`` gives)."""
    found = getattr(policy, "targets_by_metric", None)
    return found if found is not None else {t.metric: t for t in policy.targets.all()}


def _tier_and_category(request: ServiceRequest) -> tuple[str, int | None]:
    """The customer's tier and the unit's product category; no query when the request's customer
    (and its unit's product model, if it has a unit) are loaded already, as they are right after
    ``request_create`` from the API, the portal or the console. Never reads the request's own row:
    a create computes its clocks before that row is written."""
    customer = request._state.fields_cache.get("customer")
    if customer is not None:
        tier = customer.tier or ""
    else:
        tier = Customer.objects.filter(pk=request.customer_id).values_list("tier", flat=True).first() or ""
    if request.unit_id is None:
        return tier, None
    unit = request._state.fields_cache.get("unit")
    product_model = unit._state.fields_cache.get("product_model") if unit is not None else None
    if product_model is not None:
        return tier, product_model.category_id
    category_id = (
        Unit.objects.filter(pk=request.unit_id).values_list("product_model__category_id", flat=True).first()
    )
    return tier, category_id


def policy_for(request: ServiceRequest, *, version: _PolicyVersion | None = None) -> SlaPolicy | None:
    """The first active policy of the request's organization whose conditions all hold
    (``version``: of its policies, from ``sla_setup_versioned`` in this transaction)."""
    tier, category_id = _tier_and_category(request)
    for policy, categories in active_policies(request.organization_id, version):
        if policy.matches(
            kind=request.kind,
            priority=request.priority,
            channel=request.channel,
            tier=tier,
            category_id=category_id,
            categories=set(categories),
        ):
            return policy
    return None
