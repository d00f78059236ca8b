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
GOODS_PERIOD = Basis(GOODS_DOC, "第八条", "三包有效期自开具发票之日起计算，扣除修理占用和无零配件待修的时间")
GOODS_RETURN_7D = Basis(GOODS_DOC, "第九条", "售出之日起7日内发生性能故障，可选择退货、换货或修理")
GOODS_EXCHANGE_15D = Basis(GOODS_DOC, "第十条", "售出之日起15日内发生性能故障，可选择换货或修理")
GOODS_TWO_REPAIRS = Basis(GOODS_DOC, "第十一条", "三包有效期内修理两次仍不能正常使用，免费调换同型号同规格产品或退货")
GOODS_PARTS_90D = Basis(GOODS_DOC, "第十二条", "生产者未供应零配件，自送修之日起超过90日未修好，免费调换")
GOODS_REPAIRER_30D = Basis(GOODS_DOC, "第十二条", "因修理者自身原因使修理期超过30日，由修理者免费调换")
GOODS_RETURN_INSTEAD = Basis(
    GOODS_DOC, "第十三条", "符合换货条件而无同型号同规格产品，予以退货；有而消费者要求退货，收取折旧费"
)
GOODS_RESTART = Basis(GOODS_DOC, "第十四条", "换货后的三包有效期自换货之日起重新计算")
GOODS_FREE_REPAIR = Basis(GOODS_DOC, None, "三包有效期内由修理者免费修理（材料费和工时费）")
GOODS_EXCLUDED = Basis(GOODS_DOC, None, "不实行三包、可实行收费修理的情形")
GOODS_OUT_OF_PERIOD = Basis(GOODS_DOC, "第八条", "已超出三包有效期，修理收费")
GOODS_CATALOGUE = Basis(GOODS_DOC, None, "附件《实施三包的部分商品目录》：整机、主要部件三包有效期与折旧率")

# Cars (2021).
CAR_PERIODS = Basis(CAR_DOC, None, "包修期不低于3年或6万公里、三包有效期不低于2年或5万公里，以先到者为准")
CAR_FREE_REPAIR = Basis(CAR_DOC, None, "包修期内因质量问题由修理者免费修理")
CAR_LOANER = Basis(
    CAR_DOC, "第二十一条", "包修期内因质量问题单次修理时间超过5日（含等待零部件时间），自第6日起提供备用车或交通费用补偿"
)
CAR_CORE_7D = Basis(CAR_DOC, None, "三包有效期起算之日起7日内需更换发动机、变速器、动力蓄电池或行驶驱动电机")
CAR_SEVERE_60D = Basis(
    CAR_DOC, "第二十三条", "60日内或3000公里内转向、制动失效，车身开裂，燃油泄漏或动力蓄电池起火，免费更换或退货"
)
CAR_SERIOUS_TWICE = Basis(CAR_DOC, "第二十四条", "严重安全性能故障累计修理2次仍未排除或出现新的严重安全性能故障")
CAR_CORE_TWICE = Basis(CAR_DOC, "第二十四条", "发动机、变速器、动力蓄电池、行驶驱动电机累计更换2次仍不能正常使用")
CAR_PART_TWICE = Basis(CAR_DOC, "第二十四条", "同一主要零部件累计更换2次仍不能正常使用")
CAR_REPAIR_DAYS = Basis(CAR_DOC, "第二十四条", "因质量问题累计修理时间超过30日")
CAR_SAME_FAULT = Basis(CAR_DOC, "第二十四条", "因同一质量问题累计修理超过4次")
# The 2021 text lowered n from the repealed 2013 range of 0.5%–0.8% to "不得高于0.5%".
CAR_USE_COMPENSATION = Basis(
    CAR_DOC, None, "合理使用补偿费用=车价款×行驶里程÷1000×n（n由生产者确定并在三包凭证上明示，不得高于0.5%）"
)
CAR_EXCLUDED = Basis(
    CAR_DOC, None, "经营者可以不承担三包责任的情形（如用于出租或者其他营运目的、无有效发票和三包凭证）"
)
CAR_OUT_OF_PERIOD = Basis(CAR_DOC, None, "已超出包修期，修理收费")

# Online seven-day no-reason return (2017, amended 2020).
ONLINE_RETURN = Basis(ONLINE_DOC, None, "自签收商品次日起七日内可无理由退货（另见《消费者权益保护法》第二十五条）")
ONLINE_OUTRIGHT = Basis(ONLINE_DOC, "第六条", "定作、鲜活易腐、在线下载或已拆封的数字化商品、报纸期刊不适用")
ONLINE_CONFIRMABLE = Basis(ONLINE_DOC, "第七条", "拆封后易变质或影响安全、激活后贬值较大等商品经消费者购买时确认可不适用")
ONLINE_GOOD_CONDITION = Basis(ONLINE_DOC, "第八条", "商品完好：为查验打开包装、合理调试不影响完好")
ONLINE_NOT_GOOD = Basis(ONLINE_DOC, "第九条", "超出查验需要使用致价值贬损较大的，视为商品不完好")


def org_basis(org_name: str, clause: str) -> Basis:
    """An option open only because the organization promised more than the law asks."""
    document = f"《{org_name}服务承诺》" if org_name else "《本机构服务承诺》"
    return Basis(document, None, clause)


def contract_basis(contract_id: str, clause: str) -> Basis:
    return Basis(f"延保合同 {contract_id}", None, clause)

# Laws the regulations sit under.
CONSUMER_LAW_DOC = "《中华人民共和国消费者权益保护法》"
CIVIL_CODE_DOC = "《中华人民共和国民法典》"
# A return, exchange or repair for a quality problem: the seller pays the carriage (第二十四条第二款).
CONSUMER_LAW_24 = Basis(CONSUMER_LAW_DOC, "第二十四条", "依照国家规定、当事人约定退货、更换、修理的，经营者应当承担运输等必要费用")
CONSUMER_LAW_25 = Basis(
    CONSUMER_LAW_DOC, "第二十五条", "网络等远程购物自收到商品之日起七日内无理由退货；退回商品的运费由消费者承担，另有约定的按照约定"
)
# The last day of a period on a statutory rest day (unsettled for the no-reason return: an organization setting).
CIVIL_CODE_203 = Basis(CIVIL_CODE_DOC, "第二百零三条", "期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日")
