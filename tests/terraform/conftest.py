"""Fixtures for the Terraform tests: a private copy of terraform/, a fake build, Terraform run against the emulator.

Every test works in a copy of terraform/ under a session temp directory, so nothing (.terraform, state, lock
files, emulator overrides) is ever written into the source tree, and inits are shared through the plugin cache
that scripts/tf.py configures.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import tftest

from scripts import tf
from scripts.emulator import Emulator
from tests.terraform.fixtures.fake_dist import write_fake_dist

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "terraform"


def _ignore(_: str, names: list[str]) -> set[str]:
    return {n for n in names if n in (".terraform", "terraform.tfstate", "terraform.tfstate.backup")}


def copy_terraform(parent: Path) -> Path:
    """A copy of terraform/ (with the committed lock files) under ``parent``; returns its root."""
    root = parent / "terraform"
    shutil.copytree(TERRAFORM, root, ignore=_ignore)
    # Beside it, as in the repository, the sample events the pre-traffic hook gets (stacks/regional/deployments.tf
    # reads <repo>/functions/<folder>/events/).
    for events in (REPO / "functions").glob("*/events"):
        shutil.copytree(events, parent / "functions" / events.parent.name / "events")
    return root


@pytest.fixture(scope="session")
def tf_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of terraform/ that tests may init, plan and apply in."""
    return copy_terraform(tmp_path_factory.mktemp("tf"))


@pytest.fixture(scope="session")
def fake_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/manifest.json + zips for every function folder of the repository (plans never depend on `make build`)."""
    return write_fake_dist(tmp_path_factory.mktemp("fake-build"))


@pytest.fixture(scope="session")
def tf_emulator(emulator: Emulator) -> Emulator:
    """The session emulator (its gap fills cover everything the stack uses)."""
    return emulator


@pytest.fixture(scope="session")
def fake_zip(fake_manifest: Path) -> Path:
    """One function zip for module examples."""
    return fake_manifest.parent / "functions" / "health.zip"


@pytest.fixture(scope="session")
def fake_layer_zip(fake_manifest: Path) -> Path:
    """The layer zip for the lambda_layer example."""
    return fake_manifest.parent / "layers" / "common.zip"


def terraform(directory: Path) -> tftest.TerraformTest:
    """tftest's runner for ``directory`` with the environment scripts/tf.py prepares (provider mirror, plugin cache)."""
    env = tf.terraform_env(directory)
    binary = env.get("TERRAFORM_BINARY") or shutil.which("terraform", path=env.get("PATH")) or "terraform"
    return tftest.TerraformTest(directory, binary=binary, env=env)


def init(directory: Path) -> tftest.TerraformTest:
    """terraform init without remote state: -backend=false, or the local backend when an override selects it."""
    runner = terraform(directory)
    if not (directory / ".terraform").is_dir():
        # cleanup_on_exit=False: the session's copies share inits between tests (and are temp dirs anyway).
        runner.setup(backend=(directory / LOCAL_BACKEND).is_file(), cleanup_on_exit=False, input=False, color=False)
    return runner


LOCAL_BACKEND = "backend_override.tf.json"


def use_local_backend(directory: Path) -> None:
    """Plan an environment whose remote state is an S3 backend without that backend: local state instead.

    Drops an earlier `init -backend=false` (validate, in another test of this session) so the next init
    configures the local backend; the plugin cache makes that re-init cheap."""
    shutil.rmtree(directory / ".terraform", ignore_errors=True)
    (directory / LOCAL_BACKEND).write_text(json.dumps({"terraform": {"backend": {"local": {}}}}) + "\n")


def tf_vars(variables: Mapping[str, Any]) -> dict[str, str]:
    """Variables for tftest, every non-string already a JSON/HCL literal (tftest would pass True as "True")."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in variables.items()}


def var_args(variables: Mapping[str, Any]) -> list[str]:
    """-var arguments; non-strings as HCL/JSON literals."""
    return [f"-var={k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in variables.items()]


def plan(directory: Path, variables: Mapping[str, Any] | None = None) -> Plan:
    """Plan ``directory``; the plan as tftest's TerraformPlanOutput (``terraform show -json``) behind :class:`Plan`."""
    output = init(directory).plan(output=True, input=False, color=False, lock=False, tf_vars=tf_vars(variables or {}))
    return Plan(output)


