"""Reading a money amount typed by a person or sent by a client, with the reason when it is not one."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _


def parse_amount(value: Any, field: str, errors: dict[str, str], *, required: bool = True) -> Decimal | None:
    """``value`` as a non-negative amount to the cent, or None with the reason put in ``errors[field]``.

    Empty is an error only when ``required``; the caller collects every field's reason before
    raising, so one answer names all the wrong fields.
    """
    if value is None or value == "":
        if required:
            errors[field] = _("请填写金额。")
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = _("不是有效的金额。")
        return None
    if not amount.is_finite() or amount < 0:
        errors[field] = _("金额不能为负数。")
        return None
    if amount >= Decimal("10000000000"):
        errors[field] = _("金额太大。")
        return None
    return amount.quantize(Decimal("0.01"))
