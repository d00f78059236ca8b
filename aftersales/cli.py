"""The ``aftersales`` command: Django's management commands under the product's name.

``aftersales serve``, ``aftersales demo``, ``aftersales createadmin``, ``aftersales token``,
``aftersales import_sales`` and every standard command (``migrate``, ``shell``…).
"""

from __future__ import annotations

import os
import sys

from django.core.management import execute_from_command_line


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["aftersales", *args])


if __name__ == "__main__":
    main()
