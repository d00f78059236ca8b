"""What the benchmark scripts share: the database and data folder they run on, request subjects, percentiles.

Imported by the scripts as ``_common`` (``python benchmarks/x.py`` puts this folder first on the path).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBJECTS = [
    "空调不制冷",
    "洗衣机漏水",
    "电视黑屏",
    "冰箱异响",
    "热水器不点火",
    "预约安装",
    "清洗保养",
    "咨询保修期",
]


def recreate_postgres(url: str) -> None:
    """Drop and create the benchmark database, so every run starts from the same empty state."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def django_setup(data_dir: Path | str, database_url: str, *, recreate: bool = True) -> None:
    """Start Django in this process on ``data_dir`` and, given its URL, the PostgreSQL database
    (dropped and re-created first unless ``recreate`` is false); without one, SQLite in the data
    folder. Logs only warnings, not one line per timed page."""
    os.environ["AFTERSALES_DATA_DIR"] = str(data_dir)
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    if database_url:
        if recreate:
            recreate_postgres(database_url)
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]
