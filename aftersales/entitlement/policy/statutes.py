"""The English names of the statutes the product cites, shown beside the Chinese name.

An English reader sees "the Civil Code (《民法典》) Art. 203": the official Chinese title stays,
because it is what a court, a regulator or the customer's own search will recognize, and the
English name says what it is. The names follow the usual English renderings of the official
titles; none of them is an official translation (only the Chinese text has legal force).
"""

from __future__ import annotations

import re

STATUTES_EN: dict[str, str] = {
    "《部分商品修理更换退货责任规定》": "the Provisions on Repair, Replacement and Return of Certain Goods",
    "《家用汽车产品修理更换退货责任规定》": "the Provisions on Repair, Replacement and Return of Household Cars",
    "《网络购买商品七日无理由退货暂行办法》": "the Interim Measures on Seven-Day No-Reason Returns of Goods Bought Online",
    "《中华人民共和国消费者权益保护法》": "the Consumer Rights Protection Law",
    "《消费者权益保护法》": "the Consumer Rights Protection Law",
    "《中华人民共和国民法典》": "the Civil Code",
    "《民法典》": "the Civil Code",
    "《实施三包的部分商品目录》": "the Catalogue of Goods under 三包",
    "《地图管理条例》": "the Map Management Regulations",
    "《全国年节及纪念日放假办法》": "the Measures on National Holidays and Memorial Days",
}

_DIGITS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ARTICLE = re.compile(
    r"第([零一二三四五六七八九十百]+)条(?:第([零一二三四五六七八九十]+)款)?(?:第([零一二三四五六七八九十]+)项)?"
)
_STATUTE = re.compile("|".join(re.escape(name) for name in sorted(STATUTES_EN, key=len, reverse=True)))
_PROMISE = re.compile(r"^《(.*)服务承诺》$")


def chinese_number(text: str) -> int:
    """一 … 九百九十九 as written in article numbers (第二百零三条 → 203)."""
    total, digit = 0, 0
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char == "十":
            total += (digit or 1) * 10
            digit = 0
        elif char == "百":
            total += digit * 100
            digit = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + digit


def article_en(article: str | None) -> str:
    """第二十四条第二款 → "Art. 24(2)"; anything unrecognized is returned as written."""
    if not article:
        return ""
    found = _ARTICLE.fullmatch(article)
    if found is None:
        return article
    out = f"Art. {chinese_number(found.group(1))}"
    for part in found.group(2, 3):
        if part:
            out += f"({chinese_number(part)})"
    return out


def document_en(document: str) -> str:
    """The English name of a cited document, or "" when there is none to add."""
    if document in STATUTES_EN:
        return STATUTES_EN[document]
    promise = _PROMISE.match(document)
    if promise:
        return f"the service promise of {promise.group(1) or 'this organization'}".replace(
            "本机构", "this organization"
        )
    if document.startswith("延保合同 "):
        return f"extended warranty contract {document.removeprefix('延保合同 ')}"
    return ""


def citation_en(document: str, article: str | None) -> str:
    """The citation an English reader sees: "the Civil Code (《民法典》) Art. 203"."""
    name = document_en(document)
    if document.startswith("延保合同 "):
        head = name
    elif name:
        head = f"{name} ({document})"
    else:
        head = document
    art = article_en(article)
    return f"{head} {art}".strip()


def with_english(text: str) -> str:
    """Put the English name before each statute's Chinese title in an English sentence."""
    return _STATUTE.sub(lambda m: f"{STATUTES_EN[m.group(0)]} ({m.group(0)})", text)
