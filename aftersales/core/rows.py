"""New rows of several models, written together: the hot write path of request intake.

A create writes a request, its timeline event, its SLA state and clocks and its outbox messages.
Saved one by one through the ORM that is six statements, each compiled by Django and each a
round trip. ``NewRows`` collects the unsaved instances and writes them at once:

* on PostgreSQL in **one statement**, a chain of ``INSERT`` common table expressions (every one of
  them runs, in order, whether or not the final ``SELECT`` reads it). The SQL text depends only
  on the models, columns and row counts, so it is built once per shape and the server prepares it;
  ``reserve`` takes a row's id from its sequence up front, so rows that point at it (and text
  that quotes it, such as a request number) can be built before anything is written;
* elsewhere (SQLite) with ``bulk_create`` per model, in the order added, which also fills in the
  ids of rows pointing at rows inserted just before them.

Either way the rows are in the caller's transaction and have their ids afterwards (except those
added with ``ignore_conflicts``, whose ids no database reports reliably, as with ``bulk_create``).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

from aftersales.core import cursors


@dataclass
class _Group:
    model: type[Model]
    ignore_conflicts: bool
    objs: list[Model] = field(default_factory=list)


# Field classes whose database value is the Python value itself for these Python types: the
# common values skip Django's get_db_prep_save chain (about 100 values on every request create).
# Subclasses (an encrypted text field, say) are not in here and always go through it.
_AS_IS: dict[type[Any], tuple[type, ...]] = {
    models.CharField: (str,), models.TextField: (str,), models.SlugField: (str,), models.EmailField: (str,),
    models.IntegerField: (int,), models.PositiveIntegerField: (int,), models.PositiveSmallIntegerField: (int,),
    models.SmallIntegerField: (int,), models.BigIntegerField: (int,), models.BooleanField: (bool,),
    models.FloatField: (float,), models.ForeignKey: (int,), models.OneToOneField: (int,),
    models.DateTimeField: (), models.DateField: (),
}


# Per column of a model: its attribute name, the Python types passed as they are (``_AS_IS``),
# and the field when its ``pre_save`` does more than read the attribute (``auto_now``).
_Plan = tuple[tuple[str, tuple[type, ...], "Field[Any, Any] | None", "Field[Any, Any]"], ...]


@lru_cache(maxsize=256)
def _plan(model: type[Model], with_pk: bool) -> _Plan:
    out = []
    for f in _columns(model, with_pk):
        pre_save = type(f).pre_save
        plain = pre_save is Field.pre_save or (
            pre_save in (models.DateField.pre_save, models.DateTimeField.pre_save)
            and not (f.auto_now or f.auto_now_add))  # type: ignore[attr-defined]
        # None passes as it is for the fields in ``_AS_IS`` only; others get their chain.
        as_is = _AS_IS.get(type(f))
        out.append((f.attname, () if as_is is None else (*as_is, type(None)), None if plain else f, f))
    return tuple(out)


def _pg_values(plan: _Plan, obj: Model, connection: BaseDatabaseWrapper) -> list[Any]:
    """The parameters PostgreSQL gets for ``obj``'s columns, as ``get_db_prep_save`` gives them:
    the common values (about 100 on every request create) without Django's chain of calls."""
    attrs = obj.__dict__
    out = []
    for attname, as_is, pre_save, f in plan:
        if pre_save is not None:
            value = pre_save.pre_save(obj, True)
        elif attname in attrs:
            value = attrs[attname]
        else:
            value = getattr(obj, attname)  # deferred: loads it, as pre_save would
        kind = type(value)
        if kind in as_is:
            out.append(value)
        elif kind is datetime and type(f) is models.DateTimeField and value.tzinfo is not None:
            out.append(value)  # PostgreSQL's adapter passes an aware datetime through unchanged
        else:
            out.append(f.get_db_prep_save(value, connection))
    return out


@lru_cache(maxsize=256)
def _foreign_keys(model: type[Model]) -> tuple[tuple[str, str], ...]:
    """(attribute, cache name) of each many-to-one: what ``_prepare_related_fields_for_save`` checks."""
    return tuple((f.attname, f.cache_name) for f in model._meta.concrete_fields  # type: ignore[attr-defined]
                 if f.is_relation and f.many_to_one)


def _needs_related_prep(model: type[Model], obj: Model) -> bool:
    """Whether a foreign key of ``obj`` is unset while its related object is cached: the one case
    in which ``_prepare_related_fields_for_save`` changes or refuses anything."""
    cache = obj._state.fields_cache
    if not cache:
        return False
    attrs = obj.__dict__
    return any(attrs.get(attname) is None and cache.get(name) is not None for attname, name in _foreign_keys(model))


@lru_cache(maxsize=256)
def _columns(model: type[Model], with_pk: bool) -> tuple[Field[Any, Any], ...]:
    opts = model._meta
    return tuple(f for f in opts.concrete_fields if not getattr(f, "generated", False)
                 and (with_pk or f is not opts.pk))


@lru_cache(maxsize=256)
def _insert_sql(table: str, columns: tuple[str, ...], rows: int, first: int, ignore_conflicts: bool,
                returning: str | None, quote: Any) -> str:
    """``INSERT`` of ``rows`` rows with PostgreSQL's numbered parameters from ``$first`` on
    (``first`` 0: Django's ``%s`` ones)."""
    n = len(columns)
    values = ", ".join("(" + ", ".join(f"${first + r * n + c}" if first else "%s" for c in range(n)) + ")"
                       for r in range(rows))
    # Names come from model metadata, quoted; every value is a parameter.
    sql = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES {values}"  # noqa: S608
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {quote(returning)}"
    return sql


