"""What is deployed: a function's configuration as the emulator's Lambda API reports it.

Nothing here is configured locally — handler, runtime, timeout, memory, environment, layers, code hash and
reserved concurrency all come from GetFunction / GetFunctionConcurrency / GetLayerVersion, so Terraform stays
the single source of truth.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from scripts.arns import parse_arn, parse_function_ref, parse_layer_version_arn
from scripts.local.errors import FunctionNotFoundError, LocalStackError


@dataclass(frozen=True)
class LayerRef:
    """One layer version attached to a function, identified by its content hash."""

    arn: str
    code_sha256: str


@dataclass(frozen=True)
class FunctionSpec:
    """Everything needed to build an execution environment for one function version."""

    name: str
    function_arn: str  # unqualified
    version: str  # "$LATEST" or a published version number
    handler: str
    runtime: str
    timeout_s: int
    memory_mb: int
    code_sha256: str
    code_location: str | None
    environment: dict[str, str] = field(default_factory=dict)
    layers: tuple[LayerRef, ...] = ()
    reserved_concurrency: int | None = None
    architectures: tuple[str, ...] = ("x86_64",)

    @property
    def region(self) -> str:
        return parse_arn(self.function_arn).region

    @property
    def account_id(self) -> str:
        return parse_arn(self.function_arn).account

    def qualified_arn(self, qualifier: str | None) -> str:
        return f"{self.function_arn}:{qualifier}" if qualifier else self.function_arn

    @property
    def fingerprint(self) -> str:
        """Changes whenever a warm environment built from this spec would differ from a fresh one."""
        identity = {
            "version": self.version,
            "handler": self.handler,
            "runtime": self.runtime,
            "timeout": self.timeout_s,
            "memory": self.memory_mb,
            "code": self.code_sha256,
            "environment": self.environment,
            "layers": [layer.code_sha256 for layer in self.layers],
        }
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def is_alias(qualifier: str | None) -> bool:
    """An alias name, as opposed to no qualifier, ``$LATEST`` or a version number."""
    return bool(qualifier) and qualifier != "$LATEST" and not str(qualifier).isdigit()


def pick_version(primary: str, weights: Mapping[str, float], draw: float) -> str:
    """The version an alias routes one invocation to: ``draw`` in [0, 1) falls in an additional version's weight
    (``RoutingConfig.AdditionalVersionWeights``, 0.0–1.0) or else on the alias's own version."""
    threshold = 0.0
    for version, weight in sorted(weights.items()):
        threshold += float(weight)
        if draw < threshold:
            return version
    return primary


@dataclass(frozen=True)
class AliasRoute:
    """An alias as GetAlias reports it: its version and the weights of additional versions."""

    version: str
    weights: dict[str, float] = field(default_factory=dict)


class Catalog:
    """Resolves function references against the emulator's Lambda API, with a short cache.

    ``ttl_s`` bounds how stale a configuration may be (0 = ask the emulator on every invocation);
    :meth:`invalidate` forgets a function at once (used after UpdateFunctionCode). An alias is read on every
    invocation (GetAlias, never cached: a traffic shift or a rollback reaches the very next invocation) and its
    ``RoutingConfig`` weights pick the version with ``rng`` (seed it for reproducible tests).
    """

    def __init__(self, lambda_client: Any, ttl_s: float = 1.0, rng: random.Random | None = None) -> None:
        self._lambda = lambda_client
        self._ttl_s = ttl_s
        self.rng = rng or random.Random()
        self._specs: dict[tuple[str, str | None], tuple[float, FunctionSpec]] = {}
        self._layers: dict[str, LayerRef] = {}  # layer versions are immutable: cache forever
        self._lock = threading.Lock()

    def resolve(self, name_or_arn: str, qualifier: str | None = None) -> tuple[FunctionSpec, str | None]:
        """The spec of the function version to run, and the qualifier the caller used (for the ARN)."""
        try:
            ref = parse_function_ref(name_or_arn, qualifier)
        except ValueError as error:
            raise FunctionNotFoundError(str(error)) from None
        name, qualifier = ref.name, ref.qualifier
        if is_alias(qualifier):
            route = self._alias(name, str(qualifier))
            key: tuple[str, str | None] = (name, pick_version(route.version, route.weights, self.rng.random()))
        else:
            key = (name, qualifier)
        now = time.monotonic()
        with self._lock:
            cached = self._specs.get(key)
        if cached and now - cached[0] < self._ttl_s:
            return cached[1], qualifier
        spec = self._fetch(name, key[1])
        with self._lock:
            self._specs[key] = (now, spec)
        return spec, qualifier

    def invalidate(self, name: str | None = None) -> None:
        with self._lock:
            for key in [k for k in self._specs if name is None or k[0] == name]:
                del self._specs[key]

    def _alias(self, name: str, alias: str) -> AliasRoute:
        # Never cached, even under a configuration TTL: a rollback must reach the very next invocation.
        try:
            answer = self._lambda.get_alias(FunctionName=name, Name=alias)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("ResourceNotFoundException", "404"):
                raise FunctionNotFoundError(f"function not found: {name}:{alias}") from exc
            raise
        weights = (answer.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        return AliasRoute(str(answer["FunctionVersion"]), {str(v): float(w) for v, w in weights.items()})

    def function_names(self) -> list[str]:
        names: list[str] = []
        for page in self._lambda.get_paginator("list_functions").paginate():
            names.extend(fn["FunctionName"] for fn in page["Functions"])
        return sorted(names)

    def _fetch(self, name: str, qualifier: str | None) -> FunctionSpec:
        try:
            kwargs: dict[str, Any] = {"FunctionName": name}
            if qualifier:
                kwargs["Qualifier"] = qualifier
            response = self._lambda.get_function(**kwargs)
            concurrency = self._lambda.get_function_concurrency(FunctionName=name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("ResourceNotFoundException", "404"):
                shown = f"{name}:{qualifier}" if qualifier else name
                raise FunctionNotFoundError(f"function not found: {shown}") from exc
            raise
        config = response["Configuration"]
        reserved = concurrency.get("ReservedConcurrentExecutions")
        return FunctionSpec(
            name=config["FunctionName"],
            function_arn=str(parse_function_ref(config["FunctionArn"]).arn),
            version=str(config.get("Version") or "$LATEST"),
            handler=config["Handler"],
            runtime=config.get("Runtime") or "python3.13",
            timeout_s=int(config.get("Timeout") or 3),
            memory_mb=int(config.get("MemorySize") or 128),
            code_sha256=config["CodeSha256"],
            code_location=response.get("Code", {}).get("Location"),
            environment=dict(config.get("Environment", {}).get("Variables", {})),
            layers=tuple(self._layer(layer["Arn"]) for layer in config.get("Layers") or []),
            reserved_concurrency=None if reserved is None else int(reserved),
            architectures=tuple(config.get("Architectures") or ("x86_64",)),
        )

    def _layer(self, arn: str) -> LayerRef:
        with self._lock:
            cached = self._layers.get(arn)
        if cached:
            return cached
        try:
            version = parse_layer_version_arn(arn)
        except ValueError as error:
            raise LocalStackError(str(error)) from None
        # GetLayerVersionByArn is missing from the emulator; name + version is the same lookup.
        content = self._lambda.get_layer_version(LayerName=version.name, VersionNumber=version.version)["Content"]
        layer = LayerRef(arn=arn, code_sha256=content["CodeSha256"])
        with self._lock:
            self._layers[arn] = layer
        return layer
