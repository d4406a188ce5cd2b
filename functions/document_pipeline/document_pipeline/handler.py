"""Three entry points, one per stage; Terraform links them with on-success / on-failure destinations.

Each takes its contract from the event (a destination record for stages 2 and 3), runs the stage and returns
the next contract. Errors propagate: Lambda retries the async invocation, then the on-failure destination
receives the stage's input.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from document_pipeline import stages
from document_pipeline.contracts import DocumentAnalysis, DocumentRequest, ExtractedDocument, output, stage_input
from shared.middleware import event_handler
from shared.observability import logger, metrics


@event_handler(source="direct")
def extract(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    document = stages.extract(stage_input(event, DocumentRequest))
    logger.info("document extracted", extra={"document_id": document.document_id, "bytes": document.size_bytes})
    metrics.add_metric(name="DocumentExtracted", unit=MetricUnit.Count, value=1)
    return output(document)


@event_handler(source="direct")
def analyze(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    analysis = stages.analyze(stage_input(event, ExtractedDocument))
    logger.info("document analyzed", extra={"document_id": analysis.document_id, "words": analysis.words})
    metrics.add_metric(name="DocumentAnalyzed", unit=MetricUnit.Count, value=1)
    return output(analysis)


@event_handler(source="direct")
def store(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    stored = stages.store(stage_input(event, DocumentAnalysis))
    logger.info("analysis stored", extra={"document_id": stored.document_id, "key": stored.analysis_key})
    metrics.add_metric(name="AnalysisStored", unit=MetricUnit.Count, value=1)
    return output(stored)
