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

Longer than ~400 lines, on purpose: the statement builder (``_Group``) and the collector
(``NewRows``) rely on the same private Django APIs (field columns, ``get_db_prep_save``, model
state), kept in one module so that they are read, pinned by tests and changed together.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import (
    ForeignKeyDeferredAttribute,
    ForwardManyToOneDescriptor,
    ForwardOneToOneDescriptor,
)
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from psycopg import RawCursor

from aftersales.core.fastpath import cursors

M = TypeVar("M", bound=Model)


# How ``new`` sets each field: its value as it is, a many-to-one or one-to-one given as an object
# or an id, or (a custom descriptor) through ``setattr`` as ``Model.__init__`` does.
_PLAIN, _RELATED, _SETATTR = 0, 1, 2
# Per field: how, name, attribute name, default (a value, or the field's default callable when
# ``callable_default``), callable_default, related model, related model's attribute for the key,
# and for a one-to-one its reverse side (which caches the new instance on the related object).
_Build = tuple[tuple[int, str, str, Any, bool, "type[Model] | None", str, Any], ...]
_DESCRIPTORS = {ForwardManyToOneDescriptor: False, ForwardOneToOneDescriptor: True}


@lru_cache(maxsize=256)
def _build_plan(model: type[Model]) -> _Build | None:
    """How ``new`` builds ``model``; None when a field needs ``Model.__init__`` (a parent link,
    a composite or custom relation) or the model has an ``__init__`` of its own."""
    if model.__init__ is not Model.__init__:
        return None
    out = []
    for f in model._meta.fields:
        if f.column is None or getattr(f, "generated", False):
            continue  # as Model.__init__: no value of its own
        callable_default = f.has_default() and callable(f.default)
        default = f._get_default if callable_default else f.get_default()  # type: ignore[attr-defined]
        if f.is_relation:
            one_to_one = _DESCRIPTORS.get(type(model.__dict__.get(f.name)))  # type: ignore[arg-type]
            if (
                one_to_one is None
                or one_to_one is not bool(f.one_to_one)
                or len(f.related_fields) != 1  # type: ignore[attr-defined]
                or f.remote_field.parent_link  # type: ignore[union-attr]
                or type(model.__dict__.get(f.attname)) is not ForeignKeyDeferredAttribute
            ):
                return None
            remote = f.related_fields[0][1]  # type: ignore[attr-defined]
            out.append(
                (
                    _RELATED,
                    f.name,
                    f.attname,
                    default,
                    callable_default,
                    f.remote_field.model._meta.concrete_model,  # type: ignore[union-attr]
                    remote.attname,
                    f.remote_field if one_to_one else None,
                )
            )
        elif f.attname != f.name:
            return None
        else:
            how = _PLAIN if type(model.__dict__.get(f.name)) is DeferredAttribute else _SETATTR
            out.append((how, f.name, f.attname, default, callable_default, None, "", None))
    return tuple(out)


def _link(
    obj: Model, name: str, attname: str, value: Model, related_model: Any, remote_attname: str, reverse: Any
) -> bool:
    """Point ``obj``'s relation ``name`` at ``value`` as its descriptor does with one database and
    no routers: both objects take the database either has (or the default) and must agree, the key
    and the cache are set, and a one-to-one's reverse side learns of ``obj``. False, with nothing
    changed, where the descriptor is needed (the wrong model, another database)."""
    if not isinstance(value, related_model):
        return False
    state = obj._state
    db = state.db or value._state.db or DEFAULT_DB_ALIAS
    if (value._state.db or db) != db:
        return False
    value._state.db = state.db = db
    if reverse is not None:
        reverse.set_cached_value(value, obj)  # request.sla, for a new RequestSla
    obj.__dict__[attname] = getattr(value, remote_attname)
    state.fields_cache[name] = value
    return True


