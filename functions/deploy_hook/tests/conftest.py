"""A CodeDeploy deployment in the emulator whose BeforeAllowTraffic hook is this function, run in-process.

The emulator carries out the deployment (scripts/emulator/codedeploy.py): it invokes the hook asynchronously
through the registered invoker, which runs ``deploy_hook.handler`` on its own thread against the emulator
(real boto3 calls: GetDeployment, S3 GetObject, Lambda Invoke, PutLifecycleEventHookExecutionStatus); the
invoker answers the function under deployment's versions as each test says.
"""

from __future__ import annotations

import io
import json
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.client import BaseClient

from scripts.emulator import Emulator, InvokeOutcome, InvokeRequest, set_lambda_invoker, start_emulator
from tests.support.aws_fixtures import FakeLambdaContext

EVENTS = Path(__file__).resolve().parents[1] / "events"
PREFIX = "deploy-hook/events/"
Answer = Callable[[dict[str, Any]], InvokeOutcome]


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


@dataclass
class Stack:
    """What one test deploys: a function with versions 1 (live) and 2, a bucket, an application and group."""

    client: Callable[[str], BaseClient]
    function: str
    hook: str
    bucket: str
    application: str
    group: str
    answer_v2: Answer = lambda event: InvokeOutcome(payload=b'{"statusCode": 200}')
    invoked: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    hook_reports: list[dict[str, object]] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)
    # How the hook runs when CodeDeploy invokes it: None runs deploy_hook.handler in this process.
    hook_runner: Callable[[dict[str, Any]], dict[str, object]] | None = None

    def upload_samples(self, events: list[dict[str, Any]]) -> None:
        document = {"function": self.function, "events": events}
        self.client("s3").put_object(Bucket=self.bucket, Key=f"{PREFIX}{self.function}.json", Body=json.dumps(document))

    def deploy(self) -> str:
        properties = {"Name": self.function, "Alias": "live", "CurrentVersion": "1", "TargetVersion": "2"}
        appspec = {
            "version": 0.0,
            "Resources": [{"fn": {"Type": "AWS::Lambda::Function", "Properties": properties}}],
            "Hooks": [{"BeforeAllowTraffic": self.hook}],
        }
        answer = self.client("codedeploy").create_deployment(
            applicationName=self.application,
            deploymentGroupName=self.group,
            revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": json.dumps(appspec)}},
        )
        return str(answer["deploymentId"])

    def hooks_finished(self, timeout_s: float = 120.0) -> list[dict[str, object]]:
        """The hook runs' reports once every run has returned (CodeDeploy may end before the hook returns)."""
        for thread in self.threads:
            thread.join(timeout=timeout_s)
            assert not thread.is_alive(), f"the hook still runs after {timeout_s} s"
        return self.hook_reports

    def alias_version(self) -> str:
        return str(self.client("lambda").get_alias(FunctionName=self.function, Name="live")["FunctionVersion"])


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    """The project's emulator (moto + its CodeDeploy deployments) on a free loopback port."""
    running = start_emulator("127.0.0.1", 0)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def stack(emulator: Emulator, monkeypatch: pytest.MonkeyPatch, clean_shared_state: None) -> Iterator[Stack]:
    client = emulator.client
    suffix = uuid.uuid4().hex[:8]
    role = client("iam").create_role(
        RoleName=f"deploy-hook-test-{suffix}",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    lam = client("lambda")
    function = f"orders-test-health-{suffix}"
    lam.create_function(
        FunctionName=function,
        Runtime="python3.13",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": zipped("def handler(event, context):\n    return 1\n")},
        Publish=True,
    )
    lam.create_alias(FunctionName=function, Name="live", FunctionVersion="1")
    lam.update_function_code(FunctionName=function, ZipFile=zipped("def handler(event, context):\n    return 2\n"))
    assert lam.publish_version(FunctionName=function)["Version"] == "2"

    bucket = f"orders-test-artifacts-{suffix}"
    client("s3").create_bucket(Bucket=bucket)
    application, group = f"orders-test-{suffix}", f"orders-test-{suffix}-health"
    codedeploy = client("codedeploy")
    codedeploy.create_application(applicationName=application, computePlatform="Lambda")
    codedeploy.create_deployment_group(
        applicationName=application,
        deploymentGroupName=group,
        deploymentConfigName="CodeDeployDefault.LambdaAllAtOnce",
        serviceRoleArn=role,
        deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
    )

    # The hook's own environment, as Terraform sets it, pointed at the emulator.
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.url)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("SAMPLE_EVENTS_BUCKET", bucket)
    monkeypatch.setenv("SAMPLE_EVENTS_PREFIX", PREFIX)

    deployed = Stack(client, function, f"orders-test-deploy_hook-{suffix}", bucket, application, group)

    def run_hook(payload: bytes) -> None:
        if deployed.hook_runner is not None:
            deployed.hook_reports.append(deployed.hook_runner(json.loads(payload)))
            return
        from deploy_hook.handler import lambda_handler

        context = FakeLambdaContext(deployed.hook, memory_limit_in_mb=256, region="us-east-1", remaining_ms=300_000)
        deployed.hook_reports.append(lambda_handler(json.loads(payload), context))

    def invoker(request: InvokeRequest) -> InvokeOutcome:
        if request.function_name == deployed.hook:  # CodeDeploy invokes hooks asynchronously
            thread = threading.Thread(target=run_hook, args=(request.payload,), daemon=True)
            deployed.threads.append(thread)
            thread.start()
            return InvokeOutcome(payload=b"")
        event = json.loads(request.payload)
        deployed.invoked.append((request.function_name, request.qualifier, event))
        if request.qualifier == "2":
            return deployed.answer_v2(event)
        return InvokeOutcome(payload=b'{"statusCode": 200}', executed_version=request.qualifier or "$LATEST")

    previous = set_lambda_invoker(invoker)
    try:
        yield deployed
    finally:
        set_lambda_invoker(previous)
        for thread in deployed.threads:
            thread.join(timeout=30)


def route53_event() -> dict[str, Any]:
    return json.loads((EVENTS.parents[1] / "health" / "events" / "route53_health_check.json").read_text())
