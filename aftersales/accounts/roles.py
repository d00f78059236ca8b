"""What each role may do: the one vocabulary every permission check reads.

Every action a view, an API endpoint, a service or a template asks about is a ``Cap``; the
table below says which role holds it. The view decorators (``accounts.decorators``), the
template filter ``user|can:"…"`` and the services' checks all read this table, so a role is
never offered a button whose page answers 404.

Organization-only work (dispatch, the technician's day, the settings area) is not given to
the platform admin: a platform admin belongs to no organization (``User`` constraint), so
those pages have nothing to show them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from aftersales.accounts.models import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from aftersales.accounts.models import User


class Cap(StrEnum):
    VIEW_CUSTOMERS = "view_customers"  # the console: requests, customers, units
    EDIT_CUSTOMERS = "edit_customers"
    DELETE_CUSTOMERS = "delete_customers"
    REVEAL_PERSONAL_DATA = "reveal_personal_data"
    MERGE_REQUESTS = "merge_requests"  # fold a duplicate request into another
    # a request's own steps (service.access.STEP_CAPS says which step needs which)
    EDIT_REQUESTS = "edit_requests"  # change priority, kind, subject, description, fulfilment
    ASSIGN_REQUESTS = "assign_requests"  # give a request an owner; schedule it
    TRIAGE_REQUESTS = "triage_requests"  # accept a new request
    WORK_REQUESTS = "work_requests"  # start, wait for parts or the customer, resume, resolve
    CLOSE_REQUESTS = "close_requests"  # close, cancel, record the customer's acceptance or rejection
    VIEW_CATALOG = "view_catalog"
    EDIT_CATALOG = "edit_catalog"  # product models and spare parts
    IMPORT_DATA = "import_data"
    EXPORT_DATA = "export_data"
    MANAGE_TOKENS = "manage_tokens"
    MANAGE_SETTINGS = "manage_settings"
    # entitlement and returns
    CHECK_ENTITLEMENT = "check_entitlement"  # look up what a unit is entitled to
    DECIDE_RETURNS = "decide_returns"  # open, approve, reject, refund, exchange
    HANDLE_GOODS = "handle_goods"  # receive and inspect returned goods
    QUOTE = "quote"  # build and send repair quotes
    SELL_WARRANTY = "sell_warranty"  # extended-warranty contracts and claims
    RECORD_FACTS = "record_facts"  # a unit's voucher and use, a repair's 三包 facts
    # dispatch
    VIEW_TECHNICIANS = "view_technicians"  # technicians, their stations and coverage
    VIEW_VISITS = "view_visits"  # the dispatch card on a request page
    ASSIGN_JOBS = "assign_jobs"  # the board, day plans, proposals, coverage; acting on any visit
    BOOK_VISITS = "book_visits"  # book, move and cancel a request's visit for the customer
    HANDLE_MAIL_IN = "handle_mail_in"  # record a mailed-in unit's steps
    VIEW_DISPATCH_REPORTS = "view_dispatch_reports"
    WORK_VISITS = "work_visits"  # the technician's phone pages
    # SLA
    VIEW_SLA_REPORTS = "view_sla_reports"


_STAFF_READ = {
    Cap.VIEW_CUSTOMERS,
    Cap.VIEW_CATALOG,
    Cap.MERGE_REQUESTS,
    Cap.CHECK_ENTITLEMENT,
    Cap.VIEW_TECHNICIANS,
    Cap.VIEW_VISITS,
}
_REQUESTS = {
    Cap.EDIT_REQUESTS,
    Cap.ASSIGN_REQUESTS,
    Cap.TRIAGE_REQUESTS,
    Cap.WORK_REQUESTS,
    Cap.CLOSE_REQUESTS,
}
_RETURNS = {Cap.DECIDE_RETURNS, Cap.HANDLE_GOODS, Cap.QUOTE, Cap.SELL_WARRANTY, Cap.RECORD_FACTS}
_ORGANIZATION_ONLY = {
    Cap.VIEW_VISITS,
    Cap.ASSIGN_JOBS,
    Cap.BOOK_VISITS,
    Cap.HANDLE_MAIL_IN,
    Cap.VIEW_DISPATCH_REPORTS,
    Cap.WORK_VISITS,
    Cap.MANAGE_TOKENS,
    Cap.MANAGE_SETTINGS,
}

CAPABILITIES: dict[str, frozenset[Cap]] = {
    Role.CUSTOMER: frozenset(),
    Role.AGENT: frozenset(
        _STAFF_READ
        | _RETURNS
        | _REQUESTS
        | {
            Cap.EDIT_CUSTOMERS,
            Cap.REVEAL_PERSONAL_DATA,
            Cap.EXPORT_DATA,
            Cap.BOOK_VISITS,
            Cap.HANDLE_MAIL_IN,
            Cap.VIEW_DISPATCH_REPORTS,
            Cap.VIEW_SLA_REPORTS,
        }
    ),
    Role.DISPATCHER: frozenset(
        _STAFF_READ
        | (_REQUESTS - {Cap.CLOSE_REQUESTS})
        | {
            Cap.REVEAL_PERSONAL_DATA,
            Cap.ASSIGN_JOBS,
            Cap.BOOK_VISITS,
            Cap.HANDLE_MAIL_IN,
            Cap.VIEW_DISPATCH_REPORTS,
        }
    ),
    Role.TECHNICIAN: frozenset(
        _STAFF_READ
        | {
            Cap.WORK_REQUESTS,
            Cap.HANDLE_GOODS,
            Cap.QUOTE,
            Cap.RECORD_FACTS,
            Cap.HANDLE_MAIL_IN,
            Cap.WORK_VISITS,
        }
    ),
    Role.PARTS_MANAGER: frozenset(_STAFF_READ | {Cap.EDIT_CATALOG, Cap.EXPORT_DATA, Cap.HANDLE_GOODS}),
    Role.QUALITY_MANAGER: frozenset(
        _STAFF_READ | {Cap.EXPORT_DATA, Cap.VIEW_DISPATCH_REPORTS, Cap.VIEW_SLA_REPORTS}
    ),
    Role.ORG_ADMIN: frozenset(set(Cap) - {Cap.WORK_VISITS}),
    Role.PLATFORM_ADMIN: frozenset(set(Cap) - _ORGANIZATION_ONLY),
}


def can(user: User | AnonymousUser | None, cap: Cap) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return cap in CAPABILITIES.get(user.role, frozenset())
