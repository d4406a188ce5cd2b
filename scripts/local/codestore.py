"""Where a deployed function's code comes from, unpacked into private directories under .local/run/.

A zip is found by the base64 SHA-256 the emulator reports (CodeSha256), in this order:
1. dist/manifest.json (``functions`` and ``layers``) — what `make build` wrote and Terraform deployed;
2. the emulator's own copy, when the emulator runs in this process (moto keeps the uploaded bytes);
3. ``Code.Location``, when it is an http(s) URL on this machine.
The hash of whatever is found is checked again before it is unpacked, so a stale manifest never runs.
Unpacked trees are content-addressed (``code/<hash>``, ``layers/<hash>``), so recycling a worker is cheap
and functions sharing one zip share one tree.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import shutil
import sys
import tempfile
import threading
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scripts.arns import parse_layer_version_arn
from scripts.lambda_sandbox import runtime_sources
from scripts.local.catalog import FunctionSpec, LayerRef
from scripts.local.errors import CodeNotFoundError

# What Lambda's Python runtime provides in /var/runtime; linked from this interpreter's pure-Python copies.
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Deployment:
    """The directories one execution environment puts on sys.path, in Lambda's order."""

    code_dir: Path
    layer_dirs: tuple[Path, ...]
    runtime_dir: Path
    built_for: str | None = None  # the runtime the zip was built for (manifest), when known

    def sys_path(self, python_version: str) -> list[str]:
        paths = [str(self.code_dir)]
        # Lambda merges layers into /opt in order, later layers overwriting earlier ones: last wins first.
        for layer in reversed(self.layer_dirs):
            paths.append(str(layer / "python" / "lib" / f"python{python_version}" / "site-packages"))
            paths.append(str(layer / "python"))
        paths.append(str(self.runtime_dir))
        return paths


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


class CodeStore:
    """Finds zips by CodeSha256 and unpacks them once into ``run_dir``."""

    def __init__(self, run_dir: Path, dist_dir: Path | None = None) -> None:
        self.run_dir = run_dir
        self.dist_dir = dist_dir
        self._lock = threading.Lock()
        self._manifest_stamp: tuple[float, int] | None = None
        self._manifest_index: dict[str, Path] = {}
        self._manifest_runtimes: dict[str, str] = {}
        self._runtime_dir: Path | None = None

    def deployment(self, spec: FunctionSpec) -> Deployment:
        code_dir = self._unpacked("code", spec.code_sha256, lambda: self._function_zip(spec))
        layer_dirs = tuple(
            self._unpacked("layers", layer.code_sha256, functools.partial(self._layer_zip, layer))
            for layer in spec.layers
        )
        built_for = self._manifest_runtime().get(spec.code_sha256)
        return Deployment(code_dir, layer_dirs, self.runtime_dir(), built_for)

    def manifest_path_for(self, code_sha256: str) -> Path | None:
        """The dist zip whose manifest hash is ``code_sha256`` (None when the manifest has none)."""
        return self._manifest().get(code_sha256)

    def runtime_dir(self) -> Path:
        """A /var/runtime stand-in: links to boto3 and its dependencies (pure Python, any 3.x)."""
        with self._lock:
            if self._runtime_dir is not None:
                return self._runtime_dir
            target = self.run_dir / "runtime"
            target.mkdir(parents=True, exist_ok=True)
            for source in runtime_sources():
                _link(source, target / source.name)
            self._runtime_dir = target
            return target

    def _unpacked(self, kind: str, code_sha256: str, find_zip: Callable[[], bytes]) -> Path:
        key = hashlib.sha256(code_sha256.encode()).hexdigest()[:24]
        target = self.run_dir / kind / key
        if (target / ".complete").exists():
            return target
        data = find_zip()
        if sha256_b64(data) != code_sha256:
            raise CodeNotFoundError(f"the zip found for CodeSha256 {code_sha256} has a different hash")
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=target.parent))
        _extract(data, staging)
        (staging / ".complete").write_text(code_sha256)
        try:
            staging.rename(target)
        except OSError:  # another thread unpacked the same content first
            shutil.rmtree(staging, ignore_errors=True)
        return target

    def _function_zip(self, spec: FunctionSpec) -> bytes:
        found = self._from_manifest(spec.code_sha256)
        if found is not None:
            return found
        found = _from_in_process_emulator(spec)
        if found is not None:
            return found
        if spec.code_location and _is_local_url(spec.code_location):
            with urllib.request.urlopen(spec.code_location, timeout=30) as response:
                return bytes(response.read())
        raise CodeNotFoundError(
            f"no code for function {spec.name}: CodeSha256 {spec.code_sha256} is not in "
            f"{self._manifest_file() or 'a dist/manifest.json'} and the emulator's copy is not reachable"
        )

    def _layer_zip(self, layer: LayerRef) -> bytes:
        found = self._from_manifest(layer.code_sha256)
        if found is not None:
            return found
        found = _layer_from_in_process_emulator(layer)
        if found is not None:
            return found
        raise CodeNotFoundError(
            f"no code for layer {layer.arn}: CodeSha256 {layer.code_sha256} is not in "
            f"{self._manifest_file() or 'a dist/manifest.json'} and the emulator's copy is not reachable"
        )

    def _from_manifest(self, code_sha256: str) -> bytes | None:
        path = self._manifest().get(code_sha256)
        if path is None or not path.is_file():
            return None
        data = path.read_bytes()
        return data if sha256_b64(data) == code_sha256 else None

    def _manifest_file(self) -> Path | None:
        return self.dist_dir / "manifest.json" if self.dist_dir else None

    def _manifest(self) -> dict[str, Path]:
        self._load_manifest()
        return self._manifest_index

    def _manifest_runtime(self) -> dict[str, str]:
        self._load_manifest()
        return self._manifest_runtimes

    def _load_manifest(self) -> None:
        path = self._manifest_file()
        if path is None or not path.is_file():
            return
        stat = path.stat()
        stamp = (stat.st_mtime, stat.st_size)
        with self._lock:
            if stamp == self._manifest_stamp:
                return
            document = json.loads(path.read_text())
            index: dict[str, Path] = {}
            runtimes: dict[str, str] = {}
            for section in ("functions", "layers"):
                for entry in document.get(section, {}).values():
                    index[entry["sha256"]] = _resolve_dist_path(path.parent, entry["path"])
                    if entry.get("runtime"):
                        runtimes[entry["sha256"]] = entry["runtime"]
            self._manifest_index, self._manifest_runtimes, self._manifest_stamp = index, runtimes, stamp


