"""Forms of the agent console and the customer portal: parsing and field errors only.

The rules (who may do what, which transitions exist, what an upload may contain) live in
``services``, ``lifecycle`` and ``attachments``; a form's job is to turn the POST into typed
values and to show the service's errors next to the right field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Role, User
from aftersales.accounts.roles import can
from aftersales.core.errors import InvalidInput
from aftersales.core.forms import BootstrapMixin
from aftersales.service.access import step_cap
from aftersales.service.models import CannedReply, Channel, Fulfilment, Kind, Priority, Status

# What a transition is called on a button. The lifecycle table names them in code.
TRANSITION_LABELS: dict[str, Any] = {
    "accept": _("受理"),
    "assign": _("派单"),
    "schedule": _("预约"),
    "start": _("开始处理"),
    "wait_for_parts": _("等待备件"),
    "wait_for_customer": _("等待客户"),
    "resume": _("继续处理"),
    "resolve": _("已解决"),
    "customer_accept": _("代客户确认完成"),
    "customer_reject": _("代客户验收不通过"),
    "close": _("关闭"),
    "cancel": _("取消服务单"),
}

# On the timeline the same step reads as what happened, whoever took it.
EVENT_LABELS: dict[str, Any] = {
    **TRANSITION_LABELS,
    "customer_accept": _("确认完成"),
    "customer_reject": _("验收不通过"),
}

QUEUES = [("mine", _("我的")), ("unassigned", _("未分派")), ("open", _("未完成")), ("all", _("全部"))]

# Kinds a customer can choose in the portal, in the order people think of them.
PORTAL_KINDS = [
    (Kind.REPAIR, Kind.REPAIR.label),
    (Kind.INSTALLATION, Kind.INSTALLATION.label),
    (Kind.MAINTENANCE, Kind.MAINTENANCE.label),
    (Kind.CONSULTATION, Kind.CONSULTATION.label),
    (Kind.COMPLAINT, Kind.COMPLAINT.label),
    (Kind.RETURN, Kind.RETURN.label),
    (Kind.EXCHANGE, Kind.EXCHANGE.label),
]


def _blank(choices: Any, label: Any) -> list[tuple[str, Any]]:
    return [("", label), *list(choices)]


def staff_of(organization_id: int | None) -> Any:
    """The people a request of this organization can be assigned to."""
    return (
        User.objects.filter(organization_id=organization_id or 0, is_active=True)
        .exclude(role=Role.CUSTOMER)
        .order_by("first_name", "username")
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.get_role_display()})"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the content checks happen in ``attachments``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [f for f in files if f]


class ServiceErrorsMixin(BootstrapMixin):
    def add_service_error(self, exc: Any) -> None:
        """Like BootstrapMixin's, but an error for a field the form does not show goes on top."""
        form: forms.BaseForm = self  # type: ignore[assignment]
        hidden = {
            f: r for f, r in exc.errors.items() if f not in form.fields or form.fields[f].widget.is_hidden
        }
        for field, reason in exc.errors.items():
            if field not in hidden:
                form.add_error(field, reason)
        if not exc.errors or (hidden and not isinstance(exc, InvalidInput)):
            # A conflict's message says what happened; its field list is for API clients.
            form.add_error(None, exc.message)
        elif hidden:
            form.add_error(None, " ".join(hidden.values()))


# --- console ---------------------------------------------------------------------------------


SORTS = [("urgency", _("按紧急程度")), ("newest", _("最新创建"))]
CLOCKS = [("", _("全部时效")), ("due_soon", _("即将超时")), ("breached", _("已超时"))]


class QueueForm(forms.Form):
    queue = forms.ChoiceField(choices=QUEUES, required=False)
    status = forms.ChoiceField(choices=_blank(Status.choices, _("全部状态")), required=False)
    kind = forms.ChoiceField(choices=_blank(Kind.choices, _("全部类型")), required=False)
    priority = forms.ChoiceField(choices=_blank(Priority.choices, _("全部优先级")), required=False)
    channel = forms.ChoiceField(choices=_blank(Channel.choices, _("全部渠道")), required=False)
    q = forms.CharField(max_length=100, required=False, strip=True)
    sort = forms.ChoiceField(choices=SORTS, required=False)
    sla = forms.ChoiceField(choices=CLOCKS, required=False)

    def values(self) -> dict[str, str]:
        """The filters that parsed; a bad value in the URL is ignored rather than an error page."""
        self.is_valid()
        clean = {name: self.cleaned_data.get(name) or "" for name in self.fields if name not in self.errors}
        clean["queue"] = clean.get("queue") or "open"
        clean["sort"] = clean.get("sort") or "urgency"
        return clean


