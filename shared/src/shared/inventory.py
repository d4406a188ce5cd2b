"""The inventory table's one owner: stock per SKU and one reservation per order. No AWS.

The order saga reserves and releases stock; the local seed (``make seed``) writes stock with :func:`stock_item`.
Nothing else spells these keys or attribute names.

Item layout (table ``INVENTORY_TABLE``: string keys ``pk``/``sk``):

===========  ======================  ===============  ==========================================================
item         pk                      sk               attributes
===========  ======================  ===============  ==========================================================
stock        ``SKU#<sku>``           ``STOCK``        ``available`` (number ≥ 0: units that can be reserved)
reservation  ``ORDER#<order_id>``    ``RESERVATION``  ``status`` (:class:`ReservationStatus`), ``items`` (map sku →
                                                      quantity), ``updated_at`` (``shared.orders`` time format)
===========  ======================  ===============  ==========================================================

A reservation is written in the same transaction that decrements the stock; releasing it flips it to RELEASED in
the transaction that gives the stock back. A release that finds no reservation writes a RELEASED one with no
items (a marker), so a reserve that arrives late can never take stock that will not be returned.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from shared.orders import is_order_id

__all__ = [
    "AVAILABLE",
    "ITEMS",
    "RESERVATION_SORT_KEY",
    "STATUS",
    "STOCK_SORT_KEY",
    "UPDATED_AT",
    "ReservationStatus",
    "reservation_key",
    "stock_item",
    "stock_key",
]

STOCK_SORT_KEY = "STOCK"
RESERVATION_SORT_KEY = "RESERVATION"

AVAILABLE = "available"
STATUS = "status"
ITEMS = "items"
UPDATED_AT = "updated_at"

Key = dict[str, str]


class ReservationStatus(StrEnum):
    RESERVED = "RESERVED"  # the stock of ``items`` is taken for the order
    RELEASED = "RELEASED"  # given back (or never taken: a marker with no items)


def stock_key(sku: str) -> Key:
    return {"pk": f"SKU#{sku}", "sk": STOCK_SORT_KEY}


def reservation_key(order_id: str) -> Key:
    return {"pk": f"ORDER#{order_id}", "sk": RESERVATION_SORT_KEY}


def stock_item(sku: str, available: int) -> dict[str, Any]:
    """The stock item of ``sku`` with ``available`` units (what a seed writes); ValueError on a bad value."""
    if not is_order_id(sku):  # SKUs follow the id rule of shared.orders
        raise ValueError(f"sku {sku!r} is not 1-64 characters of [A-Za-z0-9._:@-] starting with a letter or digit")
    if isinstance(available, bool) or not isinstance(available, int) or available < 0:
        raise ValueError(f"available must be a whole number >= 0, not {available!r}")
    return {**stock_key(sku), AVAILABLE: available}
