"""Template filters any page can use: ``{% load labels %}``.

* ``{{ obj|display:"kind" }}``: the label of a choices field's value, as ``obj.get_kind_display``
  gives it, from a table built once per model, field and language. Django's own method rebuilds
  and hashes the field's whole choices list on every call, and hashing a lazy label translates
  it: on a 100-row console list that was a sixth of the page's time.
* ``{% badge obj "status" %}``: that label in a badge coloured by the value.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django import template
from django.db import models
from django.utils.hashable import make_hashable
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()


@cache
def _labels(model: type[models.Model], name: str, language: str | None) -> dict[Any, str]:
    field = model._meta.get_field(name)
    return {make_hashable(value): str(label) for value, label in field.flatchoices}  # type: ignore[union-attr]


@register.filter
def display(obj: models.Model | None, name: str) -> Any:
    if obj is None:
        return ""
    value = getattr(obj, name)
    return _labels(type(obj), name, get_language()).get(make_hashable(value), value)


@register.simple_tag
def badge(obj: models.Model, name: str) -> SafeString:
    """``{% badge sr "status" %}``: the value's label as a badge, coloured by ``<name>-<value>``
    (``status-badge status-resolved``, ``priority-badge priority-urgent``; see the stylesheet)."""
    return format_html(
        '<span class="badge {}-badge {}-{}">{}</span>', name, name, getattr(obj, name), display(obj, name)
    )
