"""The two-region local stack of the failover drill: terraform/environments/local_two_region on one emulator.

Started once per session with ``python -m scripts.local up --detach --extra-region <secondary>`` in a temporary
``--local-dir`` on free ports (tests.e2e.harness.local_stack), and stopped at the end, pass or fail.
"""

from __future__ import annotations

import functools
import json
import os
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scripts.local.clients import emulator_client
from tests.e2e.harness import E2ESetupError, Stack, _local_stack_from_info, local_stack

REPO = Path(__file__).resolve().parents[2]
ENVIRONMENT = REPO / "terraform" / "environments" / "local_two_region"
PRIMARY, SECONDARY = "us-east-1", "us-west-2"

# Route 53 intervals × this on the emulator: the drill's 10 s checks probe every 2 s, and the failover time the
# global stack reports (interval × threshold + TTL) is asserted × this too.
ROUTE53_TIME_SCALE = 0.2
# Replication lag of the emulator's global tables (its default; set here so the README's figure has one source).
REPLICATION_LAG_S = 0.2
# A resolver per region: TestDNSAnswer asked from RESOLVER_NEAR[region] is latency-routed as an asker near it.
RESOLVER_NEAR = {PRIMARY: "10.1.0.53", SECONDARY: "10.2.0.53"}
STACK_ENVIRONMENT = {
    "EMULATOR_ROUTE53_TIME_SCALE": str(ROUTE53_TIME_SCALE),
    "EMULATOR_RESOLVER_REGIONS": f"10.1.0.0/16={PRIMARY},10.2.0.0/16={SECONDARY}",
    "EMULATOR_DYNAMODB_REPLICATION_LAG": str(REPLICATION_LAG_S),
    "MOTO_ACM_VALIDATION_WAIT": "0",  # moto keeps a certificate PENDING_VALIDATION 60 s by default
    # Twice the regional stack: the provider's long waiters (SQS ~25 s, S3 lifecycle ~55 s) would hold most of
    # the default 10 slots at once; the emulator answers concurrent requests.
    "TF_CLI_ARGS_apply": "-parallelism=30",
}


@dataclass
class TwoRegions:
    """Both regions' APIs behind one user pool, and the global stack's Route 53 pieces."""

    primary: Stack
    secondary: Stack
    emulator_url: str
    outputs: dict[str, Any]

    def region_of(self, stack: Stack) -> str:
        return stack.region

    @property
    def failover_time(self) -> dict[str, Any]:
        return dict(self.outputs["failover_time"])

    def route53(self) -> Any:
        return self.primary.aws("route53")


def _client_factory(endpoint: str, region: str) -> Any:
    return functools.partial(emulator_client, endpoint, region=region)


def _regional(primary: Stack, region: str, api_url: str, endpoint: str) -> Stack:
    return Stack(
        api_url=api_url,
        outputs=primary.outputs,
        region=region,
        client_factory=_client_factory(endpoint, region),
        mode="local",
        local_dir=primary.local_dir,
    )


def _api_url(api_urls: dict[str, str], label: str) -> str:
    """The orders API's local URL: the primary's under its name, an extra region's under "<region>/<name>"."""
    for name, url in sorted(api_urls.items()):
        if name.endswith("-api") and name.startswith(label) and "/" not in name.removeprefix(label):
            return url
    raise E2ESetupError(f"no {label or 'primary '}orders API among the local gateways: {sorted(api_urls)}")


def _from_info(started: Stack, info: dict[str, Any]) -> TwoRegions:
    endpoint = str(info["emulator_url"])
    primary = _regional(started, PRIMARY, _api_url(info["api_urls"], ""), endpoint)
    secondary = _regional(started, SECONDARY, _api_url(info["api_urls"], f"{SECONDARY}/"), endpoint)
    return TwoRegions(primary, secondary, endpoint, dict(started.outputs))


@pytest.fixture(scope="session")
def two_regions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoRegions]:
    running = os.environ.get("MULTIREGION_STACK_DIR")
    if running:  # a two-region stack already up (started with STACK_ENVIRONMENT): drill it, leave it running
        info = json.loads((Path(running) / "stack.json").read_text())
        regions = _from_info(_local_stack_from_info(info), info)
        try:
            yield regions
        finally:
            regions.primary.close()
        return
    local_dir = tmp_path_factory.mktemp("two-regions")
    args = ["--terraform-dir", str(ENVIRONMENT), "--extra-region", SECONDARY]
    args += shlex.split(os.environ.get("E2E_LOCAL_ARGS", ""))  # e.g. --no-build, as for the e2e suite
    failure: str | None = None
    with pytest.MonkeyPatch.context() as patch:
        for name, value in STACK_ENVIRONMENT.items():
            patch.setenv(name, value)
        try:
            with local_stack(local_dir, args) as started:
                regions = _from_info(started, json.loads((local_dir / "stack.json").read_text()))
                try:
                    yield regions
                finally:
                    regions.primary.close()
        except E2ESetupError as exc:
            failure = str(exc)
    if failure is not None:
        pytest.fail(f"two-region stack: {failure}", pytrace=False)
