"""Route 53 in the emulator: health checks that probe a real local HTTP server, TestDNSAnswer with routing."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.exceptions import ClientError

from scripts.emulator import route53_health

DEADLINE = 30.0  # seconds, polled
INTERVAL, THRESHOLD, SCALE = 10, 2, 0.01  # a 10 s interval probes every 0.1 s at this scale


@dataclass
class Backends:
    """A local HTTP server standing in for the regional APIs: ``status[path prefix]`` is what it answers."""

    url: str
    status: dict[str, int] = field(default_factory=dict)
    hosts: list[str] = field(default_factory=list)


@pytest.fixture
def backends() -> Iterator[Backends]:
    state = Backends(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hosts.append(self.headers.get("Host", ""))
            code = state.status.get(self.path.split("/")[1], 404)
            body = b"status: ok" if code < 400 else b"status: failing"
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Zone:
    id: str
    name: str
    checks: dict[str, str]  # region → health check id
    fqdns: dict[str, str]  # region → the regional API's FQDN


@pytest.fixture
def zone(emulator, backends) -> Iterator[Zone]:
    """api.<zone>: latency A records in us-east-1 (10.0.0.1) and eu-west-1 (10.0.0.2), each with a health check."""
    r53 = emulator.client("route53")
    route53_health.set_time_scale(SCALE)
    suffix = uuid.uuid4().hex[:8]
    name = f"drill-{suffix}.example.com"
    zone_id = r53.create_hosted_zone(Name=name, CallerReference=suffix)["HostedZone"]["Id"].split("/")[-1]
    checks, fqdns = {}, {}
    for region, path in (("us-east-1", "a"), ("eu-west-1", "b")):
        fqdn = f"api-{path}-{suffix}.example.com"
        backends.status[path] = 200
        route53_health.map_health_check_target(fqdn, f"{backends.url}/{path}")
        checks[region] = r53.create_health_check(
            CallerReference=f"{suffix}-{region}",
            HealthCheckConfig={
                "Type": "HTTPS",
                "FullyQualifiedDomainName": fqdn,
                "Port": 443,
                "ResourcePath": "/health",
                "RequestInterval": INTERVAL,
                "FailureThreshold": THRESHOLD,
            },
        )["HealthCheck"]["Id"]
        fqdns[region] = fqdn
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": f"api.{name}",
                        "Type": "A",
                        "SetIdentifier": region,
                        "Region": region,
                        "TTL": 60,
                        "ResourceRecords": [{"Value": ip}],
                        "HealthCheckId": checks[region],
                    },
                }
                for region, ip in (("us-east-1", "10.0.0.1"), ("eu-west-1", "10.0.0.2"))
            ]
        },
    )
    try:
        yield Zone(zone_id, name, checks, fqdns)
    finally:
        for check_id in checks.values():
            r53.delete_health_check(HealthCheckId=check_id)
        for fqdn in fqdns.values():
            route53_health.map_health_check_target(fqdn, None)
        route53_health.set_time_scale(None)


def answer(emulator, zone: Zone, **asker: str) -> list[str]:
    response = emulator.client("route53").test_dns_answer(
        HostedZoneId=zone.id, RecordName=f"api.{zone.name}", RecordType="A", **asker
    )
    assert response["ResponseCode"] == "NOERROR"
    return response["RecordData"]


def test_latency_routing_answers_the_askers_nearest_region(emulator, zone):
    route53_health.map_resolver_region("10.20.0.0/16", "eu-west-1")
    route53_health.map_resolver_region("10.20.30.0/24", "us-east-1")  # the longer prefix wins
    try:
        assert answer(emulator, zone, ResolverIP="10.20.1.1") == ["10.0.0.2"]
        assert answer(emulator, zone, ResolverIP="10.20.30.1") == ["10.0.0.1"]
        # the client subnet (EDNS0) takes precedence over the resolver's address
        assert answer(emulator, zone, ResolverIP="10.20.30.1", EDNS0ClientSubnetIP="10.20.1.9") == ["10.0.0.2"]
        # an unmapped asker is nearest to the default region (us-east-1)
        assert answer(emulator, zone, ResolverIP="192.0.2.1") == ["10.0.0.1"]
        # nearest by the model: eu-central-1 is closer to eu-west-1 than to us-east-1
        route53_health.map_resolver_region("10.21.0.0/16", "eu-central-1")
        assert answer(emulator, zone, ResolverIP="10.21.0.1") == ["10.0.0.2"]
    finally:
        for cidr in ("10.20.0.0/16", "10.20.30.0/24", "10.21.0.0/16"):
            route53_health.map_resolver_region(cidr, None)


def test_health_checks_probe_the_mapped_target_and_report_like_route53(emulator, zone, backends):
    check = zone.checks["us-east-1"]

    deadline = time.monotonic() + DEADLINE
    while route53_health.health_check_status(check).probes < 2:
        assert time.monotonic() < deadline, "the health check was never probed"
        route53_health.wait_for_health(check, False, 0.1)

    status = emulator.client("route53").get_health_check_status(HealthCheckId=check)
    reports = [o["StatusReport"]["Status"] for o in status["HealthCheckObservations"]]
    assert reports
    assert all(r == "Success: HTTP Status Code 200, OK" for r in reports)
    assert zone.fqdns["us-east-1"] in backends.hosts  # probed with Host: <FQDN>, like Route 53


def test_an_unhealthy_region_is_skipped_and_the_answer_fails_over(emulator, zone, backends):
    check = zone.checks["us-east-1"]
    assert answer(emulator, zone) == ["10.0.0.1"]

    # When us-east-1's health endpoint starts failing
    failed_at = time.time()
    backends.status["a"] = 503

    # Then after FailureThreshold failed probes the check is unhealthy and the name answers eu-west-1
    assert route53_health.wait_for_health(check, False, DEADLINE)
    assert answer(emulator, zone) == ["10.0.0.2"]
    state = route53_health.health_check_status(check)
    assert state.unhealthy_since is not None
    assert state.unhealthy_since >= failed_at
    assert state.transitions[-1].report == "Failure: HTTP Status Code 503, Service Unavailable"
    observations = emulator.client("route53").get_health_check_status(HealthCheckId=check)["HealthCheckObservations"]
    assert observations[0]["StatusReport"]["Status"].startswith("Failure: HTTP Status Code 503")
    print(f"us-east-1 unhealthy {state.unhealthy_since - failed_at:.2f}s after its endpoint failed")
    # and Route 53's metric in us-east-1 (what the region_unhealthy alarm watches) went from 1 to 0
    statistics = emulator.client("cloudwatch", "us-east-1").get_metric_statistics(
        Namespace="AWS/Route53",
        MetricName="HealthCheckStatus",
        Dimensions=[{"Name": "HealthCheckId", "Value": check}],
        StartTime=datetime.now(UTC) - timedelta(minutes=10),
        EndTime=datetime.now(UTC) + timedelta(minutes=1),
        Period=3600,
        Statistics=["Minimum", "Maximum"],
    )["Datapoints"]
    assert [(d["Minimum"], d["Maximum"]) for d in statistics] == [(0.0, 1.0)]

    # And when it recovers, the nearest region answers again
    backends.status["a"] = 200
    assert route53_health.wait_for_health(check, True, DEADLINE)
    assert answer(emulator, zone) == ["10.0.0.1"]
    assert [t.healthy for t in route53_health.health_check_status(check).transitions] == [False, True]


def test_when_every_region_is_unhealthy_route53_answers_as_if_all_were_healthy(emulator, zone, backends):
    backends.status["a"] = backends.status["b"] = 500

    for check in zone.checks.values():
        assert route53_health.wait_for_health(check, False, DEADLINE)

    assert answer(emulator, zone) == ["10.0.0.1"]


def test_failover_routing_answers_the_secondary_while_the_primary_is_unhealthy(emulator, zone, backends):
    r53 = emulator.client("route53")
    record = {"Name": f"www.{zone.name}", "Type": "CNAME", "TTL": 30}
    r53.change_resource_record_sets(
        HostedZoneId=zone.id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        **record,
                        "SetIdentifier": "primary",
                        "Failover": "PRIMARY",
                        "HealthCheckId": zone.checks["us-east-1"],
                        "ResourceRecords": [{"Value": "primary.example.com"}],
                    },
                },
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        **record,
                        "SetIdentifier": "secondary",
                        "Failover": "SECONDARY",
                        "ResourceRecords": [{"Value": "secondary.example.com"}],
                    },
                },
            ]
        },
    )

    def www() -> list[str]:
        return r53.test_dns_answer(HostedZoneId=zone.id, RecordName=f"www.{zone.name}", RecordType="CNAME")[
            "RecordData"
        ]

    assert www() == ["primary.example.com"]
    backends.status["a"] = 503
    assert route53_health.wait_for_health(zone.checks["us-east-1"], False, DEADLINE)
    assert www() == ["secondary.example.com"]


def test_a_check_without_a_local_target_fails_like_an_unresolvable_name_until_mapped(emulator, backends):
    r53 = emulator.client("route53")
    route53_health.set_time_scale(SCALE)
    fqdn = f"nowhere-{uuid.uuid4().hex[:8]}.example.com"
    check = r53.create_health_check(
        CallerReference=fqdn,
        HealthCheckConfig={
            "Type": "HTTP",
            "FullyQualifiedDomainName": fqdn,
            "Port": 80,
            "ResourcePath": "/health",
            "RequestInterval": INTERVAL,
            "FailureThreshold": THRESHOLD,
        },
    )["HealthCheck"]["Id"]
    try:
        assert route53_health.wait_for_health(check, False, DEADLINE)
        assert "DNS resolution failed" in (route53_health.health_check_status(check).last_report or "")

        # When the target is mapped through the control endpoint (what a separate emulator process offers)
        backends.status["c"] = 200
        request = urllib.request.Request(
            f"{emulator.url}/moto-api/emulator/route53/health-targets",
            data=json.dumps({"target": fqdn, "url": f"{backends.url}/c"}).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=DEADLINE) as response:
            document = json.loads(response.read())
        assert document["targets"][fqdn] == f"{backends.url}/c"

        # Then the check probes it and turns healthy
        assert route53_health.wait_for_health(check, True, DEADLINE)
    finally:
        r53.delete_health_check(HealthCheckId=check)
        route53_health.map_health_check_target(fqdn, None)
        route53_health.set_time_scale(None)


def test_the_control_endpoint_rejects_a_bad_body_with_a_400(emulator):
    request = urllib.request.Request(
        f"{emulator.url}/moto-api/emulator/route53/health-targets", data=b'{"url": "ftp://x"}', method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=DEADLINE)
    assert error.value.code == 400
    assert "target" in json.loads(error.value.read())["error"]


def test_test_dns_answer_says_nxdomain_for_an_unknown_name_and_rejects_an_unknown_zone(emulator, zone):
    r53 = emulator.client("route53")

    unknown = r53.test_dns_answer(HostedZoneId=zone.id, RecordName=f"nope.{zone.name}", RecordType="A")

    assert (unknown["ResponseCode"], unknown["RecordData"]) == ("NXDOMAIN", [])
    with pytest.raises(ClientError) as error:
        r53.test_dns_answer(HostedZoneId="ZNOSUCHZONE", RecordName=f"api.{zone.name}", RecordType="A")
    assert error.value.response["Error"]["Code"] == "NoSuchHostedZone"
