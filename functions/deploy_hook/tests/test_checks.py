"""What the pre-traffic check decides, without AWS: which version, and whether each answer is healthy."""

from __future__ import annotations

import json

import pytest
from deploy_hook.checks import (
    DeploymentTarget,
    Invocation,
    SampleEvent,
    SampleEvents,
    judge,
    run_checks,
    target_from_appspec,
)

from shared.errors import ValidationError

TARGET = DeploymentTarget("orders-dev-health", "live", "3", "4")


def appspec(**properties: str) -> str:
    resource = {"Type": "AWS::Lambda::Function", "Properties": properties}
    return json.dumps({"version": 0.0, "Resources": [{"health": resource}]})


def test_appspec_names_the_function_and_both_versions() -> None:
    content = appspec(Name="orders-dev-health", Alias="live", CurrentVersion="3", TargetVersion="4")

    assert target_from_appspec(content) == TARGET


def test_appspec_function_arn_becomes_the_plain_name() -> None:
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:orders-dev-health:live"

    target = target_from_appspec(appspec(Name=arn, Alias="live", CurrentVersion="3", TargetVersion="4"))

    assert target.function_name == "orders-dev-health"


def test_appspec_without_a_target_version_is_rejected_naming_it() -> None:
    with pytest.raises(ValidationError, match="lacks TargetVersion"):
        target_from_appspec(appspec(Name="orders-dev-health", Alias="live", CurrentVersion="3"))


def test_appspec_in_yaml_is_rejected_saying_json_is_read() -> None:
    with pytest.raises(ValidationError, match="not JSON"):
        target_from_appspec("version: 0.0\nResources: []\n")


def test_appspec_with_two_functions_is_rejected() -> None:
    resource = {"Type": "AWS::Lambda::Function", "Properties": {}}
    content = json.dumps({"Resources": [{"a": resource}, {"b": resource}]})

    with pytest.raises(ValidationError, match="exactly one AWS::Lambda::Function, found 2"):
        target_from_appspec(content)


@pytest.mark.parametrize(
    ("answer", "passed", "detail"),
    [
        (Invocation(b'{"statusCode": 200, "body": "{}"}'), True, "HTTP 200"),
        (Invocation(b'{"statusCode": 404}'), True, "HTTP 404"),  # a 4xx to a bad sample is the function working
        (Invocation(b'{"statusCode": 503}'), False, "the function answered HTTP 503"),
        (Invocation(b'{"archived": 2}'), True, "ok"),
        (Invocation(b"null"), True, "ok"),
        (Invocation(b"not json"), True, "ok"),
        (
            Invocation(b'{"errorType": "KeyError", "errorMessage": "orders"}', function_error="Unhandled"),
            False,
            "the function raised KeyError: orders",
        ),
        (Invocation(b"", function_error="Unhandled"), False, "the function raised Unhandled"),
    ],
)
def test_answers_pass_unless_the_function_raised_or_answered_5xx(answer: Invocation, passed: bool, detail: str) -> None:
    result = judge("sample.json", answer)

    assert (result.event, result.passed, result.detail) == ("sample.json", passed, detail)


def test_every_sample_goes_to_the_target_version_and_one_failure_fails_the_report() -> None:
    # Given two sample events, the second of which the new version fails
    samples = SampleEvents(
        function="orders-dev-health",
        events=(SampleEvent(name="a.json", event={"n": 1}), SampleEvent(name="b.json", event={"n": 2})),
    )
    calls: list[tuple[str, str, dict[str, int]]] = []

    def invoke(function: str, version: str, payload: bytes) -> Invocation:
        calls.append((function, version, json.loads(payload)))
        return Invocation(b'{"statusCode": 200}') if len(calls) == 1 else Invocation(b'{"statusCode": 500}')

    # When the checks run
    report = run_checks(TARGET, samples, invoke)

    # Then both were sent to version 4, in order, and the deployment must fail
    assert calls == [("orders-dev-health", "4", {"n": 1}), ("orders-dev-health", "4", {"n": 2})]
    assert [r.passed for r in report.results] == [True, False]
    assert report.status == "Failed"


def test_all_healthy_answers_succeed() -> None:
    samples = SampleEvents(function="orders-dev-health", events=(SampleEvent(name="a.json", event={}),))

    report = run_checks(TARGET, samples, lambda *_: Invocation(b'{"statusCode": 200}'))

    assert report.status == "Succeeded"
    assert report.as_dict()["results"] == [{"event": "a.json", "passed": True, "detail": "HTTP 200"}]


@pytest.mark.parametrize(
    ("samples", "problem"),
    [
        (None, "no sample events for this function"),
        (SampleEvents(function="orders-dev-health", events=()), "no sample events for this function"),
        (
            SampleEvents(function="orders-dev-other", events=(SampleEvent(name="a.json", event={}),)),
            "the sample events are for orders-dev-other, not orders-dev-health",
        ),
    ],
)
def test_nothing_to_check_fails_without_invoking(samples: SampleEvents | None, problem: str) -> None:
    def invoke(*_: object) -> Invocation:
        raise AssertionError("nothing may be invoked")

    report = run_checks(TARGET, samples, invoke)

    assert (report.status, report.problem, report.results) == ("Failed", problem, ())
