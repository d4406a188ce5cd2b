"""scripts.lambda_context (the one Lambda context class) and scripts.lambda_sandbox (runtime libraries, unpacking)."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from scripts import lambda_sandbox
from scripts.artifacts import load_layer, normalize
from scripts.lambda_context import LambdaContext, loader_source

REPO = Path(__file__).resolve().parents[2]


def test_remaining_time_counts_down_to_the_deadline_and_never_below_zero() -> None:
    # Given a context whose deadline is a minute away, and one whose deadline has passed
    soon = LambdaContext("fn", deadline_ms=int(time.time() * 1000) + 60_000)
    past = LambdaContext("fn", deadline_ms=int(time.time() * 1000) - 5_000)
    # Then the first has at most a minute left (and more than none), the second exactly none
    assert 0 < soon.get_remaining_time_in_millis() <= 60_000
    assert past.get_remaining_time_in_millis() == 0


def test_unset_fields_follow_the_function_name() -> None:
    context = LambdaContext("orders-api")
    assert context.invoked_function_arn == "arn:aws:lambda:us-east-1:123456789012:function:orders-api"
    assert context.log_group_name == "/aws/lambda/orders-api"
    assert context.function_version == "$LATEST"
    assert context.aws_request_id != LambdaContext("orders-api").aws_request_id
    assert repr(context).startswith(f"LambdaContext([aws_request_id={context.aws_request_id},")


def test_from_environment_reads_what_the_runtime_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the variables Lambda sets in an execution environment
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-worker")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "7")
    monkeypatch.setenv("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/orders-worker")
    monkeypatch.setenv("AWS_LAMBDA_LOG_STREAM_NAME", "2024/01/01/[7]abc")
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:orders-worker:live"
    # When one invocation's context is made
    context = LambdaContext.from_environment(
        aws_request_id="req-1", invoked_function_arn=arn, deadline_ms=0, identity={"id": "x"}
    )
    # Then it carries them, and the request's own fields
    assert (context.function_name, context.memory_limit_in_mb, context.function_version) == ("orders-worker", 512, "7")
    assert context.log_stream_name == "2024/01/01/[7]abc"
    assert (context.aws_request_id, context.invoked_function_arn, context.identity) == ("req-1", arn, {"id": "x"})


def test_a_runner_gets_the_class_without_the_scripts_folder_on_its_path() -> None:
    # Given an isolated interpreter (-I -S: no site-packages, no cwd, no PYTHONPATH) running the loader
    program = loader_source() + (
        "import json, sys\n"
        "context = LambdaContext('probe', deadline_ms=0)\n"
        "print(json.dumps([context.log_group_name, any('scripts' in p for p in sys.path)]))\n"
    )
    out = subprocess.run([sys.executable, "-I", "-S", "-c", program], capture_output=True, text=True, check=True)
    # Then it built a context, and nothing of the repo is importable from there
    assert json.loads(out.stdout) == ["/aws/lambda/probe", False]


def test_the_runtime_provided_list_is_the_common_layers_declaration() -> None:
    declared = json.loads((REPO / "layers" / "common" / "layer.json").read_text())["runtime_provided"]
    assert lambda_sandbox.runtime_provided() == tuple(declared)
    # and the builder skips the same names when it builds the layer
    assert load_layer(REPO, Path("layers/common")).runtime_provided == tuple(normalize(n) for n in declared)


def test_every_runtime_provided_library_is_found_in_this_environment() -> None:
    names = {source.name for source in lambda_sandbox.runtime_sources()}
    for top in ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3"):
        assert top in names
    assert any(name.startswith("boto3-") and name.endswith(".dist-info") for name in names)


def _zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def test_a_zip_is_unpacked_once_per_content(tmp_path: Path) -> None:
    # Given a zip unpacked once
    archive = _zip(tmp_path / "fn.zip", {"fn/handler.py": "x = 1\n"})
    first = lambda_sandbox.unpack(archive, tmp_path / "run")
    # When it is unpacked again, and after its content changed
    again = lambda_sandbox.unpack(archive, tmp_path / "run")
    changed = lambda_sandbox.unpack(_zip(archive, {"fn/handler.py": "x = 2\n"}), tmp_path / "run")
    # Then the same content is the same folder, new content a new one
    assert again == first
    assert changed != first
    assert (changed / "fn" / "handler.py").read_text() == "x = 2\n"


def test_read_only_unpacking_drops_every_write_bit(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "layer.zip", {"python/lib/mod.py": "y = 1\n"})
    folder = lambda_sandbox.unpack(archive, tmp_path / "opt", read_only=True)
    modes = {path.name: path.stat().st_mode for path in [folder, *folder.rglob("*")]}
    assert set(modes) == {folder.name, "python", "lib", "mod.py"}
    assert all(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0 for mode in modes.values())
    assert (folder / "python" / "lib" / "mod.py").read_text() == "y = 1\n"
    for path in [folder, *folder.rglob("*")]:  # let pytest clean up
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
