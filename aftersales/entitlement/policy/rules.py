"""Legal minimums, and how an organization's own promises raise them (never lower them).

The law sets floors: an organization may promise its customers longer windows and periods
(《部分商品修理更换退货责任规定》第四条 encourages exactly that), but a configuration below the
floor cannot take a right away. So the engine uses max(legal, configured) and the admin shows
both, flagging the configurations that were ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from .facts import CategoryKind, PartTerm, ProductTerms

# Goods, 《部分商品修理更换退货责任规定》.
GOODS_RETURN_DAYS = 7
GOODS_EXCHANGE_DAYS = 15
GOODS_REPAIRS_BEFORE_EXCHANGE = 2
GOODS_PARTS_WAIT_DAYS = 90
GOODS_REPAIRER_DELAY_DAYS = 30
# Online, 《网络购买商品七日无理由退货暂行办法》.
NO_REASON_DAYS = 7
REFUND_DUE_DAYS = 7
# Cars, 《家用汽车产品修理更换退货责任规定》.
CAR_WARRANTY_MONTHS = 36
CAR_WARRANTY_KM = 60_000
CAR_SANBAO_MONTHS = 24
CAR_SANBAO_KM = 50_000
CAR_SEVERE_FAULT_DAYS = 60
CAR_SEVERE_FAULT_KM = 3_000
CAR_CORE_DAYS = 7
CAR_REPAIRS_BEFORE_EXCHANGE = 2
CAR_REPAIR_DAYS_LIMIT = 30
CAR_SAME_FAULT_LIMIT = 4
CAR_LOANER_AFTER_DAYS = 5
# 2021 text: n is set by the producer, shown on the 三包 voucher, and may not exceed 0.5%.
# (The repealed 2013 text had 0.5%–0.8%.) Zero, no compensation at all, is the customer's gain.
USE_COMPENSATION_MIN = Decimal("0")
USE_COMPENSATION_MAX = Decimal("0.005")


class PolicyConfigError(ValueError):
    """An organization's rules configured below the legal minimum; errors are (field, reason) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in errors))


@dataclass(frozen=True)
class Setting:
    """One duration or distance with its legal floor and what the organization configured."""

    rule_id: str
    label_zh: str
    label_en: str
    unit: str  # "days", "months" or "km"
    legal_minimum: int
    configured: int | None = None

    @property
    def effective(self) -> int:
        if self.configured is None:
            return self.legal_minimum
        return max(self.legal_minimum, self.configured)

    @property
    def below_minimum(self) -> bool:
        return self.configured is not None and self.configured < self.legal_minimum

    @property
    def extended(self) -> bool:
        return self.effective > self.legal_minimum


@dataclass(frozen=True)
class CategoryExtension:
    """One organization's promise for one category. None keeps the legal value."""

    category: str
    return_days: int | None = None
    exchange_days: int | None = None
    no_reason_days: int | None = None
    whole_unit_months: int | None = None
    main_parts_months: int | None = None
    extra_main_parts: tuple[str, ...] = ()
    part_months: tuple[PartTerm, ...] = ()
    car_warranty_months: int | None = None
    car_warranty_km: int | None = None
    car_sanbao_months: int | None = None
    car_sanbao_km: int | None = None


@dataclass(frozen=True)
class OrgRules:
    """The organization's promises per category, and its reading of unsettled law.

    holiday_extends_no_reason: whether a no-reason-return period whose last day is a statutory
    rest day runs on to the next working day (《民法典》第二百零三条). Whether that general rule
    reaches the seven days of 《消费者权益保护法》第二十五条 is not settled; extending is never less
    than the law may require, so it is the default.
    """

    name: str = ""
    extensions: tuple[CategoryExtension, ...] = ()
    holiday_extends_no_reason: bool = True

    def for_category(self, category: str) -> CategoryExtension:
        for extension in self.extensions:
            if extension.category == category:
                return extension
        return CategoryExtension(category)


@dataclass(frozen=True)
class EffectiveTerms:
    """ProductTerms with the organization's extensions applied: what the engine actually uses."""

    terms: ProductTerms
    org_name: str
    return_days: Setting
    exchange_days: Setting
    no_reason_days: Setting
    whole_unit_months: Setting
    parts: Mapping[str, Setting]
    car_warranty_months: Setting
    car_warranty_km: Setting
    car_sanbao_months: Setting
    car_sanbao_km: Setting
    holiday_extends_no_reason: bool = True

    def months_for(self, part: str | None) -> Setting:
        """The period that covers a fault in this part: its own if longer than the whole unit's."""
        setting = self.parts.get(part) if part is not None else None
        if setting is None or setting.effective <= self.whole_unit_months.effective:
            return self.whole_unit_months
        return setting

    def legal_months_for(self, part: str | None) -> int:
        """What the law alone covers a fault in this part for, whatever the organization added."""
        setting = self.parts.get(part) if part is not None else None
        legal = self.whole_unit_months.legal_minimum
        return legal if setting is None else max(legal, setting.legal_minimum)

    def settings(self) -> list[Setting]:
        if self.terms.kind == CategoryKind.CAR:
            return [
                self.no_reason_days,
                self.car_warranty_months,
                self.car_warranty_km,
                self.car_sanbao_months,
                self.car_sanbao_km,
            ]
        common = [self.return_days, self.exchange_days, self.no_reason_days, self.whole_unit_months]
        return common + [self.parts[name] for name in sorted(self.parts)]


