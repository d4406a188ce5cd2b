"""scripts.local.guide: tokens for the local user pool, the printed first curls, and sample events."""

from __future__ import annotations

import base64
import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scripts.local import guide
from scripts.local.errors import LocalStackError
from scripts.local.stack import StackInfo

OUTPUTS = {"deployed_functions": {"health": "orders-local-health"}}


@pytest.fixture
def cognito() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="us-east-1")
        pool = client.create_user_pool(PoolName="orders-local-users", UsernameAttributes=["email"])["UserPool"]
        client.create_user_pool(PoolName="someone-elses-users")
        client.create_user_pool_client(UserPoolId=pool["Id"], ClientName="web")
        yield client


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_the_stacks_pool_is_found_by_its_prefix_among_others(cognito: Any) -> None:
    # Given the stack's pool (orders-local-users) and another pool on the emulator
    # When the stack's pool is looked up
    pool = guide.user_pool(cognito, OUTPUTS)
    # Then it is the one named after the deployment prefix, with its only app client
    [described] = [p for p in cognito.list_user_pools(MaxResults=60)["UserPools"] if p["Id"] == pool.pool_id]
    assert described["Name"] == "orders-local-users"
    [client] = cognito.list_user_pool_clients(UserPoolId=pool.pool_id)["UserPoolClients"]
    assert pool.client_id == client["ClientId"]


def test_no_pool_to_choose_is_a_one_line_error(cognito: Any) -> None:
    # Given outputs that name no deployment, and two pools
    # When the pool is looked up
    with pytest.raises(LocalStackError, match="expected one Cognito user pool in the local stack, found: orders-local"):
        guide.user_pool(cognito, {})


def test_a_fresh_user_gets_an_id_token_for_the_pool(cognito: Any) -> None:
    # Given the stack's pool
    pool = guide.user_pool(cognito, OUTPUTS)
    # When two tokens are made without a user
    first = guide.id_token(cognito, pool)
    second = guide.id_token(cognito, pool)
    # Then each is an ID token of a different, new user of that pool
    assert claims(first.id_token)["token_use"] == "id"
    assert claims(first.id_token)["iss"].endswith(f"/{pool.pool_id}")
    assert claims(first.id_token)["sub"] != claims(second.id_token)["sub"]
    assert first.username != second.username


def test_a_named_user_is_created_then_signs_in_with_its_password(cognito: Any) -> None:
    # Given the stack's pool and a user chosen by name and password
    pool = guide.user_pool(cognito, OUTPUTS)
    # When a token is made for it twice
    created = guide.id_token(cognito, pool, "ada@example.com", "Ada-Lovelace-1815")
    again = guide.id_token(cognito, pool, "ada@example.com", "Ada-Lovelace-1815")
    # Then both are that same user's tokens
    assert claims(created.id_token)["sub"] == claims(again.id_token)["sub"]
    assert claims(again.id_token)["email"] == "ada@example.com"
    assert created.generated_password is None


@pytest.mark.parametrize(
    ("password", "message"),
    [(None, "user 'ada@example.com' exists: give its PASSWORD="), ("Wrong-Password-1", "cannot sign in 'ada@example")],
)
def test_an_existing_user_without_its_password_is_a_one_line_error(
    cognito: Any, password: str | None, message: str
) -> None:
    # Given an existing user
    pool = guide.user_pool(cognito, OUTPUTS)
    guide.id_token(cognito, pool, "ada@example.com", "Ada-Lovelace-1815")
    # When a token is asked for without (or with a wrong) password
    with pytest.raises(LocalStackError, match=message) as failed:
        guide.id_token(cognito, pool, "ada@example.com", password)
    # Then the error is one line
    assert "\n" not in str(failed.value)


