"""Settings pages for API tokens and the organization's users. Thin: forms in, services out."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts import scopes, services
from aftersales.accounts.access import get_or_404
from aftersales.accounts.decorators import require, settings_admin_required
from aftersales.accounts.forms import InviteForm, RoleForm, TokenForm, expiry_day
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.models import ApiToken, Role, User
from aftersales.accounts.roles import Cap
from aftersales.accounts.settings_area import settings_context
from aftersales.accounts.settings_request import settings_actor, settings_org, settings_org_id
from aftersales.core.errors import ServiceError


def _org_tokens(request: AuthedRequest) -> Any:
    return ApiToken.objects.filter(organization_id=settings_org_id(request)).select_related(
        "user", "organization"
    )


def _org_users(request: AuthedRequest) -> Any:
    # Only the organization's staff: its customers' portal logins and platform admins have no
    # organization, so they never appear here.
    return User.objects.filter(organization_id=settings_org_id(request))


# --- API tokens ---------------------------------------------------------------------------------


def _token_rows(request: AuthedRequest) -> list[dict[str, Any]]:
    now = timezone.now()
    rows = []
    for token in _org_tokens(request).order_by("revoked_at", "-created_at"):
        if token.revoked_at is not None:
            state = "revoked"
        elif scopes.expired(token.expires_at, now):
            state = "expired"
        else:
            state = "active"
        rows.append(
            {
                "token": token,
                "state": state,
                "expires_on": expiry_day(token.expires_at, token.organization),
                "resources": [scopes.label_of(k) for k in token.resources]
                if not token.all_resources
                else None,
            }
        )
    return rows


@require(Cap.MANAGE_TOKENS)
def tokens(request: AuthedRequest) -> HttpResponse:
    """The list, and a new token's form; a created token's clear value is shown on this answer
    only (never stored, so a reload cannot show it again)."""
    org = settings_org(request)
    created_raw = None
    created = None
    form = TokenForm(request.POST or None, organization=org, initial={"user": request.user.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created, created_raw = services.token_issue(
                organization=org,
                actor=settings_actor(request),
                user=data["user"],
                name=data["name"],
                access=data["access"],
                all_resources=data["all_resources"],
                resources=list(data["resources"]),
                expires_at=form.expires_at,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            form = TokenForm(organization=org, initial={"user": request.user.pk})
    status = 422 if request.method == "POST" and created is None else 200
    return render(
        request,
        "accounts/settings/tokens.html",
        settings_context("tokens")
        | {
            "rows": _token_rows(request),
            "form": form,
            "created_raw": created_raw,
            "created": created,
        },
        status=status,
    )


@require(Cap.MANAGE_TOKENS)
def token_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    token = get_or_404(_org_tokens(request), pk=pk)
    org = token.organization
    initial = {
        "name": token.name,
        "access": token.access,
        "all_resources": token.all_resources,
        "resources": token.resources,
        "expires_on": expiry_day(token.expires_at, org),
    }
    form = TokenForm(request.POST or None, organization=org, editing=True, initial=initial)
    if request.method == "POST" and token.revoked_at is None and form.is_valid():
        data = form.cleaned_data
        try:
            services.token_change(
                token=token,
                actor=settings_actor(request),
                name=data["name"],
                access=data["access"],
                all_resources=data["all_resources"],
                resources=list(data["resources"]),
                expires_at=form.expires_at,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("令牌已更新，立即生效。"))
            return redirect("accounts_settings:tokens")
    return render(
        request,
        "accounts/settings/token_edit.html",
        settings_context("tokens")
        | {
            "token": token,
            "form": form,
        },
        status=422 if request.method == "POST" else 200,
    )


@require(Cap.MANAGE_TOKENS)
@require_POST
def token_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    token = get_or_404(_org_tokens(request), pk=pk)
    services.token_withdraw(token=token, actor=settings_actor(request))
    messages.success(request, _("令牌已吊销。"))
    return redirect("accounts_settings:tokens")


# --- users --------------------------------------------------------------------------------------


@settings_admin_required
def users(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    state = request.GET.get("state", "")
    qs = _org_users(request).order_by("-is_active", "role", "username")
    if q:
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
        )
    if role in {r.value for r in services.ORG_ROLES}:
        qs = qs.filter(role=role)
    if state in ("active", "inactive"):
        qs = qs.filter(is_active=state == "active")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/settings/users.html",
        settings_context("users")
        | {
            "page": page,
            "q": q,
            "role": role,
            "state": state,
            "roles": [(r.value, r.label) for r in services.ORG_ROLES],
        },
    )


@settings_admin_required
def user_invite(request: AuthedRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_invite(
                organization=settings_org(request),
                actor=settings_actor(request),
                username=data["username"],
                email=data["email"],
                role=data["role"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                base_url=request.build_absolute_uri("/"),
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("已创建账号 %(username)s，设置密码的链接已发到 %(email)s。")
                % {"username": user.username, "email": user.email},
            )
            return redirect("accounts_settings:user", pk=user.pk)
    return render(
        request,
        "accounts/settings/user_invite.html",
        settings_context("users") | {"form": form},
        status=422 if request.method == "POST" else 200,
    )


def _user_page(request: AuthedRequest, member: User, role_form: RoleForm, status: int = 200) -> HttpResponse:
    admins = _org_users(request).filter(role=Role.ORG_ADMIN, is_active=True).count()
    last_admin = member.role == Role.ORG_ADMIN and member.is_active and admins <= 1
    return render(
        request,
        "accounts/settings/user.html",
        settings_context("users")
        | {
            "member": member,
            "role_form": role_form,
            "is_self": member.pk == request.user.pk,
            "last_admin": last_admin,
            "tokens": member.api_tokens.filter(revoked_at__isnull=True).count(),
        },
        status=status,
    )


@settings_admin_required
def user_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    member = get_or_404(_org_users(request), pk=pk)
    form = RoleForm(request.POST or None, initial={"role": member.role})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_role(
                user=member, actor=settings_actor(request), role=form.cleaned_data["role"]
            )
        except ServiceError as exc:
            form.add_service_error(exc)
            messages.error(request, exc.message)
            return _user_page(request, member, form, status=409)
        messages.success(request, _("角色已修改。"))
        return redirect("accounts_settings:user", pk=member.pk)
    return _user_page(request, member, form, status=422 if request.method == "POST" else 200)


def _act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    member = get_or_404(_org_users(request), pk=pk)
    actor = settings_actor(request)
    try:
        if action == "deactivate":
            services.user_set_active(user=member, actor=actor, active=False)
            messages.success(request, _("账号已停用：不能再登录，其 API 令牌也随即失效。"))
        elif action == "reactivate":
            services.user_set_active(user=member, actor=actor, active=True)
            messages.success(request, _("账号已恢复。"))
        else:
            services.user_send_reset(user=member, actor=actor, base_url=request.build_absolute_uri("/"))
            messages.success(request, _("重置密码的链接已发到 %(email)s。") % {"email": member.email})
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _user_page(request, member, RoleForm(initial={"role": member.role}), status=409)
    return redirect("accounts_settings:user", pk=member.pk)


@settings_admin_required
@require_POST
def user_deactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "deactivate")


@settings_admin_required
@require_POST
def user_reactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "reactivate")


@settings_admin_required
@require_POST
def user_reset_password(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "reset")
