"""Word, to every server process, that an organization, user or API token changed.

The accounts app names the watched models (``connect(Organization, User, ApiToken, ...)`` in
``AccountsConfig.ready``); this module knows no model of its own, so it sits in ``core``.

The API's token lookup keeps what it found (the token, its user, its organization) in this
process, so a create does not spend a statement on it (about a tenth of the server's CPU per
create, ``benchmarks/intake.py``). A kept entry is only as good as the word that it went stale, so:

* On PostgreSQL, triggers on the three tables (migration ``accounts/0003``) call ``pg_notify`` on
  every UPDATE, DELETE and TRUNCATE, whoever writes (the ORM, ``QuerySet.update``, a shell, SQL),
  except an update that only records use (a token's ``last_used_at``, a user's ``last_login``).
  A new row needs no word: nothing kept can point at it. Notices go out when the change commits.
* Each process LISTENs on its own connection, in a daemon thread started on first use, and drops
  everything it keeps on any notice. Changes are rare (a token revoked, a role changed, a
  setting edited), so dropping everything is simpler than tracking what depends on what.
* Signals drop this process's entries at once on a save or delete through the ORM, and again
  when it commits, so the process that made a change never serves the old state after it.
* Nothing is kept unless the listener is connected and listening, which it proves every
  ``HEARTBEAT`` seconds by a notice to itself that must come back within ``HEARTBEAT_WAIT``; when
  the connection breaks or goes silent (a firewall dropping it, a pooler that delivers nothing),
  everything is dropped and kept again only once it listens anew. An entry read while a notice
  arrived is not kept (``generation``), and none is read inside a transaction, whose view may
  include changes of its own that could still roll back. Every entry also expires after
  ``MAX_AGE`` seconds.

What this leaves: another process keeps serving a revoked token for the moment between the
commit and its listener thread handling the notice (well under a second), or, if its connection
went silent unnoticed, until its next heartbeat fails (under ten seconds). Off PostgreSQL, or
unless ``AFTERSALES_ACCOUNTS_CACHE=1`` (it is off by default; keep it off behind a pooler in
transaction mode, which delivers no notices), there is no listener and nothing is kept: every
call reads the token.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

log = logging.getLogger(__name__)

CHANNEL = "aftersales_accounts_changed"
MAX_AGE = 60.0  # seconds an entry is trusted even without any notice: a last line of defence
HEARTBEAT = 5.0  # seconds between the listener's checks that its notices still arrive
HEARTBEAT_WAIT = 3.0  # how long its own check may take to come back before it gives up
PING = "ping:"  # notices the listeners send themselves; they say nothing changed

_now = time.monotonic
_lock = threading.Lock()
_generation = 0  # bumped on every drop; an entry read across a bump is not kept
_stores: list[dict[Any, Any]] = []  # every store kept under this scheme, emptied together


class _Listener:
    def __init__(self) -> None:
        self.pid = 0
        self.thread: threading.Thread | None = None
        self.live = False
        self.stopping = threading.Event()  # this thread's own: a thread that outlives stop() stays stopped
        self.heard = 0  # notices of changes handled (tests)


_listener = _Listener()


def store() -> dict[Any, Any]:
    """A dict this module empties on every change; keep entries in it with ``keep``."""
    d: dict[Any, Any] = {}
    _stores.append(d)
    return d


def generation() -> int:
    """Take this before reading what is to be kept, and hand it to ``keep``."""
    return _generation


def drop_all() -> None:
    """Forget everything kept in this process."""
    global _generation
    with _lock:
        _generation += 1
        for d in _stores:
            d.clear()


def usable(using: str = "default") -> bool:
    """Whether this process may keep and serve entries now: a listener is live and the
    connection is outside any transaction (reading committed rows only)."""
    if not getattr(settings, "AFTERSALES_ACCOUNTS_CACHE", False):
        return False
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    if _listener.pid != os.getpid():
        _start(using)
    return _listener.live


def keep(d: dict[Any, Any], key: Any, value: Any, since: int, using: str = "default") -> None:
    """Put ``value`` in ``d`` if nothing changed since ``since = generation()`` was taken."""
    if not usable(using):
        return
    with _lock:
        if _generation == since and _listener.live and _listener.pid == os.getpid():
            d[key] = (_now() + MAX_AGE, value)


def get(d: dict[Any, Any], key: Any) -> Any:
    """The value kept under ``key``, or None (also once it has expired or the listener is down)."""
    hit = d.get(key)
    if hit is None or not _listener.live or hit[0] < _now() or _listener.pid != os.getpid():
        return None
    return hit[1]


def _after_fork() -> None:
    """In a forked child: nothing of the parent's (its lock may have been held, its listener
    thread does not exist here, its entries were heard by that thread)."""
    global _lock
    _lock = threading.Lock()
    _listener.stopping = threading.Event()
    _forget_listener()


os.register_at_fork(after_in_child=_after_fork)


def _forget_listener() -> None:
    _listener.thread = None
    _listener.pid = 0
    _listener.live = False
    drop_all()


def connect_params(using: str = "default") -> dict[str, Any]:
    """``psycopg.connect`` arguments for a connection of its own to ``using``'s database."""
    params = dict(connections[using].get_connection_params())
    for name in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
        params.pop(name, None)  # Django's own, not libpq's
    return params


