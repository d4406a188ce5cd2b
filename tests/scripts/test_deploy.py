"""scripts/deploy.py (`make deploy`) against the embedded emulator: outputs → deployment → followed to its end."""

from __future__ import annotations

import io
import json
import re
import threading
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts import deploy
from scripts.emulator import Emulator, codedeploy


def _client(emulator: Emulator, service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _zip(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", text)
    return buffer.getvalue()


@pytest.fixture
def fast_time() -> Iterator[None]:
    previous = codedeploy.set_time_scale(0.01)  # a 30 minute canary holds 18 s
    yield
    codedeploy.set_time_scale(previous)


@pytest.fixture
def group(emulator: Emulator, tmp_path: Path) -> dict[str, Any]:
    """A function with versions 1 and 2, live on 1, its errors alarm and a deployment group watching it.

    Returns the ``deployments`` output entry (plus ``outputs_file``, a `terraform output -json` file holding it).
    """
    name = f"deploy-{uuid.uuid4().hex[:8]}"
    role = _client(emulator, "iam").create_role(
        RoleName=f"role-{name}", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )["Role"]["Arn"]
    lam = _client(emulator, "lambda")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": _zip("def handler(e, c):\n    return 1\n")},
        Publish=True,
    )
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    lam.update_function_code(FunctionName=name, ZipFile=_zip("def handler(e, c):\n    return 2\n"))
    lam.publish_version(FunctionName=name)
    alarm = f"{name}-errors"
    _client(emulator, "cloudwatch").put_metric_alarm(
        AlarmName=alarm,
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": name}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=3,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
    )
    cd = _client(emulator, "codedeploy")
    cd.create_application(applicationName=name, computePlatform="Lambda")
    cd.create_deployment_group(
        applicationName=name,
        deploymentGroupName=f"{name}-health",
        deploymentConfigName="CodeDeployDefault.LambdaCanary10Percent30Minutes",
        serviceRoleArn=role,
        deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        alarmConfiguration={"enabled": True, "alarms": [{"name": alarm}]},
        autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]},
    )
    entry = {
        "application": name,
        "deployment_group": f"{name}-health",
        "function_name": name,
        "alias": "live",
        "pre_traffic_hook": None,
        "alarms": [alarm],
    }
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps({"deployments": {"type": "object", "value": {"health": entry}}}))
    return {**entry, "outputs_file": outputs_file, "alarm": alarm}


def _args(group: dict[str, Any], emulator: Emulator, *extra: str) -> list[str]:
    outputs = str(group["outputs_file"])
    return ["health", "dev", "--outputs-file", outputs, "--endpoint-url", emulator.url, "--poll", "0.1", *extra]


# --- reading the outputs ----------------------------------------------------------------------------------------


def test_outputs_of_one_region_and_of_several_regions_give_one_target_per_region() -> None:
    entry = {"application": "a", "deployment_group": "g", "function_name": "f", "alias": "live"}
    assert [t.region for t in deploy.targets_from_outputs({"deployments": {"health": entry}}, "health", "dev")] == [
        None
    ]
    regions = {"us-east-1": {"health": entry}, "us-west-2": {"health": entry}}
    targets = deploy.targets_from_outputs({"deployments": regions}, "health", "prod")
    assert [t.region for t in targets] == ["us-east-1", "us-west-2"]
    assert targets[0].deployment_group == "g"


def test_unknown_function_key_names_the_groups_there_are() -> None:
    entry = {"application": "a", "deployment_group": "g", "function_name": "f", "alias": "live"}
    with pytest.raises(deploy.DeployError, match=r"'orders_api' has no deployment group in dev \(groups: health\)"):
        deploy.targets_from_outputs({"deployments": {"health": entry}}, "orders_api", "dev")


def test_environment_without_deployments_says_traffic_shifting_is_off() -> None:
    with pytest.raises(deploy.DeployError, match=r"deployment\.enabled"):
        deploy.targets_from_outputs({"deployments": {}}, "health", "local")


def test_local_without_a_running_stack_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert deploy.main(["health", "local", "--local-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no running local stack in")
    assert "\n" not in err


# --- deployments ----------------------------------------------------------------------------------------------


def test_a_deployment_that_succeeds_exits_0_with_live_on_the_new_version(
    group: dict[str, Any], emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # When version 2 is deployed all at once
    code = deploy.main(_args(group, emulator, "--config", "CodeDeployDefault.LambdaAllAtOnce"))

    # Then it succeeded, live is on 2, and the progress and the summary were printed
    out = capsys.readouterr().out
    assert code == 0
    assert "version 1 -> 2" in out
    assert "AllowTraffic: Succeeded" in out
    assert "status: Succeeded" in out
    assert re.search(rf"alarms: {group['alarm']} (OK|INSUFFICIENT_DATA)", out)
    summary = out.strip().splitlines()[-1].split()
    assert summary[:2] == ["health", "-"]
    assert summary[3:] == ["Succeeded", "1", "->", "2", "2", summary[-1]]
    alias = _client(emulator, "lambda").get_alias(FunctionName=group["function_name"], Name="live")
    assert alias["FunctionVersion"] == "2"


def test_an_alarm_during_the_canary_rolls_back_and_exits_1_with_the_reason(
    group: dict[str, Any], emulator: Emulator, capsys: pytest.CaptureFixture[str], fast_time: None
) -> None:
    # Given the alarm set to fire once `make deploy` has shown the canary's 10 % on version 2
    lam, cw = _client(emulator, "lambda"), _client(emulator, "cloudwatch")
    canary_shown = threading.Event()

    def say(line: str) -> None:
        print(line)
        if "traffic: 10% on version 2" in line:
            canary_shown.set()

    def fire_during_canary() -> None:
        if canary_shown.wait(timeout=60):
            cw.set_alarm_state(AlarmName=group["alarm"], StateValue="ALARM", StateReason="canary errors")

    trigger = threading.Thread(target=fire_during_canary)
    trigger.start()

    # When version 2 is deployed with the group's canary
    code = deploy.main(_args(group, emulator), say=say)
    trigger.join()

    # Then the progress showed 10 % and the alarm, the deployment stopped and rolled back, live is on 1
    captured = capsys.readouterr()
    assert code == 1
    assert "traffic: 10% on version 2" in captured.out
    assert f"{group['alarm']} ALARM" in captured.out
    assert "rolled back by" in captured.out
    err = captured.err.strip()
    assert "\n" not in err
    assert err.startswith("error: health deployment ")
    assert "Stopped: ALARM_ACTIVE" in err
    assert err.endswith("live on version 1")
    alias = lam.get_alias(FunctionName=group["function_name"], Name="live")
    assert alias["FunctionVersion"] == "1"
    assert not (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")


def test_nothing_to_deploy_when_live_is_on_the_newest_version(
    group: dict[str, Any], emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    _client(emulator, "lambda").update_alias(FunctionName=group["function_name"], Name="live", FunctionVersion="2")
    assert deploy.main(_args(group, emulator)) == 0
    assert "is already on version 2, nothing to deploy" in capsys.readouterr().out
