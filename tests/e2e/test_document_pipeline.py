"""The document chain (extract → analyze → store) linked by async on-success destinations, and its failures."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.harness import Stack, unique, wait_for

pytestmark = pytest.mark.e2e


def invoke_async(stack: Stack, function_key: str, payload: dict[str, Any]) -> None:
    answer = stack.aws("lambda").invoke(
        FunctionName=stack.function(function_key), InvocationType="Event", Payload=json.dumps(payload).encode()
    )
    assert answer["StatusCode"] == 202, f"async invoke of {function_key}: {answer['StatusCode']}"


def failure_records(stack: Stack) -> list[dict[str, Any]]:
    """Invocation records on the async-failures queue now (left visible for the next look)."""
    records: list[dict[str, Any]] = []
    for _ in range(20):
        answer = stack.aws("sqs").receive_message(
            QueueUrl=stack.queue_url("async_failures"), MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
        )
        for message in answer.get("Messages", []):
            try:
                records.append(json.loads(message["Body"]))
            except ValueError:
                continue
        if len(answer.get("Messages", [])) < 10:
            break
    return records


def test_document_chain_destinations_carry_results_and_failures(stack: Stack) -> None:
    uploads = stack.bucket("uploads")
    # Given a text document in the uploads bucket
    document_id = unique("doc")
    key = f"documents/{document_id}.txt"
    text = "the quick brown fox jumps over the lazy dog\nthe dog sleeps\n"
    stack.aws("s3").put_object(Bucket=uploads, Key=key, Body=text.encode(), ContentType="text/plain")

    # When the chain's first stage is invoked asynchronously with the document request
    invoke_async(stack, "document_pipeline_extract", {"document_id": document_id, "key": key})

    # Then each stage's result reaches the next through its on-success destination, and the last stage stores it
    def stored() -> dict[str, Any] | None:
        listed = stack.aws("s3").list_objects_v2(Bucket=uploads, Prefix="analysis/").get("Contents", [])
        found = [o["Key"] for o in listed if document_id in o["Key"]]
        return json.loads(stack.aws("s3").get_object(Bucket=uploads, Key=found[0])["Body"].read()) if found else None

    analysis = wait_for(stored, timeout_s=stack.async_retry_s, what=f"the stored analysis of {document_id}")
    assert analysis["document_id"] == document_id
    assert analysis["words"] == 12, analysis
    assert analysis["lines"] == 2, analysis

    # When the first stage is invoked for a document that does not exist
    missing = {"document_id": unique("doc-missing"), "key": f"documents/{unique('nothing')}.txt"}
    invoke_async(stack, "document_pipeline_extract", missing)

    # Then, after Lambda's retries, the on-failure destination receives the original request and the error
    def failed() -> dict[str, Any] | None:
        matching = [r for r in failure_records(stack) if r.get("requestPayload") == missing]
        return matching[0] if matching else None

    record = wait_for(failed, timeout_s=stack.async_retry_s, interval_s=1, what=f"a failure record for {missing}")
    assert record["requestContext"]["condition"] == "RetriesExhausted", record["requestContext"]
    context = record["requestContext"]
    assert context["functionArn"].split(":")[6] == stack.function("document_pipeline_extract"), context
    assert record["responseContext"].get("functionError"), record["responseContext"]
    assert record["responsePayload"].get("errorType"), record["responsePayload"]