def _start(using: str) -> None:
    with _lock:
        if _listener.pid == os.getpid():
            return  # another thread started it just now (a forked child has pid 0: _after_fork)
        params = connect_params(using)
        # A dead peer must be noticed: keepalives below the heartbeat, and a bounded connect.
        params.setdefault("connect_timeout", 5)
        params.update(
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
            application_name="aftersales accounts listener",
        )
        stopping = _listener.stopping = threading.Event()
        _listener.thread = threading.Thread(
            target=_listen, args=(params, stopping), name="accounts-changes", daemon=True
        )
        _listener.pid = os.getpid()
    _listener.thread.start()


def _connect(params: dict[str, Any]) -> Any:
    return psycopg.connect(**params, autocommit=True)


def _listen(params: dict[str, Any], stopping: threading.Event) -> None:
    backoff = 0.5
    while not stopping.is_set():
        try:
            with _connect(params) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                drop_all()  # anything read before listening may have missed its notice
                _hear(conn, stopping)
        except Exception:  # noqa: BLE001 - any failure: stop serving kept entries, then retry
            if not stopping.is_set():
                log.warning("accounts change listener lost its connection; retrying", exc_info=True)
        finally:
            _listener.live = False
            drop_all()
        stopping.wait(backoff)
        backoff = min(backoff * 2, 30.0)


def _hear(conn: Any, stopping: threading.Event) -> None:
    """Drop everything on every notice. Every ``HEARTBEAT`` seconds send one to this connection
    itself: until it comes back (within ``HEARTBEAT_WAIT``) the listener is not live, and when it
    does not, the connection is given up (a peer gone silent, a pooler that delivers nothing)."""
    pid, sent = os.getpid(), 0
    waiting: tuple[str, float] | None = None
    next_ping = _now()
    while not stopping.is_set():
        if waiting is None and _now() >= next_ping:
            sent += 1
            waiting = (f"{PING}{pid}:{sent}", _now())
            conn.execute("SELECT pg_notify(%s, %s)", [CHANNEL, waiting[0]])
        for notice in conn.notifies(timeout=0.5):
            if notice.payload.startswith(PING):
                if waiting is not None and notice.payload == waiting[0]:
                    waiting, next_ping = None, _now() + HEARTBEAT
                    _listener.live = True
                continue
            _listener.heard += 1
            drop_all()
        if waiting is not None and _now() - waiting[1] > HEARTBEAT_WAIT:
            raise ConnectionError("the listener's own notice did not come back")


def wait_live(timeout: float = 5.0) -> bool:
    """Block until this process's listener is listening (tests, warm-up); False on timeout."""
    deadline = _now() + timeout
    while _now() < deadline:
        if _listener.live:
            return True
        time.sleep(0.01)
    return _listener.live


def stop(timeout: float = 5.0) -> None:
    """Stop this process's listener and forget everything (before dropping the database)."""
    _listener.stopping.set()  # that thread's own event: a new start gets a new one
    thread = _listener.thread
    if thread is not None and thread.is_alive():
        thread.join(timeout)
    _forget_listener()


# Per watched model, what only records use: a save of these fields alone changes no one's rights.
_USE_ONLY: dict[str, set[str]] = {}


def _saved(
    sender: Any, instance: Any, created: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if created:
        return  # nothing kept can point at a new row
    if update_fields and set(update_fields) <= _USE_ONLY.get(sender.__name__, set()):
        return
    changed()


def _deleted(sender: Any, **kwargs: Any) -> None:
    changed()


def changed(using: str = "default") -> None:
    """This process changed a watched row: drop everything now, and again once the change
    commits (a request in another thread may have read and kept the old row in between)."""
    drop_all()
    transaction.on_commit(drop_all, using=using, robust=True)


def connect(*models: type[Model], use_only: dict[str, set[str]] | None = None) -> None:
    """Drop this process's entries at once on an ORM save or delete of ``models`` (the
    triggers tell the other processes, after the commit). ``use_only``: per model name, the
    fields whose save alone records use rather than a change."""
    _USE_ONLY.update(use_only or {})
    for model in models:
        post_save.connect(_saved, sender=model, dispatch_uid=f"accounts-changed:{model.__name__}:save")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"accounts-changed:{model.__name__}:delete")
