"""What the end-to-end tests run against: a deployed stack, local or real, behind one :class:`Stack` interface.

The tests only see :class:`Stack` (``api_url``, ``outputs``, ``aws(service)``, ``http(...)``, names derived from
the Terraform outputs) and :func:`wait_for`. Everything that differs between the local stack and a real
deployment lives in :func:`local_stack` and :func:`deployed_stack`, which the session fixture picks from.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import boto3

from scripts.local.payment_sandbox import DECLINING_PREFIX

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


class E2ESetupError(RuntimeError):
    """The stack could not be started or described; the message is one line saying what to do."""


# -- waiting --------------------------------------------------------------------------------------------------


def wait_for(probe: Callable[[], T | None], *, timeout_s: float, what: str, interval_s: float = 0.5) -> T:
    """Call ``probe`` until it returns something other than None/False, at most ``timeout_s`` seconds.

    Raises AssertionError naming ``what`` and the probe's last answer, so a timeout says what never happened.
    """
    deadline = time.monotonic() + timeout_s
    last: object = None
    while True:
        last = probe()
        if last is not None and last is not False:
            return last  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what} (last: {last!r})")
        time.sleep(interval_s)


# -- HTTP -----------------------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise AssertionError(f"HTTP {self.status}: body is not JSON: {self.body[:300]!r}") from exc

    def __str__(self) -> str:
        return f"HTTP {self.status} {self.body[:500].decode('utf-8', errors='replace')}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


def http_request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout_s: float = 60.0,
) -> Response:
    """One HTTP request; any status is returned (4xx/5xx are answers to assert on, not exceptions)."""
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with _OPENER.open(request, timeout=timeout_s) as answer:
            status, raw_headers, raw = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        status, raw_headers, raw = error.code, error.headers, error.read()
    lowered = {k.lower(): v for k, v in raw_headers.items()}
    if lowered.get("content-encoding") == "gzip":
        raw = gzip.decompress(raw)
    return Response(status, lowered, raw)


def multipart(fields: Mapping[str, str], file_name: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body (fields first, the file last, as S3 POST requires) and its content type."""
    boundary = "e2e" + secrets.token_hex(12)
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# -- the stack ------------------------------------------------------------------------------------------------


