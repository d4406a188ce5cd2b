"""Rebuild while up: when dist/manifest.json changes, deploy the changed zips into the emulator and recycle.

Deployed functions and layers are tied to manifest entries by hash the first time they are seen (Terraform
deployed the manifest's zips). When an entry's hash changes, a function gets UpdateFunctionCode (and, when it
has aliases, a published version the aliases move to, as a deploy would); a layer gets a new version that the
functions using it are switched to. Their warm workers are then recycled, so the next invocation runs the new
zip.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.arns import parse_layer_version_arn
from scripts.local.logs import LogHub
from scripts.local.runtime import DataPlane


@dataclass
class _Tracked:
    functions: dict[str, str] = field(default_factory=dict)  # function name -> manifest folder
    layers: dict[str, str] = field(default_factory=dict)  # layer name (emulator) -> manifest layer


class CodeWatcher:
    """Polls the manifest (``interval_s``) and redeploys what changed; :meth:`check` runs one pass."""

    def __init__(self, manifest: Path, data_plane: DataPlane, logs: LogHub, interval_s: float = 1.0) -> None:
        self.manifest = manifest
        self._plane = data_plane
        self._lambda = data_plane.lambda_client
        self._logs = logs
        self._interval_s = interval_s
        self._tracked = _Tracked()
        self._stamp: tuple[float, int] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.prime()
        self._thread = threading.Thread(target=self._run, name="code-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def prime(self) -> None:
        """Tie deployed functions and layers to manifest entries by their current hashes."""
        document = self._read()
        if document is None:
            return
        by_sha = {entry["sha256"]: folder for folder, entry in document.get("functions", {}).items()}
        layer_by_sha = {entry["sha256"]: name for name, entry in document.get("layers", {}).items()}
        for config in self._functions():
            folder = by_sha.get(config["CodeSha256"])
            if folder:
                self._tracked.functions[config["FunctionName"]] = folder
            for layer in config.get("Layers") or []:
                name = parse_layer_version_arn(layer["Arn"]).name
                sha = self._layer_sha(layer["Arn"])
                if sha in layer_by_sha:
                    self._tracked.layers[name] = layer_by_sha[sha]

    def check(self) -> list[str]:
        """One pass: returns the names of the functions and layers redeployed."""
        document = self._read()
        if document is None:
            return []
        changed: list[str] = []
        configs = {c["FunctionName"]: c for c in self._functions()}
        for layer_name, entry_name in sorted(self._tracked.layers.items()):
            entry = document.get("layers", {}).get(entry_name)
            if entry:
                changed += self._redeploy_layer(layer_name, entry, configs)
        configs = {c["FunctionName"]: c for c in self._functions()}
        for function_name, folder in sorted(self._tracked.functions.items()):
            entry = document.get("functions", {}).get(folder)
            config = configs.get(function_name)
            if entry and config and entry["sha256"] != config["CodeSha256"]:
                self._redeploy_function(function_name, self._zip(entry))
                changed.append(function_name)
        return changed

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            if not self.manifest.is_file():
                continue
            stat = self.manifest.stat()
            stamp = (stat.st_mtime, stat.st_size)
            if stamp == self._stamp:
                continue
            first = self._stamp is None
            self._stamp = stamp
            if first:
                continue
            try:
                self.check()
            except Exception as exc:  # noqa: BLE001 - a failed redeploy is reported; the stack keeps running
                self._logs.line("watcher", f"redeploy failed: {type(exc).__name__}: {exc}")

    def _redeploy_function(self, name: str, data: bytes) -> None:
        self._lambda.update_function_code(FunctionName=name, ZipFile=data)
        self._move_aliases(name)
        self._plane.recycle(name)
        self._logs.line("watcher", f"{name}: new code deployed, warm workers recycled")

    def _redeploy_layer(self, layer_name: str, entry: dict[str, Any], configs: dict[str, Any]) -> list[str]:
        users = {
            name: config
            for name, config in configs.items()
            if any(parse_layer_version_arn(layer["Arn"]).name == layer_name for layer in config.get("Layers") or [])
        }
        current = {layer["Arn"] for config in users.values() for layer in config.get("Layers") or []}
        current = {arn for arn in current if parse_layer_version_arn(arn).name == layer_name}
        if any(self._layer_sha(arn) == entry["sha256"] for arn in current):
            return []
        published = self._lambda.publish_layer_version(LayerName=layer_name, Content={"ZipFile": self._zip(entry)})
        new_arn = published["LayerVersionArn"]
        for name, config in users.items():
            layers = [
                new_arn if parse_layer_version_arn(lay["Arn"]).name == layer_name else lay["Arn"]
                for lay in config["Layers"]
            ]
            self._lambda.update_function_configuration(FunctionName=name, Layers=layers)
            self._move_aliases(name)
            self._plane.recycle(name)
        self._logs.line(
            "watcher", f"layer {layer_name}: new version {new_arn.rsplit(':', 1)[1]} for {len(users)} function(s)"
        )
        return [layer_name]

    def _move_aliases(self, name: str) -> None:
        aliases = self._lambda.list_aliases(FunctionName=name).get("Aliases", [])
        if not aliases:
            return
        version = self._lambda.publish_version(FunctionName=name)["Version"]
        for alias in aliases:
            self._lambda.update_alias(FunctionName=name, Name=alias["Name"], FunctionVersion=version)

    def _functions(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in self._lambda.get_paginator("list_functions").paginate():
            found.extend(dict(config) for config in page["Functions"])
        return found

    def _layer_sha(self, arn: str) -> str:
        version = parse_layer_version_arn(arn)
        content = self._lambda.get_layer_version(LayerName=version.name, VersionNumber=version.version)["Content"]
        return str(content["CodeSha256"])

    def _read(self) -> dict[str, Any] | None:
        if not self.manifest.is_file():
            return None
        document: dict[str, Any] = json.loads(self.manifest.read_text())
        return document

    def _zip(self, entry: dict[str, Any]) -> bytes:
        for root in self.manifest.parent.parents:
            candidate = root / entry["path"]
            if candidate.is_file():
                return candidate.read_bytes()
        return self.manifest.parent.joinpath(*Path(entry["path"]).parts[-2:]).read_bytes()
