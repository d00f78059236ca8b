"""The API's error messages are translatable, like every other string the product shows."""

from __future__ import annotations

import ast
from pathlib import Path

from django.utils import translation

APPS = Path(__file__).resolve().parents[2]
API_MODULES = sorted(APPS.glob("*/api.py"))
ERRORS = {"InvalidInput", "PermissionDenied", "Conflict", "ServiceError", "HttpError"}


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _bare_text(node: ast.expr) -> list[ast.expr]:
    """Message text in an error's arguments that does not go through ``_()``: literal strings,
    f-strings and concatenations, including a field dict's values (its keys are field names)."""
    if isinstance(node, ast.Call) and _name(node.func) == "_":
        return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str) or isinstance(node, ast.JoinedStr):
        return [node]
    if isinstance(node, ast.BinOp):
        return _bare_text(node.left) + _bare_text(node.right)
    if isinstance(node, ast.Dict):
        return [bad for value in node.values for bad in _bare_text(value)]
    return []


def _calls(path: Path) -> list[ast.Call]:
    return [n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Call)]


def test_api_errors_carry_no_untranslated_text():
    assert len(API_MODULES) >= 5
    found = [
        f"{path.parent.name}/api.py:{bad.lineno}"
        for path in API_MODULES
        for call in _calls(path)
        if _name(call.func) in ERRORS
        for arg in [*call.args, *(k.value for k in call.keywords)]
        for bad in _bare_text(arg)
    ]
    assert found == []


def test_every_api_message_has_its_english():
    messages = {
        (f"{path.parent.name}/api.py", call.args[0].value)
        for path in API_MODULES
        for call in _calls(path)
        if _name(call.func) == "_" and call.args and isinstance(call.args[0], ast.Constant)
    }
    assert len(messages) >= 15
    with translation.override("en"):
        missing = [(where, text) for where, text in sorted(messages) if translation.gettext(text) == text]
    assert missing == []