def resolve(terms: ProductTerms, org_rules: OrgRules | None = None) -> EffectiveTerms:
    org = org_rules or OrgRules()
    ext = org.for_category(terms.category)
    return EffectiveTerms(
        terms=terms,
        org_name=org.name,
        return_days=Setting(
            "goods.return_days",
            "性能故障退货期",
            "Return window for a performance fault",
            "days",
            GOODS_RETURN_DAYS,
            ext.return_days,
        ),
        exchange_days=Setting(
            "goods.exchange_days",
            "性能故障换货期",
            "Exchange window for a performance fault",
            "days",
            GOODS_EXCHANGE_DAYS,
            ext.exchange_days,
        ),
        no_reason_days=Setting(
            "online.no_reason_days",
            "网购无理由退货期",
            "Online no-reason return window",
            "days",
            NO_REASON_DAYS,
            ext.no_reason_days,
        ),
        whole_unit_months=Setting(
            "goods.whole_unit_months",
            "整机三包有效期",
            "Whole-unit 三包 period",
            "months",
            terms.whole_unit_months,
            ext.whole_unit_months,
        ),
        parts=_part_settings(terms, ext),
        car_warranty_months=Setting(
            "car.warranty_months",
            "包修期（月）",
            "Repair warranty (months)",
            "months",
            CAR_WARRANTY_MONTHS,
            ext.car_warranty_months,
        ),
        car_warranty_km=Setting(
            "car.warranty_km",
            "包修期（里程）",
            "Repair warranty (km)",
            "km",
            CAR_WARRANTY_KM,
            ext.car_warranty_km,
        ),
        car_sanbao_months=Setting(
            "car.sanbao_months",
            "三包有效期（月）",
            "三包 period (months)",
            "months",
            CAR_SANBAO_MONTHS,
            ext.car_sanbao_months,
        ),
        car_sanbao_km=Setting(
            "car.sanbao_km",
            "三包有效期（里程）",
            "三包 period (km)",
            "km",
            CAR_SANBAO_KM,
            ext.car_sanbao_km,
        ),
        holiday_extends_no_reason=org.holiday_extends_no_reason,
    )


def _part_settings(terms: ProductTerms, ext: CategoryExtension) -> dict[str, Setting]:
    overrides = {p.part: p.months for p in terms.part_overrides}
    org_parts = {p.part: p.months for p in ext.part_months}
    legal_main = set(terms.main_parts)
    names = legal_main | set(ext.extra_main_parts) | set(overrides) | set(org_parts)
    settings: dict[str, Setting] = {}
    for name in names:
        if name in overrides:
            legal = overrides[name]
        elif name in legal_main:
            legal = terms.main_parts_months
        else:
            legal = terms.whole_unit_months  # a part the org added: the law only covers it as the unit
        configured: int | None
        if name in org_parts:
            configured = org_parts[name]
        elif name in ext.extra_main_parts:
            configured = (
                ext.main_parts_months if ext.main_parts_months is not None else terms.main_parts_months
            )
        elif name in legal_main and name not in overrides:
            configured = ext.main_parts_months
        else:
            configured = None
        settings[name] = Setting(
            f"goods.part_months:{name}",
            f"主要部件三包有效期：{name}",
            f"Main-part 三包 period: {name}",
            "months",
            legal,
            configured,
        )
    return settings


def effective_rules(terms: ProductTerms, org_rules: OrgRules | None = None) -> list[Setting]:
    """For the admin: each rule with its legal minimum, the configured value and the effective one."""
    return resolve(terms, org_rules).settings()


def check_org_rules(terms: ProductTerms, org_rules: OrgRules) -> list[tuple[str, str]]:
    """(field, reason) for each configured value below the legal minimum, for a form to show."""
    return [
        (
            setting.rule_id,
            f"{setting.configured} {setting.unit} is below the legal minimum of "
            f"{setting.legal_minimum} {setting.unit}; the legal minimum applies",
        )
        for setting in effective_rules(terms, org_rules)
        if setting.below_minimum
    ]


def validate_org_rules(terms: ProductTerms, org_rules: OrgRules) -> None:
    """Raise PolicyConfigError when saving a configuration that would go below the law."""
    errors = check_org_rules(terms, org_rules)
    if errors:
        raise PolicyConfigError(errors)
