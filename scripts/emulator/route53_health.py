"""Route 53 health checks that really probe, and ``TestDNSAnswer`` that honours routing and health.

moto 5.2 stores health checks but never evaluates them and has no TestDNSAnswer. Here every HTTP/HTTPS/TCP check
is probed every ``RequestInterval`` × :func:`time_scale` at a local target (:func:`map_health_check_target`,
``EMULATOR_HEALTH_CHECK_TARGETS`` or a loopback address: the FQDN does not resolve on this machine) and turns
unhealthy after ``FailureThreshold`` failures; TestDNSAnswer answers from the zone's simple, latency, failover and
weighted records, skipping unhealthy ones. The rules, the environment variables and the control endpoint:
README.md, "Route 53 health checks and TestDNSAnswer".
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import os
import random
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from moto.core.responses import ActionResult

from scripts.emulator.patching import env_number, once

TIME_SCALE_ENV = "EMULATOR_ROUTE53_TIME_SCALE"
TARGETS_ENV = "EMULATOR_HEALTH_CHECK_TARGETS"
RESOLVERS_ENV = "EMULATOR_RESOLVER_REGIONS"
DEFAULT_REGION_ENV = "EMULATOR_RESOLVER_DEFAULT_REGION"
TESTDNSANSWER_PATH = r"{0}/(?P<api_version>[\d_-]+)/testdnsanswer$"
CONTROL_PATH = "{0}/moto-api/emulator/route53/health-targets"
CONNECT_TIMEOUT = 4.0  # Route 53: a TCP connection within four seconds
RESPONSE_TIMEOUT = 2.0  # Route 53: then an HTTP status within two seconds
SEARCH_BYTES = 5120
CHECKER_REGIONS = ("us-east-1", "us-west-1", "eu-west-1")
METRICS_REGION = "us-east-1"  # Route 53 publishes health-check metrics only there
LOOPBACK_NAMES = ("localhost", "localhost.")
CONTINENTS = {"us": "am", "ca": "am", "sa": "am", "mx": "am", "eu": "emea", "me": "emea", "af": "emea", "il": "emea"}

logger = logging.getLogger("scripts.emulator")

_lock = threading.RLock()
_changed = threading.Condition(_lock)
_targets: dict[str, str] = {}
_resolvers: dict[ipaddress.IPv4Network | ipaddress.IPv6Network, str] = {}
_time_scale: float | None = None
_states: dict[str, HealthState] = {}
_supervisor: threading.Thread | None = None


@dataclass
class Transition:
    at: float  # epoch seconds
    healthy: bool
    report: str


@dataclass
class HealthState:
    """What the emulator knows about one health check (see :func:`health_check_status`)."""

    health_check_id: str
    healthy: bool = True
    consecutive_failures: int = 0
    consecutive_successes: int = 0
    probes: int = 0
    last_report: str | None = None
    last_checked: float | None = None  # epoch seconds
    transitions: list[Transition] = field(default_factory=list)

    @property
    def unhealthy_since(self) -> float | None:
        """Epoch seconds of the latest turn to unhealthy, while unhealthy (None when healthy)."""
        if self.healthy:
            return None
        return next((t.at for t in reversed(self.transitions) if not t.healthy), None)


# --- public API ------------------------------------------------------------------------------------------------


def map_health_check_target(target: str, url: str | None) -> None:
    """Probe health checks whose id or FQDN is ``target`` at ``url`` (``http(s)://host:port[/base]``); None unmaps."""
    key = target.lower().rstrip(".")
    with _lock:
        if url is None:
            _targets.pop(key, None)
            return
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https", "tcp") or not parts.hostname:
            raise ValueError(
                f"health check target URL must be http(s)://host[:port][/path] or tcp://host:port, got {url!r}"
            )
        _targets[key] = url


def health_check_targets() -> dict[str, str]:
    """The mapping in force: registered targets over ``EMULATOR_HEALTH_CHECK_TARGETS`` entries."""
    with _lock:
        return {**_parse_pairs(os.environ.get(TARGETS_ENV, ""), TARGETS_ENV), **_targets}


def map_resolver_region(cidr: str, region: str | None) -> None:
    """Askers (resolver or EDNS0 client subnet) in ``cidr`` are nearest to ``region`` (None removes the entry)."""
    network = ipaddress.ip_network(cidr, strict=False)
    with _lock:
        if region is None:
            _resolvers.pop(network, None)
        else:
            _resolvers[network] = region


def set_time_scale(scale: float | None) -> None:
    """Multiply every RequestInterval by ``scale`` (None: back to $EMULATOR_ROUTE53_TIME_SCALE or 1)."""
    global _time_scale
    if scale is not None and scale <= 0:
        raise ValueError(f"time scale must be > 0, got {scale}")
    with _changed:
        _time_scale = scale
        _changed.notify_all()


def time_scale() -> float:
    if _time_scale is not None:
        return _time_scale
    return env_number(TIME_SCALE_ENV, 1.0, lambda value: value > 0, "a number > 0", "a number > 0")


def health_check_status(health_check_id: str) -> HealthState:
    """A copy of the check's state: ``healthy``, counters, ``last_report``, ``transitions``, ``unhealthy_since``."""
    with _lock:
        state = _states.get(health_check_id)
        if state is None:
            check = _find_check(health_check_id)
            if check is None:
                raise KeyError(f"no health check {health_check_id}")
            if check.type_ == "CALCULATED":
                return HealthState(health_check_id, healthy=_is_healthy(check))
            return HealthState(health_check_id)
        copy = HealthState(**{k: v for k, v in vars(state).items() if k != "transitions"})
        copy.transitions = list(state.transitions)
        check = _find_check(health_check_id)
        if check is not None:
            copy.healthy = _is_healthy(check)
        return copy


def wait_for_health(health_check_id: str, healthy: bool, timeout: float) -> bool:
    """Wait until the check's thresholded status is ``healthy``; False when ``timeout`` seconds passed first."""
    deadline = time.monotonic() + timeout
    with _changed:
        while health_check_status(health_check_id).healthy is not healthy:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            _changed.wait(remaining)
        return True


def answer_dns(
    backend: Any, zone_id: str, record_name: str, record_type: str, asker_ip: str | None = None
) -> dict[str, Any]:
    """What Route 53 would answer for ``record_name``/``record_type`` in the zone (TestDNSAnswer's fields)."""
    zone = backend.get_hosted_zone(zone_id)  # NoSuchHostedZone when unknown
    name = _normal_name(record_name)
    named = [r for r in zone.rrsets if _normal_name(r.name) == name]
    candidates = [r for r in named if r.type == record_type]
    chosen = _route(zone, candidates, asker_region(asker_ip))
    data: list[str] = []
    for record in chosen:
        if record.alias_target:
            data.append(str(record.alias_target.get("DNSName", "")).rstrip("."))
        else:
            data.extend(str(value) for value in record.records or [])
    nameservers = getattr(zone.delegation_set, "name_servers", None) or ["ns-0.awsdns-00.com"]
    return {
        "Nameserver": nameservers[0],
        "RecordName": record_name,
        "RecordType": record_type,
        "RecordData": data,
        "ResponseCode": "NOERROR" if named else "NXDOMAIN",
        "Protocol": "UDP",
    }


def asker_region(ip: str | None) -> str:
    """The region an asker at ``ip`` is nearest to (resolver mapping, longest prefix; else the default region)."""
    default = os.environ.get(DEFAULT_REGION_ENV) or "us-east-1"
    if not ip:
        return default
    address = ipaddress.ip_address(ip)
    with _lock:
        table = {**_parse_resolvers(os.environ.get(RESOLVERS_ENV, "")), **_resolvers}
    matches = [(network.prefixlen, region) for network, region in table.items() if address in network]
    return max(matches)[1] if matches else default


def region_distance(asker: str, region: str) -> int:
    """Modelled latency rank: 0 same region, 1 same country prefix, 2 same continent, 3 elsewhere."""
    if asker == region:
        return 0
    a, b = asker.split("-")[0], region.split("-")[0]
    if a == b:
        return 1
    return 2 if CONTINENTS.get(a, a) == CONTINENTS.get(b, b) else 3


# --- routing -----------------------------------------------------------------------------------------------------


def _normal_name(name: str) -> str:
    return name.lower().rstrip(".").replace("\\052", "*")


def _route(zone: Any, candidates: list[Any], asker: str) -> list[Any]:
    if len(candidates) <= 1:
        return candidates
    healthy = [r for r in candidates if _record_healthy(zone, r)] or candidates  # all unhealthy: all count
    if any(r.region for r in candidates):
        return [min(healthy, key=lambda r: (region_distance(asker, r.region or ""), r.region or ""))]
    if any(r.failover for r in candidates):
        primary = [r for r in candidates if r.failover == "PRIMARY"]
        secondary = [r for r in candidates if r.failover == "SECONDARY"]
        if primary and _record_healthy(zone, primary[0]):
            return primary[:1]
        if secondary and _record_healthy(zone, secondary[0]):
            return secondary[:1]
        return (primary or secondary)[:1]
    if any(r.weight is not None for r in candidates):
        weighted = [r for r in healthy if int(r.weight or 0) > 0] or healthy
        weights = [max(int(r.weight or 0), 0) or 1 for r in weighted]
        return random.choices(weighted, weights=weights, k=1)
    return healthy[:8]  # multivalue answer: up to eight healthy records


def _record_healthy(zone: Any, record: Any, depth: int = 0) -> bool:
    if record.health_check_id:
        check = _find_check(record.health_check_id)
        if check is not None and not _is_healthy(check):
            return False
    target = record.alias_target or {}
    if depth < 8 and str(target.get("EvaluateTargetHealth", "false")).lower() == "true":
        name = _normal_name(str(target.get("DNSName", "")))
        same_zone = [r for r in zone.rrsets if _normal_name(r.name) == name]
        if same_zone:
            return any(_record_healthy(zone, r, depth + 1) for r in same_zone)
    return True


# --- health checks ---------------------------------------------------------------------------------------------


def _checks_by_account() -> Iterator[tuple[str, Any]]:
    from moto.route53.models import route53_backends

    for account_id, account_backends in list(route53_backends.items()):
        for backend in list(account_backends.values()):
            for check in list(backend.health_checks.values()):
                yield account_id, check


def _find_check(health_check_id: str) -> Any:
    return next((c for _, c in _checks_by_account() if c.id == health_check_id), None)


def _is_healthy(check: Any, depth: int = 0) -> bool:
    if check.disabled:
        return True
    if check.type_ == "CALCULATED":
        children = [_find_check(child) for child in check.children or []]
        up = sum(1 for c in children if c is not None and depth < 8 and _is_healthy(c, depth + 1))
        healthy = up >= int(check.health_threshold or 0)
    else:
        state = _states.get(check.id)
        healthy = state.healthy if state is not None else True
    return (not healthy) if check.inverted else healthy


def _target_url(check: Any) -> str | None:
    targets = health_check_targets()
    fqdn = (check.fqdn or "").lower().rstrip(".")
    for key in (check.id.lower(), fqdn):
        if key and key in targets:
            return targets[key].rstrip("/") + (check.resource_path or "")
    host = check.ip_address or fqdn
    if host and (host in LOOPBACK_NAMES or _is_loopback(host)):
        scheme = "https" if str(check.type_).startswith("HTTPS") else "tcp" if check.type_ == "TCP" else "http"
        literal = f"[{host}]" if ":" in host else host
        return f"{scheme}://{literal}:{check.port}{check.resource_path or ''}"
    return None


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def probe(check: Any) -> tuple[bool, str]:
    """One Route 53-style request for ``check``: (success, the status report Route 53 would show)."""
    url = _target_url(check)
    if url is None:
        return False, (
            f"Failure: DNS resolution failed: {check.fqdn or check.ip_address} has no local target "
            f"(map it with {TARGETS_ENV} or the health-targets control endpoint)"
        )
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        if parts.scheme == "tcp":
            with socket.create_connection((parts.hostname, port), timeout=CONNECT_TIMEOUT):
                return True, "Success: TCP connection established"
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # Route 53 does not validate the certificate
            connection = http.client.HTTPSConnection(
                parts.hostname or "", port, timeout=CONNECT_TIMEOUT, context=context
            )
        else:
            connection = http.client.HTTPConnection(parts.hostname or "", port, timeout=CONNECT_TIMEOUT)
        try:
            connection.connect()
            connection.sock.settimeout(RESPONSE_TIMEOUT)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection.request(
                "GET",
                path,
                headers={"Host": check.fqdn or parts.netloc, "User-Agent": "Amazon-Route53-Health-Check-Service"},
            )
            response = connection.getresponse()
            body = response.read(SEARCH_BYTES)
        finally:
            connection.close()
    except (OSError, http.client.HTTPException) as error:
        return False, f"Failure: {type(error).__name__}: {error}"
    status = f"HTTP Status Code {response.status}, {response.reason}"
    if not 200 <= response.status < 400:
        return False, f"Failure: {status}"
    if str(check.type_).endswith("STR_MATCH") and (check.search_string or "").encode() not in body:
        return False, f"Failure: {status}. The search string was not found in the first {SEARCH_BYTES} bytes"
    return True, f"Success: {status}"


def _record_probe(check: Any, success: bool, report: str) -> None:
    with _changed:
        state = _states.setdefault(check.id, HealthState(check.id))
        state.probes += 1
        state.last_report = report
        state.last_checked = time.time()
        if success:
            state.consecutive_successes += 1
            state.consecutive_failures = 0
        else:
            state.consecutive_failures += 1
            state.consecutive_successes = 0
        threshold = int(check.failure_threshold or 3)
        if state.healthy and state.consecutive_failures >= threshold:
            state.healthy = False
            state.transitions.append(Transition(state.last_checked, False, report))
            logger.info("health check %s turned unhealthy: %s", check.id, report)
        elif not state.healthy and state.consecutive_successes >= threshold:
            state.healthy = True
            state.transitions.append(Transition(state.last_checked, True, report))
            logger.info("health check %s turned healthy: %s", check.id, report)
        _changed.notify_all()


def _publish_metrics(account_id: str, check: Any, success: bool) -> None:
    """Route 53's CloudWatch metrics (us-east-1, AWS/Route53, per HealthCheckId): what alarms on a region watch."""
    from moto.cloudwatch.models import cloudwatch_backends

    dimensions = [{"Name": "HealthCheckId", "Value": check.id}]
    with _lock:
        healthy = _is_healthy(check)
    cloudwatch_backends[account_id][METRICS_REGION].put_metric_data(
        "AWS/Route53",
        [
            {"MetricName": "HealthCheckStatus", "Value": 1.0 if healthy else 0.0, "Dimensions": dimensions},
            {
                "MetricName": "HealthCheckPercentageHealthy",
                "Value": 100.0 if success else 0.0,
                "Dimensions": dimensions,
            },
        ],
    )


def _probe_forever(account_id: str, check: Any, stop: threading.Event) -> None:
    while not stop.is_set():
        success, report = probe(check)
        _record_probe(check, success, report)
        try:
            _publish_metrics(account_id, check, success)
        except Exception:
            logger.exception("publishing Route 53 metrics of health check %s failed", check.id)
        probed_at = time.monotonic()
        with _changed:  # woken by any change: the interval is re-read, so a new time scale applies at once
            while not stop.is_set():
                remaining = probed_at + float(check.request_interval or 30) * time_scale() - time.monotonic()
                if remaining <= 0:
                    break
                _changed.wait(remaining)


def _supervise() -> None:
    """Start a prober per HTTP/TCP health check, stop it when the check is deleted (or moto is reset)."""
    running: dict[str, tuple[threading.Event, threading.Thread]] = {}
    while True:
        checks = {
            c.id: (account_id, c)
            for account_id, c in _checks_by_account()
            if c.type_ not in ("CALCULATED", "CLOUDWATCH_METRIC")
        }
        for check_id, (account_id, check) in checks.items():
            if check_id not in running or not running[check_id][1].is_alive():
                stop = threading.Event()
                thread = threading.Thread(
                    target=_probe_forever,
                    args=(account_id, check, stop),
                    name=f"route53-health-{check_id[:8]}",
                    daemon=True,
                )
                thread.start()
                running[check_id] = (stop, thread)
        for check_id in set(running) - set(checks):
            running.pop(check_id)[0].set()
            with _changed:
                _states.pop(check_id, None)
                _changed.notify_all()
        with _changed:
            _changed.wait(0.2)


def _ensure_supervisor() -> None:
    global _supervisor
    with _lock:
        if _supervisor is None or not _supervisor.is_alive():
            _supervisor = threading.Thread(target=_supervise, name="route53-health-supervisor", daemon=True)
            _supervisor.start()


# --- moto patches -----------------------------------------------------------------------------------------------


def _parse_pairs(raw: str, variable: str) -> dict[str, str]:
    pairs = {}
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        key, sep, value = entry.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"{variable}: entries are key=value separated by commas, got {entry!r}")
        pairs[key.strip().lower().rstrip(".")] = value.strip()
    return pairs


