"""The health report: which dependencies answer, and what that means for the region. No AWS, no events."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pydantic import BaseModel, ConfigDict

from health.probe import ProbeResult


class HealthReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: ProbeResult
    region: str
    version: str
    checks: dict[str, ProbeResult]

    @property
    def http_status(self) -> int:
        # Route 53 marks the region unhealthy on anything but 2xx/3xx: 503 takes it out of latency routing.
        return 200 if self.status == "ok" else 503


DRAIN_CHECK = "drain_switch"  # the check a drained region reports as unavailable


def build_report(
    *, region: str, version: str, probes: Mapping[str, Callable[[], ProbeResult]], drained: bool = False
) -> HealthReport:
    """Every probe's result; a drained region is unavailable whatever its probes say (they still run: the
    report shows whether the region would be healthy once the switch is off)."""
    checks = {name: probe() for name, probe in probes.items()}
    if drained:
        checks[DRAIN_CHECK] = "unavailable"
    status: ProbeResult = "ok" if all(result == "ok" for result in checks.values()) else "unavailable"
    return HealthReport(status=status, region=region, version=version, checks=checks)
