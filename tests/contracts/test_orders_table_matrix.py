"""The orders table's contract matrix: every writer's output, generated property-based, read by every reader.

Writers and readers are the ones ``shared.dataflow`` declares for ``ORDERS_TABLE``, each driven through its real
Lambda handler (``tests/contracts/world.py``). A writer whose item a reader rejects or crashes on fails the edge
``<writer>-><reader>``, with both names in the message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.contracts import BulkOrderMessage, ImportedOrder, OrderPlaced
from shared.dataflow import RESOURCES
from shared.orders import OrderStatus
from tests.contracts.declared import folders
from tests.contracts.strategies import customers, ids, lines, order_lines
from tests.contracts.world import ENV, MATRIX, ReaderError, World, Written

ORDERS = next(resource for resource in RESOURCES if resource.env == "ORDERS_TABLE")

# ----- what writers are given: edge values included (maximum lengths, zero and huge amounts, every status) -----

amounts = st.decimals(min_value="0.01", max_value="9999999999.99", places=2).map(str)
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC))
csv_rows = st.lists(
    st.fixed_dictionaries(
        {
            "order_id": ids,
            "customer_id": customers,
            "status": st.sampled_from([status.value for status in OrderStatus]),
            "total": amounts,
            "currency": st.sampled_from(["USD", "EUR", "JPY"]),
            "created_at": moments.map(lambda moment: moment.isoformat()),
        }
    ),
    min_size=1,
    max_size=5,
)
saga_paths = st.sampled_from(
    [("reserve_inventory",), ("reserve_inventory", "create_shipment"), ("reserve_inventory", "release_inventory")]
)


def _write(world: World, name: str, data: st.DataObject) -> list[Written]:
    if name == "orders_api":
        return world.write_orders_api(data.draw(customers), data.draw(order_lines))
    if name == "order_worker":
        return world.write_order_worker(
            OrderPlaced(
                type="OrderPlaced",
                order_id=data.draw(ids),
                customer_id=data.draw(customers),
                items=data.draw(order_lines),
            )
        )
    if name == "bulk_worker":
        order = ImportedOrder(order_id=data.draw(ids), customer_id=data.draw(customers), items=data.draw(order_lines))
        job = data.draw(st.from_regex(r"^[a-z0-9-]{1,40}$", fullmatch=True))
        return world.write_bulk_worker(
            BulkOrderMessage(job_id=job, index=data.draw(st.integers(0, 10**6)), order=order)
        )
    if name == "csv_ingest":
        return world.write_csv_ingest(data.draw(csv_rows))
    if name == "order_saga":
        return world.write_order_saga(
            data.draw(customers), data.draw(st.lists(lines, min_size=1, max_size=5)), data.draw(saga_paths)
        )
    raise AssertionError(f"no writer for {name}")


# A folder writes or reads when one of its function keys is declared to.
WRITERS = sorted({folders()[key] for key in ORDERS.writers} - {"scheduled_cleanup"})  # cleanup only deletes
READERS = sorted({folders()[key] for key in ORDERS.readers} - {"health"})  # health only describes the table
READ: dict[str, Callable[[World, Written], None]] = {
    "orders_api": World.read_orders_api,
    "scheduled_cleanup": World.read_scheduled_cleanup,
    "order_worker": World.read_order_worker,
    "order_saga": World.read_order_saga,
}


def test_every_declared_writer_and_reader_is_in_the_matrix() -> None:
    assert set(WRITERS) == {"orders_api", "order_worker", "bulk_worker", "csv_ingest", "order_saga"}
    assert set(READERS) == set(READ)


@pytest.fixture
def world(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> World:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return World()


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("writer", WRITERS)
@MATRIX
@given(data=st.data())
def test_reader_accepts_what_the_writer_wrote(world: World, writer: str, reader: str, data: Any) -> None:
    world.clear()
    written = _write(world, writer, data)
    for order in written:
        try:
            READ[reader](world, order)
        except ReaderError as exc:
            pytest.fail(f"{writer} -> {reader}: {exc}", pytrace=False)
        except Exception as exc:  # noqa: BLE001 - any crash of the reader is the finding, named with both ends
            pytest.fail(f"{writer} -> {reader}: {type(exc).__name__}: {exc}", pytrace=False)
