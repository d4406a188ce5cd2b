"""Installing patches into moto (every module's ``install`` is wrapped in :func:`once`), and their settings."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable


def once(install: Callable[[], None]) -> Callable[[], None]:
    """``install`` runs on the first call only (a patch applied twice would wrap moto twice); later calls wait
    for it to finish, so no caller sees moto half-patched."""
    lock = threading.Lock()
    done = False

    @functools.wraps(install)
    def install_once() -> None:
        nonlocal done
        with lock:
            if not done:
                install()
                done = True

    return install_once


def env_number(name: str, default: float, valid: Callable[[float], bool], shape: str, bounds: str) -> float:
    """``$name`` as a number (``default`` when unset); a malformed value names the variable and what it must be."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be {shape}, got {raw!r}") from error
    if not valid(value):
        raise ValueError(f"{name} must be {bounds}, got {raw!r}")
    return value
