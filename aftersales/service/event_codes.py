"""The service app's own system sentences (see ``event_text``)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from aftersales.service.event_text import register

AUTO_CLOSED = register("request.auto_closed", gettext_noop("客户%(days)s天内未验收，系统自动关闭"))
REASSIGNED_ON_LEAVE = register("request.reassigned_on_leave", gettext_noop("原工程师请假，改派"))
