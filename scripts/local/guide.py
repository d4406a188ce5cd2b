"""What a newcomer types next: an ID token for the local user pool, the first curl commands, sample events.

* :func:`user_pool` finds the stack's Cognito user pool and app client (the environment's ``user_pool_id`` /
  ``user_pool_client_id`` outputs when it has them, else the one pool on the emulator named ``<prefix>-users``).
* :func:`id_token` signs a user in (a fresh confirmed one by default) and returns its ID token — the same
  ``admin_create_user`` + permanent ``admin_set_user_password`` + ``admin_initiate_auth`` a test harness uses.
  The local stack does not run the pool's Lambda triggers for admin-created users (moto does not either).
* :func:`next_steps` is the block ``make up`` prints: where things are, two curl commands that create an order
  and read it back with one user's token, and how to stop.
* :func:`sample_event` is the function's first sample event (sorted by name), for ``make invoke`` without EVENT.
"""

from __future__ import annotations

import json
import secrets
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from scripts.local.errors import LocalStackError
from scripts.local.stack import REPO, StackInfo

__all__ = [
    "FIRST_ORDER",
    "SignedIn",
    "UserPool",
    "id_token",
    "local_command",
    "next_steps",
    "sample_event",
    "user_pool",
]

FIRST_ORDER = {"items": [{"sku": "SKU-1", "quantity": 1, "price": "9.99"}]}  # SKU-1 is stocked by the seed
DEFAULT_LOCAL_DIR = REPO / ".local"
# The order id in the POST answer's JSON (one line or pretty-printed), without needing jq.
_ORDER_ID = r"""sed -n 's/.*"order_id": *"\([^"]*\)".*/\1/p'"""


@dataclass(frozen=True)
class UserPool:
    pool_id: str
    client_id: str


def deployment_prefix(outputs: Mapping[str, Any]) -> str | None:
    """``orders-local`` from the deployed function names (``<prefix>-<key>``), or None without functions."""
    for key, name in sorted((outputs.get("deployed_functions") or {}).items()):
        if isinstance(name, str) and name.endswith(f"-{key}"):
            return name.removesuffix(f"-{key}")
    return None


def user_pool(cognito: Any, outputs: Mapping[str, Any]) -> UserPool:
    """The stack's user pool and its app client; LocalStackError (one line) when there is not exactly one."""
    pool_id = outputs.get("user_pool_id")
    if not pool_id:
        pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
        prefix = deployment_prefix(outputs)
        named = [p for p in pools if prefix and p["Name"] == f"{prefix}-users"]
        chosen = named or pools
        if len(chosen) != 1:
            names = ", ".join(sorted(p["Name"] for p in pools)) or "none"
            raise LocalStackError(f"expected one Cognito user pool in the local stack, found: {names}")
        pool_id = chosen[0]["Id"]
    client_id = outputs.get("user_pool_client_id")
    if not client_id:
        clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
        if len(clients) != 1:
            raise LocalStackError(f"expected one app client in user pool {pool_id}, found {len(clients)}")
        client_id = clients[0]["ClientId"]
    return UserPool(str(pool_id), str(client_id))


def new_password() -> str:
    """A password Cognito's default policy accepts (upper, lower, digit, symbol, ≥ 8)."""
    return "Local-" + secrets.token_urlsafe(12) + "a1A"


@dataclass(frozen=True)
class SignedIn:
    id_token: str
    username: str
    generated_password: str | None  # set when this call created ``username`` with a password of its own


