"""The organization admin's sending settings page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from aftersales.accounts.decorators import settings_admin_required
from aftersales.accounts.http import AuthedRequest
from aftersales.accounts.settings_area import settings_org, settings_org_id, settings_render
from aftersales.notifications.models import OutboxSettings
from aftersales.notifications.outbox_settings import FIELDS, outbox_settings_for, outbox_settings_update

_org = settings_org
_org_id = settings_org_id
_render = settings_render


class OutboxSettingsForm(forms.ModelForm):
    class Meta:
        model = OutboxSettings
        fields = list(FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()

    def full_clean(self) -> None:
        super().full_clean()
        self._style()

    def _style(self) -> None:
        for name, field in self.fields.items():
            invalid = (
                " is-invalid" if name in (getattr(self, "_errors", None) or {}) else ""
            )  # .errors validates
            field.widget.attrs["class"] = "form-control" + invalid


@settings_admin_required
def outbox_settings(request: AuthedRequest) -> HttpResponse:
    org = _org(request)
    current = outbox_settings_for(org)
    form = OutboxSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        outbox_settings_update(
            organization=org,
            actor=request.user,
            values={f: form.cleaned_data[f] for f in FIELDS},
        )
        messages.success(request, _("发送设置已保存，之后投递的消息按新设置发送。"))
        return redirect("outbox:settings")
    preview = OutboxSettings(
        sms_signature=(form.data.get("sms_signature") if form.is_bound else current.sms_signature) or ""
    )
    schedule = [current.retry_first_seconds * 2**i for i in range(max(current.max_attempts - 1, 0))]
    schedule = [min(s, current.retry_max_hours * 3600) for s in schedule]
    return _render(
        request,
        "notifications/settings/outbox.html",
        {
            "settings_section": "outbox",
            "form": form,
            "from_address": settings.DEFAULT_FROM_EMAIL,
            "sms_preview": preview.signed(
                _("您的服务单 R20260101-0001 已预约，工程师将于 12 月 8 日 09:00–11:00 上门。")
            ),
            "schedule": [_minutes_text(s) for s in schedule],
        },
    )


def _minutes_text(seconds: int) -> str:
    if seconds < 60:
        return _("%(n)d 秒") % {"n": seconds}
    if seconds < 3600:
        return _("%(n)d 分钟") % {"n": seconds // 60}
    return _("%(n).1f 小时") % {"n": seconds / 3600}
