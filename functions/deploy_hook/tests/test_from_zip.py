"""The built zip + common layer, in a fresh Lambda-like process, as the emulator's CodeDeploy invokes it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scripts.emulator import InvokeOutcome
from tests.support.lambda_zips import AwsEndpoint

from .conftest import PREFIX, Stack, route53_event
from .test_hook import wait_for

pytestmark = pytest.mark.slow


def test_built_hook_fails_a_version_that_answers_503(stack: Stack, built_function, emulator) -> None:
    # Given the built deploy_hook, run in its own process when CodeDeploy invokes it
    built = built_function("deploy_hook")
    built.endpoint = AwsEndpoint(emulator.url)
    env = {"SAMPLE_EVENTS_BUCKET": stack.bucket, "SAMPLE_EVENTS_PREFIX": PREFIX}

    def run(event: dict[str, Any]) -> dict[str, object]:
        result = built.invoke("deploy_hook", event, env=env, timeout=120).result
        assert isinstance(result, dict), result
        return result

    stack.hook_runner = run
    stack.upload_samples([{"name": "route53_health_check.json", "event": route53_event()}])
    stack.answer_v2 = lambda event: InvokeOutcome(payload=b'{"statusCode": 503}')

    # When version 2 is deployed
    info = wait_for(stack, stack.deploy(), timeout_s=180)

    # Then the zip's hook sent the sample to version 2, reported Failed, and the alias stayed on 1
    assert info["status"] == "Failed"
    assert stack.invoked == [(stack.function, "2", route53_event())]
    assert json.dumps(stack.hook_reports[0]["results"]) == json.dumps(
        [{"event": "route53_health_check.json", "passed": False, "detail": "the function answered HTTP 503"}]
    )
    assert stack.alias_version() == "1"
