"""The safe-deploy rehearsal: a broken version of ``health`` is canaried, its error alarm fires, CodeDeploy rolls it
back and no request fails afterwards; then a good version is canaried and promoted.

Everything is the real thing on the local stack: the new versions are real zips (the deployed one, with
``health/handler.py`` changed and its bytecode dropped, so the version really contains the changed code path),
published with UpdateFunctionCode; ``make deploy``'s script (``python -m scripts.deploy``) starts and follows the
CodeDeploy deployments; traffic is GET /health through the local HTTP API on the ``live`` alias; the data plane
routes by the alias's weights and publishes Lambda's metrics; the emulator evaluates the function's own
``<function>-errors`` alarm (Terraform's: Errors Sum > 0 for 3 of 3 one-minute periods) and carries out the
deployment. The stack runs at time scale 0.05: a 60 s period takes 3 s, a 30 minute canary 90 s (measured: the
alarm stopped it after 21 s, 12 of them the cold starts of both versions; the whole rehearsal took 36 s).

The deployment group is the rehearsal's own (application ``<prefix>-rehearsal-…``, no pre-traffic hook), so the
broken version reaches traffic and the alarm path is what stops it, whatever the environment's groups are.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import REPO, Stack, wait_for

pytestmark = pytest.mark.e2e

HANDLER = "health/handler.py"
BROKEN = """

def lambda_handler(event, context):  # the safe-deploy rehearsal's broken version
    raise RuntimeError("rehearsal: this version of health fails every request")
