"""The capability table and the rule tying a user's role to an organization."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from aftersales.accounts.models import Role, User
from aftersales.accounts.roles import CAPABILITIES, Cap, can

C = Cap
EXPECTED = {
    Role.CUSTOMER: set(),
    Role.AGENT: {C.VIEW_CUSTOMERS, C.VIEW_CATALOG, C.EDIT_CUSTOMERS, C.REVEAL_PERSONAL_DATA, C.EXPORT_DATA},
    Role.DISPATCHER: {C.VIEW_CUSTOMERS, C.VIEW_CATALOG, C.REVEAL_PERSONAL_DATA},
    Role.TECHNICIAN: {C.VIEW_CUSTOMERS, C.VIEW_CATALOG},
    Role.PARTS_MANAGER: {C.VIEW_CUSTOMERS, C.VIEW_CATALOG, C.EDIT_CATALOG, C.EXPORT_DATA},
    Role.QUALITY_MANAGER: {C.VIEW_CUSTOMERS, C.VIEW_CATALOG, C.EXPORT_DATA},
    Role.ORG_ADMIN: set(Cap),
    Role.PLATFORM_ADMIN: set(Cap),
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