class NumbersField(forms.Field):
    """The request numbers ticked in the queue; each is looked up against what the user may see."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        return list(dict.fromkeys(str(v).strip()[:20] for v in values if str(v).strip()))[:200]


class BulkForm(forms.Form):
    ACTIONS = [("assign", _("派单")), ("transition", _("执行操作")), ("priority", _("修改优先级"))]

    numbers = NumbersField(error_messages={"required": _("请先勾选服务单。")})
    action = forms.ChoiceField(choices=ACTIONS)
    assignee = StaffChoiceField(
        label=_("派单给"), queryset=User.objects.none(), required=False, empty_label=_("派单给…")
    )
    transition = forms.ChoiceField(
        label=_("操作"),
        required=False,
        choices=_blank([(k, v) for k, v in TRANSITION_LABELS.items() if k != "assign"], _("操作…")),
    )
    priority = forms.ChoiceField(
        label=_("优先级"), choices=_blank(Priority.choices, _("优先级…")), required=False
    )
    reason = forms.CharField(max_length=2000, required=False)

    def __init__(
        self, *args: Any, organization_id: int | None = None, user: User | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ModelChoiceField = self.fields["assignee"]  # type: ignore[assignment]
        field.queryset = staff_of(organization_id)
        if user is not None:
            # Offer only the steps this role may take; the services refuse the others anyway.
            steps = self.fields["transition"]
            assert isinstance(steps, forms.ChoiceField)
            steps.choices = _blank(
                [(k, v) for k, v in TRANSITION_LABELS.items() if k != "assign" and can(user, step_cap(k))],
                _("操作…"),
            )
        for name in ("assignee", "transition", "priority"):
            self.fields[name].widget.attrs.update(
                {
                    "class": "form-select",
                    "id": f"bulk-{name}-value",
                    "aria-label": str(self.fields[name].label),
                }
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        needed = {"assign": "assignee", "transition": "transition", "priority": "priority"}.get(action or "")
        if needed and not data.get(needed):
            self.add_error(needed, _("请选择。"))
        return data


class NewRequestForm(ServiceErrorsMixin, forms.Form):
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("客户姓名"), max_length=100, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=30, required=False)
    unit = forms.IntegerField(label=_("机器"), required=False)
    serial = forms.CharField(label=_("或输入序列号"), max_length=64, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices, initial=Kind.REPAIR)
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.PHONE)
    priority = forms.ChoiceField(label=_("优先级"), choices=Priority.choices, initial=Priority.NORMAL)
    fulfilment = forms.ChoiceField(label=_("服务方式"), choices=Fulfilment.choices, initial=Fulfilment.ONSITE)
    description = forms.CharField(
        label=_("问题描述"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    uploads = MultipleFileField(
        label=_("附件（照片、视频或 PDF）"),
        required=False,
        help_text=_("可多选；提示或出错后已上传的文件会保留。"),
        widget=MultipleFileInput(attrs={"accept": "image/*,video/*,application/pdf"}),
    )
    link_to = forms.CharField(max_length=20, required=False, widget=forms.HiddenInput)
    allow_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("customer") and not (data.get("phone") or "").strip():
            self.add_error("phone", _("请选择已有客户，或填写手机号。"))
        if (
            not data.get("customer")
            and (data.get("phone") or "").strip()
            and not (data.get("name") or "").strip()
        ):
            self.add_error("name", _("新客户请填写姓名。"))
        return data


class TransitionForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(max_length=40)
    reason = forms.CharField(label=_("原因"), max_length=2000, required=False)


class AssignForm(ServiceErrorsMixin, forms.Form):
    assignee = StaffChoiceField(label=_("处理人"), queryset=User.objects.none(), empty_label=_("选择员工…"))
    reason = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args: Any, organization_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ModelChoiceField = self.fields["assignee"]  # type: ignore[assignment]
        field.queryset = staff_of(organization_id)


class ReplyForm(ServiceErrorsMixin, forms.Form):
    VISIBILITY = [("public", _("公开回复（客户可见）")), ("internal", _("内部备注"))]

    canned = forms.ModelChoiceField(
        label=_("快捷回复"),
        queryset=CannedReply.objects.none(),
        required=False,
        empty_label=_("插入快捷回复…"),
    )
    body = forms.CharField(
        label=_("内容"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    visibility = forms.ChoiceField(
        label=_("可见范围"), choices=VISIBILITY, initial="public", widget=forms.RadioSelect
    )
    uploads = MultipleFileField(label=_("附件"), required=False)

    def __init__(self, *args: Any, organization_id: int | None = None, kept: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kept = kept  # files kept from an earlier submit count as chosen
        field: forms.ModelChoiceField = self.fields["canned"]  # type: ignore[assignment]
        field.queryset = CannedReply.objects.filter(organization_id=organization_id or 0)
        self.fields["visibility"].widget.attrs["class"] = "form-check-input"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            not (data.get("body") or "").strip()
            and not data.get("uploads")
            and not self.kept
            and "uploads" not in self.errors
        ):
            self.add_error("body", _("请填写内容或选择附件。"))
        return data


class EditForm(ServiceErrorsMixin, forms.Form):
    priority = forms.ChoiceField(label=_("优先级"), choices=Priority.choices)
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices)
    description = forms.CharField(
        label=_("问题描述"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class MergeForm(ServiceErrorsMixin, forms.Form):
    target = forms.CharField(
        label=_("合并到服务单号"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "SR-2026-000001"}),
    )


class SplitForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=_blank(Kind.choices, _("与原单相同")), required=False)
    description = forms.CharField(
        label=_("新服务单的问题描述"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- portal ----------------------------------------------------------------------------------


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class PortalRequestForm(ServiceErrorsMixin, forms.Form):
    unit = forms.TypedChoiceField(label=_("选择我的产品"), coerce=int, required=False, empty_value=None)
    serial = forms.CharField(
        label=_("或输入序列号"),
        max_length=64,
        required=False,
        help_text=_("序列号通常在机身铭牌或包装盒上。"),
    )
    kind = forms.ChoiceField(label=_("需要什么服务"), choices=PORTAL_KINDS, initial=Kind.REPAIR)
    description = forms.CharField(
        label=_("问题描述"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("例如：空调开机后不制冷，室外机不转")}),
    )
    photos = MultipleFileField(
        label=_("照片或视频"), required=False, help_text=_("可多选；提示或出错后已上传的文件会保留。")
    )
    preferred_start = forms.DateTimeField(
        label=_("希望上门时间（最早）"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    preferred_end = forms.DateTimeField(
        label=_("希望上门时间（最晚）"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    allow_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, units: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.TypedChoiceField = self.fields["unit"]  # type: ignore[assignment]
        field.choices = [("", _("请选择…"))] + [
            (u.pk, f"{u.product_model.brand} {u.product_model.name} · {u.serial_number}") for u in units
        ]
        self.fields["photos"].widget.attrs.update({"accept": "image/*,video/*", "capture": "environment"})


class RejectForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("哪里还有问题？"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PortalReplyForm(ServiceErrorsMixin, forms.Form):
    body = forms.CharField(
        label=_("留言"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleFileField(label=_("照片或视频"), required=False)

    def __init__(self, *args: Any, kept: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kept = kept  # files kept from an earlier submit count as chosen
        self.fields["photos"].widget.attrs.update({"accept": "image/*,video/*", "capture": "environment"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            not (data.get("body") or "").strip()
            and not data.get("photos")
            and not self.kept
            and "photos" not in self.errors
        ):
            self.add_error("body", _("请填写留言或选择照片。"))
        return data


STARS = [(i, str(i)) for i in range(5, 0, -1)]


class RatingForm(ServiceErrorsMixin, forms.Form):
    quality = forms.TypedChoiceField(label=_("服务质量"), choices=STARS, coerce=int)
    speed = forms.TypedChoiceField(label=_("响应速度"), choices=STARS, coerce=int)
    attitude = forms.TypedChoiceField(label=_("服务态度"), choices=STARS, coerce=int)
    professionalism = forms.TypedChoiceField(label=_("专业水平"), choices=STARS, coerce=int)
    price = forms.TypedChoiceField(label=_("收费合理"), choices=STARS, coerce=int)
    comment = forms.CharField(
        label=_("评价内容"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    DIMENSIONS = ("quality", "speed", "attitude", "professionalism", "price")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.DIMENSIONS:
            self.fields[name].error_messages["required"] = _("请给出 1 到 5 星。")


class CannedReplyForm(BootstrapMixin, forms.Form):
    title = forms.CharField(
        label=_("标题"), max_length=100, help_text=_("客服在回复框的下拉列表里按标题选择。")
    )
    body = forms.CharField(
        label=_("内容"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "可用占位符：{customer_name} 客户姓名、{number} 服务单号、{status} 当前状态、{agent_name} 客服姓名、{model} 产品型号。"
        ),
    )
