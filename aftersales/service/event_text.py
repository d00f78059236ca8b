"""System-written timeline text as codes with parameters, rendered in the reader's language.

A service that explains a step (``request_transition(reason=...)``, ``event_add(reason=...)``)
passes ``text("visit.booked_by_customer", technician=name)`` instead of a finished sentence.
The event stores the code and the parameters (and, for readers of the raw column, the Chinese
sentence in ``reason``); pages and the API render it at display time with
``RequestEvent.text``, so an English reader of a request written in Chinese reads English.

Each app registers its own codes (``register``) in a module its ``AppConfig.ready`` imports, so
this lower layer never imports the apps above it. Messages are Chinese source strings marked
with ``gettext_noop`` (makemessages finds them; they are translated when rendered) with named
placeholders. A placeholder may have a ``Param`` that turns the stored value into words at
render time (a status code into its label) and back (for the legacy migration).

Text people typed (a cancel reason, a note) is never a code: it is stored and shown as typed,
and where a sentence quotes it, it is a parameter left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext


@dataclass(frozen=True)
class Param:
    """How one placeholder's stored value reads: ``show`` at render time, ``parse`` from legacy text."""

    show: Callable[[Any], str]
    parse: Callable[[str], Any] | None = None


def choice(choices: Callable[[], Mapping[str, Any]]) -> Param:
    """A value from a choice set, shown as its label; ``choices`` returns {value: lazy label}."""

    def show(value: Any) -> str:
        return str(choices().get(value, value))

    def parse(label: str) -> Any:
        with translation.override("zh-hans"):
            for value, name in choices().items():
                if str(name) == label:
                    return value
        raise ValueError(label)

    return Param(show=show, parse=parse)


def word(value: Any) -> str:
    """A fixed Chinese word stored as its source (``gettext_noop``), translated when shown."""
    return gettext(str(value)) if value else ""


WORD = Param(show=word, parse=lambda text: text)


@dataclass(frozen=True)
class Message:
    code: str
    source: str  # the Chinese msgid with %(name)s placeholders
    params: Mapping[str, Param] = field(default_factory=dict)

    def pattern(self) -> re.Pattern[str]:
        """The sentence as written before codes existed, for the legacy data migration."""
        out, last = [], 0
        for m in re.finditer(r"%\((\w+)\)[sd]|%\((\w+)\)\.\d+f|%%", self.source):
            out.append(re.escape(self.source[last : m.start()]))
            name = m.group(1) or m.group(2)
            out.append("%" if name is None else f"(?P<{name}>.+?)")
            last = m.end()
        out.append(re.escape(self.source[last:]))
        return re.compile("^" + "".join(out) + "$", re.DOTALL)


_REGISTRY: dict[str, Message] = {}


def register(code: str, source: str, **params: Param) -> str:
    """Add one code; returns the code so a module can keep it as a constant."""
    existing = _REGISTRY.get(code)
    if existing is not None and existing.source != source:
        raise ValueError(f"event code {code!r} registered twice with different text")
    _REGISTRY[code] = Message(code=code, source=source, params=params)
    return code


def registered() -> Mapping[str, Message]:
    return _REGISTRY


@dataclass(frozen=True)
class EventText:
    """A sentence to store as a code: ``str()`` gives it in the active language (for notices)."""

    code: str
    params: Mapping[str, Any]

    def __str__(self) -> str:
        return render(self.code, self.params)

    def __bool__(self) -> bool:
        return True

    def source(self) -> str:
        """The sentence in the source language, kept in ``RequestEvent.reason``."""
        with translation.override("zh-hans"):
            return render(self.code, self.params)


def text(code: str, **params: Any) -> EventText:
    if code not in _REGISTRY:
        raise KeyError(f"unregistered event code {code!r}")
    return EventText(code=code, params={k: _plain(v) for k, v in params.items()})


def both(make: Callable[[], Any]) -> dict[str, str]:
    """A parameter that only exists as finished words (an engine's summary, a list of findings):
    made once in each language, so the sentence reads right for either reader."""
    out = {}
    for key, language in (("zh", "zh-hans"), ("en", "en")):
        with translation.override(language):
            out[key] = str(make())
    return out


