"""Run a handler from built zips the way Lambda does, on this machine, in a fresh process.

The process sees only what a Lambda sandbox sees: the function zip unpacked (first on ``sys.path``), its
layers' ``python/`` folders, and the libraries the Python runtime itself ships (boto3 and its
dependencies) — never the dev virtualenv. Used by the tests that prove a function works from its zip.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from scripts import lambda_context

REPO = Path(__file__).resolve().parents[1]
# The one list of what the Lambda Python runtime provides (/var/runtime): the common layer does not ship these.
RUNTIME_DECLARATION = REPO / "layers" / "common" / "layer.json"

_RUNNER = r"""
import importlib, json, sys, time, traceback
spec = json.loads(sys.argv[1])
exec(spec["context_loader"])
context = LambdaContext(
    function_name=spec["function_name"],
    invoked_function_arn=f"arn:aws:lambda:{spec['region']}:123456789012:function:{spec['function_name']}",
    deadline_ms=int((time.time() + spec["timeout"]) * 1000),
)
sys.path[:0] = spec["paths"]

module_name, _, func_name = spec["handler"].rpartition(".")
try:
    handler = getattr(importlib.import_module(module_name), func_name)
    result = {"ok": handler(json.loads(sys.stdin.read()), context)}
except Exception as exc:
    result = {"error": {"errorType": type(exc).__name__, "errorMessage": str(exc),
                        "stackTrace": traceback.format_exception(exc)}}
with open(spec["result_path"], "w") as handle:
    json.dump(result, handle, default=str)
"""


class HandlerError(Exception):
    """The handler raised: Lambda's error payload is in ``payload``."""

    def __init__(self, payload: dict[str, object], logs: str) -> None:
        super().__init__(f"{payload.get('errorType')}: {payload.get('errorMessage')}")
        self.payload = payload
        self.logs = logs


@dataclass(frozen=True)
class Invocation:
    result: object
    logs: str


def runtime_provided() -> tuple[str, ...]:
    """The distributions the Lambda Python runtime ships, as ``layers/common/layer.json`` declares them."""
    names = json.loads(RUNTIME_DECLARATION.read_text()).get("runtime_provided")
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ValueError(f"{RUNTIME_DECLARATION}: 'runtime_provided' must be a list of distribution names")
    return tuple(names)


def runtime_sources() -> list[Path]:
    """Where this interpreter's environment holds the runtime-provided libraries: each distribution's top-level
    packages and modules, and its ``.dist-info`` (libraries ask importlib.metadata for boto3's version)."""
    sources: list[Path] = []
    for dist_name in runtime_provided():
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            continue
        for top in (dist.read_text("top_level.txt") or "").split() or [dist_name]:
            found = importlib.util.find_spec(top)
            if found is None or found.origin is None:
                continue
            origin = Path(found.origin)
            sources.append(origin.parent if origin.name == "__init__.py" else origin)
        info_dirs = sorted({f.parts[0] for f in dist.files or () if f.parts[0].endswith(".dist-info")})
        sources += [path for info in info_dirs if (path := Path(str(dist.locate_file(info)))).is_dir()]
    return sources


def runtime_site(root: Path) -> Path:
    """A folder holding only the runtime-provided libraries, linked from this interpreter's environment."""
    site = root / "runtime-site"
    site.mkdir(parents=True, exist_ok=True)
    for source in runtime_sources():
        link = site / source.name
        if not link.exists():
            link.symlink_to(source)
    return site


def unpack(zip_path: Path, root: Path, *, read_only: bool = False) -> Path:
    """Unpack a zip once per content hash under ``root``; returns the folder. ``read_only`` drops write
    permission, as Lambda's /var/task and /opt are."""
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()[:16]
    dest = root / f"{zip_path.stem}-{digest}"
    if not dest.is_dir():
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".unpack.", dir=root))
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(tmp)
        if read_only:
            for path in tmp.rglob("*"):
                path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) | stat.S_IRUSR)
        try:
            tmp.rename(dest)
        except OSError:  # another process unpacked it first
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            dest.chmod(0o555 if read_only else 0o755)
    return dest


def invoke(
    code_zip: Path,
    layer_zips: Sequence[Path],
    handler: str,
    event: object,
    *,
    env: Mapping[str, str] | None = None,
    work_dir: Path,
    timeout: float = 30.0,
) -> Invocation:
    """Invoke ``handler`` from the unpacked zips in a fresh isolated interpreter; raise HandlerError on error."""
    work_dir.mkdir(parents=True, exist_ok=True)
    code = unpack(code_zip, work_dir)
    paths = [str(code), *(str(unpack(z, work_dir) / "python") for z in layer_zips), str(runtime_site(work_dir))]
    function_name = handler.split(".")[0]
    region = (env or {}).get("AWS_REGION", "us-east-1")
    with tempfile.TemporaryDirectory() as tmp:
        result_path = Path(tmp) / "result.json"
        spec = {
            "paths": paths,
            "handler": handler,
            "timeout": timeout,
            "function_name": function_name,
            "region": region,
            "result_path": str(result_path),
            "context_loader": lambda_context.loader_source(),
        }
        process_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "_HANDLER": handler,
            **(env or {}),
        }
        # -I: no PYTHONPATH, no user site, no cwd; -S: not even the interpreter's own site-packages.
        proc = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _RUNNER, json.dumps(spec)],
            input=json.dumps(event),
            capture_output=True,
            text=True,
            env=process_env,
            cwd=tmp,
            timeout=timeout + 10,
        )
        logs = proc.stdout + proc.stderr
        if not result_path.is_file():
            raise HandlerError({"errorType": "Runtime.ExitError", "errorMessage": f"exit {proc.returncode}"}, logs)
        outcome = json.loads(result_path.read_text())
    if "error" in outcome:
        raise HandlerError(outcome["error"], logs)
    return Invocation(outcome["ok"], logs)