def new(model: type[M], /, **values: Any) -> M:
    """``model(**values)``: an unsaved instance, for the rows every request create writes.

    ``Model.__init__`` is generic (each field goes through keyword lookups, descriptors and the
    database router), and building a create's eight rows with it cost more CPU than writing
    them. This sets the same attributes, defaults and related-object cache directly. What it does
    not cover (init signals, database routers, keywords that are not fields, a related object of
    the wrong model or from another database) goes to ``model(**values)``.
    """
    plan = _build_plan(model)
    if plan is None or router.routers or pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model(**values)
    obj = model.__new__(model)
    attrs = obj.__dict__
    attrs["_state"] = ModelState()
    used = 0
    for how, name, attname, default, callable_default, related_model, remote_attname, reverse in plan:
        if name in values:
            value = values[name]
            used += 1
            if how == _RELATED:
                if value is None:
                    attrs[attname] = None
                    obj._state.fields_cache[name] = None
                elif not _link(obj, name, attname, value, related_model, remote_attname, reverse):
                    return model(**values)
                continue
        elif how == _RELATED and attname in values:
            value = values[attname]
            used += 1
        else:
            value = default() if callable_default else default
        if how == _SETATTR:
            setattr(obj, attname, value)
        else:
            attrs[attname] = value
    if used != len(values):
        return model(**values)  # properties, or names that are not fields (Django's TypeError)
    return obj


@lru_cache(maxsize=256)
def _relations(model: type[Model]) -> dict[str, tuple[str, Any, str, Any]]:
    """The relations ``relate`` can set: name to (attribute, related model, its key's attribute,
    reverse side)."""
    return {
        name: (attname, related_model, remote_attname, reverse)
        for how, name, attname, _d, _c, related_model, remote_attname, reverse in _build_plan(model) or ()
        if how == _RELATED
    }


def relate(obj: Model, name: str, value: Model | None) -> None:
    """``setattr(obj, name, value)`` for a relation, as its descriptor does it with one database
    and no routers, for rows a hot read joins together (see ``new``)."""
    found = _relations(type(obj)).get(name)
    if found is None or value is None or router.routers or not _link(obj, name, found[0], value, *found[1:]):
        setattr(obj, name, value)


def detached_copy(obj: M) -> M:
    """A new loaded instance with ``obj``'s field values (flat values only: no related objects,
    no caches), so nothing done to it reaches ``obj`` (the kept token lookups hand these out)."""
    new = obj.__class__.__new__(obj.__class__)
    new.__dict__.update(obj.__dict__)
    new._state = ModelState()
    new._state.adding = False
    new._state.db = obj._state.db
    return new


@lru_cache(maxsize=256)
def _plain_load(model: type[Model]) -> bool:
    """Whether ``from_db`` may put every column's value straight into the instance."""
    plan = _build_plan(model)
    return (
        plan is not None
        and all(how != _SETATTR for how, *_ in plan)
        and getattr(model.from_db, "__func__", None) is Model.from_db.__func__  # type: ignore[attr-defined]
    )


def from_db(model: type[M], using: str, attnames: Sequence[str], values: Sequence[Any]) -> M:
    """``model.from_db(using, attnames, values)`` for a row with every concrete column (what
    ``aftersales.core.fastpath.reads`` loads), without ``Model.__init__``'s per-field work."""
    if (
        not _plain_load(model)
        or len(values) != len(model._meta.concrete_fields)
        or pre_init.has_listeners(model)
        or post_init.has_listeners(model)
    ):
        return model.from_db(using, attnames, values)
    obj = model.__new__(model)
    state = ModelState()
    state.adding = False
    state.db = using
    attrs = obj.__dict__
    attrs["_state"] = state
    attrs.update(zip(attnames, values, strict=True))
    return obj


@dataclass
class _Group:
    model: type[Model]
    ignore_conflicts: bool
    objs: list[Model] = field(default_factory=list)


# Field classes whose database value is the Python value itself for these Python types: the
# common values skip Django's get_db_prep_save chain (about 100 values on every request create).
# Subclasses (an encrypted text field, say) are not in here and always go through it.
_AS_IS: dict[type[Any], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.SlugField: (str,),
    models.EmailField: (str,),
    models.IntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.BigIntegerField: (int,),
    models.BooleanField: (bool,),
    models.FloatField: (float,),
    models.ForeignKey: (int,),
    models.OneToOneField: (int,),
    models.DateTimeField: (),
    models.DateField: (),
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
            and not (f.auto_now or f.auto_now_add)  # type: ignore[attr-defined]
        )
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
    return tuple(
        (f.attname, f.cache_name)  # type: ignore[attr-defined]
        for f in model._meta.concrete_fields
        if f.is_relation and f.many_to_one
    )


