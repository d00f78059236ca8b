"""Demo step: three organizations and their staff, one account per role and a few more."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from aftersales.accounts.models import Organization, Role, User
from aftersales.demo.context import DEMO_PASSWORD, DemoContext, person_name
from aftersales.demo.data import ORGS, ROLES


def _make_user(
    username: str, role: str, org: Organization | None, first_name: str, password_hash: str
) -> User:
    user = User(
        username=username,
        role=role,
        organization=org,
        first_name=first_name,
        email=f"{username}@demo.aftersales.local",
        is_staff=role == Role.PLATFORM_ADMIN,
        is_superuser=role == Role.PLATFORM_ADMIN,
    )
    user.password = password_hash
    return user


def step_organizations(ctx: DemoContext) -> None:
    # One hash for every demo account: Argon2 is slow by design, and they share a password.
    password_hash = make_password(DEMO_PASSWORD)
    users = [_make_user("admin", Role.PLATFORM_ADMIN, None, "平台管理员", password_hash)]
    ctx.accounts.append(("admin", str(Role.PLATFORM_ADMIN.label), "—"))
    for spec in ORGS:
        org = Organization.objects.create(name=spec["name"], slug=spec["slug"], kind=spec["kind"])
        ctx.orgs[spec["slug"]] = org
        for role in ROLES:
            username = f"{spec['prefix']}-{role.replace('_', '-')}"
            users.append(_make_user(username, role, org, person_name(ctx.rng), password_hash))
            ctx.accounts.append((username, str(Role(role).label), org.name))
        # A second agent and technician so queues and boards have more than one person.
        for role, n in ((Role.AGENT, 2), (Role.TECHNICIAN, 2)):
            username = f"{spec['prefix']}-{role.replace('_', '-')}{n}"
            users.append(_make_user(username, role, org, person_name(ctx.rng), password_hash))
    for n in range(1, 4):
        users.append(_make_user(f"customer{n}", Role.CUSTOMER, None, person_name(ctx.rng), password_hash))
        ctx.accounts.append((f"customer{n}", str(Role.CUSTOMER.label), "—"))
    User.objects.bulk_create(users)
    ctx.report(f"{len(ctx.orgs)} organizations, {len(users)} user accounts")
