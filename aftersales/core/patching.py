"""What a PATCH body sets, checked against the model: ``null`` only where the column takes it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from ninja import Schema

from aftersales.core.errors import InvalidInput


def patch_changes(
    payload: Schema, model: type[Model], *, nullable: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The fields the client sent. An explicit ``null`` for a field that cannot be empty (a
    required column) is refused (422, naming the field) rather than reaching the database; ``nullable`` names
    payload fields that take null although they are not model columns (``customer_id``)."""
    changes: dict[str, Any] = payload.dict(exclude_unset=True)
    refused = {}
    for name, value in changes.items():
        if value is not None or name in nullable:
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            refused[name] = "may not be null"
            continue
        if not field.null and not getattr(field, "blank", False):
            # A field that may be empty takes null as "clear it" (the service stores "").
            refused[name] = "may not be null; leave the field out to keep its value"
    if refused:
        raise InvalidInput(refused)
    return changes
