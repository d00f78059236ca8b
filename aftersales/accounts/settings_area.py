"""The console's settings area: each app registers the sections it owns.

An app adds its section in ``AppConfig.ready()`` with ``register_section``; the index page and
the side menu list the registered sections in ``order``. Registration only names a page; the
page's own view checks the permission (``settings_admin_required``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise

from aftersales.accounts.models import Organization


@dataclass(frozen=True)
class SettingsSection:
    key: str
    label: str | Promise
    url_name: str
    icon: str = "bi-gear"
    order: int = 100
    description: str | Promise = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_sections: dict[str, SettingsSection] = {}


def register_section(section: SettingsSection) -> None:
    """Add (or replace, by key) a section of the settings area."""
    _sections[section.key] = section


def sections() -> list[SettingsSection]:
    found = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.key)):
        try:
            section.url  # noqa: B018 - a section whose page is not mounted is not offered
        except NoReverseMatch:
            continue
        found.append(section)
    return found


def settings_context(current: str | None) -> dict[str, Any]:
    return {"settings_sections": sections(), "settings_section": current}


def settings_org(request: HttpRequest) -> Organization:
    """The admin's organization (``settings_admin_required`` made sure there is one)."""
    org = request.user.organization  # type: ignore[union-attr]
    assert org is not None
    return org


def settings_org_id(request: HttpRequest) -> int:
    org_id = request.user.organization_id  # type: ignore[union-attr]
    assert org_id is not None
    return int(org_id)


def settings_render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """``render`` with the settings area's side menu (``context["settings_section"]`` highlighted)."""
    return render(request, template, settings_context(context["settings_section"]) | context, status=status)
