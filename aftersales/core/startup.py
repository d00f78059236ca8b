"""What a server process does once, after loading the app and before taking requests."""

from __future__ import annotations

import gc

from django.urls import get_resolver


def settle() -> None:
    """Import every view, then take everything alive now out of the garbage collector's scans.

    Django, the app's modules and their tables are a few hundred thousand objects that live as
    long as the process. Python's full collections walk all of them: on this product's console
    that was a pause of 80-90 ms every twenty or so list pages, most of a page's p95. Frozen
    (``gc.freeze``), they are skipped, and after a fork the workers leave the pages holding
    them shared instead of touching every one. Objects made later are collected as usual.
    """
    get_resolver().url_patterns  # noqa: B018 - loading the URLconf imports every view module
    gc.collect()
    gc.freeze()
