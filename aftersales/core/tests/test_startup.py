"""``settle``: the app's views imported and the objects alive at startup frozen out of GC scans."""

from __future__ import annotations

import gc
import sys

from aftersales.core.startup import settle


def test_settle_imports_views_and_freezes() -> None:
    before = gc.get_freeze_count()
    try:
        settle()
        assert "aftersales.service.views" in sys.modules and "aftersales.service.api" in sys.modules
        assert gc.get_freeze_count() > max(before, 10_000)  # Django and the app, not a handful
        # later objects are still collected
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
