"""The common layer: built deterministically, and functions import `shared` from the layer zip itself."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from scripts import lambda_sandbox
from scripts.artifacts import Builder, host_target

REPO = Path(__file__).resolve().parents[2]
WHEELS = REPO / ".cache" / "wheels"

pytestmark = pytest.mark.slow

PROBE = """
import aws_lambda_powertools
import pydantic_core
import shared
from shared.http import make_resolver

app = make_resolver()


@app.get("/ok")
def ok():
    return {"ok": True}


OK_EVENT = {"rawPath": "/ok", "requestContext": {"http": {"method": "GET"}, "stage": "$default"}}


def handle(event, context):
    return {
        "shared": shared.__file__,
        "powertools": aws_lambda_powertools.__file__,
        "pydantic_core": pydantic_core.__file__,
        "response": app.resolve(OK_EVENT, context),
    }
"""


def repo_with_probe(parent: Path) -> Path:
    """The real common layer and shared package plus a probe function, copied outside the source tree."""
    repo = parent / "repo"
    shutil.copytree(REPO / "layers" / "common", repo / "layers" / "common")
    shutil.copytree(REPO / "shared" / "src" / "shared", repo / "shared" / "src" / "shared")
    probe = repo / "functions" / "probe"
    (probe / "probe").mkdir(parents=True)
    (probe / "probe" / "__init__.py").write_text("")
    (probe / "probe" / "handler.py").write_text(PROBE)
    (probe / "requirements.txt").write_text("")
    (probe / "function.json").write_text(
        json.dumps({"handlers": {"probe": "probe.handler.handle"}, "layers": ["common"]})
    )
    return repo


def test_common_layer_builds_byte_identically_twice(tmp_path: Path) -> None:
    first = Builder(REPO, tmp_path / "a", WHEELS).build(["common"])[0]["layers"]["common"]
    second = Builder(REPO, tmp_path / "b", WHEELS, force=True).build(["common"])[0]["layers"]["common"]
    assert first["sha256"] == second["sha256"]
    names = zipfile.ZipFile(tmp_path / "a" / "layers" / "common.zip").namelist()
    assert "python/shared/__init__.py" in names
    assert any(n.startswith("python/aws_lambda_powertools/") for n in names)
    assert not any(n.startswith(("python/boto3/", "python/botocore/")) for n in names)  # runtime-provided


def test_function_imports_shared_from_the_built_layer_zip(tmp_path: Path) -> None:
    repo = repo_with_probe(tmp_path)
    manifest, results = Builder(repo, repo / "dist", WHEELS, target=host_target()).build()
    assert {r.status for r in results} == {"built"}, [r.error for r in results]
    function_zip = repo / manifest["functions"]["probe"]["path"]
    layer_zip = repo / manifest["layers"]["common"]["path"]
    shutil.rmtree(repo / "shared")  # nothing can come from the source tree now

    out = lambda_sandbox.invoke(function_zip, [layer_zip], "probe.handler.handle", {}, work_dir=tmp_path / "run")

    layer_dir = lambda_sandbox.unpack(layer_zip, tmp_path / "run") / "python"
    for module in ("shared", "powertools", "pydantic_core"):
        assert Path(out.result[module]).is_relative_to(layer_dir), (module, out.result[module])
    assert out.result["response"]["statusCode"] == 200
    assert not any(n.startswith("shared/") for n in zipfile.ZipFile(function_zip).namelist())
