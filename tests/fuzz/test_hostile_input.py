"""Property: no request an attacker can send makes an HTTP function answer 5xx, non-JSON, or internal detail.

Every function the stack routes (tests/fuzz/targets.py, checked against wiring.tf below) is driven through its
real handler, on moto, with generated hostile payload 2.0 events (tests/fuzz/events.py).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.checks import assert_safe_answer
from tests.fuzz.events import ASPECTS, hostile_events
from tests.fuzz.targets import BY_NAME, TARGETS, wired_http_functions


def test_every_routed_function_is_fuzzed_on_every_route() -> None:
    # Given the routes the regional stack wires to functions
    wired = wired_http_functions()
    # Then the fuzz suite drives each of those functions, on each of its route keys
    assert set(wired) == set(BY_NAME)
    for name, route_keys in wired.items():
        assert route_keys == {route.route_key for route in BY_NAME[name].routes}, name


@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("function_under_test", [target.name for target in TARGETS], indirect=True)
@settings(settings.get_profile("fuzz"))
@given(data=st.data())
def test_hostile_requests_get_a_json_answer_below_500_without_internals(
    function_under_test, request, aspect: str, data
) -> None:
    # Given requests for one of the function's routes, hostile in one aspect (or all of them)
    target = BY_NAME[request.node.callspec.params["function_under_test"]]
    for event in data.draw(hostile_events(target, aspect), label="events"):
        # When the function answers each
        response = function_under_test(event)
        # Then the answer is a JSON error or success below 500, naming nothing internal
        assert_safe_answer(response, event)
