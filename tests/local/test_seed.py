"""The local seed: stock for the sample SKUs, written as shared.inventory items the saga reserves from."""

from __future__ import annotations

import boto3
import pytest

from scripts.local.seed import SAMPLE_STOCK, inventory_table, seed_inventory
from shared.inventory import AVAILABLE, stock_key
from tests.support.aws_fixtures import create_table


@pytest.fixture
def dynamodb(moto_aws: None):
    client = boto3.client("dynamodb", region_name="us-east-1")
    create_table(client, "inventory")
    return client


def test_seed_stocks_every_sample_sku(dynamodb) -> None:
    written = seed_inventory(dynamodb, "inventory")

    assert written == len(SAMPLE_STOCK)
    for sku, available in SAMPLE_STOCK.items():
        key = {name: {"S": value} for name, value in stock_key(sku).items()}
        item = dynamodb.get_item(TableName="inventory", Key=key)["Item"]
        assert item[AVAILABLE] == {"N": str(available)}


def test_seeding_again_resets_stock_that_was_used(dynamodb) -> None:
    seed_inventory(dynamodb, "inventory", {"SKU-1": 5})
    seed_inventory(dynamodb, "inventory", {"SKU-1": 1})

    key = {name: {"S": value} for name, value in stock_key("SKU-1").items()}
    assert dynamodb.get_item(TableName="inventory", Key=key)["Item"][AVAILABLE] == {"N": "1"}


def test_the_readme_quick_start_sku_is_stocked() -> None:
    assert SAMPLE_STOCK["SKU-1"] > 0


@pytest.mark.parametrize(
    ("outputs", "table"),
    [
        ({"tables": {"inventory": "orders-local-inventory"}}, "orders-local-inventory"),
        ({}, None),
        ({"tables": {}}, None),
    ],
)
def test_inventory_table_comes_from_the_terraform_outputs(outputs, table) -> None:
    assert inventory_table(outputs) == table
