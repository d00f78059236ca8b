from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from aftersales.accounts.models import Organization
from aftersales.customers import importing


class Command(BaseCommand):
    help = "Import sales (customers and units) from a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument(
            "--good-only", action="store_true", help="import the good rows even if some are bad"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            org = Organization.objects.get(slug=options["org"])
        except Organization.DoesNotExist:
            raise CommandError(f"No organization {options['org']!r}.") from None
        bars: dict[str, tqdm] = {}

        def progress(phase: str, done: int, total: int) -> None:
            bar = bars.get(phase)
            if bar is None:
                bar = bars[phase] = tqdm(total=total or None, desc=phase, unit="row", file=self.stderr._out)
            bar.n = done
            bar.refresh()

        started = time.perf_counter()
        try:
            result = importing.import_sales(
                organization=org,
                source=path,
                filename=path.name,
                mode="good_only" if options["good_only"] else "all_or_nothing",
                progress=progress,
            )
        except importing.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            for bar in bars.values():
                bar.close()
        for err in result.errors[:50]:
            self.stderr.write(f"line {err.line}: {err.field}: {err.reason}")
        if len(result.errors) > 50:
            self.stderr.write(f"… and {len(result.errors) - 50} more bad rows")
        seconds = time.perf_counter() - started
        summary = result.as_dict() | {"seconds": round(seconds, 1)}
        self.stdout.write(" ".join(f"{k}={v}" for k, v in summary.items()))
        if not result.committed:
            raise CommandError("Nothing imported: fix the rows above or use --good-only.")
