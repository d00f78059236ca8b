from __future__ import annotations

from typing import Any

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
