"""Model fields that keep personal data encrypted in the database."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute

from aftersales.core import crypto


class Ciphertext:
    """An encrypted column's value as read, not yet decrypted (``EncryptedTextField.read_later``).

    The field's attribute decrypts it on first access, so code that only copies the value to
    another encrypted column (a customer's address onto a request) or asks whether there is one
    (a masked address) never pays for decryption. Not a ``str``: nothing can mistake it for the
    plain value; only ``stored`` hands it out.
    """

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    def __reduce__(self) -> tuple[Any, ...]:
        return (Ciphertext, (self.token,))

    def __repr__(self) -> str:
        return "Ciphertext(…)"


class _DecryptingAttribute(DeferredAttribute):
    """The attribute of an encrypted field: decrypts a ``Ciphertext`` the first time it is read.
    A data descriptor (it has ``__set__``), so it sees every read, not only deferred ones."""

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        data = instance.__dict__
        name = self.field.attname
        if name not in data:
            return super().__get__(instance, cls)  # deferred: loads it
        value = data[name]
        if type(value) is Ciphertext:
            value = data[name] = crypto.decrypt(value.token)
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code only ever sees the plain value.

    Not searchable or sortable in SQL by design: search goes through a keyed-hash column.
    """

    descriptor_class = _DecryptingAttribute

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    @staticmethod
    def read_later(value: str | None, expression: Any, connection: Any) -> str | Ciphertext | None:
        """``from_db_value`` for reads that may never need the plain value (``core.reads``)."""
        if value is None or value == "":
            return value
        return Ciphertext(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        return stored(model_instance, self.attname)  # a value never read is saved as it was read

    def get_prep_value(self, value: Any) -> Any:
        if type(value) is Ciphertext:
            return value.token  # copied from another encrypted column, never decrypted
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        # A value read from an encrypted column keeps its ciphertext (``crypto.Sealed``).
        return crypto.encrypt(value if type(value) is crypto.Sealed else str(value))


def stored(obj: models.Model, attname: str) -> Any:
    """``obj``'s value of an encrypted field as it holds it, without decrypting: a ``Ciphertext``
    when read so, else the plain value. To copy it to another encrypted column, or to test
    whether there is one (a ``Ciphertext`` is never empty)."""
    data = obj.__dict__
    return data[attname] if attname in data else getattr(obj, attname)


class PhoneTailHashField(models.CharField):
    """The keyed hash of the last four digits of the model's phone field (``source``), kept
    in step with it at every save and bulk insert (``crypto.phone_tail_hash``).

    Derived in ``pre_save`` rather than by each caller: customers are written by the console,
    the API, the sales import, e-mail and portal intake and the demo, and a tail that one path
    forgot would make that customer unfindable by "尾号". A ``QuerySet.update`` of the phone
    bypasses this and must set the tail itself (``service.intake`` does).
    """

    def __init__(self, *args: Any, source: str = "phone", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.source != "phone":
            kwargs["source"] = self.source
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        phone = model_instance.__dict__.get(self.source)
        if type(phone) is Ciphertext:
            # Read from the database and never decrypted, so never changed: the tail stands.
            return getattr(model_instance, self.attname)
        value = crypto.phone_tail_hash(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value
