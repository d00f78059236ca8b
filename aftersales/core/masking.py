"""How personal data looks on screen for someone not allowed to see it in full."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """``13812341234`` → ``138****1234``; short numbers keep only their last two digits."""
    if not phone:
        return ""
    if len(phone) >= 7:
        return phone[:3] + "****" + phone[-4:]
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


def mask_address(region: str, detail: object) -> str:
    """``北京市朝阳区`` + ``建国路88号`` → ``北京市朝阳区****``: the region stays for routing and
    analysis, the street and door number are hidden. Only whether there is a ``detail`` counts, so
    it may be given still encrypted (``fields.stored``)."""
    if not detail:
        return region
    return f"{region}****"


def mask_id_number(value: str) -> str:
    """A resident ID keeps its first 6 (region) and last 4 characters."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_email(email: str) -> str:
    if not email or "@" not in email:
        return email
    local, _, domain = email.partition("@")
    return (local[:1] + "***@" + domain) if local else email
