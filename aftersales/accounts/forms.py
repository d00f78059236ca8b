from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts import scopes
from aftersales.accounts.models import ApiToken, Organization, User
from aftersales.accounts.services import ORG_ROLES, ROLE_HELP
from aftersales.core.forms import BootstrapMixin


class LoginForm(BootstrapMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("用户名"), widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


# --- settings: API tokens and users ------------------------------------------------------------


def expiry_of(day: date | None, organization: Organization) -> datetime | None:
    """A token valid "until" ``day`` works through that whole day in the organization's zone."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=ZoneInfo(organization.timezone))


def expiry_day(expires_at: datetime | None, organization: Organization) -> date | None:
    if expires_at is None:
        return None
    return (expires_at.astimezone(ZoneInfo(organization.timezone)) - timedelta(microseconds=1)).date()


class TokenForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("例如：ERP 同步、天猫店铺"))
    user = forms.ModelChoiceField(
        label=_("代表用户"),
        queryset=User.objects.none(),
        help_text=_("令牌以这个账号的身份访问 API，权限不超过该账号的角色。"),
    )
    access = forms.ChoiceField(
        label=_("权限"),
        choices=ApiToken.Access.choices,
        initial=ApiToken.Access.READ,
        widget=forms.RadioSelect,
        help_text=_("只读令牌只能查询（GET），任何新建、修改、删除都会被拒绝（403）。"),
    )
    all_resources = forms.BooleanField(label=_("全部资源（包括以后新增的）"), required=False, initial=False)
    resources = forms.MultipleChoiceField(
        label=_("可访问的资源"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(r.key, r.label) for r in scopes.RESOURCES],
        help_text=_("访问未勾选的资源会被拒绝（403）。"),
    )
    expires_on = forms.DateField(
        label=_("有效期至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("含当天（按组织时区）；留空表示长期有效。过期后调用返回 401。"),
    )

    def __init__(
        self, *args: object, organization: Organization, editing: bool = False, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        user_field: forms.ModelChoiceField = self.fields["user"]  # type: ignore[assignment]
        user_field.queryset = User.objects.filter(organization=organization, is_active=True).order_by(
            "username"
        )
        if editing:
            del self.fields["user"]

    def clean_expires_on(self) -> date | None:
        day: date | None = self.cleaned_data.get("expires_on")
        today = timezone.now().astimezone(ZoneInfo(self.organization.timezone)).date()
        if (
            day is not None
            and day < today
            and self.fields["expires_on"].has_changed(self.initial.get("expires_on"), day)
        ):
            raise forms.ValidationError(_("有效期不能早于今天。"))
        return day

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("all_resources") and not data.get("resources") and "resources" not in self.errors:
            self.add_error("resources", _("请至少选择一种资源，或选择全部资源。"))
        return data

    @property
    def expires_at(self) -> datetime | None:
        return expiry_of(self.cleaned_data.get("expires_on"), self.organization)


class InviteForm(BootstrapMixin, forms.Form):
    username = forms.RegexField(
        label=_("用户名"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": _("只能包含字母、数字和 @ . + - _。")},
        help_text=_("登录用，之后不能修改。"),
    )
    last_name = forms.CharField(label=_("姓"), max_length=150, required=False)
    first_name = forms.CharField(label=_("名"), max_length=150, required=False)
    email = forms.EmailField(label=_("邮箱"), help_text=_("设置密码的链接会发到这个邮箱。"))
    role = forms.ChoiceField(label=_("角色"), choices=())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        role: forms.ChoiceField = self.fields["role"]  # type: ignore[assignment]
        role.choices = [(r.value, r.label) for r in ORG_ROLES]
        role.help_text = ROLE_HELP


class RoleForm(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        role: forms.ChoiceField = self.fields["role"]  # type: ignore[assignment]
        role.choices = [(r.value, r.label) for r in ORG_ROLES]


class SettingsLogFilterForm(BootstrapMixin, forms.Form):
    """The settings log's filters; the choices are the organization's own areas and people."""

    area = forms.ChoiceField(label=_("设置项"), required=False)
    actor = forms.ModelChoiceField(
        label=_("操作人"), required=False, queryset=User.objects.none(), empty_label=_("全部")
    )
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("含当天，按组织时区。"),
    )

    def __init__(
        self, *args: object, organization: Organization, areas: list[tuple[str, object]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        area: forms.ChoiceField = self.fields["area"]  # type: ignore[assignment]
        area.choices = [("", _("全部")), *areas]
        actor: forms.ModelChoiceField = self.fields["actor"]  # type: ignore[assignment]
        actor.queryset = User.objects.filter(organization=organization).order_by("username")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The filter's days as instants: from the first day's midnight to the last day's end."""
        zone = ZoneInfo(self.organization.timezone)
        start, end = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
        return (
            datetime.combine(start, time.min, tzinfo=zone) if start else None,
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone) if end else None,
        )


# The account pages in the product's own look (Django's forms, Bootstrap's classes).
class PasswordChangeForm(BootstrapMixin, auth_forms.PasswordChangeForm):
    pass


class PasswordResetForm(BootstrapMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(BootstrapMixin, auth_forms.SetPasswordForm):
    pass
