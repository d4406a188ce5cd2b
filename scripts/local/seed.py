"""Stock for the sample SKUs in the local inventory table, so the README's happy path runs end to end.

``make up`` seeds after the apply; ``make seed`` (``python -m scripts.local seed``) resets the stock of these SKUs
on a running stack. The items are ``shared.inventory``'s: nothing here spells a key or an attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from shared.inventory import stock_item

# Every SKU the README, the sample events and the e2e suite order.
SAMPLE_STOCK: Mapping[str, int] = {
    sku: 10_000
    for sku in ("SKU-1", "SKU-2", "SKU-3", "sku-1", "sku-2", "sku-red-mug", "sku-tea", "sku-pot", "sku-lamp")
}


def seed_inventory(dynamodb: Any, table_name: str, stock: Mapping[str, int] = SAMPLE_STOCK) -> int:
    """Set the available stock of each SKU (overwriting what was there); returns how many SKUs were written."""
    serialize = TypeSerializer().serialize
    for sku, available in stock.items():
        item = {name: serialize(value) for name, value in stock_item(sku, available).items()}
        dynamodb.put_item(TableName=table_name, Item=item)
    return len(stock)


def inventory_table(outputs: Mapping[str, Any]) -> str | None:
    """The inventory table's name from the local environment's Terraform outputs (None: not deployed)."""
    tables = outputs.get("tables")
    return str(tables["inventory"]) if isinstance(tables, Mapping) and tables.get("inventory") else None
