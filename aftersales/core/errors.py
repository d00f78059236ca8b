"""Errors raised by services, understood by both the web views and the API."""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    """Base for expected failures a user can fix; carries an HTTP status for the API."""

    status = 400

    def __init__(self, message: str, errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors: dict[str, str] = dict(errors or {})


class InvalidInput(ServiceError):
    """One or more fields are wrong; ``errors`` maps field name to reason."""

    status = 422

    def __init__(self, errors: Mapping[str, str], message: str = "") -> None:
        super().__init__(message or "; ".join(f"{k}: {v}" for k, v in errors.items()), errors)


class Conflict(ServiceError):
    """The request clashes with the current state (a stale version, a taken serial)."""

    status = 409


class PermissionDenied(ServiceError):
    status = 403


def renamed(exc: ServiceError, names: Mapping[str, str]) -> ServiceError:
    """``exc`` with its fields called what the caller's input calls them (a form's field names
    for a service whose arguments are named otherwise); the same error when none is renamed."""
    if not isinstance(exc, InvalidInput) or not set(exc.errors) & set(names):
        return exc
    errors = {names.get(k, k): v for k, v in exc.errors.items()}
    # A message built from the fields is built again from the new names; a written one is kept.
    written = exc.message != InvalidInput(exc.errors).message
    return InvalidInput(errors, exc.message if written else "")