@dataclass
class Stack:
    """A deployed orders system: its API, its Terraform outputs, and boto3 clients for its account/endpoint.

    ``async_retry_s`` bounds how long an async invocation can take through Lambda's retries (1 min + 2 min on
    AWS, scaled down locally); ``declining_customer`` is a customer id the payment API declines (locally the
    stack's payment sandbox declines ids starting ``decline-``; a real deployment names one in
    ``E2E_DECLINING_CUSTOMER``).
    """

    api_url: str
    outputs: dict[str, Any]
    region: str
    client_factory: Callable[[str], Any]
    async_retry_s: float = 240.0
    declining_customer: str = DECLINING_PREFIX + "e2e"
    mode: str = "deployed"
    local_dir: Path | None = None  # local mode: the stack's --local-dir
    up_output: str = ""  # local mode: what `up --detach` printed (the newcomer's next steps)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _token: str | None = field(default=None, repr=False)
    _cleanups: list[Callable[[], None]] = field(default_factory=list, repr=False)

    # boto3 ------------------------------------------------------------------------------------------------
    def aws(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.client_factory(service)
        return self._clients[service]

    # names from the outputs ---------------------------------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        """The resource environment the functions receive (README contract), from the ``environment`` output."""
        return dict(self.outputs.get("environment") or {})

    def table(self, key: str) -> str:
        return str(self.outputs["tables"][key])

    def queue_url(self, key: str) -> str:
        return str(self.outputs["queue_urls"][key])

    def bucket(self, key: str) -> str:
        return str(self.outputs["buckets"][key])

    def function(self, key: str) -> str:
        deployed = self.outputs.get("deployed_functions") or {}
        if key not in deployed:
            unwired = self.outputs.get("unwired_handlers")
            raise AssertionError(f"function {key!r} is not deployed (deployed: {sorted(deployed)}; unwired: {unwired})")
        return str(deployed[key])

    @property
    def prefix(self) -> str:
        """The deployment's name prefix (``orders-local``), from a deployed function name ``<prefix>-<key>``."""
        for key, name in (self.outputs.get("deployed_functions") or {}).items():
            if str(name).endswith(f"-{key}"):
                return str(name)[: -len(key) - 1]
        raise AssertionError("no deployed function in the outputs to derive the name prefix from")

    # HTTP -------------------------------------------------------------------------------------------------
    def http(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
    ) -> Response:
        """A request to the HTTP API (``path`` like ``/orders``), signed in as the suite's test user."""
        sent = {"Accept": "application/json", **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        if auth:
            sent.setdefault("Authorization", f"Bearer {self.id_token()}")
        return http_request(method, self.api_url.rstrip("/") + path, body=body, headers=sent)

    def id_token(self) -> str:
        """An ID token of a throw-away Cognito user of the stack's pool (E2E_ID_TOKEN overrides)."""
        if self._token is None:
            self._token = os.environ.get("E2E_ID_TOKEN") or self._sign_in()
        return self._token

    def user_id(self) -> str:
        """The signed-in test user's id: the ``sub`` of :meth:`id_token` (what orders_api files orders under)."""
        payload = self.id_token().split(".")[1]
        return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])

    def _sign_in(self) -> str:
        cognito = self.aws("cognito-idp")
        pool_id, client_id = self._user_pool()
        username = f"e2e-{secrets.token_hex(6)}@example.com"
        password = "E2e-" + secrets.token_urlsafe(18) + "a1A"
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": username}, {"Name": "email_verified", "Value": "true"}],
        )
        self._cleanups.append(lambda: cognito.admin_delete_user(UserPoolId=pool_id, Username=username))
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
        answer = cognito.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        result = answer.get("AuthenticationResult")
        if not result:
            raise E2ESetupError(f"signing in the e2e user gave a challenge, not tokens: {answer.get('ChallengeName')}")
        return str(result["IdToken"])

    def _user_pool(self) -> tuple[str, str]:
        cognito = self.aws("cognito-idp")
        pool_id = self.outputs.get("user_pool_id")
        if not pool_id:  # the environment does not output it: find the pool by the stack's naming
            name = f"{self.prefix}-users"
            pools = [p for p in cognito.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == name]
            if len(pools) != 1:
                raise E2ESetupError(f"expected one user pool named {name}, found {len(pools)} (output user_pool_id)")
            pool_id = pools[0]["Id"]
        client_id = self.outputs.get("user_pool_client_id")
        if not client_id:
            clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
            if len(clients) != 1:
                raise E2ESetupError(f"expected one app client in {pool_id}, found {len(clients)}")
            client_id = clients[0]["ClientId"]
        return str(pool_id), str(client_id)

    def close(self) -> None:
        while self._cleanups:
            with contextlib.suppress(Exception):
                self._cleanups.pop()()


# -- mode: a real deployment given its outputs -----------------------------------------------------------------