class FakeOrdersApi(BaseHTTPRequestHandler):
    """POST /orders → 201 with an order id; GET /orders/<id> → 200 for the same bearer token only."""

    orders: dict[str, str] = {}  # noqa: RUF012 - one fake server per test, reset by the fixture

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        order_id = f"o-{len(self.orders) + 1}"
        self.orders[order_id] = self.headers["authorization"]
        self._answer(201, {"order_id": order_id, **body})

    def do_GET(self) -> None:
        order_id = self.path.rsplit("/", 1)[-1]
        found = self.orders.get(order_id) == self.headers["authorization"]
        self._answer(200 if found else 404, {"order_id": order_id} if found else {"message": "not found"})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_api() -> Iterator[str]:
    FakeOrdersApi.orders = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOrdersApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_printed_curls_create_an_order_and_read_it_back(fake_api: str, tmp_path: Path) -> None:
    # Given the printed commands for a stack in another state directory, with the token step replaced
    token_line, *curls = guide.first_curls(fake_api, tmp_path)
    assert token_line == f"TOKEN=$({guide.local_command(tmp_path, 'token')})"
    script = "\n".join(["set -euo pipefail", "TOKEN=token-of-ada", *curls])
    # When bash runs them
    ran = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60, check=False)
    # Then the POST answered 201 with the first order's body, and the GET read that order back with 200
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr.startswith("HTTP/1.0 201 Created")
    assert '"items": [{"sku": "SKU-1", "quantity": 1, "price": "9.99"}]' in ran.stderr
    assert ran.stdout.startswith("HTTP/1.0 200 OK")
    assert '{"order_id": "o-1"}' in ran.stdout
    assert FakeOrdersApi.orders == {"o-1": "Bearer token-of-ada"}


def test_next_steps_name_the_pool_queues_tables_and_how_to_stop(tmp_path: Path) -> None:
    # Given a ready stack's info
    info = StackInfo(
        pid=1,
        stack_id="s",
        state="ready",
        api_urls={"orders-local-api": "http://127.0.0.1:3000"},
        outputs={"queue_urls": {"orders": "http://q/123/orders-local-orders"}, "tables": {"orders": "orders-t"}},
    )
    # When the next steps are written for the default state directory
    text = "\n".join(guide.next_steps(info, guide.DEFAULT_LOCAL_DIR, guide.UserPool("us-east-1_P", "client-1")))
    # Then they say where everything is, the first curls with `make -s token`, and how to stop
    for expected in ("http://127.0.0.1:3000", "us-east-1_P", "client-1", "orders-local-orders", "orders-t"):
        assert expected in text
    assert "TOKEN=$(make -s token)" in text
    assert "curl -sS -i -X POST http://127.0.0.1:3000/orders" in text
    assert text.rstrip().endswith("Stop: make down")


def test_sample_event_is_the_first_by_name_of_the_folder_declaring_the_key(tmp_path: Path) -> None:
    # Given a folder declaring two keys with two sample events, and a folder without events
    (tmp_path / "triggers" / "events").mkdir(parents=True)
    (tmp_path / "triggers" / "function.json").write_text(json.dumps({"handlers": {"pre": "t.h.a", "post": "t.h.b"}}))
    for name in ("b_second.json", "a_first.json"):
        (tmp_path / "triggers" / "events" / name).write_text("{}")
    (tmp_path / "quiet").mkdir()
    (tmp_path / "quiet" / "function.json").write_text(json.dumps({"handlers": {"quiet": "q.h.a"}}))
    # When the sample event of each key is asked for
    # Then it is the first by name, and a folder without events or an unknown key is a one-line refusal
    assert guide.sample_event("post", tmp_path) == tmp_path / "triggers" / "events" / "a_first.json"
    with pytest.raises(LocalStackError, match=r"quiet has no sample event in .*: give one: EVENT=<file>"):
        guide.sample_event("quiet", tmp_path)
    with pytest.raises(LocalStackError, match="no function folder declares 'nope': give the event: EVENT=<file>"):
        guide.sample_event("nope", tmp_path)


def test_every_function_folder_has_a_sample_event_for_make_invoke() -> None:
    # Given the repository's function folders
    # When each declared key's sample event is looked up
    # Then every one has one (make invoke FN=<key> works without EVENT)
    for declaration in sorted(Path(guide.REPO / "functions").glob("*/function.json")):
        for key in json.loads(declaration.read_text())["handlers"]:
            assert guide.sample_event(key).parent == declaration.parent / "events"


def test_the_readme_quick_start_shows_exactly_what_make_up_prints() -> None:
    # Given the README's quick start
    readme = (guide.REPO / "README.md").read_text()
    # When the commands `make up` prints for the default stack are looked up in it
    printed = guide.first_curls("http://127.0.0.1:3000", guide.DEFAULT_LOCAL_DIR)
    # Then each is there verbatim, so a reader copies what the stack prints
    for line in printed:
        assert f"\n{line}\n" in readme, line
