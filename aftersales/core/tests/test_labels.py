"""``{{ obj|display:"field" }}`` gives what ``get_field_display`` gives, in each language."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from aftersales.service.models import ServiceRequest

FIELDS = ("kind", "channel", "priority", "status")


def _render(obj: object, name: str) -> str:
    return Template("{% load labels %}{{ obj|display:name }}").render(Context({"obj": obj, "name": name}))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_choice_matches_get_display(language: str) -> None:
    with translation.override(language):
        for name in FIELDS:
            field = ServiceRequest._meta.get_field(name)
            for value, _label in field.flatchoices:
                sr = ServiceRequest(**{name: value})
                assert _render(sr, name) == getattr(sr, f"get_{name}_display")(), (language, name, value)


def test_labels_follow_the_active_language() -> None:
    sr = ServiceRequest(kind="repair")
    with translation.override("zh-hans"):
        chinese = _render(sr, "kind")
    with translation.override("en"):
        english = _render(sr, "kind")
    assert chinese == "维修" and english != chinese and english.lower().startswith("repair")


def test_unknown_value_and_missing_object() -> None:
    assert _render(ServiceRequest(kind="not-a-kind"), "kind") == "not-a-kind"
    assert _render(None, "kind") == ""


def test_badge_is_coloured_by_value_and_shows_the_label() -> None:
    sr = ServiceRequest(status="resolved")
    html = Template('{% load labels %}{% badge sr "status" %}').render(Context({"sr": sr}))
    assert html == f'<span class="badge status-badge status-resolved">{sr.get_status_display()}</span>'
