"""SnapStart hooks: registered with the runtime's library when it exists, and a restore refreshes frozen state."""

from __future__ import annotations

import random
import sys
import types
from collections.abc import Callable

import pytest

from shared import aws, snapstart


@pytest.fixture
def runtime_library(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Callable[[], None]]]:
    """A stand-in for Lambda's ``snapshot_restore_py`` that records what is registered."""
    registered: dict[str, list[Callable[[], None]]] = {"before": [], "after": []}
    module = types.ModuleType("snapshot_restore_py")
    module.register_before_snapshot = registered["before"].append  # type: ignore[attr-defined]
    module.register_after_restore = registered["after"].append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    monkeypatch.setattr(snapstart, "_installed", False)
    return registered


def test_hooks_register_once_with_the_runtime_library(runtime_library: dict) -> None:
    # Given Lambda's hook library
    # When the hooks are installed twice (two modules import the middleware)
    assert snapstart.install() is True
    assert snapstart.install() is True
    # Then each hook is registered exactly once
    assert runtime_library == {"before": [snapstart.before_snapshot], "after": [snapstart.after_restore]}


def test_without_the_runtime_library_nothing_is_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails, as outside Lambda
    monkeypatch.setattr(snapstart, "_installed", False)
    assert snapstart.install() is False
    assert snapstart.installed() is False


def test_restored_copies_of_one_snapshot_draw_different_random_numbers() -> None:
    # Given two environments restored from the same snapshot (the same seeded state)
    draws = []
    for _ in range(2):
        random.seed(1234)
        # When each runs the after-restore hook
        snapstart.after_restore()
        draws.append([random.random() for _ in range(4)])
    # Then their sequences differ
    assert draws[0] != draws[1]


def test_restore_drops_clients_made_before_the_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a client created during INIT (connections and credentials of the publishing environment)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    before = aws.client("sqs")
    # When the environment is restored
    snapstart.after_restore()
    # Then the next use builds a new client
    assert aws.client("sqs") is not before


def test_preloaded_modules_are_imported_before_the_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a module a function imports lazily but wants in its snapshot
    monkeypatch.delitem(sys.modules, "tabnanny", raising=False)
    monkeypatch.setattr(snapstart, "_preload", [])
    snapstart.preload("tabnanny", "tabnanny")
    # When the before-snapshot hook runs
    snapstart.before_snapshot()
    # Then it is loaded (once named, once imported)
    assert "tabnanny" in sys.modules
    assert snapstart._preload == ["tabnanny"]
