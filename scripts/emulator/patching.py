"""Installing patches into moto: every module's ``install`` is wrapped in :func:`once`."""

from __future__ import annotations

import functools
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
