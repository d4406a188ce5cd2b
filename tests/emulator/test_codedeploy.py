"""CodeDeploy Lambda deployments in the emulator, driven with boto3: traffic shifting, hooks, alarms, rollback."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from scripts.emulator import InvokeOutcome, InvokeRequest, codedeploy
from tests.emulator.conftest import RecordingInvoker

Client = Callable[[str], BaseClient]
DONE = ("Succeeded", "Failed", "Stopped")


@pytest.fixture
def scale() -> Iterator[Callable[[float], float]]:
    previous = codedeploy.time_scale()
    yield lambda value: codedeploy.set_time_scale(value)
    codedeploy.set_time_scale(previous)


@pytest.fixture
def v2(function: str, client: Client) -> str:
    """``function`` gets a version 2 with other code (``live`` stays on 1); returns the function's name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {'v': 2}\n")
    lam = client("lambda")
    lam.update_function_code(FunctionName=function, ZipFile=buffer.getvalue())
    assert lam.publish_version(FunctionName=function)["Version"] == "2"
    return function


def _group(
    client: Client, *, config: str = "CodeDeployDefault.LambdaAllAtOnce", alarms: list[str] | None = None
) -> tuple[str, str]:
    cd = client("codedeploy")
    app, group = f"app-{uuid.uuid4().hex[:8]}", "live"
    cd.create_application(applicationName=app, computePlatform="Lambda")
    cd.create_deployment_group(
        applicationName=app,
        deploymentGroupName=group,
        deploymentConfigName=config,
        serviceRoleArn="arn:aws:iam::123456789012:role/codedeploy",
        deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        alarmConfiguration={"enabled": bool(alarms), "alarms": [{"name": a} for a in alarms or []]},
        autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]},
    )
    return app, group


def _appspec(function: str, hooks: dict[str, str] | None = None, current: str = "1", target: str = "2") -> str:
    spec: dict[str, Any] = {
        "version": 0.0,
        "Resources": [
            {
                "fn": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Name": function,
                        "Alias": "live",
                        "CurrentVersion": current,
                        "TargetVersion": target,
                    },
                }
            }
        ],
    }
    if hooks:
        spec["Hooks"] = [{event: fn} for event, fn in hooks.items()]
    return json.dumps(spec)


def _deploy(client: Client, app: str, group: str, content: str, **extra: Any) -> str:
    revision = {"revisionType": "AppSpecContent", "appSpecContent": {"content": content}}
    answer = client("codedeploy").create_deployment(
        applicationName=app, deploymentGroupName=group, revision=revision, **extra
    )
    return str(answer["deploymentId"])