def _parse_resolvers(raw: str) -> dict[ipaddress.IPv4Network | ipaddress.IPv6Network, str]:
    return {ipaddress.ip_network(k, strict=False): v for k, v in _parse_pairs(raw, RESOLVERS_ENV).items()}


def _test_dns_answer(self: Any) -> Any:
    from moto.route53.exceptions import InvalidInput

    zone_id = self._get_param("HostedZoneId")
    name, record_type = self._get_param("RecordName"), self._get_param("RecordType")
    if not zone_id or not name or not record_type:
        raise InvalidInput("HostedZoneId, RecordName and RecordType are required")
    asker = self._get_param("EDNS0ClientSubnetIP") or self._get_param("ResolverIP")
    try:
        answer = answer_dns(self.backend, zone_id, name, record_type, asker)
    except ValueError as error:
        raise InvalidInput(f"EDNS0ClientSubnetIP/ResolverIP: {error}") from error
    return ActionResult(answer)


def _get_health_check_status(self: Any) -> Any:
    check = self.backend.get_health_check(self._get_param("HealthCheckId"))  # NoSuchHealthCheck when unknown
    state = _states.get(check.id)
    observations = []
    if state is not None and state.last_report is not None and state.last_checked is not None:
        checked = datetime.fromtimestamp(state.last_checked, UTC)
        for region in check.regions or CHECKER_REGIONS:
            observations.append(
                {
                    "Region": region,
                    "IPAddress": "127.0.0.1",
                    "StatusReport": {"Status": state.last_report, "CheckedTime": checked},
                }
            )
    return ActionResult({"HealthCheckObservations": observations})


