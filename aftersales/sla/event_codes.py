"""The SLA layer's system sentences on the request timeline (see ``service.event_text``)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from aftersales.service.event_text import NESTED, WORD, choice, register
from aftersales.service.models import Status
from aftersales.sla.models import Metric

METRIC = choice(lambda: dict(Metric.choices))
STATUS = choice(lambda: dict(Status.choices))

POLICY_APPLIED = register("sla.policy_applied", gettext_noop("时效政策已重新应用：%(name)s"), name=WORD)
BREACHED = register("sla.breached", gettext_noop("%(metric)s已超时（期限 %(due)s）"), metric=METRIC)
RESUMED = register("sla.resumed", gettext_noop("时效恢复计时（暂停 %(minutes)d 分钟）"))
PAUSED = register("sla.paused", gettext_noop("时效暂停计时：%(status)s"), status=STATUS)
ESCALATED = register("sla.escalated", gettext_noop("时效升级：%(rule)s（%(what)s）"), what=NESTED)
ESCALATED_RULE = register("sla.escalated_rule", gettext_noop("时效升级：%(rule)s"))
WHAT_BREACHED = register(
    "sla.what.breached", gettext_noop("%(metric)s已超时 %(minutes)d 分钟"), metric=METRIC
)
WHAT_USED = register("sla.what.used", gettext_noop("%(metric)s已用时限的 %(percent)d%%"), metric=METRIC)
