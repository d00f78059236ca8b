"""Every legal citation the engine makes, in one place so a reviewer can check them against the texts.

Article numbers are given only where they were checked against the published text; elsewhere
article is None and the clause is described, because a wrong article number on a customer's
screen is worse than none.
"""

from __future__ import annotations

from .outcome import Basis

GOODS_DOC = "《部分商品修理更换退货责任规定》"
CAR_DOC = "《家用汽车产品修理更换退货责任规定》"  # 市场监管总局令第43号, in force 2022-01-01
ONLINE_DOC = "《网络购买商品七日无理由退货暂行办法》"

# Goods (1995).
GOODS_PERIOD = Basis(
    GOODS_DOC,
    "第八条",
    "三包有效期自开具发票之日起计算，扣除修理占用和无零配件待修的时间",
    "The 三包 period runs from the invoice date, less the days in repair and waiting for parts",
)
GOODS_RETURN_7D = Basis(
    GOODS_DOC,
    "第九条",
    "售出之日起7日内发生性能故障，可选择退货、换货或修理",
    "A performance fault within 7 days of the sale: return, exchange or repair, at the customer's choice",
)
GOODS_EXCHANGE_15D = Basis(
    GOODS_DOC,
    "第十条",
    "售出之日起15日内发生性能故障，可选择换货或修理",
    "A performance fault within 15 days of the sale: exchange or repair, at the customer's choice",
)
GOODS_TWO_REPAIRS = Basis(
    GOODS_DOC,
    "第十一条",
    "三包有效期内修理两次仍不能正常使用，免费调换同型号同规格产品或退货",
    "Still not usable after two repairs within the 三包 period: a free exchange for the same model, or a return",
)
GOODS_PARTS_90D = Basis(
    GOODS_DOC,
    "第十二条",
    "生产者未供应零配件，自送修之日起超过90日未修好，免费调换",
    "The producer supplied no parts and the repair is not done 90 days after drop-off: a free exchange",
)
GOODS_REPAIRER_30D = Basis(
    GOODS_DOC,
    "第十二条",
    "因修理者自身原因使修理期超过30日，由修理者免费调换",
    "The repair took over 30 days through the repairer's own fault: the repairer exchanges it free",
)
GOODS_RETURN_INSTEAD = Basis(
    GOODS_DOC,
    "第十三条",
    "符合换货条件而无同型号同规格产品，予以退货；有而消费者要求退货，收取折旧费",
    "Due an exchange but the same model is not available: a return; available but the customer wants a return: depreciation is charged",
)
GOODS_RESTART = Basis(
    GOODS_DOC,
    "第十四条",
    "换货后的三包有效期自换货之日起重新计算",
    "After an exchange the 三包 period starts again from the exchange",
)
GOODS_FREE_REPAIR = Basis(
    GOODS_DOC,
    None,
    "三包有效期内由修理者免费修理（材料费和工时费）",
    "Within the 三包 period the repairer repairs free of charge (parts and labour)",
)
GOODS_EXCLUDED = Basis(
    GOODS_DOC,
    None,
    "不实行三包、可实行收费修理的情形",
    "Cases outside 三包, where a paid repair remains",
)
GOODS_OUT_OF_PERIOD = Basis(
    GOODS_DOC,
    "第八条",
    "已超出三包有效期，修理收费",
    "Past the 三包 period: the repair is charged",
)
GOODS_CATALOGUE = Basis(
    GOODS_DOC,
    None,
    "附件《实施三包的部分商品目录》：整机、主要部件三包有效期与折旧率",
    "Annex, the Catalogue of Goods under 三包: whole-unit and main-part periods and depreciation rates",
)

