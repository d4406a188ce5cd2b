"""The built zip + common layer, in a fresh Lambda-like process against a moto server, on the sample event."""

from __future__ import annotations

import json

import pytest

from tests.support.lambda_zips import load_event

pytestmark = pytest.mark.slow

ENV = {"ORDERS_TABLE": "orders", "APP_VERSION": "test-build"}


def test_route53_sample_answers_200_when_the_table_answers(built_function, aws_endpoint) -> None:
    aws_endpoint.client("dynamodb").create_table(
        TableName="orders",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )

    out = built_function("health").invoke("health", load_event("health", "route53_health_check"), env=ENV)

    assert out.result["statusCode"] == 200
    assert json.loads(out.result["body"]) == {
        "status": "ok",
        "region": aws_endpoint.region,
        "version": "test-build",
        "checks": {"orders_table": "ok"},
    }


def test_route53_sample_answers_503_when_the_table_is_missing(built_function, aws_endpoint) -> None:
    out = built_function("health").invoke("health", load_event("health", "route53_health_check"), env=ENV)

    assert out.result["statusCode"] == 503
    assert json.loads(out.result["body"])["checks"] == {"orders_table": "unavailable"}
