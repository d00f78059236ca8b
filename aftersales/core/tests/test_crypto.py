"""Encryption at rest and keyed lookup hashes for personal data."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from aftersales.core import crypto


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
