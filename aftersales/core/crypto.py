"""Encryption at rest and keyed hashes for personal data.

Values are encrypted with Fernet (AES-128-CBC + HMAC). Encryption is randomised, so equal
phones give different ciphertexts; exact lookup goes through a keyed hash (HMAC-SHA256) of the
normalised value instead, which reveals nothing without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=1)
def _fernet() -> tuple[Fernet, MultiFernet]:
    # Several comma-separated keys allow rotation: the first encrypts, all decrypt.
    keys = [k.strip() for k in settings.FIELD_ENCRYPTION_KEY.split(",") if k.strip()]
    fernets = [Fernet(k.encode()) for k in keys]
    return fernets[0], MultiFernet(fernets)


@lru_cache(maxsize=1)
def _hash_key() -> bytes:
    # A key of its own, derived from the first field key, so a leaked hash index cannot be
    # turned into a decryption oracle and vice versa.
    first = settings.FIELD_ENCRYPTION_KEY.split(",")[0].strip().encode()
    return hmac.new(first, b"aftersales-lookup-hash-v1", hashlib.sha256).digest()


class Sealed(str):
    """A decrypted value that keeps its ciphertext, when that was made with the current key.

    Written to an encrypted column again (an address copied onto a request, a phone onto an
    outbox message), it is stored as that ciphertext rather than encrypted anew. Any string
    operation gives a plain ``str``, so the two can never disagree.
    """

    token: str


def encrypt(value: str) -> str:
    if type(value) is Sealed:
        return value.token
    return _fernet()[0].encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The plain value, as a ``Sealed`` one when the current key made ``token``."""
    primary, every = _fernet()
    try:
        raw = token.encode("ascii")
        try:
            plain = primary.decrypt(raw).decode("utf-8")
        except InvalidToken:
            return every.decrypt(raw).decode("utf-8")  # an older key's, or none (raises)
    except (InvalidToken, ValueError) as exc:
        raise ValueError("stored value cannot be decrypted with the configured key") from exc
    sealed = Sealed(plain)
    sealed.token = token
    return sealed


_NON_DIGITS = re.compile(r"\D+")


def normalize_phone(phone: str) -> str:
    """Digits only, without China's +86/0086 prefix, so every channel's spelling matches."""
    digits = _NON_DIGITS.sub("", phone or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def lookup_hash(value: str) -> str:
    return hmac.new(_hash_key(), value.encode("utf-8"), hashlib.sha256).hexdigest()


def phone_hash(phone: str) -> str:
    return lookup_hash("phone:" + normalize_phone(phone))


def phone_tail_hash(phone: str) -> str:
    """The keyed hash of a phone's last four digits, for "尾号1234" and ``138****1234`` lookups;
    "" for a number shorter than four digits (or none).

    A keyed hash rather than the four digits in plain. The masked display (``138****1234``)
    already shows them to staff, so plain digits would be defensible; but a column of plain
    tails next to plain names is a re-identification aid for anyone holding a copy of the
    database without the keys, and the hash costs the same: one HMAC per write, the same
    equality lookup on the same index. With only 10,000 possible tails the hash is exactly as
    strong as the key (one could hash all of them with it), which is held apart from the
    database like the encryption key it is derived from (``_hash_key``). Computed by
    ``fields.PhoneTailHashField`` on every save, so no create or import path can forget it.
    """
    digits = normalize_phone(phone)
    if len(digits) < 4:
        return ""
    return lookup_hash("phone-tail:" + digits[-4:])


def tail_hash(last4: str) -> str:
    """``phone_tail_hash`` of a number ending in these four digits (a search term)."""
    return lookup_hash("phone-tail:" + last4)
