"""The failover drill: two regions on one emulator, region A drained through its health switch, and what a user
signed in before the failover sees afterwards.

Orders are created through A's API and read through B's with the same token (one user pool, global tables); A's
health function is switched to failing (HEALTH_DRAINED, functions/health/README.md); Route 53's TestDNSAnswer for
the latency-routed name, asked from a resolver nearest A, answers B within the global stack's failover time
(scaled by the emulator's Route 53 time scale); no order A acknowledged is missing in B, and the token issued
before the failover still works there. Measured replication lag and failover time are printed.
"""

from __future__ import annotations

import json
import statistics
import time
import urllib.request
from typing import Any

import pytest

from tests.e2e.harness import Stack, wait_for
from tests.e2e.scenarios import stored_order
from tests.multiregion.conftest import (
    PRIMARY,
    RESOLVER_NEAR,
    ROUTE53_TIME_SCALE,
    SECONDARY,
    TwoRegions,
)

pytestmark = pytest.mark.e2e

ORDERS = 8
ORDER = {"items": [{"sku": "sku-drill-1", "quantity": 1, "price": "4.50"}]}
SEEDED_ORDER = {"items": [{"sku": "sku-tea", "quantity": 1, "price": "4.50"}]}  # scripts/local/seed.py stocks it
POLL_S = 0.02  # how finely replication and the DNS answer are watched (the figures' resolution)


def dns_answer(regions: TwoRegions, asker_region: str) -> list[str]:
    answer = regions.route53().test_dns_answer(
        HostedZoneId=regions.outputs["zone_id"],
        RecordName=regions.outputs["record_name"],
        RecordType="A",
        ResolverIP=RESOLVER_NEAR[asker_region],
    )
    return list(answer["RecordData"])


def target(regions: TwoRegions, region: str) -> str:
    return str(regions.outputs["regions"][region]["api_domain_target"]["domain_name"]).rstrip(".")


def health_checks(regions: TwoRegions) -> dict[str, Any]:
    """The emulator's view of every health check (healthy, probes, transitions)."""
    url = regions.emulator_url.rstrip("/") + "/moto-api/emulator/route53/health-targets"
    with urllib.request.urlopen(url, timeout=10) as answer:
        return dict(json.load(answer)["health_checks"])


def healthy(regions: TwoRegions, region: str) -> bool:
    check_id = regions.outputs["health_check_ids"][region]
    return bool(health_checks(regions).get(check_id, {}).get("healthy"))


def set_drained(stack: Stack, function_name: str, drained: bool) -> str:
    """The operator's switch (functions/health/README.md): HEALTH_DRAINED in the health function's environment,
    published as a new version and moved onto the live alias (what a Terraform apply of the switch does too).
    Returns the version now live."""
    lam = stack.aws("lambda")
    variables = dict(lam.get_function_configuration(FunctionName=function_name)["Environment"]["Variables"])
    variables["HEALTH_DRAINED"] = "true" if drained else "false"
    lam.update_function_configuration(FunctionName=function_name, Environment={"Variables": variables})
    lam.get_waiter("function_updated_v2").wait(FunctionName=function_name, WaiterConfig={"Delay": 1})
    version = str(lam.publish_version(FunctionName=function_name)["Version"])
    for alias in lam.list_aliases(FunctionName=function_name)["Aliases"]:
        lam.update_alias(FunctionName=function_name, Name=alias["Name"], FunctionVersion=version)
    return version


def create_order(stack: Stack, token: str) -> tuple[str, float]:
    auth = {"Authorization": f"Bearer {token}"}
    response = stack.http("POST", "/orders", json_body=ORDER, headers=auth, auth=False)
    acked_at = time.monotonic()
    assert response.status == 201, f"POST /orders through {stack.region}: {response}"
    return str(response.json()["order_id"]), acked_at


def replicated_after(stack: Stack, order_id: str, acked_at: float) -> float:
    """Seconds from A's acknowledgement until B's replica of the orders table holds the order."""
    what = f"{order_id} in {stack.region}'s orders table"
    wait_for(lambda: stored_order(stack, order_id), timeout_s=60, what=what, interval_s=POLL_S)
    return time.monotonic() - acked_at


def report(capsys: pytest.CaptureFixture[str], lines: list[str]) -> None:
    with capsys.disabled():
        print("\n" + "\n".join(f"  drill: {line}" for line in lines), flush=True)


