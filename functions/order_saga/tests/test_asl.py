"""Walk the real ASL definition (terraform/stacks/regional/order_saga.asl.json) with scripted task outcomes.

For a failure at each step, the compensations that run are exactly those of the steps that succeeded,
newest first; transient errors are retried with backoff, permanent ones are not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from order_saga.errors import OutOfStockError, StepCompensatedError

import shared.circuit_breaker
import shared.errors
import shared.idempotency
import shared.payments
from functions.order_saga.tests.asl_interpreter import Execution, Interpreter, TaskFailure, reachable
from shared.errors import ConflictError, NonRetryableError, ServiceUnavailableError, ValidationError

REPO = Path(__file__).resolve().parents[3]
ASL = REPO / "terraform" / "stacks" / "regional" / "order_saga.asl.json"
FUNCTION = REPO / "functions" / "order_saga" / "function.json"
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")

RESERVE, CHARGE, SHIP, NOTIFY = "reserve_inventory", "charge_payment", "create_shipment", "order_saga_notify"
CANCEL, REFUND, RELEASE = "cancel_shipment", "refund_payment", "release_inventory"
FORWARD = [RESERVE, CHARGE, SHIP, NOTIFY]


def definition() -> dict[str, Any]:
    """The ASL with each ``${<key>_arn}`` replaced by the bare handler key (as Terraform's templatefile would)."""
    return json.loads(PLACEHOLDER.sub(lambda m: m.group(1).removesuffix("_arn"), ASL.read_text()))


def task_keys() -> set[str]:
    return set(json.loads(FUNCTION.read_text())["handlers"])


def ok(result: dict[str, Any]) -> Callable[[Any], Any]:
    return lambda _: result


def fails(error: Exception, times: int | None = None, then: Any = None) -> Callable[[Any], Any]:
    """Fail ``times`` times (None: always), then return ``then``."""
    calls = {"n": 0}

    def task(_: Any) -> Any:
        calls["n"] += 1
        if times is None or calls["n"] <= times:
            raise error
        return then if then is not None else {"status": "OK"}

    return task


def run(**overrides: Callable[[Any], Any]) -> Execution:
    tasks: dict[str, Callable[[Any], Any]] = {
        RESERVE: ok({"status": "RESERVED"}),
        CHARGE: ok({"status": "APPROVED", "charge_id": "ch_1"}),
        SHIP: ok({"status": "CREATED", "shipment_id": "SHP-1"}),
        NOTIFY: ok({"status": "SENT"}),
        CANCEL: ok({"status": "CANCELLED"}),
        REFUND: ok({"status": "REFUNDED"}),
        RELEASE: ok({"status": "RELEASED"}),
    }
    tasks |= overrides
    return Interpreter(definition(), tasks).run({"order_id": "o-1", "total_cents": 100})


def unique(calls: list[str]) -> list[str]:
    """Task calls without consecutive repeats (retries)."""
    return [c for i, c in enumerate(calls) if i == 0 or calls[i - 1] != c]


def retry_lists(machine: dict[str, Any]) -> list[tuple[str, list[str]]]:
    found = []
    for name, state in machine["States"].items():
        if state["Type"] == "Task":
            found += [(name, r["ErrorEquals"]) for r in state.get("Retry", [])]
        for branch in state.get("Branches", []):
            found += retry_lists(branch)
    return found


# ---- structure ---------------------------------------------------------------------------------------------------


def test_placeholders_are_exactly_the_task_handler_keys() -> None:
    # Terraform substitutes "<key>_arn" for every wired saga task key (saga.tf); a typo would fail the plan.
    assert set(PLACEHOLDER.findall(ASL.read_text())) == {f"{key}_arn" for key in task_keys()}


def test_every_transition_target_exists_in_its_state_list() -> None:
    machine = definition()

    def names(m: dict[str, Any]) -> set[str]:
        out = set(m["States"])
        for state in m["States"].values():
            for branch in state.get("Branches", []):
                out |= names(branch)
        return out

    all_names = names(machine)
    for source, targets in reachable(machine).items():
        assert targets <= all_names, f"{source} points at a missing state"


def test_only_transient_errors_are_retried() -> None:
    # Given every retryable class of the taxonomy a task can raise (by its class name, as Step Functions sees it)
    modules = (shared.errors, shared.circuit_breaker, shared.idempotency, shared.payments)
    retryable = {
        cls.__name__
        for module in modules
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, shared.errors.RetryableError)
    }
    permanent = {
        cls.__name__
        for module in (*modules, __import__("order_saga.errors").errors)
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, shared.errors.AppError) and not cls.retryable
    }
    # Then each task retries all of them and none of the permanent ones (nor States.ALL)
    lists = retry_lists(definition())
    assert len(lists) == len(task_keys())
    for state, errors in lists:
        assert retryable <= set(errors), state
        assert not (permanent | {"States.ALL", "States.TaskFailed", "AppError"}) & set(errors), state


# ---- outcomes ----------------------------------------------------------------------------------------------------


def test_happy_path_runs_no_compensation() -> None:
    execution = run()
    assert execution.status == "SUCCEEDED"
    assert execution.tasks == FORWARD
    assert execution.output["fulfilment"] == {
        "shipment": {"status": "CREATED", "shipment_id": "SHP-1"},
        "notification": {"status": "SENT"},
    }


