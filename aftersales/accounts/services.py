"""Settings writes of the accounts app: API tokens and the organization's users, each audited
on the settings log in its own transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts import mail, scopes
from aftersales.accounts.models import ApiToken, Organization, Role, User
from aftersales.accounts.settings_log import settings_change_log
from aftersales.accounts.tokens import token_create
from aftersales.core.errors import Conflict, InvalidInput

TOKENS_AREA = "tokens"
USERS_AREA = "users"

# The roles an organization admin hands out: the organization's own staff. Customers sign up in
# the portal, platform admins belong to no organization (``User.Meta.constraints``).
ORG_ROLES = (
    Role.AGENT,
    Role.DISPATCHER,
    Role.TECHNICIAN,
    Role.PARTS_MANAGER,
    Role.QUALITY_MANAGER,
    Role.ORG_ADMIN,
)


# --- API tokens -------------------------------------------------------------------------------


def _scope_detail(token: ApiToken) -> dict[str, object]:
    return {
        "name": token.name,
        "user": token.user.username,
        "access": token.access,
        "resources": "*" if token.all_resources else sorted(token.resources or []),
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
    }


def _check_scope(
    *, access: str, all_resources: bool, resources: list[str], expires_at: datetime | None, new: bool
) -> None:
    errors: dict[str, str] = {}
    if access not in ApiToken.Access.values:
        errors["access"] = _("请选择只读或读写。")
    if not all_resources:
        if not resources:
            errors["resources"] = _("请至少选择一种资源，或选择全部资源。")
        elif unknown := set(resources) - scopes.KEYS:
            errors["resources"] = _("未知资源：%(names)s") % {"names": ", ".join(sorted(unknown))}
    if new and expires_at is not None and expires_at <= timezone.now():
        errors["expires_on"] = _("过期日期必须晚于今天。")
    if errors:
        raise InvalidInput(errors)


def token_issue(
    *,
    organization: Organization,
    actor: User,
    user: User,
    name: str,
    access: str,
    all_resources: bool,
    resources: list[str],
    expires_at: datetime | None,
) -> tuple[ApiToken, str]:
    """A new token acting as ``user`` (staff of ``organization``), narrowed to this scope; returns
    it and its clear value, shown once."""
    if user.organization_id != organization.pk or not user.is_active:
        raise InvalidInput({"user": _("请选择本组织的在职员工。")})
    _check_scope(
        access=access, all_resources=all_resources, resources=resources, expires_at=expires_at, new=True
    )
    with transaction.atomic():
        token, raw = token_create(
            user=user,
            name=name,
            organization=organization,
            access=access,
            all_resources=all_resources,
            resources=resources,
            expires_at=expires_at,
        )
        settings_change_log(
            organization=organization,
            actor=actor,
            area=TOKENS_AREA,
            action="created",
            target=str(token),
            detail=_created(_scope_detail(token)),
        )
    return token, raw


def token_change(
    *,
    token: ApiToken,
    actor: User,
    name: str,
    access: str,
    all_resources: bool,
    resources: list[str],
    expires_at: datetime | None,
) -> ApiToken:
    """Rename a token or change its scope or expiry; takes effect on the next call in every
    process (the row's change drops every process's kept lookups, ``core.fastpath.changes``)."""
    _check_scope(
        access=access, all_resources=all_resources, resources=resources, expires_at=expires_at, new=False
    )
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if locked.revoked_at is not None:
            raise Conflict(_("令牌已吊销，不能再修改。"))
        before = _scope_detail(locked)
        locked.name = name[:100] or locked.name
        locked.access = access
        locked.all_resources = all_resources
        locked.resources = [] if all_resources else sorted(resources)
        locked.expires_at = expires_at
        locked.save(update_fields=["name", "access", "all_resources", "resources", "expires_at"])
        after = _scope_detail(locked)
        if before != after:
            settings_change_log(
                organization=locked.organization,
                actor=actor,
                area=TOKENS_AREA,
                action="changed",
                target=str(locked),
                detail=_diff(before, after),
            )
    return locked


def token_withdraw(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke a token (answers 401 from then on), on the settings log."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            settings_change_log(
                organization=locked.organization,
                actor=actor,
                area=TOKENS_AREA,
                action="revoked",
                target=str(locked),
                detail=None,
            )
    return locked


def _diff(before: dict[str, object], after: dict[str, object]) -> dict[str, list[object]]:
    """The settings log's detail: ``{"field": [before, after]}`` for each field that changed."""
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after.get(k)}


def _created(after: dict[str, object]) -> dict[str, list[object]]:
    return {k: [None, v] for k, v in after.items()}


# --- users ------------------------------------------------------------------------------------


def _user_detail(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "name": user.get_full_name(),
        "email": user.email,
        "role": user.role,
        "is_active": user.is_active,
    }


def _active_admins(organization: Organization) -> int:
    return User.objects.filter(organization=organization, role=Role.ORG_ADMIN, is_active=True).count()