def test_region_a_fails_over_to_b_without_losing_an_acknowledged_order(
    two_regions: TwoRegions, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    a, b = two_regions.primary, two_regions.secondary
    assert (a.region, b.region) == (PRIMARY, SECONDARY)
    # Given both regions healthy, each asker answered its own region (latency routing)
    wait_for(
        lambda: healthy(two_regions, PRIMARY) and healthy(two_regions, SECONDARY),
        timeout_s=120,
        what="both regions' Route 53 health checks healthy",
    )
    assert dns_answer(two_regions, PRIMARY) == [target(two_regions, PRIMARY)]
    assert dns_answer(two_regions, SECONDARY) == [target(two_regions, SECONDARY)]

    # And a user signed in before anything fails (the one pool, in the primary region)
    token = a.id_token()
    auth = {"Authorization": f"Bearer {token}"}

    # When orders are created through A, Then B's table and B's API have every one of them
    acked: list[tuple[str, float]] = []
    lags: list[float] = []
    for _ in range(ORDERS):  # one at a time: each lag is measured from its own acknowledgement
        order_id, acked_at = create_order(a, token)
        lags.append(replicated_after(b, order_id, acked_at))
        acked.append((order_id, acked_at))
    for order_id, _ in acked:
        read = b.http("GET", f"/orders/{order_id}", headers=auth, auth=False)
        assert read.status == 200, f"GET /orders/{order_id} through {SECONDARY} before the failover: {read}"
        assert read.json()["items"] == ORDER["items"]

    # When A's health switch is flipped
    health_function = a.function("health")
    flipped_at, flipped_epoch = time.monotonic(), time.time()
    set_drained(a, health_function, True)
    request.addfinalizer(lambda: set_drained(a, health_function, False))  # A back in service for a re-run

    # Then A's health endpoint says so, and the name asked from near A answers B within the failover time
    failover = two_regions.failover_time
    bound_s = float(failover["seconds"]) * ROUTE53_TIME_SCALE
    wait_for(
        lambda: dns_answer(two_regions, PRIMARY) == [target(two_regions, SECONDARY)],
        timeout_s=bound_s * 4 + 60,  # long enough to measure a miss, not to pass one
        what=f"TestDNSAnswer from near {PRIMARY} answering {SECONDARY}",
        interval_s=POLL_S,
    )
    failover_s = time.monotonic() - flipped_at
    drained = a.http("GET", "/health", auth=False)
    assert drained.status == 503, f"{PRIMARY} /health after the switch: {drained}"
    assert drained.json()["checks"].get("drain_switch") == "unavailable"
    check = health_checks(two_regions)[two_regions.outputs["health_check_ids"][PRIMARY]]
    detected_s = (check["unhealthy_since"] or float("nan")) - flipped_epoch
    assert dns_answer(two_regions, SECONDARY) == [target(two_regions, SECONDARY)]  # B's own askers stay on B

    # And no order A acknowledged is lost, read through B with the token issued before the failover
    for order_id, _ in acked:
        read = b.http("GET", f"/orders/{order_id}", headers=auth, auth=False)
        assert read.status == 200, f"GET /orders/{order_id} through {SECONDARY} after the failover: {read}"
    listed = b.http("GET", "/orders?limit=100", headers=auth, auth=False)
    assert listed.status == 200, f"GET /orders through {SECONDARY}: {listed}"
    assert {order_id for order_id, _ in acked} <= {o["order_id"] for o in listed.json()["items"]}
    # And B takes new orders from that user
    create_order(b, token)

    report(
        capsys,
        [
            f"replication lag {PRIMARY} -> {SECONDARY} (ack in A until B's table has it, {ORDERS} orders, "
            f"polled every {POLL_S * 1000:.0f} ms): median {statistics.median(lags) * 1000:.0f} ms, "
            f"max {max(lags) * 1000:.0f} ms",
            f"failover: TestDNSAnswer from near {PRIMARY} answered {SECONDARY} {failover_s:.2f} s after the switch "
            f"(emulator marked {PRIMARY} unhealthy after {detected_s:.2f} s); bound {bound_s:.1f} s = "
            f"failover_time {failover['seconds']} s x Route 53 time scale {ROUTE53_TIME_SCALE} "
            f"({failover['request_interval']} s x {failover['failure_threshold']} "
            f"+ TTL {failover['alias_ttl_seconds']} s)",
        ],
    )
    assert failover_s <= bound_s, f"failover took {failover_s:.2f} s, more than the configured {bound_s:.1f} s"


def saga_executions_for(stack: Stack, order_id: str) -> list[str]:
    """ARNs of this region's order saga executions whose input is ``order_id``'s."""
    sfn = stack.aws("stepfunctions")
    found = []
    machines = sfn.list_state_machines()["stateMachines"]
    assert [m["name"] for m in machines if m["name"].endswith("order-saga")], (
        f"no order saga in {stack.region}: {machines}"
    )
    for machine in machines:
        if not machine["name"].endswith("order-saga"):
            continue
        for execution in sfn.list_executions(stateMachineArn=machine["stateMachineArn"], maxResults=1000)["executions"]:
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            if order_id in described.get("input", ""):
                found.append(execution["executionArn"])
    return found


def test_an_order_taken_by_b_is_reserved_by_the_saga_in_a_only(two_regions: TwoRegions) -> None:
    """Stock has one home region (terraform/README.md): B forwards its order events to A's bus, A's saga runs."""
    a, b = two_regions.primary, two_regions.secondary
    token = a.id_token()
    auth = {"Authorization": f"Bearer {token}"}
    response = b.http("POST", "/orders", json_body=SEEDED_ORDER, headers=auth, auth=False)
    assert response.status == 201, f"POST /orders through {SECONDARY}: {response}"
    order_id = str(response.json()["order_id"])

    def confirmed() -> str | None:
        status = str(b.http("GET", f"/orders/{order_id}", headers=auth, auth=False).json().get("status"))
        return None if status == "PENDING" else status

    # The saga's status updates are written in A and replicate back: B's API shows the order moving on
    status = wait_for(confirmed, timeout_s=180, what=f"{order_id} (taken by {SECONDARY}) leaving PENDING")
    assert status in ("CONFIRMED", "PAID", "SHIPPED"), f"{order_id} ended {status}"
    in_a, in_b = saga_executions_for(a, order_id), saga_executions_for(b, order_id)
    assert (len(in_a), in_b) == (1, []), f"saga executions for {order_id}: {PRIMARY} {in_a}, {SECONDARY} {in_b}"
