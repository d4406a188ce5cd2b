"""Generated order data for the contract matrices: edge values first (the most lines and SKUs, the longest ids,
zero and the largest prices), then ordinary ones."""

from __future__ import annotations

from hypothesis import strategies as st

from shared.orders import ID_PATTERN, MAX_LINES, MAX_QUANTITY, MAX_SKUS, OrderLine

ids = st.from_regex(ID_PATTERN, fullmatch=True)
customers = st.from_regex(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$", fullmatch=True)
prices = st.one_of(
    st.sampled_from(["0", "0.00", "0.01", "999999999.99", "12", "12.5"]),
    st.decimals(min_value=0, max_value=999_999_999, places=2).map(str),
)
lines = st.builds(OrderLine, sku=ids, quantity=st.integers(1, MAX_QUANTITY), price=prices)
# The limits first: as many lines as an order may have, with as many different SKUs as the saga reserves at once.
most_lines = st.lists(lines, min_size=MAX_SKUS, max_size=MAX_SKUS, unique_by=lambda line: line.sku).map(
    lambda distinct: [*distinct, distinct[0].model_copy(update={"quantity": 1})][:MAX_LINES]
)
order_lines = most_lines | st.lists(lines, min_size=1, max_size=8)
