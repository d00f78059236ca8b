"""Encryption at rest and keyed lookup hashes for personal data."""

from __future__ import annotations

import json
import pickle

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.utils import timezone

from aftersales.core import crypto
from aftersales.customers.models import Customer
from aftersales.notifications.models import OutboxMessage


@pytest.fixture
def field_key(settings):
    """Set FIELD_ENCRYPTION_KEY for one test and forget the cached ciphers around it."""

    def use(value: str) -> None:
        settings.FIELD_ENCRYPTION_KEY = value
        crypto._fernet.cache_clear()
        crypto._hash_key.cache_clear()

    yield use
    crypto._fernet.cache_clear()
    crypto._hash_key.cache_clear()


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("13812341234", "13812341234"),
        ("138-1234-1234", "13812341234"),
        ("+86 138 1234 1234", "13812341234"),
        ("008613812341234", "13812341234"),
        ("8613812341234", "13812341234"),
        ("010-8765 4321", "01087654321"),
        ("", ""),
    ],
)
def test_normalize_phone(raw, normal):
    assert crypto.normalize_phone(raw) == normal


def test_encryption_is_randomised_and_reversible():
    a, b = crypto.encrypt("13812341234"), crypto.encrypt("13812341234")

    assert a != b
    assert "13812341234" not in a
    assert crypto.decrypt(a) == crypto.decrypt(b) == "13812341234"


def test_phone_hash_is_the_same_for_every_spelling_and_keyed(field_key):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    field_key(old)
    first = crypto.phone_hash("13812341234")
    assert crypto.phone_hash("+86 138-1234-1234") == first

    field_key(new)

    assert crypto.phone_hash("13812341234") != first


def test_rotated_keys_still_decrypt_old_values(field_key):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    field_key(old)
    token = crypto.encrypt("建国路88号")

    field_key(f"{new},{old}")

    assert crypto.decrypt(token) == "建国路88号"
    assert crypto.decrypt(crypto.encrypt("x")) == "x"


def test_a_wrong_key_is_a_clear_error(field_key):
    field_key(Fernet.generate_key().decode())
    token = crypto.encrypt("13812341234")

    field_key(Fernet.generate_key().decode())

    with pytest.raises(ValueError, match="cannot be decrypted"):
        crypto.decrypt(token)


@pytest.mark.django_db
def test_a_value_copied_between_encrypted_columns_keeps_its_ciphertext(org_a):
    def stored(table: str, column: str, pk: int) -> str:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - test constants
            return str(cursor.fetchone()[0])

    customer = Customer.objects.create(organization=org_a, name="王芳", phone="13812341234")
    phone = Customer.objects.get(pk=customer.pk).phone
    assert isinstance(phone, crypto.Sealed) and phone == "13812341234"
    message = OutboxMessage.objects.create(
        organization=org_a,
        channel="sms",
        dedupe_key="copy",
        recipient="138****1234",
        recipient_phone=phone,
        body="b",
        next_attempt_at=timezone.now(),
    )
    token = stored("customers_customer", "phone", customer.pk)
    assert stored("notifications_outboxmessage", "recipient_phone", message.pk) == token
    assert OutboxMessage.objects.get(pk=message.pk).recipient_phone == "13812341234"
    # any change to the value is a plain string again, encrypted anew
    assert type(phone.strip()) is str and type(phone + "0") is str and type(str(phone)) is str
    customer.phone = phone.replace("1234", "5678")
    customer.save()
    assert stored("customers_customer", "phone", customer.pk) != token
    # and it is still an ordinary string to everything else
    assert json.dumps({"p": phone}) == '{"p": "13812341234"}'
    assert pickle.loads(pickle.dumps(phone)) == "13812341234"  # noqa: S301 - our own bytes (a cache)


def test_a_value_sealed_under_an_older_key_is_encrypted_anew(field_key):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    field_key(old)
    token = crypto.encrypt("建国路88号")
    assert crypto.encrypt(crypto.decrypt(token)) == token  # the current key's: kept
    field_key(f"{new},{old}")
    plain = crypto.decrypt(token)
    assert type(plain) is str and plain == "建国路88号"
    again = crypto.encrypt(plain)
    assert again != token
    field_key(new)  # the old key retired: what was written since still reads
    assert crypto.decrypt(again) == "建国路88号"
