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


def build_report(*, region: str, version: str, probes: Mapping[str, Callable[[], ProbeResult]]) -> HealthReport:
    checks = {name: probe() for name, probe in probes.items()}
    status: ProbeResult = "ok" if all(result == "ok" for result in checks.values()) else "unavailable"
    return HealthReport(status=status, region=region, version=version, checks=checks)
