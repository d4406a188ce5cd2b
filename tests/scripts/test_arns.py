"""scripts.arns: ARNs and the function references Lambda's FunctionName accepts."""

from __future__ import annotations

import pytest

from scripts.arns import (
    Arn,
    FunctionRef,
    LayerVersionRef,
    find_function_arn,
    parse_arn,
    parse_function_ref,
    parse_layer_version_arn,
)

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders-api"


@pytest.mark.parametrize(
    ("reference", "qualifier", "expected"),
    [
        ("orders-api", None, FunctionRef("orders-api")),
        ("orders-api:live", None, FunctionRef("orders-api", "live")),
        ("orders-api", "7", FunctionRef("orders-api", "7")),
        ("orders-api:$LATEST", None, FunctionRef("orders-api", "$LATEST")),
        ("123456789012:function:orders-api", None, FunctionRef("orders-api", None, "123456789012")),
        ("123456789012:function:orders-api:3", None, FunctionRef("orders-api", "3", "123456789012")),
        (ARN, None, FunctionRef("orders-api", None, "123456789012", "eu-west-1")),
        (f"{ARN}:live", None, FunctionRef("orders-api", "live", "123456789012", "eu-west-1")),
        (f"{ARN}:live", "live", FunctionRef("orders-api", "live", "123456789012", "eu-west-1")),
        (
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:fn",
            None,
            FunctionRef("fn", None, "123456789012", "cn-north-1", "aws-cn"),
        ),
    ],
)
def test_every_reference_form_is_split(reference: str, qualifier: str | None, expected: FunctionRef) -> None:
    assert parse_function_ref(reference, qualifier) == expected


def test_a_full_arn_keeps_its_region_in_the_unqualified_reference() -> None:
    ref = parse_function_ref(f"{ARN}:live")
    assert ref.arn == ARN
    assert ref.unqualified == ARN


def test_a_name_or_partial_arn_has_no_arn_and_is_referred_to_by_name() -> None:
    assert parse_function_ref("orders-api:live").arn is None
    assert parse_function_ref("123456789012:function:orders-api").unqualified == "orders-api"


@pytest.mark.parametrize(
    "reference",
    [
        "",
        "orders:api:live",  # a name cannot hold ':'
        "orders api",
        "orders/api",
        "arn:aws:lambda:eu-west-1:123456789012:function:",
        "arn:aws:lambda:eu-west-1:123456789012:function:fn:live:extra",
        "arn:aws:sqs:eu-west-1:123456789012:queue",
        "arn:aws:lambda:eu-west-1:12345:function:fn",  # the account is 12 digits
        "12345:function:fn",
    ],
)
def test_other_shapes_are_rejected_naming_the_value(reference: str) -> None:
    with pytest.raises(ValueError, match="not a Lambda function reference") as caught:
        parse_function_ref(reference)
    assert repr(reference) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_qualifier_that_contradicts_the_arn_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"qualifier '7' does not match"):
        parse_function_ref(f"{ARN}:live", "7")


def test_the_function_arn_inside_an_integration_uri_is_found() -> None:
    uri = f"arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{ARN}:live/invocations"
    assert find_function_arn(uri) == FunctionRef("orders-api", "live", "123456789012", "eu-west-1")
    assert find_function_arn(ARN).qualifier is None


def test_a_uri_without_a_function_arn_is_rejected() -> None:
    with pytest.raises(ValueError, match="no Lambda function ARN"):
        find_function_arn("arn:aws:apigateway:eu-west-1:sqs:path/queue")


@pytest.mark.parametrize(
    ("arn", "service", "resource"),
    [
        ("arn:aws:sqs:us-east-1:123456789012:orders", "sqs", "orders"),
        ("arn:aws:events:us-east-1:123456789012:event-bus/orders", "events", "event-bus/orders"),
    ],
)
def test_an_arn_is_split(arn: str, service: str, resource: str) -> None:
    assert parse_arn(arn) == Arn("aws", service, "us-east-1", "123456789012", resource)


def test_parse_arn_keeps_colons_inside_the_resource() -> None:
    assert parse_arn(f"{ARN}:live") == Arn("aws", "lambda", "eu-west-1", "123456789012", "function:orders-api:live")


@pytest.mark.parametrize("value", ["orders", "arn:aws:sqs", "urn:aws:sqs:r:a:q"])
def test_parse_arn_rejects_what_is_not_an_arn(value: str) -> None:
    with pytest.raises(ValueError, match="not an ARN"):
        parse_arn(value)


def test_a_layer_version_arn_is_split() -> None:
    assert parse_layer_version_arn("arn:aws:lambda:eu-west-1:123456789012:layer:common:12") == LayerVersionRef(
        "common", 12, "123456789012", "eu-west-1"
    )


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:lambda:eu-west-1:123456789012:layer:common",  # the layer, not one of its versions
        "arn:aws:lambda:eu-west-1:123456789012:layer:common:latest",
        ARN,
    ],
)
def test_what_is_not_a_layer_version_arn_is_rejected(value: str) -> None:
    with pytest.raises(ValueError, match="not a layer version ARN"):
        parse_layer_version_arn(value)