def _link_mail(*, user: User, base_url: str, kind: str) -> None:
    """Queue the email with a one-time link that sets the user's password (Django's reset link,
    valid ``PASSWORD_RESET_TIMEOUT`` seconds and only until the password changes)."""
    org = user.organization
    assert org is not None
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    link = base_url.rstrip("/") + path
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    # Sent in the organization's language, whatever the admin's page was in.
    with translation.override(settings.LANGUAGE_CODE):
        if kind == "invite":
            subject = _("【%(org)s】邀请您使用售后服务平台") % {"org": org.name}
            intro = _(
                "%(org)s 为您开通了售后服务平台账号（用户名：%(username)s，角色：%(role)s）。请打开下面的链接设置密码："
            ) % {"org": org.name, "username": user.username, "role": user.get_role_display()}
        else:
            subject = _("【%(org)s】重置您的密码") % {"org": org.name}
            intro = _("管理员为您（用户名：%(username)s）发起了密码重置。请打开下面的链接设置新密码：") % {
                "username": user.username
            }
        tail = _("链接 %(days)s 天内有效，只能使用一次。如果不是您本人的账号，请忽略本邮件。") % {
            "days": days
        }
    mail.send(
        organization=org,
        key=f"account:{user.pk}:{kind}:{uuid.uuid4().hex}",
        to=user.email,
        subject=subject,
        body=f"{intro}\n\n{link}\n\n{tail}",
    )


def user_invite(
    *,
    organization: Organization,
    actor: User,
    username: str,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    base_url: str,
) -> User:
    """A new staff account of ``organization`` with no password yet, and an email with the link
    that sets one."""
    errors: dict[str, str] = {}
    username = username.strip()
    email = email.strip()
    if role not in ORG_ROLES:
        errors["role"] = _("请选择本组织的员工角色。")
    if not email:
        errors["email"] = _("邀请需要邮箱，设置密码的链接发到这里。")
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("该用户名已被使用。")
    if email and User.objects.filter(email__iexact=email, organization=organization).exists():
        errors["email"] = _("本组织已有使用该邮箱的账号。")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            role=role,
            organization=organization,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
        )
        user.set_unusable_password()
        user.save()
        _link_mail(user=user, base_url=base_url, kind="invite")
        settings_change_log(
            organization=organization,
            actor=actor,
            area=USERS_AREA,
            action="invited",
            target=user.username,
            detail=_created(_user_detail(user)),
        )
    return user


def _lock_admins(user: User) -> None:
    """Lock the organization's admins first, in one order, so two admins demoting or deactivating
    each other at once cannot both pass the last-admin check."""
    list(
        User.objects.select_for_update()
        .filter(organization_id=user.organization_id or 0, role=Role.ORG_ADMIN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _locked_member(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def user_change_role(*, user: User, actor: User, role: str) -> User:
    if role not in ORG_ROLES:
        raise InvalidInput({"role": _("请选择本组织的员工角色。")})
    with transaction.atomic():
        _lock_admins(user)
        locked = _locked_member(user)
        if locked.role == role:
            return locked
        if locked.pk == actor.pk:
            raise Conflict(
                _("不能修改自己的角色：请让另一位组织管理员操作。"), {"role": _("不能修改自己的角色。")}
            )
        org = locked.organization
        assert org is not None
        if locked.role == Role.ORG_ADMIN and locked.is_active and _active_admins(org) <= 1:
            raise Conflict(
                _("这是本组织最后一位组织管理员，不能改为其他角色。"), {"role": _("至少需要一位组织管理员。")}
            )
        before = _user_detail(locked)
        locked.role = role
        locked.save(update_fields=["role"])
        settings_change_log(
            organization=org,
            actor=actor,
            area=USERS_AREA,
            action="changed",
            target=locked.username,
            detail=_diff(before, _user_detail(locked)),
        )
    return locked


def user_set_active(*, user: User, actor: User, active: bool) -> User:
    """Deactivate (cannot log in; their API tokens stop working) or reactivate a staff account."""
    with transaction.atomic():
        _lock_admins(user)
        locked = _locked_member(user)
        if locked.is_active == active:
            return locked
        org = locked.organization
        assert org is not None
        if not active:
            if locked.pk == actor.pk:
                raise Conflict(_("不能停用自己的账号。"))
            if locked.role == Role.ORG_ADMIN and _active_admins(org) <= 1:
                raise Conflict(_("这是本组织最后一位在用的组织管理员，不能停用。"))
        before = _user_detail(locked)
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        settings_change_log(
            organization=org,
            actor=actor,
            area=USERS_AREA,
            action="reactivated" if active else "deactivated",
            target=locked.username,
            detail=_diff(before, _user_detail(locked)),
        )
    return locked


def user_send_reset(*, user: User, actor: User, base_url: str) -> User:
    """Email the user a link that sets a new password (their current one keeps working until then)."""
    if not user.is_active:
        raise Conflict(_("账号已停用：请先恢复账号再重置密码。"))
    if not user.email:
        raise Conflict(_("该账号没有邮箱，无法发送重置链接。"))
    org = user.organization
    assert org is not None
    with transaction.atomic():
        _link_mail(user=user, base_url=base_url, kind="reset")
        settings_change_log(
            organization=org,
            actor=actor,
            area=USERS_AREA,
            action="password_reset_sent",
            target=user.username,
            detail={"email": [None, user.email]},
        )
    return user


ROLE_HELP = gettext_lazy("工程师账号还需要在派单设置里建立工程师档案（所属网点、技能）才能接单。")
