"""Entitlement data: per-category terms, extended warranties, decisions, returns and quotes."""

from .facts import EntitlementSettings, UnitFacts, Usage, VoucherStatus
from .policy import CategoryPolicy, EntitlementDecision
from .quotes import Quote, QuoteLine
from .returns import ConditionReport, ReturnAuthorization, UnitDisposition
from .sale import SaleTerms
from .warranty import ExtendedWarrantyContract, WarrantyClaim

__all__ = [
    "CategoryPolicy",
    "ConditionReport",
    "EntitlementDecision",
    "EntitlementSettings",
    "ExtendedWarrantyContract",
    "Quote",
    "QuoteLine",
    "ReturnAuthorization",
    "SaleTerms",
    "UnitDisposition",
    "UnitFacts",
    "Usage",
    "VoucherStatus",
    "WarrantyClaim",
]