def _wait(client: Client, deployment_id: str, timeout_s: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        info = client("codedeploy").get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        if info["status"] in DONE:
            return dict(info)
        assert time.monotonic() < deadline, f"deployment {deployment_id} still {info['status']} after {timeout_s} s"
        time.sleep(0.05)


def _weight(client: Client, deployment_id: str) -> float:
    target = client("codedeploy").get_deployment_target(deploymentId=deployment_id, targetId="x")["deploymentTarget"]
    return float(target["lambdaTarget"]["lambdaFunctionInfo"]["targetVersionWeight"])


def _wait_weight(client: Client, deployment_id: str, weight: float, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if _weight(client, deployment_id) == weight:
                return
        except ClientError:  # no target before the run validated the AppSpec
            pass
        assert time.monotonic() < deadline, f"deployment {deployment_id} never sent {weight} % to the new version"
        time.sleep(0.05)


def _alias(client: Client, function: str) -> dict[str, Any]:
    return dict(client("lambda").get_alias(FunctionName=function, Name="live"))


# --- pure parts -----------------------------------------------------------------------------------------------


def test_traffic_steps_follow_the_config_types() -> None:
    assert codedeploy.traffic_steps({"type": "AllAtOnce"}) == []
    canary = codedeploy.PREDEFINED_LAMBDA_CONFIGS["CodeDeployDefault.LambdaCanary10Percent5Minutes"]
    assert codedeploy.traffic_steps(canary) == [(0.1, 5.0)]
    linear = codedeploy.PREDEFINED_LAMBDA_CONFIGS["CodeDeployDefault.LambdaLinear10PercentEvery1Minute"]
    assert codedeploy.traffic_steps(linear) == [(p / 100, 1.0) for p in range(10, 100, 10)]


def test_appspec_in_yaml_with_hooks_is_read() -> None:
    content = """
version: 0.0
Resources:
  - orders:
      Type: AWS::Lambda::Function
      Properties: {Name: orders-api, Alias: live, CurrentVersion: 3, TargetVersion: 4}
Hooks:
  - BeforeAllowTraffic: orders-pre-traffic
"""
    spec = codedeploy.parse_appspec({"revisionType": "AppSpecContent", "appSpecContent": {"content": content}})
    assert spec == codedeploy.AppSpec("orders-api", "live", "3", "4", {"BeforeAllowTraffic": "orders-pre-traffic"})


def test_appspec_without_a_target_version_names_the_property() -> None:
    content = json.loads(_appspec("f"))
    del content["Resources"][0]["fn"]["Properties"]["TargetVersion"]
    with pytest.raises(ValueError, match="TargetVersion"):
        codedeploy.parse_appspec({"revisionType": "String", "string": {"content": json.dumps(content)}})


# --- deployment configs and groups ----------------------------------------------------------------------------


def test_predefined_and_custom_lambda_configs_are_described(client: Client) -> None:
    cd = client("codedeploy")
    predefined = cd.get_deployment_config(deploymentConfigName="CodeDeployDefault.LambdaCanary10Percent5Minutes")
    assert predefined["deploymentConfigInfo"]["trafficRoutingConfig"] == {
        "type": "TimeBasedCanary",
        "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 5},
    }
    name = f"canary-{uuid.uuid4().hex[:6]}"
    routing = {"type": "TimeBasedLinear", "timeBasedLinear": {"linearPercentage": 25, "linearInterval": 2}}
    cd.create_deployment_config(deploymentConfigName=name, computePlatform="Lambda", trafficRoutingConfig=routing)
    assert (
        cd.get_deployment_config(deploymentConfigName=name)["deploymentConfigInfo"]["trafficRoutingConfig"] == routing
    )
    assert name in cd.list_deployment_configs()["deploymentConfigsList"]
    cd.delete_deployment_config(deploymentConfigName=name)
    with pytest.raises(ClientError, match="DeploymentConfigDoesNotExist"):
        cd.get_deployment_config(deploymentConfigName=name)


def test_a_canary_of_zero_percent_is_refused(client: Client) -> None:
    routing = {"type": "TimeBasedCanary", "timeBasedCanary": {"canaryPercentage": 0, "canaryInterval": 5}}
    with pytest.raises(ClientError, match="canaryPercentage 1-99"):
        client("codedeploy").create_deployment_config(
            deploymentConfigName=f"bad-{uuid.uuid4().hex[:6]}", computePlatform="Lambda", trafficRoutingConfig=routing
        )


def test_deployment_group_reports_its_alarms_and_can_be_updated_and_deleted(client: Client) -> None:
    cd = client("codedeploy")
    app, group = _group(client, alarms=["errors"])
    info = cd.get_deployment_group(applicationName=app, deploymentGroupName=group)["deploymentGroupInfo"]
    assert info["alarmConfiguration"] == {"enabled": True, "alarms": [{"name": "errors"}]}

    cd.update_deployment_group(
        applicationName=app,
        currentDeploymentGroupName=group,
        deploymentConfigName="CodeDeployDefault.LambdaCanary10Percent5Minutes",
    )
    info = cd.get_deployment_group(applicationName=app, deploymentGroupName=group)["deploymentGroupInfo"]
    assert info["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"

    cd.delete_deployment_group(applicationName=app, deploymentGroupName=group)
    with pytest.raises(ClientError, match="DeploymentGroupDoesNotExist"):
        cd.get_deployment_group(applicationName=app, deploymentGroupName=group)
    cd.delete_application(applicationName=app)
    with pytest.raises(ClientError, match="ApplicationDoesNotExist"):
        cd.get_application(applicationName=app)


# --- deployments ----------------------------------------------------------------------------------------------


def test_all_at_once_moves_the_alias_to_the_target_version(v2: str, client: Client) -> None:
    # Given live on version 1 and an all-at-once group
    app, group = _group(client)

    # When version 2 is deployed
    deployment_id = _deploy(client, app, group, _appspec(v2))
    info = _wait(client, deployment_id)

    # Then the deployment succeeded and live is on version 2 with no weights
    assert info["status"] == "Succeeded"
    assert info["deploymentOverview"]["Succeeded"] == 1
    assert "errorInformation" not in info or not info["errorInformation"]
    alias = _alias(client, v2)
    assert alias["FunctionVersion"] == "2"
    assert not (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
    target = client("codedeploy").get_deployment_target(deploymentId=deployment_id, targetId=f"{v2}:live")
    events = {
        e["lifecycleEventName"]: e["status"] for e in target["deploymentTarget"]["lambdaTarget"]["lifecycleEvents"]
    }
    assert events == {"BeforeAllowTraffic": "Skipped", "AllowTraffic": "Succeeded", "AfterAllowTraffic": "Skipped"}


def test_canary_holds_its_weight_for_the_scaled_interval_then_shifts_all(
    v2: str, client: Client, scale: Callable[[float], float]
) -> None:
    # Given a 20 % / 1 minute canary and time × 0.02 (the canary lasts 1.2 s)
    name = f"canary-{uuid.uuid4().hex[:6]}"
    routing = {"type": "TimeBasedCanary", "timeBasedCanary": {"canaryPercentage": 20, "canaryInterval": 1}}
    client("codedeploy").create_deployment_config(
        deploymentConfigName=name, computePlatform="Lambda", trafficRoutingConfig=routing
    )
    app, group = _group(client, config=name)
    scale(0.02)

    # When version 2 is deployed
    deployment_id = _deploy(client, app, group, _appspec(v2))
    info = _wait(client, deployment_id)

    # Then live gave version 2 20 %, held it at least 1.2 s, then all of it
    assert info["status"] == "Succeeded"
    traffic = codedeploy.run_state(deployment_id).traffic
    assert [weight for weight, _ in traffic] == [0.2, 1.0]
    assert traffic[1][1] - traffic[0][1] >= 60 * 0.02
    assert _alias(client, v2)["FunctionVersion"] == "2"


def test_alarm_during_the_canary_stops_and_rolls_back(v2: str, client: Client, scale: Callable[[float], float]) -> None:
    # Given a group watching an alarm, a canary of 10 % for 5 minutes and time × 0.05 (15 s of canary)
    alarm = f"errors-{uuid.uuid4().hex[:6]}"
    cw = client("cloudwatch")
    cw.put_metric_alarm(
        AlarmName=alarm,
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": v2}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
    )
    app, group = _group(client, config="CodeDeployDefault.LambdaCanary10Percent5Minutes", alarms=[alarm])
    scale(0.05)
    deployment_id = _deploy(client, app, group, _appspec(v2))
    _wait_weight(client, deployment_id, 10.0)
    assert _alias(client, v2)["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.1}}

    # When the alarm fires during the canary
    cw.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="errors in the canary")
    info = _wait(client, deployment_id)

    # Then the deployment stopped on the alarm, a rollback deployment put live back on version 1 without weights
    assert info["status"] == "Stopped"
    assert info["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert alarm in info["errorInformation"]["message"]
    target = client("codedeploy").get_deployment_target(deploymentId=deployment_id, targetId=f"{v2}:live")
    lambda_target = target["deploymentTarget"]["lambdaTarget"]
    assert lambda_target["status"] == "Failed"
    assert {e["lifecycleEventName"]: e["status"] for e in lambda_target["lifecycleEvents"]}["AllowTraffic"] == "Failed"
    rollback_id = info["rollbackInfo"]["rollbackDeploymentId"]
    rollback = client("codedeploy").get_deployment(deploymentId=rollback_id)["deploymentInfo"]
    assert rollback["creator"] == "codeDeployRollback"
    assert rollback["status"] == "Succeeded"
    assert rollback["rollbackInfo"]["rollbackTriggeringDeploymentId"] == deployment_id
    alias = _alias(client, v2)
    assert alias["FunctionVersion"] == "1"
    assert not (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")


def test_pre_traffic_hook_is_invoked_and_its_status_is_honoured(
    v2: str, client: Client, invoker: RecordingInvoker
) -> None:
    # Given a BeforeAllowTraffic hook that reports Succeeded for the first deployment and Failed for the second
    verdicts = iter(["Succeeded", "Failed"])

    def hook(request: InvokeRequest) -> InvokeOutcome:
        event = json.loads(request.payload)
        status = next(verdicts)

        def report() -> None:  # as a real hook does: after it was invoked, through the API
            client("codedeploy").put_lifecycle_event_hook_execution_status(
                deploymentId=event["DeploymentId"],
                lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
                status=status,
            )

        threading.Thread(target=report).start()
        return InvokeOutcome(payload=b"")

    invoker.respond = hook
    app, group = _group(client)

    # When version 2 is deployed, then (back on 1 by hand) deployed again
    first = _wait(client, _deploy(client, app, group, _appspec(v2, {"BeforeAllowTraffic": "pre-traffic"})))
    client("lambda").update_alias(FunctionName=v2, Name="live", FunctionVersion="1")
    second = _wait(client, _deploy(client, app, group, _appspec(v2, {"BeforeAllowTraffic": "pre-traffic"})))

    # Then the hook ran asynchronously with the deployment's ids; the first went through, the second failed before
    # any traffic moved
    assert [(r.function_name, r.invocation_type, r.source) for r in invoker.requests] == [
        ("pre-traffic", "Event", "codedeploy")
    ] * 2
    assert json.loads(invoker.requests[0].payload)["DeploymentId"] == first["deploymentId"]
    assert first["status"] == "Succeeded"
    assert second["status"] == "Failed"
    assert second["errorInformation"]["code"] == "HOOK_EXECUTION_FAILURE"
    assert codedeploy.run_state(second["deploymentId"]).traffic == [(0.0, pytest.approx(0.0, abs=60))]
    assert _alias(client, v2)["FunctionVersion"] == "1"


def test_a_hook_status_is_accepted_once(v2: str, client: Client, invoker: RecordingInvoker) -> None:
    # Given a deployment waiting for its hook
    app, group = _group(client)
    deployment_id = _deploy(client, app, group, _appspec(v2, {"BeforeAllowTraffic": "pre-traffic"}))
    deadline = time.monotonic() + 30
    while not invoker.requests:
        assert time.monotonic() < deadline, "the hook was never invoked"
        time.sleep(0.05)
    execution_id = json.loads(invoker.requests[0].payload)["LifecycleEventHookExecutionId"]
    cd = client("codedeploy")

    # When the hook reports twice, and once with an unknown id
    cd.put_lifecycle_event_hook_execution_status(
        deploymentId=deployment_id, lifecycleEventHookExecutionId=execution_id, status="Succeeded"
    )
    with pytest.raises(ClientError, match="LifecycleEventAlreadyCompleted"):
        cd.put_lifecycle_event_hook_execution_status(
            deploymentId=deployment_id, lifecycleEventHookExecutionId=execution_id, status="Failed"
        )
    with pytest.raises(ClientError, match="InvalidLifecycleEventHookExecutionId"):
        cd.put_lifecycle_event_hook_execution_status(
            deploymentId=deployment_id, lifecycleEventHookExecutionId="nope", status="Succeeded"
        )

    # Then the first status counted
    assert _wait(client, deployment_id)["status"] == "Succeeded"


def test_stop_deployment_with_rollback_restores_the_alias(
    v2: str, client: Client, scale: Callable[[float], float]
) -> None:
    # Given a canary holding 10 % for 30 minutes × 0.05 (90 s)
    app, group = _group(client, config="CodeDeployDefault.LambdaCanary10Percent30Minutes")
    scale(0.05)
    deployment_id = _deploy(client, app, group, _appspec(v2))
    _wait_weight(client, deployment_id, 10.0)

    # When a second deployment is attempted, then the first is stopped with rollback
    with pytest.raises(ClientError, match="DeploymentLimitExceeded"):
        _deploy(client, app, group, _appspec(v2))
    client("codedeploy").stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
    info = _wait(client, deployment_id)

    # Then it stopped by hand and live is back on version 1
    assert info["status"] == "Stopped"
    assert info["errorInformation"]["code"] == "MANUAL_STOP"
    assert info["rollbackInfo"]["rollbackDeploymentId"]
    assert _alias(client, v2)["FunctionVersion"] == "1"


def test_alias_not_on_the_current_version_fails_the_deployment(v2: str, client: Client) -> None:
    app, group = _group(client)
    info = _wait(client, _deploy(client, app, group, _appspec(v2, current="2", target="1")))
    assert info["status"] == "Failed"
    assert info["errorInformation"]["code"] == "INVALID_LAMBDA_CONFIGURATION"
    assert _alias(client, v2)["FunctionVersion"] == "1"


def test_unknown_deployment_config_is_refused_at_create(v2: str, client: Client) -> None:
    app, group = _group(client)
    with pytest.raises(ClientError, match="DeploymentConfigDoesNotExist"):
        _deploy(client, app, group, _appspec(v2), deploymentConfigName="no-such-config")
