"""Read the standard VRPTW benchmark instances (Solomon, Gehring-Homberger) for PyVRP.

Published best-known costs follow the DIMACS convention: every distance truncated to one
decimal. Scaling by ten and truncating (PyVRP's ``"dimacs"`` rounding) reproduces that
convention in integers, so a solution's distance divided by ten compares directly with the
``Cost`` line of the ``.sol`` file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import vrplib
from pyvrp import ProblemData, Solution, read, read_solution

DIMACS_SCALE = 10


def read_instance(path: str | Path) -> ProblemData:
    """Solomon ``.txt`` or VRPLIB ``.vrp``, scaled and truncated the DIMACS way."""
    path = Path(path)
    if path.suffix.lower() != ".txt":
        return read(path, round_func="dimacs")
    # pyvrp.read only parses VRPLIB, so restate the Solomon file in VRPLIB rather than
    # rebuild the instance by hand: one reader, one rounding convention for both sets.
    solomon: dict[str, Any] = vrplib.read_instance(str(path), instance_format="solomon")
    as_vrplib: dict[str, Any] = {
        "NAME": solomon["name"],
        "TYPE": "VRPTW",
        "DIMENSION": len(solomon["node_coord"]),
        "VEHICLES": int(solomon["vehicles"]),
        "CAPACITY": int(solomon["capacity"]),
        "EDGE_WEIGHT_TYPE": "EUC_2D",
        "NODE_COORD_SECTION": solomon["node_coord"],
        "DEMAND_SECTION": solomon["demand"],
        "TIME_WINDOW_SECTION": solomon["time_window"],
        "SERVICE_TIME_SECTION": solomon["service_time"],
        "DEPOT_SECTION": [1, -1],
    }
    with tempfile.TemporaryDirectory() as tmp:
        converted = Path(tmp) / f"{path.stem}.vrp"
        vrplib.write_instance(converted, as_vrplib)
        return read(converted, round_func="dimacs")


def best_known_cost(path: str | Path) -> float:
    """The ``Cost`` of a ``.sol`` file, in the instance's own (unscaled) units."""
    solution: dict[str, Any] = vrplib.read_solution(str(path))
    return float(solution["cost"])


def best_known_solution(path: str | Path, data: ProblemData) -> Solution:
    return read_solution(path, data)


def unscaled(cost: int) -> float:
    return cost / DIMACS_SCALE
