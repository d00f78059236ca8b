"""Legal citations for English readers: the English name beside the statute's Chinese title."""

from __future__ import annotations

import pytest

from aftersales.core.middleware import SANBAO_GLOSS, gloss_first_sanbao
from aftersales.entitlement.policy import citations as cite
from aftersales.entitlement.policy import statutes
from aftersales.entitlement.policy.citations import org_basis


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("一", 1),
        ("十", 10),
        ("十三", 13),
        ("二十四", 24),
        ("一百", 100),
        ("二百零三", 203),
        ("九百九十九", 999),
    ],
)
def test_article_numbers_read_as_numbers(written, number):
    assert statutes.chinese_number(written) == number


def test_articles_paragraphs_and_items_in_english() -> None:
    assert statutes.article_en("第二百零三条") == "Art. 203"
    assert statutes.article_en("第二十四条第二款") == "Art. 24(2)"
    assert statutes.article_en("第二十四条第一款第一项") == "Art. 24(1)(1)"
    assert statutes.article_en(None) == ""
    assert statutes.article_en("附件") == "附件"  # not an article: shown as written


def test_every_cited_basis_names_its_statute_in_english() -> None:
    bases = [value for value in vars(cite).values() if isinstance(value, cite.Basis)]
    assert len(bases) > 30
    for basis in bases:
        english = basis.citation_en()
        assert basis.document in english, english  # the Chinese title stays
        assert statutes.document_en(basis.document), basis.document
        assert basis.clause_en and not any(
            "\u4e00" <= c <= "\u9fff" for c in basis.clause_en.replace("三包", "")
        ), basis.clause_en
    assert cite.CIVIL_CODE_203.citation_en() == "the Civil Code (《中华人民共和国民法典》) Art. 203"
    assert cite.CAR_LOANER.citation_en() == (
        "the Provisions on Repair, Replacement and Return of Household Cars (《家用汽车产品修理更换退货责任规定》) Art. 21"
    )


def test_organization_promises_and_contracts_in_english() -> None:
    assert (
        org_basis("Acme", "延长", "extended").citation_en()
        == "the service promise of Acme (《Acme服务承诺》)"
    )
    assert (
        cite.contract_basis("EW-1", "延保状态", "Contract status").citation_en()
        == "extended warranty contract EW-1"
    )


def test_sentences_get_the_english_name_once_per_title() -> None:
    text = statutes.with_english("under 《民法典》 Art. 203 and 《消费者权益保护法》 Art. 25")
    assert text == (
        "under the Civil Code (《民法典》) Art. 203 and "
        "the Consumer Rights Protection Law (《消费者权益保护法》) Art. 25"
    )


@pytest.mark.django_db
def test_the_api_gives_the_citation_in_both_languages(client_for, alice, online_unit):
    body = (
        client_for(alice)
        .get("/api/v1/entitlements", {"serial": "TV0001", "kind": "return", "fault": "none"})
        .json()
    )
    basis = body["options"][0]["basis"]
    assert basis["citation"] == "《网络购买商品七日无理由退货暂行办法》"
    assert basis["citation_en"] == (
        "the Interim Measures on Seven-Day No-Reason Returns of Goods Bought Online (《网络购买商品七日无理由退货暂行办法》)"
    )
    assert basis["clause_en"].startswith("A no-reason return within seven days")


@pytest.mark.django_db
def test_the_english_check_page_cites_in_english_with_the_chinese_title(client_for, alice, online_unit):
    client = client_for(alice)
    ask = {"serial": "TV0001", "kind": "return", "fault": "none"}
    client.cookies["django_language"] = "en"
    html = client.get("/console/entitlement/", ask).content.decode()
    assert (
        "the Interim Measures on Seven-Day No-Reason Returns of Goods Bought Online "
        "(《网络购买商品七日无理由退货暂行办法》)"
    ) in html
    assert "A no-reason return within seven days from the day after sign-off" in html
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/console/entitlement/", ask).content.decode()
    assert "Interim Measures" not in html and "自签收商品次日起七日内可无理由退货" in html


def test_gloss_goes_after_the_first_sanbao_in_running_text_only() -> None:
    page = (
        '<nav>三包</nav><main><a href="#">三包 rules</a><input value="三包">'
        '<select><option>三包</option></select><p title="三包">The 三包 period</p><p>三包 again</p></main>'
    )
    out = gloss_first_sanbao(page)
    assert out.count(SANBAO_GLOSS) == 1
    assert f'<p title="三包">The 三包<span class="gloss">{SANBAO_GLOSS}</span> period</p>' in out
    assert gloss_first_sanbao("<main><p>no term here</p></main>") == "<main><p>no term here</p></main>"


@pytest.mark.django_db
def test_english_pages_explain_sanbao_once_and_chinese_pages_not_at_all(client_for, alice, online_unit):
    client = client_for(alice)
    client.cookies["django_language"] = "en"
    html = client.get("/console/entitlement/", {"serial": "TV0001", "fault": "none"}).content.decode()
    assert html.count("三包") > 1 and html.count(SANBAO_GLOSS) == 1
    client.cookies["django_language"] = "zh-hans"
    html = client.get("/console/entitlement/", {"serial": "TV0001", "fault": "none"}).content.decode()
    assert SANBAO_GLOSS not in html


def test_a_panel_without_main_glosses_its_own_first_sanbao() -> None:
    panel = '<div class="card"><h2>Warranty and 三包</h2><p>The 三包 period</p></div>'
    out = gloss_first_sanbao(panel)
    assert (
        out.count(SANBAO_GLOSS) == 1
        and f'<h2>Warranty and 三包<span class="gloss">{SANBAO_GLOSS}</span>' in out
    )
