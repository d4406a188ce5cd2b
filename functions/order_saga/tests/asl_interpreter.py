"""A small Amazon States Language interpreter for tests: runs the saga's real ASL JSON with test-supplied tasks.

Supports what the saga uses, with the semantics AWS documents: Task, Choice, Parallel, Pass, Fail, Succeed;
InputPath → Parameters → (work) → ResultSelector → ResultPath → OutputPath; Retry (ErrorEquals, MaxAttempts,
IntervalSeconds, BackoffRate, MaxDelaySeconds — delays are recorded, never slept); Catch with ResultPath;
``States.ALL``; Fail with Error/ErrorPath and Cause/CausePath. JSONPath: ``$``, ``$.a.b``, ``$[0]``, ``$.a[1].b``.

A task is a callable taking the effective input and returning the result; it fails by raising. The error
name is the exception's class name (what Lambda reports as ``errorType`` and Step Functions matches), or
``TaskFailure.error`` to simulate service errors such as ``States.Timeout`` or ``Lambda.ServiceException``.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Task = Callable[[Any], Any]

_TOKEN = re.compile(r"\.([A-Za-z0-9_\-]+)|\[(\d+)\]")
MAX_TRANSITIONS = 1000


class TaskFailure(Exception):
    """Raise from a task to fail it with an explicit Step Functions error name."""

    def __init__(self, error: str, cause: str = "") -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


class StatesError(Exception):
    """An error raised inside the machine (a failed task, a bad path): matched by Retry and Catch."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


class _Failed(Exception):
    """A Fail state ended the execution (not catchable inside the same state list)."""

    def __init__(self, error: str | None, cause: str | None) -> None:
        super().__init__(error)
        self.error = error
        self.cause = cause


@dataclass
class Execution:
    status: str  # SUCCEEDED | FAILED
    output: Any = None
    error: str | None = None
    cause: str | None = None
    tasks: list[str] = field(default_factory=list)  # resource of every task attempt, in order
    states: list[str] = field(default_factory=list)  # every state entered, in order
    retries: list[tuple[str, float]] = field(default_factory=list)  # (state, delay seconds) per retry


def _tokens(path: str) -> list[str | int]:
    if not path.startswith("$"):
        raise StatesError("States.Runtime", f"not a JSONPath: {path!r}")
    rest, parts, pos = path[1:], [], 0
    while pos < len(rest):
        match = _TOKEN.match(rest, pos)
        if match is None:
            raise StatesError("States.Runtime", f"unsupported JSONPath: {path!r}")
        parts.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        pos = match.end()
    return parts


def get_path(data: Any, path: str) -> Any:
    value = data
    for part in _tokens(path):
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            raise StatesError("States.Runtime", f"path {path!r} not found in the input") from None
    return value


def set_path(data: Any, path: str | None, result: Any) -> Any:
    """Apply a ResultPath: ``$`` replaces, None discards the result, ``$.a.b`` creates missing objects."""
    if path is None:
        return data
    parts = _tokens(path)
    if not parts:
        return result
    if not isinstance(data, dict):
        raise StatesError("States.Runtime", f"cannot apply ResultPath {path!r} to a non-object input")
    out = copy.deepcopy(data)
    node = out
    for part in parts[:-1]:
        if not isinstance(part, str):
            raise StatesError("States.Runtime", f"ResultPath {path!r} may not index arrays")
        node = node.setdefault(part, {})
    node[parts[-1]] = result
    return out


def render(template: Any, data: Any) -> Any:
    """Parameters / ResultSelector: keys ending in ``.$`` take the value at a path of ``data``."""
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = get_path(data, value)
            else:
                out[key] = render(value, data)
        return out
    if isinstance(template, list):
        return [render(item, data) for item in template]
    return template


def _matches(error_equals: list[str], error: str) -> bool:
    return error in error_equals or ("States.ALL" in error_equals and error != "States.Runtime")


