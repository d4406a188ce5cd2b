"""The built zip + common layer, each stage in a fresh Lambda-like process against a moto server, on the samples."""

from __future__ import annotations

import json

import pytest

from scripts.lambda_sandbox import HandlerError
from tests.support.lambda_zips import load_event

pytestmark = pytest.mark.slow

BUCKET = "orders-dev-uploads"
ENV = {"UPLOADS_BUCKET": BUCKET}


def test_each_stage_turns_its_sample_into_the_next_stages_input(built_function, aws_endpoint, upload_sample) -> None:
    s3 = aws_endpoint.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    upload_sample(s3)
    pipeline = built_function("document_pipeline")

    extracted = pipeline.invoke(
        "document_pipeline_extract", load_event("document_pipeline", "extract_request"), env=ENV
    )
    analysed = pipeline.invoke(
        "document_pipeline_analyze", load_event("document_pipeline", "analyze_destination_record"), env=ENV
    )
    stored = pipeline.invoke(
        "document_pipeline_store", load_event("document_pipeline", "store_destination_record"), env=ENV
    )

    assert extracted.result == load_event("document_pipeline", "analyze_destination_record")["responsePayload"]
    assert analysed.result == load_event("document_pipeline", "store_destination_record")["responsePayload"]
    assert stored.result["analysis_key"] == "analysis/doc-2024-0042.json"
    body = s3.get_object(Bucket=BUCKET, Key="analysis/doc-2024-0042.json")["Body"].read()
    assert json.loads(body) == analysed.result


def test_a_failing_stage_raises_so_the_failure_destination_gets_its_input(built_function, aws_endpoint) -> None:
    aws_endpoint.client("s3").create_bucket(Bucket=BUCKET)  # the document was never uploaded

    with pytest.raises(HandlerError) as caught:
        built_function("document_pipeline").invoke(
            "document_pipeline_extract", load_event("document_pipeline", "extract_request"), env=ENV
        )

    assert caught.value.payload["errorType"] == "NotFoundError"
    assert '"error_code":"not_found"' in caught.value.logs


def test_a_failure_record_is_not_taken_for_input(built_function, aws_endpoint) -> None:
    with pytest.raises(HandlerError) as caught:
        built_function("document_pipeline").invoke(
            "document_pipeline_analyze", load_event("document_pipeline", "extract_failure_record"), env=ENV
        )

    assert caught.value.payload["errorType"] == "MisroutedRecordError"
