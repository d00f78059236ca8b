"""Dispatch's system sentences on the request timeline (see ``service.event_text``)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from aftersales.service.event_text import CLAUSES, NESTED, WORD, register

BOOKED_BY_CUSTOMER = register("visit.booked_by_customer", gettext_noop("客户自助预约，派给 %(technician)s"))
BOOKED = register("visit.booked", gettext_noop("预约上门，派给 %(technician)s"))
MOVED_TECHNICIAN = register(
    "visit.moved_technician", gettext_noop("改派：由 %(technician)s 上门，预约时段不变")
)
RESCHEDULED = register("visit.rescheduled", gettext_noop("改约（原 %(old)s）"))
RESCHEDULED_TECHNICIAN = register(
    "visit.rescheduled_technician", gettext_noop("改约（原 %(old)s），由 %(technician)s 上门")
)
# The schedule step quotes why (one of the above) and the window booked.
SCHEDULED = register("visit.scheduled", gettext_noop("%(why)s：%(window)s"), why=NESTED)
CANCELLED = register("visit.cancelled", gettext_noop("预约 %(window)s 已取消：%(reason)s"))
CHECKED_IN = register("visit.checked_in", gettext_noop("工程师 %(technician)s 到达现场签到"))
SIGNED = register("visit.signed", gettext_noop("现场维修完成，%(who)s 已签字确认"))
SIGNED_CHARGED = register(
    "visit.signed_charged", gettext_noop("现场维修完成，%(who)s 已签字确认；应收 ¥%(total)s")
)
ROUTE_REASSIGNED = register(
    "route.reassigned", gettext_noop("线路优化：同一预约时段由 %(old)s 改为 %(new)s"), old=WORD
)
MAIL_IN_RECEIVED = register("mail_in.received", gettext_noop("维修中心已签收"))
MAIL_IN_RETURNED = register("mail_in.returned", gettext_noop("已修复并寄回：%(carrier)s %(tracking)s"))

ASSIGN_AUTO = register("assignment.auto", gettext_noop("自动派单：%(why)s"), why=CLAUSES)
ASSIGN_SUGGESTED = register("assignment.suggested", gettext_noop("按派单建议：%(why)s"), why=CLAUSES)
WHY_SKILLS = register("assignment.why.skills", gettext_noop("技能匹配（%(skills)s）"))
WHY_STATION = register("assignment.why.station", gettext_noop("%(station)s覆盖该地址（%(km)s 公里）"))
WHY_PREVIOUS = register("assignment.why.previous", gettext_noop("曾为这台机器服务"))
WHY_LOAD = register("assignment.why.load", gettext_noop("在办 %(n)s 单"))
WHY_LOAD_FEWEST = register("assignment.why.load_fewest", gettext_noop("在办 %(n)s 单（最少）"))
