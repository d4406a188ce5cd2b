"""document_pipeline: each stage alone, the destination-record contract, and the chain end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from document_pipeline.contracts import ExtractedDocument, MisroutedRecordError
from document_pipeline.stages import analyze

from shared.errors import NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError

Stage = Callable[[str, object], dict[str, Any]]
BUCKET = "orders-dev-uploads"


def test_extract_returns_the_text_of_the_requested_document(stage: Stage, sample: Any) -> None:
    result = stage("extract", sample("extract_request"))

    # The analyze sample carries exactly what extract returns for this request
    assert result == sample("analyze_destination_record")["responsePayload"]
    assert result["text"].startswith("Supplier terms for order fulfilment")


def test_analyze_reads_its_input_from_the_destination_record(stage: Stage, sample: Any) -> None:
    result = stage("analyze", sample("analyze_destination_record"))

    assert result == sample("store_destination_record")["responsePayload"]
    assert (result["words"], result["lines"]) == (50, 5)


def test_store_writes_the_analysis_json_and_says_where(stage: Stage, sample: Any, bucket: Any) -> None:
    record = sample("store_destination_record")

    result = stage("store", record)

    assert result == {
        "document_id": "doc-2024-0042",
        "source_key": "documents/supplier-terms.txt",
        "analysis_key": "analysis/doc-2024-0042.json",
        "words": 50,
    }
    stored = bucket.get_object(Bucket=BUCKET, Key="analysis/doc-2024-0042.json")
    assert json.loads(stored["Body"].read()) == record["responsePayload"]
    assert stored["ContentType"] == "application/json"


def test_the_chain_runs_end_to_end_through_destination_records(stage: Stage, wrap: Any, bucket: Any) -> None:
    bucket.put_object(
        Bucket=BUCKET, Key="documents/note.md", Body=b"# Note\nrefund refund order", ContentType="text/markdown"
    )
    request = {"document_id": "doc-9", "key": "documents/note.md"}

    extracted = stage("extract", request)
    analysed = stage("analyze", wrap("extract", request, extracted))
    stored = stage("store", wrap("analyze", wrap("extract", request, extracted), analysed))

    assert stored["analysis_key"] == "analysis/doc-9.json"
    analysis = json.loads(bucket.get_object(Bucket=BUCKET, Key="analysis/doc-9.json")["Body"].read())
    assert analysis["top_terms"][0] == {"term": "refund", "count": 2}


def test_a_missing_document_fails_extract(stage: Stage) -> None:
    with pytest.raises(NotFoundError, match=r"documents/missing.txt not found"):
        stage("extract", {"document_id": "doc-1", "key": "documents/missing.txt"})


def test_a_binary_document_is_rejected(stage: Stage, bucket: Any) -> None:
    bucket.put_object(Bucket=BUCKET, Key="documents/scan.png", Body=b"\x89PNG\r\n", ContentType="image/png")

    with pytest.raises(UnsupportedMediaTypeError, match="image/png, not text"):
        stage("extract", {"document_id": "doc-1", "key": "documents/scan.png"})


def test_a_document_over_the_limit_is_rejected(stage: Stage, bucket: Any) -> None:
    bucket.put_object(Bucket=BUCKET, Key="documents/big.txt", Body=b"a" * 70_000, ContentType="text/plain")

    with pytest.raises(PayloadTooLargeError, match="70000 bytes"):
        stage("extract", {"document_id": "doc-1", "key": "documents/big.txt"})


def test_an_empty_document_has_no_words(stage: Stage, bucket: Any) -> None:
    bucket.put_object(Bucket=BUCKET, Key="documents/empty.txt", Body=b"", ContentType="text/plain")

    extracted = stage("extract", {"document_id": "doc-1", "key": "documents/empty.txt"})

    assert (extracted["text"], extracted["size_bytes"]) == ("", 0)


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"document_id": "doc-1", "key": "private/secrets.txt"}, "event.key"),
        ({"document_id": "doc 1", "key": "documents/a.txt"}, "event.document_id"),
        ({"key": "documents/a.txt"}, "event.document_id"),
    ],
)
def test_an_invalid_request_names_the_field(stage: Stage, event: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        stage("extract", event)

    assert field in caught.value.fields


def test_a_payload_breaking_the_contract_names_the_field(stage: Stage, wrap: Any) -> None:
    record = wrap("extract", {}, {"document_id": "doc-1", "key": "documents/a.txt", "text": "x"})

    with pytest.raises(ValidationError) as caught:
        stage("analyze", record)

    assert set(caught.value.fields) == {"responsePayload.content_type", "responsePayload.size_bytes"}


def test_a_failure_record_sent_to_a_stage_is_refused(stage: Stage, sample: Any) -> None:
    with pytest.raises(MisroutedRecordError, match="RetriesExhausted"):
        stage("analyze", sample("extract_failure_record"))


def test_analysis_ignores_stop_words_and_breaks_ties_alphabetically() -> None:
    text = "The parcel and the box. A box, a parcel; the LABEL."
    document = ExtractedDocument(document_id="d", key="documents/d", content_type="text/plain", size_bytes=0, text=text)

    analysis = analyze(document)

    assert [(t.term, t.count) for t in analysis.top_terms] == [("box", 2), ("parcel", 2), ("label", 1)]
    assert analysis.words == 11
