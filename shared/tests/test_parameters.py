from __future__ import annotations

import json

import pytest

from shared import aws
from shared.parameters import (
    GetParameterError,
    get_json_parameter,
    get_json_secret,
    get_parameter,
    get_secret,
    reset_parameters,
)


@pytest.fixture
def stores(moto_aws: None) -> None:
    aws.ssm().put_parameter(Name="/orders/payment-url", Value="http://127.0.0.1:9000", Type="String")
    aws.ssm().put_parameter(Name="/orders/limits", Value='{"max_lines": 50}', Type="String")
    aws.ssm().put_parameter(Name="/orders/api-key", Value="s3cret", Type="SecureString")
    aws.secretsmanager().create_secret(Name="payments/api", SecretString=json.dumps({"token": "t-1"}))
    aws.secretsmanager().create_secret(Name="payments/plain", SecretString="p-1")


def test_get_parameter_returns_the_value(stores: None) -> None:
    assert get_parameter("/orders/payment-url") == "http://127.0.0.1:9000"


def test_parameters_are_cached_for_max_age(stores: None) -> None:
    # Given a value read once
    assert get_parameter("/orders/payment-url") == "http://127.0.0.1:9000"
    # When it changes in SSM
    aws.ssm().put_parameter(Name="/orders/payment-url", Value="http://127.0.0.1:9001", Type="String", Overwrite=True)
    # Then the cached value is used until it expires (or the cache is dropped)
    assert get_parameter("/orders/payment-url") == "http://127.0.0.1:9000"
    assert get_parameter("/orders/payment-url", force_fetch=True) == "http://127.0.0.1:9001"
    aws.ssm().put_parameter(Name="/orders/payment-url", Value="http://127.0.0.1:9002", Type="String", Overwrite=True)
    reset_parameters()
    assert get_parameter("/orders/payment-url") == "http://127.0.0.1:9002"


def test_secure_string_is_decrypted_on_request(stores: None) -> None:
    assert get_parameter("/orders/api-key", decrypt=True) == "s3cret"


def test_json_parameter_is_parsed(stores: None) -> None:
    assert get_json_parameter("/orders/limits") == {"max_lines": 50}


def test_secrets_are_read_plain_or_as_json(stores: None) -> None:
    assert get_secret("payments/plain") == "p-1"
    assert get_json_secret("payments/api") == {"token": "t-1"}


def test_a_missing_parameter_names_itself(stores: None) -> None:
    with pytest.raises(GetParameterError, match="ParameterNotFound"):
        get_parameter("/orders/nope")
    with pytest.raises(GetParameterError, match="ResourceNotFoundException"):
        get_secret("payments/nope")