@lru_cache(maxsize=64)
def _sequence(connection_alias: str, table: str, column: str) -> str:
    with connections[connection_alias].cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        name = cursor.fetchone()[0]
    if not name:
        raise ValueError(f"{table}.{column} has no sequence")
    return str(name)


def next_id_sql(model: type[Model], using: str = "default") -> str | None:
    """An SQL expression taking ``model``'s next id from its sequence, for a read that needs one
    anyway to take it along (``NewRows.reserve(obj, pk)``); None where ids come from the insert."""
    if connections[using].vendor != "postgresql":
        return None
    pk = model._meta.pk
    assert pk is not None
    sequence = _sequence(using, model._meta.db_table, pk.column)
    return "nextval('{}')".format(sequence.replace("'", "''"))


def _raw_cursor(raw_connection: Any) -> Any:
    """psycopg's ``RawCursor``: ``$1``-style parameters, sent as they are. psycopg parses ``%s``
    queries with a regular expression and caches the result only for short ones with few
    parameters; a create's write has over a hundred."""
    from psycopg import RawCursor

    return RawCursor(raw_connection)


class NewRows:
    """Unsaved model instances to insert together, in the order added (parents first)."""

    def __init__(self, using: str = "default") -> None:
        self.using = using
        self._groups: list[_Group] = []

    @property
    def connection(self) -> BaseDatabaseWrapper:
        return connections[self.using]

    def __len__(self) -> int:
        return sum(len(g.objs) for g in self._groups)

    def atomic(self) -> AbstractContextManager[Any]:
        """The transaction for work whose every write goes through these rows: none on PostgreSQL,
        where ``write`` is a single statement and atomic by itself (sparing BEGIN and COMMIT, two
        round trips on every request create); ``transaction.atomic`` elsewhere."""
        if self.connection.vendor == "postgresql":
            return nullcontext()
        return transaction.atomic(using=self.using)

    def reserve(self, obj: Model, pk: int | None = None) -> bool:
        """Give ``obj`` its id now, without writing it, where the database can (a PostgreSQL
        sequence): True, and it is then added. False elsewhere: the caller saves it itself.
        ``pk``: an id the caller took already, with another read (``next_id_sql``)."""
        if self.connection.vendor != "postgresql":
            return False
        if pk is None:
            with self.connection.cursor() as cursor:
                cursor.execute(f"SELECT {next_id_sql(type(obj), self.using)}")
                pk = cursor.fetchone()[0]
        obj.pk = pk
        self.add(obj)
        return True

    def add(self, *objs: Model | None, ignore_conflicts: bool = False) -> None:
        for obj in objs:
            if obj is None:
                continue
            last = self._groups[-1] if self._groups else None
            if last is None or last.model is not type(obj) or last.ignore_conflicts != ignore_conflicts:
                last = _Group(type(obj), ignore_conflicts)
                self._groups.append(last)
            last.objs.append(obj)

    def write(self) -> None:
        """Insert everything added so far, then start empty again."""
        groups, self._groups = self._groups, []
        if not groups:
            return
        if self.connection.vendor == "postgresql":
            self._write_one_statement(groups)
        else:
            for g in groups:
                g.model._default_manager.using(self.using).bulk_create(g.objs, ignore_conflicts=g.ignore_conflicts)

    def _write_one_statement(self, groups: Sequence[_Group]) -> None:
        connection = self.connection
        quote = connection.ops.quote_name
        # Django's query log (DEBUG, tests counting queries) renders each statement with psycopg's
        # %s parser, so while it records, the statement is sent the ordinary way.
        numbered = not connection.queries_logged
        parts: list[str] = []
        params: list[Any] = []
        selects: list[str] = []
        returned: list[list[Model]] = []
        for g in groups:
            pk = g.model._meta.pk
            assert pk is not None
            for with_pk in (True, False):
                objs = [o for o in g.objs if (o.pk is not None) is with_pk]
                if not objs:
                    continue
                fields = _columns(g.model, with_pk)
                plan = _plan(g.model, with_pk)
                returning = None if with_pk or g.ignore_conflicts else pk.column
                first = len(params) + 1 if numbered else 0
                for obj in objs:
                    # Fill foreign keys from related objects given before they had ids (as save() does).
                    if _needs_related_prep(g.model, obj):
                        obj._prepare_related_fields_for_save(operation_name="NewRows.write")  # type: ignore[attr-defined]
                    params.extend(_pg_values(plan, obj, connection))
                name = f"w{len(parts)}"
                parts.append(f"{name} AS ("
                             + _insert_sql(g.model._meta.db_table, tuple(f.column for f in fields), len(objs),
                                           first, g.ignore_conflicts, returning, quote)
                             + ")")
                if returning:
                    selects.append(f"SELECT {len(returned)} AS g, {quote(returning)} AS id FROM {name}")  # noqa: S608
                    returned.append(objs)
        final = " UNION ALL ".join(selects) if selects else "SELECT NULL::int AS g, NULL::bigint AS id WHERE false"
        with cursors.kept(self.using, "raw", _raw_cursor) if numbered else connection.cursor() as cursor:
            cursor.execute(f"WITH {', '.join(parts)} {final}", params)
            rows = cursor.fetchall()
        at = [0] * len(returned)
        for g_index, pk_value in rows:  # each INSERT's RETURNING rows come in VALUES order
            objs = returned[g_index]
            objs[at[g_index]].pk = pk_value
            at[g_index] += 1
        for g in groups:
            for obj in g.objs:
                obj._state.adding = False
                obj._state.db = self.using
