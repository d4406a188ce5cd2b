"""Static checks over terraform/: formatting, validation of every module, example, stack and environment, and
checkov with zero failed checks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts import tf
from tests.terraform.conftest import REPO, TERRAFORM, init

pytestmark = pytest.mark.slow

ROOTS = sorted(
    str(p.relative_to(TERRAFORM))
    for p in [
        *TERRAFORM.glob("modules/*"),
        *TERRAFORM.glob("modules/*/examples/*"),
        *TERRAFORM.glob("stacks/*"),
        *TERRAFORM.glob("environments/*"),
    ]
    if p.is_dir() and any(p.glob("*.tf"))
)


def test_every_module_has_the_standard_files():
    for module in sorted(TERRAFORM.glob("modules/*")):
        present = {p.name for p in module.iterdir()}
        assert {"main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md", "examples"} <= present, module.name


def test_terraform_is_formatted():
    result = tf.run(["fmt", "-check", "-recursive", "-diff", "-no-color"], TERRAFORM, check=False)
    assert result.returncode == 0, f"terraform fmt would change:\n{result.stdout}"


@pytest.mark.parametrize("root", ROOTS)
def test_configuration_is_valid(tf_tree: Path, root: str):
    directory = tf_tree / root
    init(directory)
    result = tf.run(["validate", "-json", "-no-color"], directory, check=False)
    report = json.loads(result.stdout)
    assert report["valid"], [d["summary"] + ": " + d.get("detail", "") for d in report["diagnostics"]]
    assert report["warning_count"] == 0, [d["summary"] for d in report["diagnostics"]]


def test_environment_lock_files_pin_the_provider_for_every_platform():
    for environment in sorted(TERRAFORM.glob("environments/*")):
        lock = (environment / ".terraform.lock.hcl").read_text()
        assert 'version     = "5.100.0"' in lock, environment.name
        # zh: hashes are the registry's per-platform package hashes: init verifies them on any OS/arch.
        assert lock.count('"zh:') == 15, environment.name


def _checkov() -> str:
    for candidate in (os.environ.get("CHECKOV_BIN"), str(REPO / ".venv" / "bin" / "checkov"), shutil.which("checkov")):
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail("checkov is not installed: `.venv/bin/pip install checkov` (or set CHECKOV_BIN)")


def test_checkov_finds_no_failed_checks():
    result = subprocess.run(
        [_checkov(), "-d", str(TERRAFORM), "--framework", "terraform", "--skip-download", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [
        f"{f['check_id']} {f['resource']} ({f['file_path']}:{f['file_line_range'][0]})"
        for r in reports
        for f in r["results"]["failed_checks"]
    ]
    assert failed == []
    assert sum(r["summary"]["passed"] for r in reports) > 1000
    # Every skip carries its reason inline.
    skipped = [s for r in reports for s in r["results"]["skipped_checks"]]
    assert all(s.get("check_result", {}).get("suppress_comment") for s in skipped)