def read_outputs_file(path: Path) -> dict[str, Any]:
    """``terraform output -json`` → {name: value}; plain {name: value} files are accepted too."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise E2ESetupError(f"E2E_OUTPUTS_FILE {path}: cannot read a JSON document ({exc})") from exc
    if not isinstance(data, dict):
        raise E2ESetupError(f"E2E_OUTPUTS_FILE {path}: expected a JSON object of outputs")
    return {k: (v["value"] if isinstance(v, dict) and "value" in v and "type" in v else v) for k, v in data.items()}


def deployed_stack(outputs_file: Path) -> Stack:
    """A real deployment: API URL from the outputs, AWS from the default credential chain (or E2E_AWS_PROFILE)."""
    outputs = read_outputs_file(outputs_file)
    api_url = outputs.get("api_endpoint")
    if not api_url:
        raise E2ESetupError(f"E2E_OUTPUTS_FILE {outputs_file}: no api_endpoint output")
    found = re.search(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com", str(api_url))
    region = os.environ.get("E2E_AWS_REGION") or (found.group(1) if found else None)
    if not region:
        raise E2ESetupError("cannot tell the deployment's region from api_endpoint: set E2E_AWS_REGION")
    # The repo's conftest puts fake keys in the environment; a named profile bypasses them.
    session = boto3.Session(profile_name=os.environ.get("E2E_AWS_PROFILE"), region_name=region)
    return Stack(
        api_url=str(api_url),
        outputs=outputs,
        region=region,
        client_factory=lambda service: session.client(service),  # type: ignore[call-overload]
        async_retry_s=float(os.environ.get("E2E_ASYNC_RETRY_S", "240")),
        declining_customer=os.environ.get("E2E_DECLINING_CUSTOMER", DECLINING_PREFIX + "e2e"),
        mode="deployed",
    )


# -- mode: the local stack, started and stopped here -----------------------------------------------------------

# Async retry delays × this (1 min + 2 min become 3 s + 6 s). Not lower: an event's age is divided by it, and
# the functions' 1 h maximum event age must stay well above how long an event can queue behind others.
LOCAL_TIME_SCALE = 0.05


def _cli(local_dir: Path, *args: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.local", "--local-dir", str(local_dir), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


@contextlib.contextmanager
def local_stack(local_dir: Path, extra_args: list[str] | None = None) -> Iterator[Stack]:
    """``python -m scripts.local up --detach`` in ``local_dir`` on free ports; ``down`` afterwards, always.

    The stack serves the payment provider's sandbox itself (``payment_api_url`` in stack.json, on a free port).
    """
    status = _cli(local_dir, "status", "--json", timeout_s=60)
    if status.returncode == 0 and json.loads(status.stdout or "{}").get("up"):
        raise E2ESetupError(f"a local stack is already up in {local_dir}; stop it with `scripts.local down`")
    args = ["up", "--detach", "--emulator-port", "0", "--api-port", "0", "--no-watch"]
    args += ["--time-scale", str(LOCAL_TIME_SCALE), "--wait", "900", *(extra_args or [])]
    stack: Stack | None = None
    try:
        started = _cli(local_dir, *args, timeout_s=960)
        if started.returncode != 0:
            detail = (started.stderr.strip().splitlines() or ["no output"])[-1]
            raise E2ESetupError(f"`scripts.local up` failed ({detail}); see {local_dir / 'stack.log'}")
        info = json.loads((local_dir / "stack.json").read_text())
        stack = _local_stack_from_info(info)
        stack.local_dir, stack.up_output = local_dir, started.stdout
        yield stack
    finally:
        if stack is not None:
            stack.close()
        stopped = _cli(local_dir, "down", timeout_s=120)
        if stopped.returncode != 0:
            raise E2ESetupError(f"`scripts.local down` failed: {stopped.stderr.strip()}")


def _local_stack_from_info(info: Mapping[str, Any]) -> Stack:
    outputs = dict(info.get("outputs") or {})
    api_urls: dict[str, str] = dict(info.get("api_urls") or {})
    if not api_urls:
        raise E2ESetupError("the local stack serves no HTTP API (no apigatewayv2 API was deployed)")
    api_url = next((u for n, u in sorted(api_urls.items()) if n.endswith("-api")), next(iter(api_urls.values())))
    endpoint = str(info["emulator_url"])
    served = str(info.get("payment_api_url") or "")
    configured = str((outputs.get("environment") or {}).get("PAYMENT_API_URL") or "")
    if not served:
        raise E2ESetupError("the local stack serves no payment API (no payment_api_url in stack.json)")
    if configured and configured.rstrip("/") != served.rstrip("/"):
        raise E2ESetupError(f"the functions call PAYMENT_API_URL {configured} but the stack's sandbox is at {served}")

    def client(service: str) -> Any:
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    # Async retries: (60 + 120) s × LOCAL_TIME_SCALE, plus the invocations themselves on a busy 2-core machine.
    return Stack(
        api_url=api_url,
        outputs=outputs,
        region="us-east-1",
        client_factory=client,
        async_retry_s=180 * LOCAL_TIME_SCALE + 60,
        mode="local",
    )


def unique(prefix: str) -> str:
    """An id no earlier run used: ``<prefix>-<12 hex>``."""
    return f"{prefix}-{secrets.token_hex(6)}"


def urlencode_path(value: str) -> str:
    return urllib.parse.quote(value, safe="")