def id_token(cognito: Any, pool: UserPool, user: str | None = None, password: str | None = None) -> SignedIn:
    """Sign a user in. Without ``user``: a fresh confirmed user. An unknown ``user`` (an email: the pool signs
    in by email) is created with ``password`` or a generated one; a known one signs in with ``password``."""
    username = user or f"dev-{secrets.token_hex(4)}@example.com"
    generated = None
    if user is not None and _exists(cognito, pool, username):
        if password is None:
            raise LocalStackError(f"user {username!r} exists: give its PASSWORD= (or leave out USER= for a fresh user)")
    else:
        if password is None:
            password = generated = new_password()
        attributes = [{"Name": "email", "Value": username}, {"Name": "email_verified", "Value": "true"}]
        try:
            cognito.admin_create_user(
                UserPoolId=pool.pool_id, Username=username, MessageAction="SUPPRESS", UserAttributes=attributes
            )
            cognito.admin_set_user_password(
                UserPoolId=pool.pool_id, Username=username, Password=password, Permanent=True
            )
        except ClientError as exc:
            raise LocalStackError(f"cannot create user {username!r}: {_message(exc)}") from exc
    try:
        answer = cognito.admin_initiate_auth(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    except ClientError as exc:
        raise LocalStackError(f"cannot sign in {username!r}: {_message(exc)}") from exc
    result = answer.get("AuthenticationResult")
    if not result:
        raise LocalStackError(f"signing in {username!r} asked for {answer.get('ChallengeName')}, not tokens")
    return SignedIn(str(result["IdToken"]), username, generated)


def _exists(cognito: Any, pool: UserPool, username: str) -> bool:
    try:
        cognito.admin_get_user(UserPoolId=pool.pool_id, Username=username)
    except cognito.exceptions.UserNotFoundException:
        return False
    return True


def _message(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    return f"{error.get('Code')}: {error.get('Message')}"


def local_command(local_dir: Path, command: str) -> str:
    """How to run ``command`` against this stack: ``make …`` for the default state directory, else the CLI."""
    if _default(local_dir):
        return "make -s token" if command == "token" else f"make {command}"
    python = shlex.quote(str(REPO / ".venv" / "bin" / "python"))
    return f"{python} -m scripts.local --local-dir {shlex.quote(str(local_dir))} {command}"


def first_curls(api_url: str, local_dir: Path) -> list[str]:
    """Three bash lines: a token, POST /orders (201, answer on stderr), GET the order back (200)."""
    base = api_url.rstrip("/")
    body = shlex.quote(json.dumps(FIRST_ORDER, separators=(",", ":")))
    auth = '-H "authorization: Bearer $TOKEN"'
    return [
        f"TOKEN=$({local_command(local_dir, 'token')})",
        f"ORDER_ID=$(curl -sS -i -X POST {base}/orders {auth} -H 'content-type: application/json' -d {body}"
        f" | tee /dev/stderr | {_ORDER_ID})",
        f"curl -sS -i {base}/orders/$ORDER_ID {auth}",
    ]


def resource_rows(info: StackInfo, pool: UserPool | None) -> list[tuple[str, str]]:
    """(label, value) rows: user pool and app client, queues and tables (from the environment's outputs)."""
    outputs = info.outputs or {}
    rows = [("user pool", pool.pool_id), ("app client", pool.client_id)] if pool is not None else []
    queues = outputs.get("queue_urls") or {}
    tables = outputs.get("tables") or {}
    rows += [("queues", ", ".join(str(u).rsplit("/", 1)[-1] for _, u in sorted(queues.items())) or "-")]
    rows += [("tables", ", ".join(str(t) for _, t in sorted(tables.items())) or "-")]
    return rows


def try_it(info: StackInfo, local_dir: Path, pool: UserPool | None) -> list[str]:
    """The first commands to type: create an order and read it back, then where the logs are and how to stop."""
    lines: list[str] = []
    api_url = next(iter(info.api_urls.values()), None)
    if api_url is not None and pool is not None:
        lines += ["", "Create an order and read it back (bash; one user's token for both calls):"]
        lines += [f"  {line}" for line in first_curls(api_url, local_dir)]
    lines += ["", f"Logs: {local_command(local_dir, 'logs FN=<name>' if _default(local_dir) else 'logs <name>')}"]
    lines += [f"Stop: {local_command(local_dir, 'down')}"]
    return lines


def next_steps(info: StackInfo, local_dir: Path, pool: UserPool | None) -> list[str]:
    """The block ``up --detach`` prints once the stack is ready: where things are, then :func:`try_it`."""
    rows = [(f"API {name}", url) for name, url in info.api_urls.items()] + resource_rows(info, pool)
    width = max(len(label) for label, _ in rows)
    return [f"  {label.ljust(width)}  {value}" for label, value in rows] + try_it(info, local_dir, pool)


def _default(local_dir: Path) -> bool:
    return local_dir.resolve() == DEFAULT_LOCAL_DIR.resolve()


def sample_event(function_key: str, functions_dir: Path = REPO / "functions") -> Path:
    """The first sample event (sorted by name) of the folder declaring ``function_key``; one-line error if none."""
    folder = _folder_of(function_key, functions_dir)
    if folder is None:
        raise LocalStackError(f"no function folder declares {function_key!r}: give the event: EVENT=<file>")
    events = sorted((folder / "events").glob("*.json"))
    if not events:
        raise LocalStackError(f"{folder.name} has no sample event in {folder / 'events'}: give one: EVENT=<file>")
    return events[0]


def _folder_of(function_key: str, functions_dir: Path) -> Path | None:
    for declaration in sorted(functions_dir.glob("*/function.json")):
        try:
            handlers = json.loads(declaration.read_text()).get("handlers") or {}
        except (OSError, ValueError):
            continue
        if function_key in handlers:
            return declaration.parent
    return None