def _create_health_check(original: Any) -> Any:
    def create_health_check(self: Any, *args: Any, **kwargs: Any) -> Any:
        check = original(self, *args, **kwargs)
        _ensure_supervisor()
        return check

    return create_health_check


def _control(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """GET: the target mapping and every check's status; POST {"target", "url"}: (un)map a target."""
    if request.method == "POST":
        try:
            raw = request.get_data() if hasattr(request, "get_data") else request.data  # form-typed bodies too
            body = json.loads(raw or b"{}")
            map_health_check_target(str(body["target"]), body.get("url"))
        except (KeyError, TypeError, ValueError) as error:
            message = f'body must be {{"target": "<id or FQDN>", "url": "http://…" or null}}: {error}'
            return 400, {"Content-Type": "application/json"}, json.dumps({"error": message})
    statuses = {}
    for _, check in list(_checks_by_account()):
        state = health_check_status(check.id)
        statuses[check.id] = {
            "healthy": state.healthy,
            "probes": state.probes,
            "last_report": state.last_report,
            "unhealthy_since": state.unhealthy_since,
            "transitions": [vars(t) for t in state.transitions],
        }
    document = {"targets": health_check_targets(), "health_checks": statuses, "time_scale": time_scale()}
    return 200, {"Content-Type": "application/json"}, json.dumps(document)


@once
def install() -> None:
    """Route TestDNSAnswer, evaluate health checks, add the control endpoint."""
    from moto.moto_api._internal import urls as moto_api_urls
    from moto.route53 import urls
    from moto.route53.models import Route53Backend
    from moto.route53.responses import Route53

    urls.url_paths[TESTDNSANSWER_PATH] = Route53.dispatch
    Route53.test_dns_answer = _test_dns_answer  # type: ignore[attr-defined]
    Route53.get_health_check_status = _get_health_check_status  # type: ignore[method-assign]
    Route53Backend.create_health_check = _create_health_check(Route53Backend.create_health_check)  # type: ignore[method-assign]
    moto_api_urls.url_paths[CONTROL_PATH] = _control
