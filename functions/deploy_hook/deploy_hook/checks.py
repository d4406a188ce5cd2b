"""What a pre-traffic check decides, with no AWS in it: which version to try, and whether each answer is healthy.

A sample event fails the check when the function raised (Lambda's FunctionError) or answered an HTTP 5xx;
any other answer passes (a 4xx to a deliberately bad sample is the function working). No sample events at
all fails too: a hook that checked nothing must not let a version through.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pydantic

from shared.errors import ValidationError

HookStatus = Literal["Succeeded", "Failed"]
SERVER_ERROR = 500


@dataclass(frozen=True)
class DeploymentTarget:
    """The function a CodeDeploy deployment moves, and the two versions it moves between."""

    function_name: str
    alias: str
    current_version: str
    target_version: str


class SampleEvent(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")

    name: str  # the file name in the function folder's events/
    event: Any


class SampleEvents(pydantic.BaseModel):
    """The document Terraform uploads per hooked function: {"function": name, "events": [{"name", "event"}]}."""

    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")

    function: str
    events: tuple[SampleEvent, ...]


@dataclass(frozen=True)
class Invocation:
    """One synchronous Invoke's answer: the payload as returned and Lambda's FunctionError header, if any."""

    payload: bytes
    function_error: str | None = None


@dataclass(frozen=True)
class CheckResult:
    event: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class CheckReport:
    function_name: str
    version: str
    results: tuple[CheckResult, ...]
    problem: str | None = None  # why nothing could be checked

    @property
    def status(self) -> HookStatus:
        passed = self.problem is None and bool(self.results) and all(r.passed for r in self.results)
        return "Succeeded" if passed else "Failed"

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "function": self.function_name,
            "version": self.version,
            "problem": self.problem,
            "results": [{"event": r.event, "passed": r.passed, "detail": r.detail} for r in self.results],
        }


Invoke = Callable[[str, str, bytes], Invocation]  # (function name, version, event JSON) -> answer


def target_from_appspec(content: str) -> DeploymentTarget:
    """The Lambda resource of an AppSpec in JSON (what `make deploy` writes); ValidationError naming what is wrong."""
    try:
        document = json.loads(content)
    except json.JSONDecodeError:
        raise ValidationError("the deployment's AppSpec is not JSON (this hook reads JSON AppSpecs)") from None
    resources = document.get("Resources") if isinstance(document, dict) else None
    functions = [
        resource
        for item in resources or []
        if isinstance(item, dict)
        for resource in item.values()
        if isinstance(resource, dict) and resource.get("Type") == "AWS::Lambda::Function"
    ]
    if len(functions) != 1:
        raise ValidationError(f"the AppSpec must name exactly one AWS::Lambda::Function, found {len(functions)}")
    properties = functions[0].get("Properties") or {}
    missing = [key for key in ("Name", "Alias", "CurrentVersion", "TargetVersion") if not properties.get(key)]
    if missing:
        raise ValidationError(f"the AppSpec's function lacks {', '.join(missing)}")
    return DeploymentTarget(
        # Name may be an ARN; Invoke wants the plain name with the version as its qualifier.
        function_name=str(properties["Name"]).split(":function:")[-1].split(":")[0],
        alias=str(properties["Alias"]),
        current_version=str(properties["CurrentVersion"]),
        target_version=str(properties["TargetVersion"]),
    )


def judge(name: str, answer: Invocation) -> CheckResult:
    """Whether one sample event's answer is healthy, and why not."""
    body: object = None
    try:
        body = json.loads(answer.payload) if answer.payload else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None  # a handler may return anything; only errors and HTTP 5xx fail the check
    if answer.function_error:
        error = body if isinstance(body, dict) else {}
        kind, message = error.get("errorType", answer.function_error), error.get("errorMessage", "")
        return CheckResult(name, False, f"the function raised {kind}: {message}".rstrip(": "))
    status = body.get("statusCode") if isinstance(body, dict) else None
    if isinstance(status, int) and not isinstance(status, bool) and status >= SERVER_ERROR:
        return CheckResult(name, False, f"the function answered HTTP {status}")
    return CheckResult(name, True, "ok" if status is None else f"HTTP {status}")


def run_checks(target: DeploymentTarget, samples: SampleEvents | None, invoke: Invoke) -> CheckReport:
    """Invoke the target version with every sample event, in order, and judge each answer."""
    if samples is None or not samples.events:
        return CheckReport(target.function_name, target.target_version, (), "no sample events for this function")
    if samples.function != target.function_name:
        problem = f"the sample events are for {samples.function}, not {target.function_name}"
        return CheckReport(target.function_name, target.target_version, (), problem)
    results: Sequence[CheckResult] = [
        judge(sample.name, invoke(target.function_name, target.target_version, json.dumps(sample.event).encode()))
        for sample in samples.events
    ]
    return CheckReport(target.function_name, target.target_version, tuple(results))


def failed_before_checking(deployment_id: str, problem: str) -> CheckReport:
    """A report for a deployment whose target or events could not even be read: it fails."""
    return CheckReport(function_name="?", version="?", results=(), problem=f"deployment {deployment_id}: {problem}")