# Cars (2021).
CAR_PERIODS = Basis(
    CAR_DOC,
    None,
    "包修期不低于3年或6万公里、三包有效期不低于2年或5万公里，以先到者为准",
    "Repair warranty at least 3 years or 60,000 km; 三包 period at least 2 years or 50,000 km, whichever comes first",
)
CAR_FREE_REPAIR = Basis(
    CAR_DOC,
    None,
    "包修期内因质量问题由修理者免费修理",
    "Within the repair warranty a quality problem is repaired free of charge",
)
CAR_LOANER = Basis(
    CAR_DOC,
    "第二十一条",
    "包修期内因质量问题单次修理时间超过5日（含等待零部件时间），自第6日起提供备用车或交通费用补偿",
    "Within the repair warranty, a single repair for a quality problem over 5 days (waiting for parts included): a loaner car or transport costs from the 6th day",
)
CAR_CORE_7D = Basis(
    CAR_DOC,
    None,
    "三包有效期起算之日起7日内需更换发动机、变速器、动力蓄电池或行驶驱动电机",
    "Within 7 days of the 三包 period's start the engine, gearbox, traction battery or drive motor needs replacing",
)
CAR_SEVERE_60D = Basis(
    CAR_DOC,
    "第二十三条",
    "60日内或3000公里内转向、制动失效，车身开裂，燃油泄漏或动力蓄电池起火，免费更换或退货",
    "Within 60 days or 3,000 km: steering or brake failure, a cracked body, a fuel leak or a traction battery fire — a free exchange or a return",
)
CAR_SERIOUS_TWICE = Basis(
    CAR_DOC,
    "第二十四条",
    "严重安全性能故障累计修理2次仍未排除或出现新的严重安全性能故障",
    "A serious safety fault repaired twice and still there, or a new serious safety fault",
)
CAR_CORE_TWICE = Basis(
    CAR_DOC,
    "第二十四条",
    "发动机、变速器、动力蓄电池、行驶驱动电机累计更换2次仍不能正常使用",
    "The engine, gearbox, traction battery or drive motor replaced twice and still not usable",
)
CAR_PART_TWICE = Basis(
    CAR_DOC,
    "第二十四条",
    "同一主要零部件累计更换2次仍不能正常使用",
    "The same main part replaced twice and still not usable",
)
CAR_REPAIR_DAYS = Basis(
    CAR_DOC,
    "第二十四条",
    "因质量问题累计修理时间超过30日",
    "Repairs for quality problems over 30 days in total",
)
CAR_SAME_FAULT = Basis(
    CAR_DOC,
    "第二十四条",
    "因同一质量问题累计修理超过4次",
    "The same quality problem repaired more than 4 times",
)
# The 2021 text lowered n from the repealed 2013 range of 0.5%–0.8% to "不得高于0.5%".
CAR_USE_COMPENSATION = Basis(
    CAR_DOC,
    None,
    "合理使用补偿费用=车价款×行驶里程÷1000×n（n由生产者确定并在三包凭证上明示，不得高于0.5%）",
    "Use compensation = car price × km driven ÷ 1,000 × n (n set by the producer, shown on the 三包 voucher, at most 0.5%)",
)
CAR_EXCLUDED = Basis(
    CAR_DOC,
    None,
    "经营者可以不承担三包责任的情形（如用于出租或者其他营运目的、无有效发票和三包凭证）",
    "Cases where the seller need not bear 三包 (such as use for hire or other commercial operation, no valid invoice and 三包 voucher)",
)
CAR_OUT_OF_PERIOD = Basis(
    CAR_DOC,
    None,
    "已超出包修期，修理收费",
    "Past the repair warranty: the repair is charged",
)

# Online seven-day no-reason return (2017, amended 2020).
ONLINE_RETURN = Basis(
    ONLINE_DOC,
    None,
    "自签收商品次日起七日内可无理由退货（另见《消费者权益保护法》第二十五条）",
    "A no-reason return within seven days from the day after sign-off (see also the Consumer Rights Protection Law Art. 25)",
)
ONLINE_OUTRIGHT = Basis(
    ONLINE_DOC,
    "第六条",
    "定作、鲜活易腐、在线下载或已拆封的数字化商品、报纸期刊不适用",
    "Made to order, fresh and perishable, downloaded or unsealed digital goods, newspapers and periodicals do not apply",
)
ONLINE_CONFIRMABLE = Basis(
    ONLINE_DOC,
    "第七条",
    "拆封后易变质或影响安全、激活后贬值较大等商品经消费者购买时确认可不适用",
    "Goods that spoil or become unsafe once unsealed, or lose much value once activated, are excluded only if the buyer confirmed it at purchase",
)
ONLINE_GOOD_CONDITION = Basis(
    ONLINE_DOC,
    "第八条",
    "商品完好：为查验打开包装、合理调试不影响完好",
    "In good condition: opening the packaging to inspect and reasonable trial use do not count against it",
)
ONLINE_NOT_GOOD = Basis(
    ONLINE_DOC,
    "第九条",
    "超出查验需要使用致价值贬损较大的，视为商品不完好",
    "Use beyond what inspection needs that greatly reduces the value means the goods are not in good condition",
)


def org_basis(org_name: str, clause: str, clause_en: str) -> Basis:
    """An option open only because the organization promised more than the law asks."""
    document = f"《{org_name}服务承诺》" if org_name else "《本机构服务承诺》"
    return Basis(document, None, clause, clause_en)


def contract_basis(contract_id: str, clause: str, clause_en: str) -> Basis:
    return Basis(f"延保合同 {contract_id}", None, clause, clause_en)


# Laws the regulations sit under.
CONSUMER_LAW_DOC = "《中华人民共和国消费者权益保护法》"
CIVIL_CODE_DOC = "《中华人民共和国民法典》"
# A return, exchange or repair for a quality problem: the seller pays the carriage (第二十四条第二款).
CONSUMER_LAW_24 = Basis(
    CONSUMER_LAW_DOC,
    "第二十四条",
    "依照国家规定、当事人约定退货、更换、修理的，经营者应当承担运输等必要费用",
    "For a return, exchange or repair under state rules or agreement, the seller bears the carriage and other necessary costs",
)
CONSUMER_LAW_25 = Basis(
    CONSUMER_LAW_DOC,
    "第二十五条",
    "网络等远程购物自收到商品之日起七日内无理由退货；退回商品的运费由消费者承担，另有约定的按照约定",
    "Distance purchases may be returned without reason within seven days of receipt; the buyer pays the return carriage unless agreed otherwise",
)
# The last day of a period on a statutory rest day (unsettled for the no-reason return: an organization setting).
CIVIL_CODE_203 = Basis(
    CIVIL_CODE_DOC,
    "第二百零三条",
    "期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日",
    "When the last day of a period is a statutory rest day, the day after the rest days is the last day",
)
