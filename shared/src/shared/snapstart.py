"""SnapStart runtime hooks: what a snapshot must not freeze is refreshed when an environment is restored.

With SnapStart (python3.12+, ``snap_start`` on ``terraform/modules/lambda_function``) Lambda runs INIT once
when a version is published, snapshots the memory, and starts every new environment from that snapshot. Each
restored copy would otherwise share the INIT's state:

* ``random``'s seed: every copy would draw the same sequence (jitter, sampling). ``secrets``, ``uuid.uuid4``
  and ``os.urandom`` read the kernel and are safe;
* boto3 clients and sessions made during INIT (``shared.aws``): their connections are dead after a restore
  and their credentials are those of the publishing environment;
* nothing else: ``shared.idempotency``'s stores look the client up in ``shared.aws`` on every call.

:func:`install` registers :func:`after_restore` (and :func:`before_snapshot`) with the runtime's
``snapshot_restore_py`` library, which exists only in Lambda's Python runtimes: elsewhere nothing is
registered and nothing fails. ``shared.observability`` installs the hooks, so every handler that uses the
shared middleware has them. Only modules already imported are reset, so a restore imports nothing new.

:func:`preload` names modules a function imports lazily (so on-demand cold starts skip them) but wants
inside its snapshot: :func:`before_snapshot` imports them, and restored environments start with them loaded.
"""

from __future__ import annotations

import importlib
import sys
import threading

__all__ = ["after_restore", "before_snapshot", "install", "installed", "preload"]

_lock = threading.Lock()
_installed = False
_preload: list[str] = []


def preload(*modules: str) -> None:
    """Import ``modules`` before the snapshot is taken (no effect without SnapStart)."""
    with _lock:
        _preload.extend(m for m in modules if m not in _preload)


def before_snapshot() -> None:
    """Runs once, after INIT, before Lambda takes the snapshot: pull preloaded modules into it."""
    for module in list(_preload):
        importlib.import_module(module)


def after_restore() -> None:
    """Runs in each restored environment before its first invocation."""
    import random  # here, not at import: every cold start of every function imports this module

    random.seed()  # from os.urandom: each copy its own sequence
    aws = sys.modules.get("shared.aws")
    if aws is not None:
        aws.reset_clients()  # new sessions: fresh credentials and connections


def install() -> bool:
    """Register the hooks once with ``snapshot_restore_py``; False where the library is absent (not Lambda)."""
    global _installed
    with _lock:
        if _installed:
            return True
        try:
            from snapshot_restore_py import register_after_restore, register_before_snapshot
        except ImportError:
            return False
        register_before_snapshot(before_snapshot)
        register_after_restore(after_restore)
        _installed = True
        return True


def installed() -> bool:
    return _installed
