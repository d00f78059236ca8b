"""What a search box's text means, the way a caller says it, and the conditions that find it.

One reading for every box (the top bar's, the request queue's, the customer and unit lists'),
so "尾号1234" finds the same people everywhere:

- a request number: ``SR-2026-000123``, also typed as ``sr2026000123`` or ``2026-123``;
- a full phone (7+ digits, any spelling: ``+86 138-1234-5678``): its keyed hash;
- the last four digits (``1234``, ``尾号1234``) or a masked number as the console shows it
  (``138****1234``, ``****1234``): the keyed hash of the tail, then, for a masked number, the
  digits before the stars checked against the few customers with that tail;
- a serial, invoice or order number: exact, in the spellings it is stored in;
- anything else: a name (``王女士`` means a surname 王), an e-mail, and words in a request.

Phones are encrypted (``core.crypto``), so no phone condition is a ``LIKE``: every one is an
equality on an indexed hash column. A term that reads as a phone (a tail, a masked or a full
number) is not also looked for as free text, so such a search never scans a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q

from aftersales.core.crypto import normalize_phone, phone_hash, tail_hash

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from aftersales.customers.models import Customer

_STARS = "*＊×xX·•"
_MASKED = re.compile(rf"^(?:\+?86)?(\d{{0,7}})[{re.escape(_STARS)}]+(\d{{4}})$")
_TAIL = re.compile(r"^(?:尾号|手机尾号|电话尾号|后四位|tail)?[:：]?(\d{4})$", re.IGNORECASE)
_NUMBER = re.compile(r"^(?:SR)?[-_ ]?(\d{4})[-_ ]?(\d{1,6})$", re.IGNORECASE)
_HONORIFIC = re.compile(r"^(\w{1,2}?)(?:先生|女士|小姐|师傅|老师|阿姨|大爷)$")
_SEPARATORS = re.compile(r"[\s\-()（）]+")


@dataclass(frozen=True)
class Term:
    text: str  # as typed, stripped
    numbers: tuple[str, ...] = ()  # request numbers it may be
    codes: tuple[str, ...] = ()  # the spellings a serial, invoice or order number may be stored in
    phone_hash: str = ""  # a full phone's keyed hash
    tail_hash: str = ""  # the keyed hash of the last four digits
    masked_prefix: str = ""  # the digits shown before the stars of a masked number
    name: str = ""  # a name to look for in names
    surname: str = ""  # "王女士": a name starting with 王
    free_text: bool = False  # whether to look for it in names, e-mails and request texts

    @property
    def is_phone(self) -> bool:
        return bool(self.phone_hash or self.tail_hash)

    def __bool__(self) -> bool:
        return bool(self.text)


def parse(raw: str) -> Term:
    text = (raw or "").strip()[:100]
    if not text:
        return Term(text="")
    compact = _SEPARATORS.sub("", text)
    # A number read out in groups ("4880 0202 …") is stored without the spaces.
    codes = tuple(dict.fromkeys(v for t in (text, compact) for v in (t, t.upper(), t.lower())))
    numbers: tuple[str, ...] = ()
    found = _NUMBER.match(compact)
    if found and (compact.upper().startswith("SR") or "-" in text or len(compact) > 4):
        numbers = (f"SR-{found.group(1)}-{int(found.group(2)):06d}",)
    if masked := _MASKED.match(compact):
        return Term(
            text=text, codes=codes, tail_hash=tail_hash(masked.group(2)), masked_prefix=masked.group(1)
        )
    if tail := _TAIL.match(compact):
        return Term(text=text, codes=codes, numbers=numbers, tail_hash=tail_hash(tail.group(1)))
    digits = normalize_phone(compact)
    if compact.lstrip("+").isdigit() and len(digits) >= 7:
        return Term(text=text, codes=codes, numbers=numbers, phone_hash=phone_hash(digits))
    honorific = _HONORIFIC.match(text)
    return Term(
        text=text,
        codes=codes,
        numbers=numbers,
        name=text,
        surname=honorific.group(1) if honorific else "",
        free_text=True,
    )


# The most customers one phone term stands for: a tail's customers are ~n/10,000 of an
# organization's, so this cuts nothing before an organization has millions.
PHONE_MATCHES = 500


def phone_customer_ids(term: Term, customers: QuerySet[Customer]) -> list[int]:
    """The ids among ``customers`` of the customers a phone term (full, tail or masked) gives,
    in one query on the (organization, phone hash) or (organization, tail hash) index. A masked
    number's leading digits are then checked on the few with its tail, decrypted here."""
    if term.tail_hash:
        found = customers.filter(phone_tail_hash=term.tail_hash).order_by("pk")
    else:
        found = customers.filter(phone_hash=term.phone_hash)
    if not term.masked_prefix:
        return list(found.values_list("pk", flat=True)[:PHONE_MATCHES])
    return [
        c.pk
        for c in found.only("pk", "phone")[:PHONE_MATCHES]
        if normalize_phone(c.phone).startswith(term.masked_prefix)
    ]


def customer_q(term: Term, customers: QuerySet[Customer], path: str = "") -> Q:
    """The condition on a customer (reached from the filtered model through ``path``, "" for a
    customer itself) that ``term`` means. ``customers`` is what the user may see.

    A phone term becomes a literal list of ids (``phone_customer_ids``): the outer query then
    reads those rows by key, where a condition on the hash inside an ``OR`` with the others
    would have it read every row of the organization."""
    p = f"{path}__" if path else ""
    if term.is_phone:
        return Q(**{f"{p}pk__in": phone_customer_ids(term, customers)})
    cond = Q(**{f"{p}name__icontains": term.name})
    if term.surname:
        cond |= Q(**{f"{p}name__startswith": term.surname})
    if "@" in term.text:
        cond |= Q(**{f"{p}email__iexact": term.text})
    return cond


def unit_q(term: Term, path: str = "") -> Q:
    """The condition on a unit's own numbers (serial, invoice, order), exact, indexed."""
    p = f"{path}__" if path else ""
    return (
        Q(**{f"{p}serial_number__in": term.codes})
        | Q(**{f"{p}invoice_number__in": term.codes})
        | Q(**{f"{p}order_number__in": term.codes})
    )
