"""The hook in a real (emulated) CodeDeploy deployment: a healthy new version is let through, a failing one is
rolled back before any traffic reaches it."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from deploy_hook.handler import lambda_handler

from scripts.emulator import InvokeOutcome
from shared.errors import ValidationError
from tests.support.aws_fixtures import FakeLambdaContext

from .conftest import Stack, route53_event

DONE = ("Succeeded", "Failed", "Stopped")


def wait_for(stack: Stack, deployment_id: str, timeout_s: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        info = stack.client("codedeploy").get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        if info["status"] in DONE:
            stack.hooks_finished()
            return dict(info)
        assert time.monotonic() < deadline, f"deployment {deployment_id} still {info['status']} after {timeout_s} s"
        time.sleep(0.05)


def test_healthy_new_version_gets_the_traffic(stack: Stack) -> None:
    # Given the function's chosen sample event, which version 2 answers with 200
    stack.upload_samples([{"name": "route53_health_check.json", "event": route53_event()}])

    # When CodeDeploy deploys version 2 with the hook before traffic
    info = wait_for(stack, stack.deploy())

    # Then the hook sent the sample to version 2 only, reported Succeeded, and the alias moved
    assert info["status"] == "Succeeded", info.get("errorInformation")
    assert stack.invoked == [(stack.function, "2", route53_event())]
    assert [r["status"] for r in stack.hook_reports] == ["Succeeded"]
    assert stack.alias_version() == "2"


def test_new_version_that_raises_is_rolled_back_before_taking_traffic(stack: Stack) -> None:
    # Given a new version that raises on the sample event
    stack.upload_samples([{"name": "route53_health_check.json", "event": route53_event()}])
    error = {"errorType": "KeyError", "errorMessage": "'ORDERS_TABLE'"}
    stack.answer_v2 = lambda event: InvokeOutcome(payload=json.dumps(error).encode(), function_error="Unhandled")

    # When it is deployed
    info = wait_for(stack, stack.deploy())

    # Then the deployment failed on the hook and the alias never left version 1
    assert info["status"] == "Failed"
    assert info["errorInformation"]["code"] == "HOOK_EXECUTION_FAILURE"
    (report,) = stack.hook_reports
    detail = "the function raised KeyError: 'ORDERS_TABLE'"
    assert report["results"] == [{"event": "route53_health_check.json", "passed": False, "detail": detail}]
    assert stack.alias_version() == "1"


def test_new_version_answering_5xx_fails_the_deployment(stack: Stack) -> None:
    stack.upload_samples([{"name": "route53_health_check.json", "event": route53_event()}])
    stack.answer_v2 = lambda event: InvokeOutcome(payload=b'{"statusCode": 503, "body": "{}"}')

    info = wait_for(stack, stack.deploy())

    assert info["status"] == "Failed"
    assert stack.hook_reports[0]["results"][0]["detail"] == "the function answered HTTP 503"
    assert stack.alias_version() == "1"


def test_missing_sample_events_fail_closed_without_invoking(stack: Stack) -> None:
    # Given no sample events were uploaded for the function

    info = wait_for(stack, stack.deploy())

    assert info["status"] == "Failed"
    assert stack.invoked == []
    assert stack.hook_reports[0]["problem"] == "no sample events for this function"
    assert stack.alias_version() == "1"


def test_event_without_the_hook_ids_is_rejected_naming_the_field(stack: Stack) -> None:
    context = FakeLambdaContext("orders-test-deploy_hook", memory_limit_in_mb=256, region="us-east-1")

    with pytest.raises(ValidationError) as raised:
        lambda_handler({"DeploymentId": "d-1"}, context)

    assert "LifecycleEventHookExecutionId" in json.dumps(raised.value.details, default=str)
