"""How service emulations plug into the sandbox.

A handler is registered for one (signing service, action) and receives a
:class:`Call`; it returns a dict shaped like the operation's output (botocore
member names), raises :class:`~sandbox.protocol.AwsError`, or returns
:data:`PASS` to let moto answer the original request.  ``call.moto()`` runs
moto on the same request and returns its answer parsed by botocore, so a
handler can validate first and fix up moto's answer after.
"""

import threading
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Callable
from typing import Dict

HANDLERS: Dict[tuple, Callable] = {}
CONTROL_ROUTES: Dict[tuple, Callable] = {}
RESET_HOOKS = []
PASS = object()


def handler(service, action):
    """Register ``fn(call)`` as the sandbox's implementation of ``service:action``."""

    def wrap(fn):
        HANDLERS[(service, action)] = fn
        return fn

    return wrap


def control(method, path):
    """Register ``fn(sandbox, body_dict, query_dict) -> (status, json_obj)`` under ``/_sandbox/<path>``."""

    def wrap(fn):
        CONTROL_ROUTES[(method, path)] = fn
        return fn

    return wrap


def on_reset(fn):
    """Register a function clearing an emulation's own state (``POST /_sandbox/reset``)."""
    RESET_HOOKS.append(fn)
    return fn


@dataclass
class Call:
    service: str
    action: str
    region: str
    account_id: str
    params: Dict[str, Any]
    request_id: str
    sandbox: Any
    path_params: Dict[str, str] = field(default_factory=dict)
    _moto: Callable = None

    @property
    def clock(self):
        return self.sandbox.clock

    def moto(self):
        """moto's answer to this very request, parsed (raises AwsError on an error answer)."""
        return self._moto()

    def backend(self, service=None):
        """moto's backend of a service for this call's account and Region."""
        return moto_backend(service or self.service, self.account_id, self.region)


def moto_backend(service, account_id, region):
    from moto.backends import get_backend

    backends = get_backend(service)
    if service in ("route53",):
        return backends[account_id]["global"]
    return backends[account_id][region]


class State:
    """Per-emulation state behind one lock; cleared by reset hooks."""

    lock = threading.RLock()
