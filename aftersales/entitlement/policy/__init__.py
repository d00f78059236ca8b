"""Entitlement policy engine: which returns, exchanges and repairs the law and the organization owe.

Pure Python, no database and no Django, so it can be tested exhaustively and reused by the API,
the staff console and batch jobs alike. Entry point: evaluate(facts, request, org_rules).
"""

from .engine import evaluate
from .facts import (
    CORE_ASSEMBLIES,
    CategoryKind,
    ConditionReport,
    Exchange,
    ExtendedWarrantyContract,
    Facts,
    FaultType,
    Gift,
    NoReasonExclusion,
    PartTerm,
    ProductTerms,
    RepairVisit,
    Request,
    RequestKind,
    SaleChannel,
    WarrantyClaim,
)
from .outcome import Amounts, Basis, Decision, Option, OptionKind, Payer, Refusal
from .rules import (
    CategoryExtension,
    OrgRules,
    PolicyConfigError,
    Setting,
    check_org_rules,
    effective_rules,
    validate_org_rules,
)
from .validation import InvalidFacts

__all__ = [
    "CORE_ASSEMBLIES",
    "Amounts",
    "Basis",
    "CategoryExtension",
    "CategoryKind",
    "ConditionReport",
    "Decision",
    "Exchange",
    "ExtendedWarrantyContract",
    "Facts",
    "FaultType",
    "Gift",
    "InvalidFacts",
    "NoReasonExclusion",
    "Option",
    "OptionKind",
    "OrgRules",
    "PartTerm",
    "Payer",
    "PolicyConfigError",
    "ProductTerms",
    "Refusal",
    "RepairVisit",
    "Request",
    "RequestKind",
    "SaleChannel",
    "Setting",
    "WarrantyClaim",
    "check_org_rules",
    "effective_rules",
    "evaluate",
    "validate_org_rules",
]