def _bilingual(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= {"zh", "en"}


def _plain(value: Any) -> Any:
    """Parameters are stored as JSON: a nested sentence as its code and parameters."""
    if isinstance(value, EventText):
        return {"code": value.code, "params": dict(value.params)}
    if _bilingual(value):
        return {k: str(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def render(code: str, params: Mapping[str, Any], *, fallback: str = "") -> str:
    """``code`` in the active language; ``fallback`` (the stored sentence) for an unknown code."""
    message = _REGISTRY.get(code)
    if message is None:
        return fallback
    values: dict[str, Any] = {}
    for name, value in (params or {}).items():
        if isinstance(value, dict) and "code" in value:
            values[name] = render(value["code"], value.get("params") or {}, fallback="")
        elif _bilingual(value):
            english = (translation.get_language() or "").startswith("en")
            values[name] = value.get("en" if english else "zh") or value.get("zh") or value.get("en") or ""
        elif isinstance(value, list):  # clauses, joined as the language joins them
            values[name] = gettext("；").join(
                render(v["code"], v.get("params") or {}) if isinstance(v, dict) and "code" in v else str(v)
                for v in value
            )
        elif name in message.params and value is not None:
            values[name] = message.params[name].show(value)
        else:
            values[name] = "" if value is None else value
    try:
        return gettext(message.source) % values
    except (KeyError, TypeError, ValueError):
        return fallback or gettext(message.source)


def parse_legacy(sentence: str) -> EventText | None:
    """The code and parameters of a sentence written before codes, when it matches one exactly.

    When several sentences match (``%(why)s：%(window)s`` and ``预约上门，派给 %(technician)s`` both
    match "预约上门，派给 张三：12-08 09:00–12:00"), the reading with the most parameters wins.
    """
    sentence = (sentence or "").strip()
    if not sentence:
        return None
    best: tuple[int, EventText] | None = None
    for message in _REGISTRY.values():
        m = message.pattern().match(sentence)
        if m is None:
            continue
        try:
            params = {
                name: _parse_param(message.params.get(name), raw) for name, raw in m.groupdict().items()
            }
        except ValueError:
            continue
        found = EventText(code=message.code, params=params)
        weight = _weight(params)
        if best is None or weight > best[0]:
            best = (weight, found)
    return best[1] if best else None


def _parse_param(param: Param | None, raw: str) -> Any:
    if param is CLAUSES:
        clauses = [parse_legacy(part) for part in raw.split("；")]
        if any(c is None for c in clauses):
            raise ValueError(raw)
        return [_plain(c) for c in clauses]
    if param is NESTED:
        nested = parse_legacy(raw)
        if nested is None:
            raise ValueError(raw)
        return _plain(nested)
    if param is not None and param.parse is not None:
        return param.parse(raw)
    return raw


def _weight(params: Mapping[str, Any]) -> int:
    total = 0
    for value in params.values():
        total += 1
        if isinstance(value, dict) and "params" in value:
            total += _weight(value["params"])
        elif isinstance(value, list):
            total += sum(_weight(v.get("params") or {}) for v in value if isinstance(v, dict))
    return total


# A placeholder that holds another registered sentence (stored as {"code", "params"}), or a list
# of them joined with "；" (rendering handles both shapes; these mark them for ``parse_legacy``).
NESTED = Param(show=str)
CLAUSES = Param(show=str)


def split(reason: str | EventText) -> tuple[str, str, dict[str, Any]]:
    """(stored sentence, code, params) for ``RequestEvent``."""
    if isinstance(reason, EventText):
        return reason.source(), reason.code, dict(reason.params)
    return reason or "", "", {}


def as_value(value: str | EventText) -> Any:
    """A value to keep in an event's ``data`` (a field change): a sentence as its code and parameters."""
    return _plain(value)


def fields(reason: str | EventText) -> dict[str, Any]:
    """``RequestEvent`` keyword arguments for code that builds events without ``event_new``."""
    sentence, code, params = split(reason)
    return {"reason": sentence, "code": code, "params": params}
