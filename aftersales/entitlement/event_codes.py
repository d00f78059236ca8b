"""Entitlement's system sentences on the request timeline (see ``service.event_text``)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from aftersales.entitlement.models.returns import RefundMethod, ReturnAuthorization
from aftersales.service.event_text import choice, register
from aftersales.service.models import Kind

METHOD = choice(lambda: dict(RefundMethod.choices))

QUOTE_CREATED = register("quote.created", gettext_noop("已创建报价 ¥%(t)s"))
QUOTE_SENT = register(
    "quote.sent", gettext_noop("维修报价 %(t)s 元（其中您需支付 %(p)s 元），请在服务单中确认是否维修。")
)
QUOTE_WAITING = register("quote.waiting", gettext_noop("等待客户确认报价"))
QUOTE_APPROVED = register("quote.approved", gettext_noop("客户同意报价 %(t)s 元，继续维修。"))
QUOTE_DECLINED = register("quote.declined", gettext_noop("客户拒绝报价，不进行收费维修：%(r)s"))
QUOTE_WITHDRAWN = register("quote.withdrawn", gettext_noop("报价已撤回。"))
CONTRACT_ADDED = register("warranty.contract_added", gettext_noop("已登记延保合同"))
CLAIM_ADDED = register("warranty.claim_added", gettext_noop("延保理赔"))

RMA_APPROVED_WAITING = register("rma.approved_waiting", gettext_noop("已批准，等待寄回商品"))
RMA_REJECTED = register("rma.rejected", gettext_noop("很抱歉，您的申请未获批准：%(r)s"))
RMA_REJECTED_AFTER = register(
    "rma.rejected_after_inspection", gettext_noop("很抱歉，检测后无法办理：%(r)s。商品将寄还给您。")
)
RMA_GOODS_SHIPPED = register("rma.goods_shipped", gettext_noop("商品已寄回"))
RMA_SHIPPED = register("rma.shipped", gettext_noop("已登记寄回：%(c)s %(t)s。"))
RMA_GOODS_RECEIVED = register("rma.goods_received", gettext_noop("已收到退回商品"))
RMA_RECEIVED = register("rma.received", gettext_noop("我们已于 %(d)s 收到您寄回的商品，正在检测。"))
RMA_REFUND_PENDING = register(
    "rma.refund_pending", gettext_noop("将退款 %(a)s 元（%(m)s），最晚于 %(d)s 前到账。"), m=METHOD
)
RMA_REFUNDED = register("rma.refunded", gettext_noop("已退款 %(a)s 元（%(m)s）。"), m=METHOD)
RMA_CLOSED = register("rma.closed", gettext_noop("退换货单 %(n)s 已完成。"))
RMA_REFUND_OVERDUE = register(
    "rma.refund_overdue", gettext_noop("退款已逾期：%(n)s 应于 %(d)s 前退款 %(a)s 元，请立即处理。")
)
RMA_REFUND_DUE_SOON = register(
    "rma.refund_due_soon", gettext_noop("退款即将到期：%(n)s 应于 %(d)s 前退款 %(a)s 元。")
)

# Return steps whose sentences quote the engine (a summary, refusals, findings, a citation): those
# parts are stored in both languages (``event_text.both``), the rest as words of the reader's language.
RESOLUTION = choice(lambda: dict(ReturnAuthorization.Resolution.choices))
REQUEST_KIND = choice(lambda: dict(Kind.choices))
RMA_REQUESTED = register(
    "rma.requested",
    gettext_noop("已收到您的%(kind)s申请 %(number)s。初步评估：%(summary)s。客服审核后会通知您。"),
    kind=REQUEST_KIND,
)
RMA_APPROVED = register(
    "rma.approved",
    gettext_noop("已批准%(res)s（依据：%(basis)s）。请将商品寄回，并填写寄回的承运商和运单号。"),
    res=RESOLUTION,
)
RMA_APPROVED_NOTE = register(
    "rma.approved_note",
    gettext_noop("已批准%(res)s（依据：%(basis)s）。请将商品寄回，并填写寄回的承运商和运单号。说明：%(r)s"),
    res=RESOLUTION,
)
RMA_INSPECTED_OK = register(
    "rma.inspected_ok", gettext_noop("检测完成：%(f)s。仍符合%(res)s条件。"), res=RESOLUTION
)
RMA_INSPECTED_NOT = register(
    "rma.inspected_not", gettext_noop("检测完成：%(f)s。检测后已不符合%(res)s条件：%(why)s"), res=RESOLUTION
)
RMA_EXCHANGE_SHIPPED = register(
    "rma.exchange_shipped",
    gettext_noop("换货已发出，新机序列号 %(s)s；三包有效期自换货之日 %(d)s 起重新计算。"),
)
RMA_EXCHANGE_SHIPPED_WAYBILL = register(
    "rma.exchange_shipped_waybill",
    gettext_noop("换货已发出，新机序列号 %(s)s；三包有效期自换货之日 %(d)s 起重新计算。运单：%(c)s %(t)s。"),
)
