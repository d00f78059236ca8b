from __future__ import annotations

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import BootstrapMixin
from aftersales.notifications import events
from aftersales.notifications.services import URL_SCHEMES


class WebhookForm(BootstrapMixin, forms.Form):
    url = forms.CharField(
        label=_("接收地址"),
        max_length=500,
        validators=[
            URLValidator(
                schemes=list(URL_SCHEMES), message=_("请输入以 http:// 或 https:// 开头的完整地址。")
            )
        ],
        widget=forms.URLInput(attrs={"placeholder": "https://erp.example.com/hooks/aftersales"}),
        help_text=_("我们向这个地址 POST JSON，带 X-Aftersales-Signature 签名头；只接受 http 和 https。"),
    )
    all_events = forms.BooleanField(label=_("全部事件（包括以后新增的）"), required=False)
    events = forms.MultipleChoiceField(
        label=_("事件"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(group.label, [(e.code, e.label) for e in group.events]) for group in events.GROUPS],
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: object, editing: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["is_active"]  # a new subscription starts active

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("all_events") and not data.get("events") and "events" not in self.errors:
            self.add_error("events", _("请至少勾选一个事件，或选择全部事件。"))
        return data
