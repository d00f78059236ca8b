"""The capability table and the rule tying a user's role to an organization."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from aftersales.accounts.models import Role, User
from aftersales.accounts.roles import CAPABILITIES, Cap, can

C = Cap
# Written out in full, not derived from roles.py: this is the specification the table must match.
STAFF_READ = {
    C.VIEW_CUSTOMERS,
    C.VIEW_CATALOG,
    C.MERGE_REQUESTS,
    C.CHECK_ENTITLEMENT,
    C.VIEW_TECHNICIANS,
    C.VIEW_VISITS,
}
REQUESTS = {C.EDIT_REQUESTS, C.ASSIGN_REQUESTS, C.TRIAGE_REQUESTS, C.WORK_REQUESTS, C.CLOSE_REQUESTS}
RETURNS = {C.DECIDE_RETURNS, C.HANDLE_GOODS, C.QUOTE, C.SELL_WARRANTY, C.RECORD_FACTS}
ORGANIZATION_ONLY = {
    C.VIEW_VISITS,
    C.ASSIGN_JOBS,
    C.BOOK_VISITS,
    C.HANDLE_MAIL_IN,
    C.VIEW_DISPATCH_REPORTS,
    C.WORK_VISITS,
    C.MANAGE_TOKENS,
    C.MANAGE_SETTINGS,
}
EXPECTED = {
    Role.CUSTOMER: set(),
    Role.AGENT: STAFF_READ
    | RETURNS
    | REQUESTS
    | {
        C.EDIT_CUSTOMERS,
        C.REVEAL_PERSONAL_DATA,
        C.EXPORT_DATA,
        C.BOOK_VISITS,
        C.HANDLE_MAIL_IN,
        C.VIEW_DISPATCH_REPORTS,
        C.VIEW_SLA_REPORTS,
    },
    Role.DISPATCHER: STAFF_READ
    | {C.EDIT_REQUESTS, C.ASSIGN_REQUESTS, C.TRIAGE_REQUESTS, C.WORK_REQUESTS}
    | {C.REVEAL_PERSONAL_DATA, C.ASSIGN_JOBS, C.BOOK_VISITS, C.HANDLE_MAIL_IN, C.VIEW_DISPATCH_REPORTS},
    Role.TECHNICIAN: STAFF_READ
    | {C.WORK_REQUESTS, C.HANDLE_GOODS, C.QUOTE, C.RECORD_FACTS, C.HANDLE_MAIL_IN, C.WORK_VISITS},
    Role.PARTS_MANAGER: STAFF_READ | {C.EDIT_CATALOG, C.EXPORT_DATA, C.HANDLE_GOODS},
    Role.QUALITY_MANAGER: STAFF_READ | {C.EXPORT_DATA, C.VIEW_DISPATCH_REPORTS, C.VIEW_SLA_REPORTS},
    Role.ORG_ADMIN: set(Cap) - {C.WORK_VISITS},
    # A platform admin belongs to no organization: nothing that only exists inside one.
    Role.PLATFORM_ADMIN: set(Cap) - ORGANIZATION_ONLY,
}


def test_every_role_has_an_entry_in_the_capability_table():
    assert set(CAPABILITIES) == set(Role.values)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_capabilities(role):
    assert set(CAPABILITIES[role]) == EXPECTED[role]


@pytest.mark.parametrize(
    ("name", "cap", "allowed"),
    [
        ("alice", Cap.REVEAL_PERSONAL_DATA, True),
        ("alice", Cap.DELETE_CUSTOMERS, False),
        ("alice", Cap.MANAGE_TOKENS, False),
        ("tina", Cap.VIEW_CUSTOMERS, True),
        ("tina", Cap.REVEAL_PERSONAL_DATA, False),
        ("tina", Cap.EXPORT_DATA, False),
        ("pam", Cap.EDIT_CATALOG, True),
        ("pam", Cap.EDIT_CUSTOMERS, False),
        ("quinn", Cap.EXPORT_DATA, True),
        ("quinn", Cap.REVEAL_PERSONAL_DATA, False),
        ("olga", Cap.IMPORT_DATA, True),
        ("olga", Cap.MANAGE_TOKENS, True),
        ("carol", Cap.VIEW_CUSTOMERS, False),
        ("pat", Cap.DELETE_CUSTOMERS, True),
        ("pat", Cap.DECIDE_RETURNS, True),
        ("pat", Cap.ASSIGN_JOBS, False),
        ("pat", Cap.MANAGE_SETTINGS, False),
        ("dave", Cap.ASSIGN_JOBS, True),
        ("dave", Cap.DECIDE_RETURNS, False),
        ("tina", Cap.WORK_VISITS, True),
        ("olga", Cap.WORK_VISITS, False),
        ("quinn", Cap.VIEW_SLA_REPORTS, True),
        ("pam", Cap.VIEW_SLA_REPORTS, False),
    ],
)
def test_named_users_can_what_their_role_allows(request, name, cap, allowed):
    user = request.getfixturevalue(name)
    assert can(user, cap) is allowed


def test_inactive_and_anonymous_users_can_nothing(olga):
    olga.is_active = False
    assert not any(can(olga, cap) for cap in Cap)
    assert not any(can(AnonymousUser(), cap) for cap in Cap)


@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.CUSTOMER, Role.PLATFORM_ADMIN)])
def test_staff_without_an_organization_is_refused_by_the_database(db, role):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="orphan", role=role, organization=None)


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.PLATFORM_ADMIN])
def test_customers_and_platform_admins_with_an_organization_are_refused(org_a, role):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="misplaced", role=role, organization=org_a)


def test_valid_role_and_organization_pairs_are_stored(org_a):
    User.objects.create(username="staff", role=Role.DISPATCHER, organization=org_a)
    User.objects.create(username="buyer", role=Role.CUSTOMER, organization=None)
    User.objects.create(username="root", role=Role.PLATFORM_ADMIN, organization=None)
    assert User.objects.filter(username__in=["staff", "buyer", "root"]).count() == 3
