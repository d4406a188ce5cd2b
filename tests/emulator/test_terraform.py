"""Terraform applies, re-plans clean and destroys the resources the gap fills exist for, on the emulator."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path

import pytest

from scripts import tf

from .conftest import handler_zip

CONFIG = Path(__file__).parent / "terraform_gaps"

pytestmark = pytest.mark.slow


@pytest.fixture
def workdir(tmp_path: Path, emulator) -> Path:
    shutil.copy(CONFIG / "main.tf", tmp_path / "main.tf")
    (tmp_path / "fn.zip").write_bytes(handler_zip())
    tf.write_provider_override(tmp_path, emulator.url)
    tfvars = {"zip_path": str(tmp_path / "fn.zip"), "name": f"gap{uuid.uuid4().hex[:6]}"}
    (tmp_path / "terraform.tfvars.json").write_text(json.dumps(tfvars))
    tf.run(["init", "-no-color"], tmp_path, timeout=120)
    return tmp_path


def test_gap_resources_apply_replan_clean_and_destroy(workdir: Path, client):
    # When the configuration is applied against the emulator
    started = time.monotonic()
    tf.run(["apply", "-auto-approve", "-no-color"], workdir, timeout=300)
    applied_in = time.monotonic() - started

    # Then the gap-filled resources exist as Terraform declared them
    outputs = json.loads(tf.run(["output", "-json"], workdir).stdout)
    assert outputs["provisioned"]["value"] == 2
    assert outputs["esm_function_arn"]["value"] == outputs["alias_arn"]["value"]

    # And a second plan finds nothing to change (exit code 0 with -detailed-exitcode; 2 means changes)
    plan = tf.run(["plan", "-detailed-exitcode", "-no-color"], workdir, check=False, timeout=300)
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-2000:]

    # And destroy removes them
    tf.run(["destroy", "-auto-approve", "-no-color"], workdir, timeout=300)
    assert client("lambda").list_functions()["Functions"] == [] or all(
        not f["FunctionName"].startswith(json.loads((workdir / "terraform.tfvars.json").read_text())["name"])
        for f in client("lambda").list_functions()["Functions"]
    )
    print(f"apply took {applied_in:.1f}s")


INVALID_MACHINE = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.67" }
  }
}

provider "aws" {
  region = "us-east-1"
}

resource "aws_sfn_state_machine" "this" {
  name       = "invalid"
  role_arn   = "arn:aws:iam::123456789012:role/sfn"
  definition = jsonencode({ StartAt = "Missing", States = { Work = { Type = "Pass", End = true } } })
}
"""


def test_plan_of_an_invalid_state_machine_fails_fast_with_the_diagnostic(tmp_path: Path, emulator):
    # Given a state machine whose StartAt names no state
    (tmp_path / "main.tf").write_text(INVALID_MACHINE)
    tf.write_provider_override(tmp_path, emulator.url)
    tf.run(["init", "-no-color"], tmp_path, timeout=120)

    # When planned
    started = time.monotonic()
    result = tf.run(["plan", "-no-color"], tmp_path, check=False, timeout=120)

    # Then plan fails quickly, naming the missing transition
    assert result.returncode == 1
    assert "MISSING_TRANSITION_TARGET" in result.stderr
    assert time.monotonic() - started < 60
