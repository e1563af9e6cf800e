"""How service emulations plug into the sandbox.

A handler is registered for one (signing service, action) and receives a
:class:`Call`; it returns a dict shaped like the operation's output (botocore
member names), raises :class:`~sandbox.protocol.AwsError`, or returns
:data:`PASS` to let moto answer the original request.  ``call.moto()`` runs
moto on the same request and returns its answer parsed by botocore, so a
handler can validate first and fix up moto's answer after.
"""

from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Callable
from typing import Dict

HANDLERS: Dict[tuple, Callable] = {}
CONTROL_ROUTES: Dict[tuple, Callable] = {}
STATE_TYPES: Dict[str, Callable] = {}
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


def state(name):
    """Register ``factory(sandbox)`` as an emulation's state, kept as ``sandbox.state.<name>``.

    State lives on the sandbox, never in a module, so that it is reset with
    the sandbox (``POST /_sandbox/reset`` makes every state afresh) and reaches
    the clock and realism of that sandbox rather than a remembered one.
    """

    def wrap(factory):
        STATE_TYPES[name] = factory
        return factory

    return wrap


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
    """Every emulation's state in one sandbox: ``sandbox.state.<name>``, one per :func:`state` registration.

    Handlers run under the sandbox's lock; code reaching the state from
    another thread (tests, interfaces) takes ``sandbox.lock`` too.
    """

    def __init__(self, sandbox):
        self._sandbox = sandbox
        self.reset()

    def reset(self):
        for name, factory in STATE_TYPES.items():
            setattr(self, name, factory(self._sandbox))
