"""The engine's "impossible facts" as the field errors users and clients already understand."""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from aftersales.core.errors import InvalidInput
from aftersales.entitlement.policy import InvalidFacts

FIELD_LABELS: dict[str, Promise] = {
    "purchased_on": _("购买日期"),
    "invoiced_on": _("发票日期"),
    "delivered_on": _("签收日期"),
    "odometer_km": _("里程表读数"),
    "price": _("价格"),
    "dropped_off": _("送修日期"),
    "returned": _("修复日期"),
    "on": _("日期"),
    "ends": _("到期日期"),
}


def _label(field: str) -> str:
    leaf = field.rsplit(".", 1)[-1]
    label = FIELD_LABELS.get(leaf)
    return str(label) if label is not None else field


def _reason(reason: str) -> str:
    """The engine's English reason, in the active language where we know the pattern."""
    if reason == "cannot be negative":
        return _g("不能为负数")
    if reason == "is required for a car":
        return _g("汽车必须填写里程表读数")
    if reason == "is lower than the reading at the last exchange":
        return _g("低于上次换车时的读数")
    match = re.fullmatch(r"(\S+) is after the request date (\S+)", reason)
    if match:
        return _g("%(value)s 晚于申请日期 %(other)s") % {"value": match[1], "other": match[2]}
    match = re.fullmatch(r"(\S+) is before (\S+) (\S+)", reason)
    if match:
        return _g("%(value)s 早于%(label)s %(other)s") % {
            "value": match[1],
            "label": _label(match[2]),
            "other": match[3],
        }
    return reason


def invalid_input(exc: InvalidFacts, rename: Mapping[str, str] | None = None) -> InvalidInput:
    """InvalidInput naming each field, its label and the reason; rename maps engine fields to inputs."""
    rename = rename or {}
    errors: dict[str, str] = {}
    for field, reason in exc.errors:
        name = rename.get(field, field)
        text = f"{_label(field)}：{_reason(reason)}"
        errors[name] = f"{errors[name]}；{text}" if name in errors else text
    return InvalidInput(errors, message=_g("这些事实不可能同时成立，请先更正："))
