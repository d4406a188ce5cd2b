"""The wiring table (stacks/regional/wiring.tf) is typed: a misspelled or out-of-range field fails the plan."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scripts.emulator import Emulator
from tests.terraform.conftest import copy_terraform, plan, plan_error

pytestmark = pytest.mark.slow


def _tree_with_wiring(tmp_path: Path, old: str, new: str) -> Path:
    """A private copy of terraform/ whose wiring.tf has ``old`` replaced by ``new`` (exactly once)."""
    root = copy_terraform(tmp_path)
    wiring = root / "stacks" / "regional" / "wiring.tf"
    text = wiring.read_text()
    assert text.count(old) == 1, old
    wiring.write_text(text.replace(old, new))
    return root


def _local_plan_error(root: Path, emulator: Emulator, manifest: Path) -> str:
    directory = root / "environments" / "local"
    return plan_error(directory, {"emulator_url": emulator.url, "manifest_path": str(manifest)})


def test_a_misspelled_field_fails_the_plan_naming_entry_and_field(
    tmp_path: Path, tf_emulator: Emulator, fake_manifest: Path
):
    root = _tree_with_wiring(tmp_path, "      memory_size = 512\n", "      memroy_size = 512\n")
    error = _local_plan_error(root, tf_emulator, fake_manifest)
    assert "wiring.tf: orders_api: unknown field(s) memroy_size" in error
    assert re.search(r"known fields: .*memory_size", error)


def test_an_out_of_range_timeout_fails_the_plan(tmp_path: Path, tf_emulator: Emulator, fake_manifest: Path):
    root = _tree_with_wiring(
        tmp_path,
        '      timeout       = 5\n      env           = ["ORDERS_TABLE"]\n',
        '      timeout       = 0\n      env           = ["ORDERS_TABLE"]\n',
    )
    error = _local_plan_error(root, tf_emulator, fake_manifest)
    assert "wiring.tf: health: memory_size must be 128-10240 MB and timeout 1-900 s (got 256 MB, 0 s)" in error


def test_defaults_come_from_the_type(tmp_path: Path, tf_emulator: Emulator, fake_manifest: Path):
    """A field an entry leaves out gets the type's default: health sets no memory_size -> 256 MB."""
    root = copy_terraform(tmp_path)
    directory = root / "environments" / "local"
    planned = plan(directory, {"emulator_url": tf_emulator.url, "manifest_path": str(fake_manifest)})
    functions = {f["function_name"]: f for f in planned.after("aws_lambda_function")}
    assert functions["orders-local-health"]["memory_size"] == 256
    assert functions["orders-local-health"]["timeout"] == 5
    assert functions["orders-local-orders_api"]["memory_size"] == 512
