"""What the engine is told: the product's terms, the unit's history and the customer's request.

Everything is a frozen dataclass so that a decision can be reproduced later from exactly the
facts it was made on (the caller stores them with the ticket).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class CategoryKind(StrEnum):
    GOODS = "goods"  # 《部分商品修理更换退货责任规定》 and its catalogue
    CAR = "car"  # 《家用汽车产品修理更换退货责任规定》


class SaleChannel(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class NoReasonExclusion(StrEnum):
    """Which clause of the seven-day no-reason-return rules a category falls under."""

    NONE = "none"
    # 第六条: never returnable without a reason.
    CUSTOMIZED = "customized"
    PERISHABLE = "perishable"
    DIGITAL_DOWNLOAD = "digital_download"
    DIGITAL_MEDIA = "digital_media"  # audio/video/software on a medium: excluded once unsealed
    PERIODICAL = "periodical"
    # 第七条: excluded only when the buyer confirmed it at purchase.
    UNSEALING_CHANGES = "unsealing_changes"
    ACTIVATION_DEVALUES = "activation_devalues"
    DISCLOSED_NEAR_EXPIRY_OR_FLAWED = "disclosed_near_expiry_or_flawed"


OUTRIGHT_EXCLUSIONS = frozenset(
    {
        NoReasonExclusion.CUSTOMIZED,
        NoReasonExclusion.PERISHABLE,
        NoReasonExclusion.DIGITAL_DOWNLOAD,
        NoReasonExclusion.DIGITAL_MEDIA,
        NoReasonExclusion.PERIODICAL,
    }
)
CONFIRMABLE_EXCLUSIONS = frozenset(
    {
        NoReasonExclusion.UNSEALING_CHANGES,
        NoReasonExclusion.ACTIVATION_DEVALUES,
        NoReasonExclusion.DISCLOSED_NEAR_EXPIRY_OR_FLAWED,
    }
)


class FaultType(StrEnum):
    NONE = "none"  # no fault: the customer changed their mind
    PERFORMANCE = "performance"  # 性能故障 / any quality problem
    # Cars, the five faults of the 60-day / 3,000 km rule.
    STEERING_FAILURE = "steering_failure"
    BRAKE_FAILURE = "brake_failure"
    BODY_CRACK = "body_crack"
    FUEL_LEAK = "fuel_leak"
    POWER_BATTERY_FIRE = "power_battery_fire"
    # Cars: engine, transmission, power battery or drive motor (or a main part of one) must be replaced.
    CORE_ASSEMBLY_REPLACEMENT = "core_assembly_replacement"
    SERIOUS_SAFETY = "serious_safety"  # 严重安全性能故障


SEVERE_CAR_FAULTS = frozenset(
    {
        FaultType.STEERING_FAILURE,
        FaultType.BRAKE_FAILURE,
        FaultType.BODY_CRACK,
        FaultType.FUEL_LEAK,
        FaultType.POWER_BATTERY_FIRE,
    }
)

# Part names the car rules treat as core assemblies; RepairVisit.part_replaced uses these names.
CORE_ASSEMBLIES = frozenset({"engine", "transmission", "power_battery", "drive_motor"})


class RequestKind(StrEnum):
    RETURN = "return"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    INQUIRY = "inquiry"


@dataclass(frozen=True)
class PartTerm:
    """A part with its own 三包 period in months (e.g. a compressor covered longer than the unit)."""

    part: str
    months: int


@dataclass(frozen=True)
class ProductTerms:
    """The legal terms of one product category, as the catalogue or the car voucher states them.

    For goods these are the category's legal minimum; organizations extend them with OrgRules.
    depreciation_rate_per_day is the catalogue's 折旧率(日): 0.05%–0.1% for most of the 1995
    catalogue (彩电 0.1%, 自行车 0.05%) and 0.5% for mobile phones, so 0.1% is only a default.
    use_compensation_rate is the car model's n, which the rules bound to 0.5%–0.8%.
    """

    category: str
    kind: CategoryKind = CategoryKind.GOODS
    whole_unit_months: int = 12
    main_parts_months: int = 12
    main_parts: tuple[str, ...] = ()
    part_overrides: tuple[PartTerm, ...] = ()
    depreciation_rate_per_day: Decimal = Decimal("0.001")
    no_reason_exclusion: NoReasonExclusion = NoReasonExclusion.NONE
    use_compensation_rate: Decimal = Decimal("0.005")


@dataclass(frozen=True)
class RepairVisit:
    """One stay of the unit with a repairer.

    The days from drop-off to return are the days in repair; days_waiting_for_parts is the part
    of them spent waiting for parts the producer had not supplied (so the rest is the repairer's
    own time). returned is None while the unit is still there. fault is a fault code: two visits
    with the same code are "the same fault". hours, when known, measures a car repair exactly
    (a repair under 24 hours counts as one day).

    authorized is False for a repair by someone who does not carry the 三包 duty (the rules count
    only the repairs of the repairer that does); serious_safety marks a repair of a 严重安全性能故障
    (《家用汽车产品修理更换退货责任规定》第二十四条第一款第一项 counts them); odometer_km is the
    car's reading at drop-off, when recorded (the loaner rule of 第二十一条 holds only inside the
    repair warranty's mileage).
    """

    dropped_off: date
    returned: date | None = None
    fault: str = ""
    part_replaced: str | None = None
    days_waiting_for_parts: int = 0
    authorized: bool = True
    quality_fault: bool = True
    serious_safety: bool = False
    hours: Decimal | None = None
    odometer_km: int | None = None


@dataclass(frozen=True)
class Exchange:
    """The unit was exchanged on this date; odometer_km is the new car's reading at handover."""

    on: date
    odometer_km: int = 0