def _resolve_dist_path(dist_dir: Path, relative: str) -> Path:
    """Manifest paths are relative to the repository root ("dist/functions/x.zip",
    ".cache/host-dist/layers/y.zip"): try each ancestor of the manifest, then <dist_dir>/<kind>/<file>."""
    for root in dist_dir.parents:
        candidate = root / relative
        if candidate.is_file():
            return candidate
    parts = Path(relative).parts
    return dist_dir.joinpath(*parts[-2:])


def _from_in_process_emulator(spec: FunctionSpec) -> bytes | None:
    models = sys.modules.get("moto.awslambda.models")
    if models is None:
        return None
    try:
        backend = models.lambda_backends[spec.account_id][spec.region]
        function = backend.get_function(spec.name, None if spec.version == "$LATEST" else spec.version)
    except Exception:  # noqa: BLE001 - any miss here means "not available this way"; the caller reports it
        return None
    data = getattr(function, "code_bytes", None)
    return bytes(data) if data else None


def _layer_from_in_process_emulator(layer: LayerRef) -> bytes | None:
    models = sys.modules.get("moto.awslambda.models")
    if models is None:
        return None
    ref = parse_layer_version_arn(layer.arn)
    try:
        version = models.lambda_backends[ref.account][ref.region].layers_versions_by_arn(layer.arn)
    except Exception:  # noqa: BLE001 - same as above
        return None
    data = getattr(version, "code_bytes", None)
    return bytes(data) if data else None


def _is_local_url(url: str) -> bool:
    parsed = urllib.parse.urlparse(url)
    return parsed.scheme in ("http", "https") and (parsed.hostname or "") in _LOOPBACK


def _extract(data: bytes, target: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            path = archive.extract(info, target)
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                Path(path).chmod(mode | 0o400)


def _link(source: Path, link: Path) -> None:
    if link.is_symlink() or link.exists():
        if link.is_symlink() and link.resolve() == source.resolve():
            return
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        else:
            link.unlink()
    link.symlink_to(source)
