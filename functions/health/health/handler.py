"""GET /health for API Gateway HTTP API (payload 2.0): 200 when every dependency answers, else 503."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from health.probe import table_answers
from health.report import HealthReport, build_report
from health.settings import settings
from shared.http import make_resolver
from shared.middleware import api_handler

app = make_resolver()


@app.get("/health")
def health() -> Response[HealthReport]:
    config = settings()
    report = build_report(
        region=config.aws_region,
        version=config.app_version or config.aws_lambda_function_version or "unknown",
        probes={"orders_table": lambda: table_answers(config.orders_table, region=config.aws_region)},
        drained=config.health_drained,
    )
    return Response(report.http_status, "application/json", report, headers={"Cache-Control": "no-store"})


@api_handler()
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
