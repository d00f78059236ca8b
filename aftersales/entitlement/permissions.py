"""Transitional: the return workflow's actions are capabilities in ``accounts.roles`` now.

``Act`` is only an alias of ``Cap`` kept for ``entitlement/rma.py`` while it is being split into
a package; new code uses ``Cap`` and ``can``. Delete this module once rma imports ``Cap``.
"""

from __future__ import annotations

from aftersales.accounts.roles import Cap as Act

__all__ = ["Act"]
