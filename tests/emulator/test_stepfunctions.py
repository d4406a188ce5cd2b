"""Step Functions executions run the ASL in the emulator and call Lambda tasks through the invoker."""

from __future__ import annotations

import json
import time
import uuid

from scripts.emulator import InvokeOutcome, InvokeRequest

ROLE = "arn:aws:iam::123456789012:role/sfn"


def _definition(charge_arn: str, refund_arn: str) -> str:
    return json.dumps(
        {
            "StartAt": "Charge",
            "States": {
                "Charge": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": charge_arn, "Payload.$": "$"},
                    "OutputPath": "$.Payload",
                    "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1}],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Refund"}],
                    "Next": "Charged",
                },
                "Charged": {"Type": "Succeed"},
                "Refund": {"Type": "Task", "Resource": refund_arn, "Next": "Refunded"},
                "Refunded": {"Type": "Fail", "Error": "PaymentFailed", "Cause": "refunded"},
            },
        }
    )


def _error(error_type: str) -> InvokeOutcome:
    body = {"errorType": error_type, "errorMessage": f"{error_type} happened"}
    return InvokeOutcome(payload=json.dumps(body).encode(), function_error="Unhandled")


def _run(client, function, invoker, answers):
    arn = client("lambda").get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    alias_arn = f"{arn}:live"
    calls = iter(answers)

    def respond(request: InvokeRequest) -> InvokeOutcome:
        return next(calls)(request)

    invoker.respond = respond
    sfn = client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"saga-{uuid.uuid4().hex[:8]}", definition=_definition(alias_arn, arn), roleArn=ROLE
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"order": "o-1"}))["executionArn"]
    deadline = time.monotonic() + 30
    while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "execution did not finish in 30 s"
        time.sleep(0.1)
    return described


def test_retry_then_success_goes_through_the_invoker(client, function, invoker):
    # Given a charge task failing once with a retryable error, then succeeding
    answers = [lambda r: _error("Flaky"), lambda r: InvokeOutcome(payload=b'{"charged": true}')]

    # When the state machine runs
    described = _run(client, function, invoker, answers)

    # Then the retry ran the function again and the execution succeeded with its output
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"charged": True}
    assert [(r.source, r.qualifier) for r in invoker.requests] == [("stepfunctions", "live")] * 2
    assert json.loads(invoker.requests[0].payload) == {"order": "o-1"}


def test_non_retryable_error_is_caught_and_compensated(client, function, invoker):
    # Given a charge task that fails with an error its Retry does not match
    answers = [lambda r: _error("Declined"), lambda r: InvokeOutcome(payload=b'{"refunded": true}')]

    # When the state machine runs
    described = _run(client, function, invoker, answers)

    # Then the Catch sent the error to the refund task and the execution failed as designed
    assert described["status"] == "FAILED"
    assert described["error"] == "PaymentFailed"
    charge, refund = invoker.requests
    assert (charge.qualifier, refund.qualifier) == ("live", None)
    assert json.loads(refund.payload)["error"]["Error"] == "Declined"


def test_retries_are_exhausted_before_the_catch(client, function, invoker):
    # Given a charge task that keeps failing with the retryable error
    answers = [lambda r: _error("Flaky")] * 3 + [lambda r: InvokeOutcome(payload=b"{}")]

    # When the state machine runs
    described = _run(client, function, invoker, answers)

    # Then it tried 1 + MaxAttempts(2) times, then compensated
    assert described["status"] == "FAILED"
    assert len(invoker.requests) == 4
    assert json.loads(invoker.requests[-1].payload)["error"]["Error"] == "Flaky"


def test_eventbridge_rule_starts_the_state_machine_with_the_event(client, function, invoker):
    # Given a rule whose target is a state machine running one Lambda task
    arn = client("lambda").get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    definition = {"StartAt": "Route", "States": {"Route": {"Type": "Task", "Resource": arn, "End": True}}}
    sfn = client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"router-{uuid.uuid4().hex[:8]}", definition=json.dumps(definition), roleArn=ROLE
    )["stateMachineArn"]
    events = client("events")
    rule = f"r-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["orders"]}))
    events.put_targets(Rule=rule, Targets=[{"Id": "saga", "Arn": machine, "RoleArn": ROLE}])

    # When a matching event is put
    events.put_events(Entries=[{"Source": "orders", "DetailType": "OrderCreated", "Detail": '{"id": "o-9"}'}])

    # Then an execution ran and its task got the event
    assert invoker.arrived.wait(30)
    deadline = time.monotonic() + 30
    while sfn.list_executions(stateMachineArn=machine)["executions"][0]["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert json.loads(invoker.requests[0].payload)["detail"] == {"id": "o-9"}
    assert sfn.list_executions(stateMachineArn=machine)["executions"][0]["status"] == "SUCCEEDED"
