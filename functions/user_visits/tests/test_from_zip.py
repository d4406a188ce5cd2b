"""The built zip + common layer, in a fresh Lambda-like process against a moto server, on the sample events."""

from __future__ import annotations

import json

import pytest

from tests.support.lambda_zips import load_event

pytestmark = pytest.mark.slow

ENV = {"VISITS_TABLE": "visits"}


@pytest.fixture
def deployed(built_function, aws_endpoint, visits_table_factory):
    visits_table_factory(aws_endpoint.client("dynamodb"))
    return built_function("user_visits")


def test_record_visit_sample_counts_across_invocations(deployed) -> None:
    first = deployed.invoke("user_visits", load_event("user_visits", "record_visit"), env=ENV).result
    second = deployed.invoke("user_visits", load_event("user_visits", "record_visit"), env=ENV).result

    assert (first["statusCode"], second["statusCode"]) == (200, 200)
    assert [json.loads(r["body"])["visits"] for r in (first, second)] == [1, 2]
    assert json.loads(second["body"])["previous_visit"] == json.loads(first["body"])["last_visit"]


def test_read_visits_sample_answers_404_then_the_count(deployed) -> None:
    before = deployed.invoke("user_visits", load_event("user_visits", "read_visits"), env=ENV).result
    deployed.invoke("user_visits", load_event("user_visits", "record_visit"), env=ENV)
    after = deployed.invoke("user_visits", load_event("user_visits", "read_visits"), env=ENV).result

    assert before["statusCode"] == 404
    assert after["statusCode"] == 200
    assert json.loads(after["body"])["visits"] == 1