def _needs_related_prep(model: type[Model], obj: Model) -> bool:
    """Whether a foreign key of ``obj`` is unset while its related object is cached: the one case
    in which ``_prepare_related_fields_for_save`` changes or refuses anything."""
    cache = obj._state.fields_cache
    if not cache:
        return False
    attrs = obj.__dict__
    return any(
        attrs.get(attname) is None and cache.get(name) is not None for attname, name in _foreign_keys(model)
    )


@lru_cache(maxsize=256)
def _columns(model: type[Model], with_pk: bool) -> tuple[Field[Any, Any], ...]:
    opts = model._meta
    return tuple(
        f
        for f in opts.concrete_fields
        if not getattr(f, "generated", False) and (with_pk or f is not opts.pk)
    )


@lru_cache(maxsize=256)
def _insert_sql(
    table: str,
    columns: tuple[str, ...],
    rows: int,
    first: int,
    ignore_conflicts: bool,
    returning: str | None,
    quote: Any,
) -> str:
    """``INSERT`` of ``rows`` rows with PostgreSQL's numbered parameters from ``$first`` on
    (``first`` 0: Django's ``%s`` ones)."""
    n = len(columns)
    values = ", ".join(
        "(" + ", ".join(f"${first + r * n + c}" if first else "%s" for c in range(n)) + ")"
        for r in range(rows)
    )
    # Names come from model metadata, quoted; every value is a parameter.
    sql = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES {values}"  # noqa: S608
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {quote(returning)}"
    return sql


@lru_cache(maxsize=256)
def _statement(shape: tuple[tuple[type[Model], bool, int, bool], ...], numbered: bool, quote: Any) -> str:
    """The one statement writing rows of this shape (per part: model, whether the rows have their
    ids, how many, whether conflicts are skipped): a chain of ``INSERT`` CTEs whose final
    ``SELECT`` gives each new id with the index of its part among those that return ids."""
    parts: list[str] = []
    selects: list[str] = []
    count = 0
    for model, with_pk, n, ignore_conflicts in shape:
        pk = model._meta.pk
        assert pk is not None
        fields = _columns(model, with_pk)
        returning = None if with_pk or ignore_conflicts else pk.column
        name = f"w{len(parts)}"
        parts.append(
            f"{name} AS ("
            + _insert_sql(
                model._meta.db_table,
                tuple(f.column for f in fields),
                n,
                count + 1 if numbered else 0,
                ignore_conflicts,
                returning,
                quote,
            )
            + ")"
        )
        count += n * len(fields)
        if returning:
            selects.append(f"SELECT {len(selects)} AS g, {quote(returning)} AS id FROM {name}")  # noqa: S608
    final = (
        " UNION ALL ".join(selects) if selects else "SELECT NULL::int AS g, NULL::bigint AS id WHERE false"
    )
    return f"WITH {', '.join(parts)} {final}"


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
                g.model._default_manager.using(self.using).bulk_create(
                    g.objs, ignore_conflicts=g.ignore_conflicts
                )

    def _write_one_statement(self, groups: Sequence[_Group]) -> None:
        connection = self.connection
        # Django's query log (DEBUG, tests counting queries) renders each statement with psycopg's
        # %s parser, so while it records, the statement is sent the ordinary way.
        numbered = not connection.queries_logged
        shape: list[tuple[type[Model], bool, int, bool]] = []
        params: list[Any] = []
        returned: list[list[Model]] = []
        for g in groups:
            for with_pk in (True, False):
                objs = [o for o in g.objs if (o.pk is not None) is with_pk]
                if not objs:
                    continue
                plan = _plan(g.model, with_pk)
                for obj in objs:
                    # Fill foreign keys from related objects given before they had ids (as save() does).
                    if _needs_related_prep(g.model, obj):
                        obj._prepare_related_fields_for_save(operation_name="NewRows.write")  # type: ignore[attr-defined]
                    params.extend(_pg_values(plan, obj, connection))
                shape.append((g.model, with_pk, len(objs), g.ignore_conflicts))
                if not with_pk and not g.ignore_conflicts:
                    returned.append(objs)
        sql = _statement(tuple(shape), numbered, connection.ops.quote_name)
        with cursors.kept(self.using, "raw", _raw_cursor, sql) if numbered else connection.cursor() as cursor:
            cursor.execute(sql, params)
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
