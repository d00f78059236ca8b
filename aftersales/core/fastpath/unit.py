"""The unit of work of a request create: the new rows it writes together, held in context.

``request_create`` opens ``unit_of_work()``; the domain functions it calls (the SLA start, the
outbox) ask ``current_unit()`` for it and add their unsaved rows there instead of saving them,
and the unit writes everything at once when the block ends without an error (one statement on
PostgreSQL, ``NewRows``). Outside a unit ``current_unit()`` is None and they write as usual, so
their signatures stay plain ORM ones: no ``rows=`` argument travels through them.

Held in a ``ContextVar``: each thread (and each asyncio task) sees only its own unit, and the
unit is gone once its block ends, whatever happened inside.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from aftersales.core.fastpath.rows import NewRows

_current: ContextVar[NewRows | None] = ContextVar("aftersales_unit_of_work", default=None)


@contextmanager
def unit_of_work(using: str = "default") -> Iterator[NewRows]:
    """Collect the new rows written inside the block, and write them when it ends.

    The block runs in ``NewRows.atomic()`` (a transaction, except on PostgreSQL where the one
    write is atomic by itself). An error leaves nothing of the unit written."""
    rows = NewRows(using)
    with rows.atomic():
        token = _current.set(rows)
        try:
            yield rows
        finally:
            _current.reset(token)
        rows.write()


def current_unit() -> NewRows | None:
    """The unit of work open in this context, or None."""
    return _current.get()
