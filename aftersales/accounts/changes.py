"""Word, to every server process, that an organization, user or API token changed.

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
* Signals drop this process's entries at once on a save or delete through the ORM, before the
  commit, so the process that made a change never serves the old state after it.
* Nothing is kept unless the listener is connected and listening; when the connection breaks,
  everything is dropped and kept again only once it listens anew. An entry read while a notice
  arrived is not kept (``generation``), and none is read inside a transaction, whose view may
  include changes of its own that could still roll back. Every entry also expires after
  ``MAX_AGE`` seconds.

What this leaves: another process keeps serving a revoked token for the moment between the
commit and its listener thread handling the notice (well under a second). Off PostgreSQL, or with
``AFTERSALES_ACCOUNTS_CACHE=0`` (needed behind a pooler in transaction mode, which delivers no
notices), there is no listener and nothing is kept: every call reads the token.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)

CHANNEL = "aftersales_accounts_changed"
MAX_AGE = 60.0  # seconds an entry is trusted even without any notice: a last line of defence

_lock = threading.Lock()
_generation = 0  # bumped on every drop; an entry read across a bump is not kept
_stores: list[dict[Any, Any]] = []  # every store kept under this scheme, emptied together


class _Listener:
    def __init__(self) -> None:
        self.pid = 0
        self.thread: threading.Thread | None = None
        self.live = False
        self.stopping = threading.Event()


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
    if not getattr(settings, "AFTERSALES_ACCOUNTS_CACHE", True):
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
        if _generation == since and _listener.live:
            d[key] = (time.monotonic() + MAX_AGE, value)


def get(d: dict[Any, Any], key: Any) -> Any:
    """The value kept under ``key``, or None (also once it has expired or the listener is down)."""
    hit = d.get(key)
    if hit is None or not _listener.live or hit[0] < time.monotonic():
        return None
    return hit[1]


def _start(using: str) -> None:
    with _lock:
        if _listener.pid == os.getpid():
            return
        # A forked child (gunicorn's workers) inherits the parent's state but not its thread.
        _listener.pid = os.getpid()
        _listener.live = False
        _listener.stopping.clear()
        for d in _stores:
            d.clear()
        params = dict(connections[using].get_connection_params())
    for name in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
        params.pop(name, None)
    _listener.thread = threading.Thread(target=_listen, args=(params,), name="accounts-changes", daemon=True)
    _listener.thread.start()


def _listen(params: dict[str, Any]) -> None:
    import psycopg

    backoff = 0.5
    while not _listener.stopping.is_set():
        try:
            with psycopg.connect(**params, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                drop_all()  # anything read before listening may have missed its notice
                _listener.live = True
                backoff = 0.5
                while not _listener.stopping.is_set():
                    for _notice in conn.notifies(timeout=1.0):
                        drop_all()
        except Exception:  # noqa: BLE001 - any failure: stop serving kept entries, then retry
            if not _listener.stopping.is_set():
                log.warning("accounts change listener lost its connection; retrying", exc_info=True)
        finally:
            _listener.live = False
            drop_all()
        _listener.stopping.wait(backoff)
        backoff = min(backoff * 2, 30.0)


def wait_live(timeout: float = 5.0) -> bool:
    """Block until this process's listener is listening (tests, warm-up); False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _listener.live:
            return True
        time.sleep(0.01)
    return _listener.live


def stop(timeout: float = 5.0) -> None:
    """Stop this process's listener and forget everything (before dropping the database)."""
    _listener.stopping.set()
    thread = _listener.thread
    if thread is not None and thread.is_alive():
        thread.join(timeout)
    _listener.thread = None
    _listener.pid = 0
    _listener.live = False
    drop_all()


# What only records use: a save of these fields alone changes no one's rights.
_USE_ONLY = {"User": {"last_login"}, "ApiToken": {"last_used_at"}}


def _saved(sender: Any, instance: Any, created: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    if created:
        return  # nothing kept can point at a new row
    if update_fields and set(update_fields) <= _USE_ONLY.get(sender.__name__, set()):
        return
    drop_all()


def _deleted(sender: Any, **kwargs: Any) -> None:
    drop_all()


def connect() -> None:
    """Drop this process's entries at once on an ORM save or delete of the three models (the
    triggers tell the other processes, after the commit)."""
    from django.db.models.signals import post_delete, post_save

    from aftersales.accounts.models import ApiToken, Organization, User

    for model in (Organization, User, ApiToken):
        post_save.connect(_saved, sender=model, dispatch_uid=f"accounts-changed:{model.__name__}:save")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"accounts-changed:{model.__name__}:delete")
