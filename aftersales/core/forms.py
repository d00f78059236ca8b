from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms

from aftersales.core.errors import ServiceError


class BootstrapMixin:
    """Gives every widget Bootstrap's classes so templates can render fields uniformly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def add_service_error(self, exc: ServiceError) -> None:
        """Show a service's field errors on the matching form fields."""
        form: forms.BaseForm = self  # type: ignore[assignment]
        if not exc.errors:
            form.add_error(None, exc.message)
        for field, reason in exc.errors.items():
            form.add_error(field if field in form.fields else None, reason)


R = TypeVar("R")


def form_answer(form: Any, act: Callable[[dict[str, Any]], R], refused: Callable[[int], R]) -> R:
    """``act(form.cleaned_data)`` for a valid form: typically the service call and the answer.

    ``refused(status)`` when the form is not valid (422) or ``act`` raises a ``ServiceError`` (its
    status), which then goes on the form (``add_service_error``), so that the page shows the form
    again with its errors and what was typed.
    """
    if not form.is_valid():
        return refused(422)
    try:
        return act(form.cleaned_data)
    except ServiceError as exc:
        form.add_service_error(exc)
        return refused(exc.status)


def form_submit(form: Any, act: Callable[[dict[str, Any]], R]) -> R | None:
    """``form_answer`` for a page that shows every refusal alike: ``None`` when refused."""
    return form_answer(form, act, lambda status: None)
