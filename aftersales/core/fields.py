"""Model fields that keep personal data encrypted in the database."""

from __future__ import annotations

from typing import Any

from django.db import models

from aftersales.core import crypto


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Stores Fernet ciphertext; Python code only ever sees the plain value.

    Not searchable or sortable in SQL by design: search goes through a keyed-hash column.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        # A value read from an encrypted column keeps its ciphertext (``crypto.Sealed``).
        return crypto.encrypt(value if type(value) is crypto.Sealed else str(value))
