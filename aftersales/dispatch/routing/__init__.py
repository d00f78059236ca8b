"""Day route planning for a station: a solver-neutral model, the PyVRP adapter, a baseline.

Pure Python, no Django: the dispatch app converts its rows into ``Problem`` and stores the
``Plan`` it gets back.
"""

from .greedy import GreedyDispatcher
from .model import (
    DEFAULT_SERVICE_MINUTES,
    Balance,
    BalanceBy,
    Job,
    Objective,
    Plan,
    Problem,
    Route,
    RoutingInputError,
    RoutingSolver,
    Stop,
    Technician,
    TimeWindow,
    Unassigned,
    UnassignedReason,
    service_seconds,
)
from .pyvrp_solver import PyVRPSolver, solve_data

__all__ = [
    "DEFAULT_SERVICE_MINUTES",
    "Balance",
    "BalanceBy",
    "GreedyDispatcher",
    "Job",
    "Objective",
    "Plan",
    "Problem",
    "PyVRPSolver",
    "Route",
    "RoutingInputError",
    "RoutingSolver",
    "Stop",
    "Technician",
    "TimeWindow",
    "Unassigned",
    "UnassignedReason",
    "service_seconds",
    "solve_data",
]