@pytest.mark.parametrize(
    ("failing", "compensations"),
    [
        (RESERVE, [RELEASE]),  # a failed reserve may have committed (a timeout): release is a no-op otherwise
        (CHARGE, [RELEASE]),
        (SHIP, [CANCEL, REFUND, RELEASE]),  # a failed create may have written the shipment: cancel is a no-op otherwise
        (NOTIFY, [CANCEL, REFUND, RELEASE]),
    ],
)
def test_failure_at_each_step_compensates_exactly_the_steps_before_it(failing: str, compensations: list[str]) -> None:
    # Given a permanent failure at one forward step
    error = NonRetryableError(f"{failing} cannot succeed")
    # When the saga runs
    execution = run(**{failing: fails(error)})
    # Then the forward steps stop there (the Parallel still finishes its other branch), the compensations of
    # the steps that succeeded or may have run newest first, and the execution fails with the original error
    forward = FORWARD[: FORWARD.index(failing) + 1]
    if failing == SHIP:
        forward = [*forward, NOTIFY]
    assert execution.tasks == forward + compensations
    assert (execution.status, execution.error) == ("FAILED", "NonRetryableError")


def test_shipment_and_notification_both_failing_cancels_refunds_and_releases() -> None:
    execution = run(**{SHIP: fails(NonRetryableError("no carrier")), NOTIFY: fails(NonRetryableError("no topic"))})
    assert execution.tasks == [*FORWARD, CANCEL, REFUND, RELEASE]
    assert execution.error == "NonRetryableError"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({RESERVE: fails(OutOfStockError("SKU-1"))}, "OutOfStockError"),
        ({RESERVE: fails(StepCompensatedError("order o-1 is CANCELLED"))}, "StepCompensatedError"),
        ({CHARGE: ok({"status": "DECLINED", "reason": "insufficient_funds"})}, "PaymentDeclined"),
        ({CHARGE: ok({"status": "ERROR"})}, "PaymentStatusUnknown"),
        ({SHIP: fails(StepCompensatedError("order o-1 is CANCELLED"))}, "StepCompensatedError"),
        ({NOTIFY: fails(NonRetryableError("no topic"))}, "NonRetryableError"),
    ],
    ids=["out-of-stock", "cancelled-before-reserve", "declined", "unknown-payment", "cancelled-before-ship", "notify"],
)
def test_the_release_sees_the_error_that_started_the_compensation(
    overrides: dict[str, Callable[[Any], Any]], error: str
) -> None:
    # Given a failure anywhere (the release words the order's cancel reason from $.error)
    seen: list[Any] = []

    def release(state: Any) -> Any:
        seen.append(state)
        return {"status": "RELEASED"}

    # When the saga runs
    execution = run(**overrides, **{RELEASE: release})
    # Then the release ran once, last, with the original error in $.error, and the saga fails with it
    assert execution.tasks[-1] == RELEASE
    assert [state["error"]["Error"] for state in seen] == [error]
    assert (execution.status, execution.error) == ("FAILED", error)


def test_declined_payment_releases_the_reservation_only() -> None:
    execution = run(**{CHARGE: ok({"status": "DECLINED", "charge_id": "ch_1", "reason": "insufficient_funds"})})
    assert execution.tasks == [RESERVE, CHARGE, RELEASE]
    assert (execution.status, execution.error) == ("FAILED", "PaymentDeclined")


def test_unknown_payment_status_refunds_and_releases() -> None:
    execution = run(**{CHARGE: ok({"status": "PENDING"})})
    assert execution.tasks == [RESERVE, CHARGE, REFUND, RELEASE]
    assert execution.error == "PaymentStatusUnknown"


@pytest.mark.parametrize(
    "error",
    [
        OutOfStockError("SKU-1"),
        ValidationError(fields={"input.items": "required"}),
        ConflictError("changed"),
        StepCompensatedError("late"),
        KeyError("bug"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_permanent_errors_are_not_retried(error: Exception) -> None:
    execution = run(**{RESERVE: fails(error)})
    assert execution.tasks == [RESERVE, RELEASE]
    assert execution.retries == []
    assert execution.error == type(error).__name__


@pytest.mark.parametrize(
    "error",
    [
        shared.errors.RetryableError("later"),
        shared.errors.ThrottleError("slow down"),
        ServiceUnavailableError("down"),
        shared.circuit_breaker.CircuitOpenError("open"),
        TaskFailure("Lambda.TooManyRequestsException"),
        TaskFailure("States.Timeout"),
    ],
    ids=lambda e: getattr(e, "error", type(e).__name__),
)
def test_a_transient_error_is_retried_and_the_saga_completes(error: Exception) -> None:
    execution = run(**{CHARGE: fails(error, times=2, then={"status": "APPROVED", "charge_id": "ch_1"})})
    assert execution.status == "SUCCEEDED"
    assert execution.tasks == [RESERVE, CHARGE, CHARGE, CHARGE, SHIP, NOTIFY]


def test_retries_back_off_exponentially_then_compensate() -> None:
    # Given a payment API that stays down
    execution = run(**{CHARGE: fails(ServiceUnavailableError("down"))})
    # Then the charge is tried 1 + 4 times with growing delays, then the reservation is released
    assert execution.tasks == [RESERVE, *[CHARGE] * 5, RELEASE]
    assert [delay for state, delay in execution.retries] == [2.0, 4.0, 8.0, 16.0]
    assert execution.error == "ServiceUnavailableError"


def test_a_transient_compensation_failure_is_retried() -> None:
    execution = run(**{CHARGE: fails(NonRetryableError("no")), RELEASE: fails(ServiceUnavailableError("x"), times=3)})
    assert unique(execution.tasks) == [RESERVE, CHARGE, RELEASE]
    assert execution.tasks.count(RELEASE) == 4
    assert execution.error == "NonRetryableError"


def test_a_compensation_that_keeps_failing_ends_in_compensation_failed() -> None:
    execution = run(**{NOTIFY: fails(NonRetryableError("no")), REFUND: fails(NonRetryableError("provider gone"))})
    assert execution.tasks == [*FORWARD, CANCEL, REFUND]
    assert (execution.status, execution.error) == ("FAILED", "CompensationFailed")
