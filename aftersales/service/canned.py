"""Canned replies as the organization admin manages them, audited on the settings log."""

from __future__ import annotations

import string

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.models import Organization, User
from aftersales.accounts.settings_log import settings_change_log
from aftersales.core.errors import InvalidInput
from aftersales.service.models import CannedReply

AREA = "canned_replies"
# What ``services.render_canned`` fills in.
PLACEHOLDERS = ("customer_name", "number", "status", "agent_name", "model")


def _clean(
    *, organization: Organization, title: str, body: str, exclude: int | None = None
) -> tuple[str, str]:
    errors: dict[str, str] = {}
    title, body = title.strip(), body.strip()
    if not title:
        errors["title"] = _("请填写标题。")
    elif CannedReply.objects.filter(organization=organization, title=title).exclude(pk=exclude or 0).exists():
        errors["title"] = _("已有同名的快捷回复。")
    if not body:
        errors["body"] = _("请填写内容。")
    else:
        try:
            names = {name for _text, name, _spec, _conv in string.Formatter().parse(body) if name is not None}
        except ValueError:
            errors["body"] = _("花括号不成对：占位符写作 {customer_name}，要显示花括号本身请写 {{ 或 }}。")
        else:
            unknown = sorted(n for n in names if n not in PLACEHOLDERS)
            if unknown:
                errors["body"] = _("未知占位符：%(names)s。可用：%(known)s") % {
                    "names": ", ".join("{" + n + "}" for n in unknown),
                    "known": " ".join("{" + n + "}" for n in PLACEHOLDERS),
                }
    if errors:
        raise InvalidInput(errors)
    return title, body


def canned_create(*, organization: Organization, actor: User, title: str, body: str) -> CannedReply:
    title, body = _clean(organization=organization, title=title, body=body)
    with transaction.atomic():
        reply = CannedReply.objects.create(organization=organization, title=title, body=body)
        settings_change_log(
            organization=organization,
            actor=actor,
            area=AREA,
            action="created",
            target=title,
            detail={"title": [None, title], "body": [None, body]},
        )
    return reply


def canned_update(*, reply: CannedReply, actor: User, title: str, body: str) -> CannedReply:
    title, body = _clean(organization=reply.organization, title=title, body=body, exclude=reply.pk)
    with transaction.atomic():
        locked = CannedReply.objects.select_for_update().get(pk=reply.pk)
        before = {"title": locked.title, "body": locked.body}
        locked.title, locked.body = title, body
        locked.save(update_fields=["title", "body"])
        after = {"title": title, "body": body}
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if changed:
            settings_change_log(
                organization=locked.organization,
                actor=actor,
                area=AREA,
                action="changed",
                target=title,
                detail=changed,
            )
    return locked


def canned_delete(*, reply: CannedReply, actor: User) -> None:
    with transaction.atomic():
        settings_change_log(
            organization=reply.organization,
            actor=actor,
            area=AREA,
            action="deleted",
            target=reply.title,
            detail={"title": [reply.title, None], "body": [reply.body, None]},
        )
        reply.delete()