"""
DEPLOY_TIMEOUT_S = 150


@dataclass
class Hit:
    started: float
    status: int
    body: bytes = b""

    @property
    def failed(self) -> bool:
        """The function failed (the gateway's 500 for an error). health's own 503 is an answer, not a failure: its
        report says a dependency was slow to answer (its probe has a 1 s timeout, easy to miss on a loaded machine)."""
        if self.status == 200:
            return False
        if self.status == 503:
            with contextlib.suppress(ValueError):
                report = json.loads(self.body)
                return not (report.get("status") == "unavailable" and "ok" not in set(report["checks"].values()))
        return True


@dataclass
class Traffic:
    """GET /health from a few threads until stopped: what a canary's share of real users would send."""

    stack: Stack
    threads: int = 2
    hits: list[Hit] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Traffic:
        for _ in range(self.threads):
            worker = threading.Thread(target=self._run, daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            response = self.stack.http("GET", "/health", auth=False)
            self.hits.append(Hit(started, response.status, response.body))

    def since(self, moment: float) -> list[Hit]:
        return [h for h in list(self.hits) if h.started >= moment]

    def wait_for_hits_after(self, moment: float, count: int) -> list[Hit]:
        return wait_for(
            lambda: (lambda after: after if len(after) >= count else None)(self.since(moment)),
            timeout_s=60,
            what=f"{count} GET /health requests after the rollback",
            interval_s=0.1,
        )


def _deployed_zip(stack: Stack, function_name: str) -> bytes:
    """The zip the function runs: the S3 object it was deployed from, else a build manifest's zip (either checked
    against the deployed CodeSha256)."""
    import base64
    import hashlib
    from urllib.parse import urlparse

    def sha(data: bytes) -> str:
        return base64.b64encode(hashlib.sha256(data).digest()).decode()

    answer = stack.aws("lambda").get_function(FunctionName=function_name)
    deployed = answer["Configuration"]["CodeSha256"]
    key = urlparse(str(answer.get("Code", {}).get("Location") or "")).path.lstrip("/")
    s3 = stack.aws("s3")
    for bucket in s3.list_buckets()["Buckets"] if key else []:
        with contextlib.suppress(s3.exceptions.NoSuchKey):
            data = s3.get_object(Bucket=bucket["Name"], Key=key)["Body"].read()
            if sha(data) == deployed:
                return bytes(data)
    for manifest in (REPO / ".cache" / "host-dist" / "manifest.json", REPO / "dist" / "manifest.json"):
        if not manifest.is_file():
            continue
        for entry in json.loads(manifest.read_text()).get("functions", {}).values():
            path = REPO / entry["path"]
            if entry.get("sha256") == deployed and path.is_file() and sha(path.read_bytes()) == deployed:
                return path.read_bytes()
    raise AssertionError(f"no zip with {function_name}'s CodeSha256 {deployed} in S3 ({key}) or the dist manifests")


def _variant(original: bytes, change: Callable[[str], str]) -> bytes:
    """The zip with ``health/handler.py`` changed and its compiled copy left out (so the source is what runs)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename.startswith("health/__pycache__/handler."):
                continue
            data = source.read(info)
            if info.filename == HANDLER:
                data = change(data.decode()).encode()
            target.writestr(info, data)
    return out.getvalue()


def _publish(stack: Stack, function_name: str, code: bytes) -> str:
    answer = stack.aws("lambda").update_function_code(FunctionName=function_name, ZipFile=code, Publish=True)
    return str(answer["Version"])


def _live(stack: Stack, function_name: str) -> dict[str, Any]:
    return dict(stack.aws("lambda").get_alias(FunctionName=function_name, Name="live"))


def _alarm_state(stack: Stack, name: str) -> str:
    alarms = stack.aws("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    assert alarms, f"the stack has no alarm {name} (terraform: the function's errors alarm)"
    return str(alarms[0]["StateValue"])


@dataclass(frozen=True)
class Rehearsal:
    function_name: str
    alarm: str
    outputs_file: Path
    emulator_url: str
    slow_canary: str  # 50 % for 30 minutes (90 s here): the alarm must stop it long before it ends
    quick_canary: str  # 50 % for 1 minute
    good_versions: set[str]  # versions the fixture may leave live at the end


@pytest.fixture
def rehearsal(stack: Stack, tmp_path: Path) -> Iterator[Rehearsal]:
    if stack.mode != "local" or stack.local_dir is None:
        pytest.skip("the rehearsal publishes a failing version: local stack only")
    function_name = stack.function("health")
    alarm = f"{function_name}-errors"
    emulator_url = json.loads((stack.local_dir / "stack.json").read_text())["emulator_url"]
    codedeploy = stack.aws("codedeploy")
    name = f"{stack.prefix}-rehearsal-{uuid.uuid4().hex[:6]}"
    configs = {}
    for key, minutes in (("slow", 30), ("quick", 1)):
        configs[key] = f"{name}-canary-{key}"
        codedeploy.create_deployment_config(
            deploymentConfigName=configs[key],
            computePlatform="Lambda",
            trafficRoutingConfig={
                "type": "TimeBasedCanary",
                "timeBasedCanary": {"canaryPercentage": 50, "canaryInterval": minutes},
            },
        )
    codedeploy.create_application(applicationName=name, computePlatform="Lambda")
    codedeploy.create_deployment_group(
        applicationName=name,
        deploymentGroupName=f"{name}-health",
        deploymentConfigName=configs["slow"],
        serviceRoleArn=f"arn:aws:iam::123456789012:role/{name}",
        deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        alarmConfiguration={"enabled": True, "alarms": [{"name": alarm}]},
        autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]},
    )
    group = {
        "application": name,
        "deployment_group": f"{name}-health",
        "function_name": function_name,
        "alias": "live",
        "pre_traffic_hook": None,
    }
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps({"deployments": {"health": group}}))
    before = str(_live(stack, function_name)["FunctionVersion"])
    good = {before}
    try:
        yield Rehearsal(function_name, alarm, outputs_file, emulator_url, configs["slow"], configs["quick"], good)
    finally:
        # Whatever happened, the rest of the session gets a working health: never leave the broken version live.
        live = _live(stack, function_name)
        if (live.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or live["FunctionVersion"] not in good:
            stack.aws("lambda").update_alias(
                FunctionName=function_name,
                Name="live",
                FunctionVersion=before,
                RoutingConfig={"AdditionalVersionWeights": {}},
            )
        with contextlib.suppress(Exception):  # the emulator's records only: nothing depends on them
            codedeploy.delete_application(applicationName=name)


def _make_deploy(rehearsal: Rehearsal, config: str) -> subprocess.CompletedProcess[str]:
    """``make deploy FN=health ENV=local`` with the rehearsal's group and a canary config."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.deploy",
            "health",
            "local",
            "--outputs-file",
            str(rehearsal.outputs_file),
            "--endpoint-url",
            rehearsal.emulator_url,
            "--config",
            config,
            "--poll",
            "0.5",
            "--timeout",
            "120",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=DEPLOY_TIMEOUT_S,
        check=False,
    )


def test_a_failing_version_is_rolled_back_by_its_alarm_and_a_good_one_is_promoted(
    stack: Stack, rehearsal: Rehearsal
) -> None:
    fn = rehearsal.function_name
    original = _deployed_zip(stack, fn)
    old = _live(stack, fn)["FunctionVersion"]
    wait_for(
        lambda: _alarm_state(stack, rehearsal.alarm) != "ALARM",
        timeout_s=60,
        what=f"{rehearsal.alarm} out of ALARM before the rehearsal",
    )

    # Given a published version of health whose handler raises on every request
    broken = _publish(stack, fn, _variant(original, lambda source: source + BROKEN))
    assert broken != old

    with Traffic(stack) as traffic:
        # When it is deployed with a 50 % canary while users keep calling GET /health
        started = time.monotonic()
        bad = _make_deploy(rehearsal, rehearsal.slow_canary)
        finished = time.monotonic()

        # Then part of the traffic reached it, its errors alarm fired, the deployment stopped and rolled back
        assert bad.returncode == 1, bad.stdout + bad.stderr
        assert f"traffic: 50% on version {broken}" in bad.stdout, bad.stdout
        assert f"{rehearsal.alarm} ALARM" in bad.stdout, bad.stdout
        assert "rolled back by" in bad.stdout, bad.stdout
        reason = bad.stderr.strip()
        assert "\n" not in reason, reason
        assert "Stopped: ALARM_ACTIVE" in reason, reason
        assert reason.endswith(f"live on version {old}"), reason
        during = [h for h in traffic.since(started) if h.started < finished]
        assert any(h.status == 500 for h in during), "no request reached the broken version during the canary"
        assert any(h.status == 200 for h in during), "the canary took all the traffic"
        live = _live(stack, fn)
        assert live["FunctionVersion"] == old
        assert not (live.get("RoutingConfig") or {}).get("AdditionalVersionWeights")

        # And no request fails after the rollback
        after = traffic.wait_for_hits_after(finished, 20)
        assert [(h.status, h.body[:200]) for h in after if h.failed] == []

    # Given the alarm back to normal and a good version (the original code, republished)
    wait_for(
        lambda: _alarm_state(stack, rehearsal.alarm) != "ALARM",
        timeout_s=90,
        what=f"{rehearsal.alarm} back out of ALARM after the rollback",
    )
    good = _publish(stack, fn, _variant(original, lambda source: source + "\n# rehearsal: the good version\n"))
    rehearsal.good_versions.add(good)

    with Traffic(stack) as traffic:
        # When it is deployed with a 50 % canary of one minute
        started = time.monotonic()
        promoted = _make_deploy(rehearsal, rehearsal.quick_canary)

        # Then it went through the canary and was promoted; no request failed on the way
        assert promoted.returncode == 0, promoted.stdout + promoted.stderr
        assert f"traffic: 50% on version {good}" in promoted.stdout, promoted.stdout
        assert "status: Succeeded" in promoted.stdout, promoted.stdout
        assert _live(stack, fn)["FunctionVersion"] == good
        hits = traffic.wait_for_hits_after(started, 10)
    assert [(h.status, h.body[:200]) for h in hits if h.failed] == []