class Interpreter:
    def __init__(self, definition: Mapping[str, Any], tasks: Mapping[str, Task]) -> None:
        self.definition = definition
        self.tasks = tasks

    def run(self, payload: Any) -> Execution:
        execution = Execution(status="RUNNING")
        try:
            execution.output = self._run_states(self.definition, copy.deepcopy(payload), execution)
            execution.status = "SUCCEEDED"
        except _Failed as failed:
            execution.status, execution.error, execution.cause = "FAILED", failed.error, failed.cause
        except StatesError as exc:  # uncaught error: the execution fails with it
            execution.status, execution.error, execution.cause = "FAILED", exc.error, exc.cause
        return execution

    def _run_states(self, machine: Mapping[str, Any], data: Any, execution: Execution) -> Any:
        states = machine["States"]
        name = machine["StartAt"]
        for _ in range(MAX_TRANSITIONS):
            state = states[name]
            execution.states.append(name)
            kind = state["Type"]
            if kind == "Fail":
                error = get_path(data, state["ErrorPath"]) if "ErrorPath" in state else state.get("Error")
                cause = get_path(data, state["CausePath"]) if "CausePath" in state else state.get("Cause")
                raise _Failed(error, cause)
            if kind == "Succeed":
                return self._output(state, get_path(data, state.get("InputPath", "$")))
            if kind == "Choice":
                name = self._choose(state, get_path(data, state.get("InputPath", "$")))
                continue
            try:
                data = self._attempts(name, state, data, execution)
            except StatesError as exc:
                catcher = next((c for c in state.get("Catch", []) if _matches(c["ErrorEquals"], exc.error)), None)
                if catcher is None:
                    raise
                data = set_path(data, catcher.get("ResultPath", "$"), {"Error": exc.error, "Cause": exc.cause})
                name = catcher["Next"]
                continue
            if state.get("End"):
                return data
            name = state["Next"]
        raise StatesError("States.Runtime", "too many transitions (a loop?)")

    def _attempts(self, name: str, state: Mapping[str, Any], data: Any, execution: Execution) -> Any:
        """Run a Task/Parallel/Pass state with its Retry policy; returns the state's output."""
        counts = [0] * len(state.get("Retry", []))
        while True:
            try:
                return self._execute(state, data, execution)
            except StatesError as exc:
                retriers = state.get("Retry", [])
                index = next((i for i, r in enumerate(retriers) if _matches(r["ErrorEquals"], exc.error)), None)
                if index is None:
                    raise
                retrier = retriers[index]
                if counts[index] >= retrier.get("MaxAttempts", 3):
                    raise
                delay = retrier.get("IntervalSeconds", 1) * retrier.get("BackoffRate", 2.0) ** counts[index]
                if "MaxDelaySeconds" in retrier:
                    delay = min(delay, retrier["MaxDelaySeconds"])
                counts[index] += 1
                execution.retries.append((name, float(delay)))

    def _execute(self, state: Mapping[str, Any], raw: Any, execution: Execution) -> Any:
        effective = get_path(raw, state.get("InputPath", "$"))
        if "Parameters" in state:
            effective = render(state["Parameters"], effective)
        kind = state["Type"]
        if kind == "Pass":
            result = state.get("Result", effective)
        elif kind == "Task":
            result = self._task(state["Resource"], effective, execution)
        elif kind == "Parallel":
            result = [self._branch(branch, effective, execution) for branch in state["Branches"]]
        else:
            raise StatesError("States.Runtime", f"unsupported state type {kind}")
        if "ResultSelector" in state:
            result = render(state["ResultSelector"], result)
        return self._output(state, set_path(raw, state.get("ResultPath", "$"), result))

    def _branch(self, branch: Mapping[str, Any], effective: Any, execution: Execution) -> Any:
        try:
            return self._run_states(branch, copy.deepcopy(effective), execution)
        except _Failed as failed:  # a Fail inside a branch fails the Parallel state with its error
            raise StatesError(failed.error or "States.BranchFailed", failed.cause or "") from failed

    @staticmethod
    def _output(state: Mapping[str, Any], data: Any) -> Any:
        return get_path(data, state.get("OutputPath", "$"))

    def _task(self, resource: str, effective: Any, execution: Execution) -> Any:
        execution.tasks.append(resource)
        task = self.tasks.get(resource)
        if task is None:
            raise StatesError("States.Runtime", f"no task supplied for resource {resource!r}")
        try:
            result = task(copy.deepcopy(effective))
        except TaskFailure as exc:
            raise StatesError(exc.error, exc.cause) from exc
        except Exception as exc:  # a Lambda error: Step Functions names it by errorType
            cause = json.dumps({"errorMessage": str(exc), "errorType": type(exc).__name__})
            raise StatesError(type(exc).__name__, cause) from exc
        return json.loads(json.dumps(result))  # results cross a JSON boundary in Step Functions

    def _choose(self, state: Mapping[str, Any], data: Any) -> str:
        for rule in state["Choices"]:
            if _rule(rule, data):
                return str(rule["Next"])
        if "Default" in state:
            return str(state["Default"])
        raise StatesError("States.NoChoiceMatched", "no choice rule matched and there is no Default")


_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "StringEquals": lambda a, b: isinstance(a, str) and a == b,
    "NumericEquals": lambda a, b: isinstance(a, int | float) and a == b,
    "NumericGreaterThan": lambda a, b: isinstance(a, int | float) and a > b,
    "NumericLessThan": lambda a, b: isinstance(a, int | float) and a < b,
    "BooleanEquals": lambda a, b: isinstance(a, bool) and a == b,
}


def _rule(rule: Mapping[str, Any], data: Any) -> bool:
    if "And" in rule:
        return all(_rule(r, data) for r in rule["And"])
    if "Or" in rule:
        return any(_rule(r, data) for r in rule["Or"])
    if "Not" in rule:
        return not _rule(rule["Not"], data)
    try:
        value = get_path(data, rule["Variable"])
        present = True
    except StatesError:
        value, present = None, False
    if "IsPresent" in rule:
        return present is bool(rule["IsPresent"])
    if not present:
        raise StatesError("States.Runtime", f"choice variable {rule['Variable']!r} not found")
    for op, compare in _COMPARATORS.items():
        if op in rule:
            return compare(value, rule[op])
    raise StatesError("States.Runtime", f"unsupported choice rule {sorted(rule)}")


def reachable(definition: Mapping[str, Any]) -> dict[str, set[str]]:
    """Every state's successors (Next, Catch, Choice targets) per state list — for structural checks."""
    edges: dict[str, set[str]] = {}

    def visit(machine: Mapping[str, Any]) -> None:
        for name, state in machine["States"].items():
            targets = {state["Next"]} if "Next" in state else set()
            targets |= {c["Next"] for c in state.get("Catch", [])}
            targets |= {c["Next"] for c in state.get("Choices", [])}
            targets |= {state["Default"]} if "Default" in state else set()
            edges[name] = targets
            for branch in state.get("Branches", []):
                visit(branch)

    visit(definition)
    return edges