@dataclass(frozen=True)
class WarrantyClaim:
    on: date
    amount: Decimal


@dataclass(frozen=True)
class ExtendedWarrantyContract:
    """An extended warranty sold for this unit. Limits of None mean unlimited."""

    contract_id: str
    starts: date
    ends: date
    price: Decimal
    covers_parts: bool = True
    covers_labour: bool = True
    covers_travel: bool = False
    max_claims: int | None = None
    max_total: Decimal | None = None
    max_km: int | None = None
    claims: tuple[WarrantyClaim, ...] = ()
    cancelled: bool = False


@dataclass(frozen=True)
class ConditionReport:
    """What an inspection found. Opening the package and reasonable testing are not defects."""

    # Causes that take a fault out of 三包 (paid repair instead).
    misuse_or_storage_damage: bool = False
    unauthorized_disassembly: bool = False
    force_majeure_damage: bool = False
    # Signs that returned goods are not in good condition (完好).
    package_opened: bool = False
    tested: bool = False
    seal_broken: bool = False
    activated: bool = False
    personal_data_traces: bool = False
    serial_or_label_damaged: bool = False
    unauthorized_repair: bool = False
    wear_marks: bool = False
    accessories_missing: bool = False
    tags_removed: bool = False
    soiled_or_damaged: bool = False


@dataclass(frozen=True)
class Gift:
    name: str
    stated_price: Decimal
    returned: bool = True


@dataclass(frozen=True)
class Facts:
    """Everything known about the sale and the unit, as of the request date."""

    terms: ProductTerms
    price: Decimal
    purchased_on: date
    invoiced_on: date | None = None
    delivered_on: date | None = None
    channel: SaleChannel = SaleChannel.OFFLINE
    has_voucher: bool = True
    voucher_matches: bool = True
    voucher_altered: bool = False
    repairs: tuple[RepairVisit, ...] = ()
    exchanges: tuple[Exchange, ...] = ()
    odometer_km: int | None = None
    contracts: tuple[ExtendedWarrantyContract, ...] = ()
    condition: ConditionReport | None = None
    buyer_confirmed_exclusion: bool = False
    gifts: tuple[Gift, ...] = ()
    same_model_available: bool = True
    seller_pays_return_shipping: bool = False
    commercial_use: bool = False
    # Statutory rest days (法定休假日: weekends not made working days by 调休, and public holidays)
    # from sign-off on: where the no-reason period's last day is one, 《民法典》第二百零三条 may move it.
    rest_days: tuple[date, ...] = ()


@dataclass(frozen=True)
class Request:
    """What the customer asks for, and when. part names the faulty part, if known."""

    on: date
    kind: RequestKind = RequestKind.REPAIR
    fault: FaultType = FaultType.PERFORMANCE
    part: str | None = None
