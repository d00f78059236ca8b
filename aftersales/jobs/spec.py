"""A registered job: its name, its function, how often it runs by itself, how often it is retried."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[..., Any]
    every: timedelta | None
    max_attempts: int
