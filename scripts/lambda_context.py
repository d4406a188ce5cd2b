"""The ``context`` object the Lambda Python runtime (awslambdaric) passes to a handler — the one every local
runner uses: the data plane's warm workers (``scripts/local/bootstrap.py``), the isolated zip runner
(``scripts/lambda_sandbox.py``), the INIT benchmark and the tests (``tests.support.aws_fixtures``).

Standard library only: the runners load this file by path into the function's interpreter (see ``load``), so
it never sits on the handler's ``sys.path``.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LambdaContext"]


@dataclass
class LambdaContext:
    """awslambdaric's context: the same attribute names, ``get_remaining_time_in_millis`` and ``log``.

    ``deadline_ms`` is the invocation's deadline in epoch milliseconds, as the Runtime API sends it.
    """

    function_name: str = "function"
    memory_limit_in_mb: int = 128
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    identity: Any = None
    client_context: Any = None
    tenant_id: str | None = None
    deadline_ms: int = 0

    def __post_init__(self) -> None:
        if not self.invoked_function_arn:
            self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        if not self.log_group_name:
            self.log_group_name = f"/aws/lambda/{self.function_name}"

    @classmethod
    def from_environment(
        cls, *, aws_request_id: str, invoked_function_arn: str, deadline_ms: int, **request: Any
    ) -> LambdaContext:
        """The context for one invocation inside a Lambda-like process: the rest comes from the variables
        the runtime sets (``AWS_LAMBDA_FUNCTION_NAME``, ``…_VERSION``, ``…_MEMORY_SIZE``, ``…_LOG_*``)."""
        return cls(
            function_name=os.environ["AWS_LAMBDA_FUNCTION_NAME"],
            memory_limit_in_mb=int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]),
            aws_request_id=aws_request_id,
            invoked_function_arn=invoked_function_arn,
            function_version=os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            log_group_name=os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", ""),
            log_stream_name=os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "local"),
            deadline_ms=deadline_ms,
            **request,
        )

    def get_remaining_time_in_millis(self) -> int:
        return max(self.deadline_ms - int(time.time() * 1000), 0)

    def log(self, msg: str) -> None:
        sys.stdout.write(msg)
        sys.stdout.flush()

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn}])"
        )


# What a runner executes in the function's interpreter to get ``LambdaContext`` without putting this folder on
# the handler's sys.path; the module is registered under a private name (dataclasses looks it up there).
LOADER = """
import importlib.util as _util, sys as _sys
_spec = _util.spec_from_file_location("_lambda_context", {path!r})
_module = _util.module_from_spec(_spec)
_sys.modules["_lambda_context"] = _module
_spec.loader.exec_module(_module)
LambdaContext = _module.LambdaContext
"""


def loader_source() -> str:
    """Python source that defines ``LambdaContext`` in a runner's namespace (see ``LOADER``)."""
    return LOADER.format(path=os.path.abspath(__file__))