def plan_error(directory: Path, variables: Mapping[str, Any]) -> str:
    """Plan that must fail; returns Terraform's error output with line-wraps and box characters removed."""
    runner = init(directory)
    try:
        runner.plan(input=False, color=False, lock=False, tf_vars=tf_vars(variables))
    except tftest.TerraformTestError as exc:
        return " ".join(line.strip(" │╷╵") for line in str(exc.args[-1] if len(exc.args) > 1 else exc).splitlines())
    raise AssertionError("plan succeeded but should have failed")


def apply(directory: Path, variables: Mapping[str, Any]) -> dict[str, Any]:
    """terraform apply, then the root outputs as plain values."""
    runner = init(directory)
    runner.apply(input=False, color=False, tf_vars=tf_vars(variables))
    outputs = runner.output()  # one `output -json` (tftest puts a name before the flags, which Terraform rejects)
    return {name: outputs[name] for name in outputs}


def plan_has_changes(directory: Path, variables: Mapping[str, Any]) -> tuple[bool, str]:
    """``plan -detailed-exitcode`` (tftest's plan() has no such flag): (changes pending, Terraform's output)."""
    result = init(directory).execute_command(
        "plan", "-detailed-exitcode", "-input=false", "-no-color", *var_args(variables)
    )
    return result.retcode == 2, result.out + result.err


def destroy(directory: Path, variables: Mapping[str, Any], *, check: bool = True) -> None:
    try:
        init(directory).destroy(color=False, auto_approve=True, tf_vars=tf_vars(variables))
    except tftest.TerraformTestError:
        if check:
            raise


class Plan:
    """Query helpers over tftest's TerraformPlanOutput (``terraform show -json`` of a saved plan)."""

    def __init__(self, document: tftest.TerraformPlanOutput) -> None:
        self.document = document

    @property
    def outputs(self) -> Mapping[str, Any]:
        """Planned root output values (known at plan time)."""
        return {name: change.get("after") for name, change in (self.document.get("output_changes") or {}).items()}

    def changes(self, resource_type: str, module: str | None = None) -> list[dict[str, Any]]:
        """Resource changes of a type (optionally under a module address prefix), managed and data."""
        return [
            rc
            for rc in self.document.get("resource_changes", [])
            if rc["type"] == resource_type and (module is None or rc["address"].startswith(module))
        ]

    def after(self, resource_type: str, module: str | None = None) -> list[dict[str, Any]]:
        """Planned values ("after") of every managed resource of a type being created or updated."""
        return [
            rc["change"]["after"]
            for rc in self.changes(resource_type, module)
            if rc["mode"] == "managed" and rc["change"]["actions"] != ["delete"]
        ]

    def by_address_suffix(self, suffix: str) -> dict[str, Any]:
        matches = [rc for rc in self.document.get("resource_changes", []) if rc["address"].endswith(suffix)]
        assert len(matches) == 1, f"{suffix}: {[m['address'] for m in matches]}"
        return matches[0]["change"]["after"]

    def policy_actions(self) -> list[str]:
        """Every action granted (Allow statements) by an aws_iam_policy_document in the plan (known at plan time).

        Deny statements are left out: a TLS-only guard denies ``s3:*``/``sqs:*`` on purpose (see
        :meth:`policy_statements`)."""
        return [
            action
            for statement in self.policy_statements()
            if statement.get("effect") in (None, "", "Allow")
            for action in statement.get("actions") or []
        ]

    def policy_statements(self) -> list[dict[str, Any]]:
        """Every statement of every aws_iam_policy_document in the plan (planned or already read)."""
        statements: list[dict[str, Any]] = []
        for rc in self.changes("aws_iam_policy_document"):
            statements += (rc["change"]["after"] or {}).get("statement") or []
        for resource in _state_resources(self.document.get("prior_state", {}).get("values", {}).get("root_module", {})):
            if resource["type"] == "aws_iam_policy_document":
                statements += resource["values"].get("statement") or []
        return statements


def _state_resources(module: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _state_resources(child)


def emulator_override(directory: Path, emulator: Emulator, regions: Sequence[str] | Mapping[str, str]) -> None:
    """Point the configuration's provider blocks at the emulator (scripts/emulator contract)."""
    tf.write_provider_override(directory, emulator.url, regions)
