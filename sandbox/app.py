"""The sandbox's WSGI application: control API, call log, faults, dispatch.

Every AWS request is identified (service and Region from the SigV4 scope,
action from the protocol), logged without its parameters, checked against
injected faults, then answered by a registered emulation or by moto.
"""

import io
import json
import random
import re
import socket
import threading
import time
from urllib.parse import parse_qs

from botocore.parsers import create_parser
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.moto_server.werkzeug_app import create_backend_app

from . import protocol
from . import registry
from .clock import Clock
from .protocol import AwsError
from .realism import Realism

READ_PREFIXES = ("Describe", "List", "Get", "Test", "Export", "Search", "Lookup", "Check")

# What AWS returns when it throttles, per signing service.
THROTTLE_CODES = {
    "ec2": ("RequestLimitExceeded", 503),
    "ds": ("ThrottlingException", 400),
    "acm": ("ThrottlingException", 400),
    "route53": ("Throttling", 400),
    "ds-data": ("ThrottlingException", 429),
    "secretsmanager": ("ThrottlingException", 400),
    "monitoring": ("Throttling", 400),
}

# What a lost answer looks like (the write was done): a 500 that botocore retries, per signing service.
LOST_CODES = {
    "ec2": ("InternalError", 500),
    "ds": ("ServiceException", 500),
    "acm": ("InternalFailure", 500),
    "route53": ("InternalFailure", 500),
    "ds-data": ("InternalServerException", 500),
    "secretsmanager": ("InternalServiceError", 500),
    "monitoring": ("InternalServiceError", 500),
}

# Fault kinds: ``error`` refuses the call; the other two perform it and lose its answer.
FAULT_KINDS = ("error", "lost_response", "dropped_connection")

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")


def is_write(action):
    return not action.startswith(READ_PREFIXES)


def _rest_routes(service):
    """(method, regex, action) for every operation of a rest protocol service, most specific first."""
    model = protocol.service_model(service)
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http["requestUri"].split("?")[0]
        literal = len(re.sub(r"\{[^}]+\}", "", uri))
        pattern = re.sub(r"\{([A-Za-z0-9_]+)\+?\}", r"(?P<\1>[^/]+)", uri)
        routes.append((literal, http["method"], re.compile(f"^{pattern}/?$"), name))
    routes.sort(key=lambda r: -r[0])
    return [r[1:] for r in routes]


class Lost:
    """A matched fault that lets the call take effect and then loses its answer."""

    def __init__(self, kind, error):
        self.kind = kind
        self.error = error


class Faults:
    """Injected failures: throttling a fraction of calls, failing an action N times, losing answers."""

    def __init__(self, realism=None):
        self.rules = []
        self.random = random.Random(0)
        self.realism = realism

    def set(self, spec):
        rules = spec.get("rules", [])
        for rule in rules:
            if "rate" not in rule and "count" not in rule:
                raise ValueError("a fault rule needs 'rate' (0-1) or 'count'")
            if rule.get("kind", "error") not in FAULT_KINDS:
                raise ValueError(f"fault kind must be one of {', '.join(FAULT_KINDS)}")
        self.random = random.Random(spec.get("seed", 0))
        self.rules.extend(dict(rule) for rule in rules)

    def clear(self):
        self.rules = []

    def match(self, service, action, region):
        """None, an AwsError to answer instead of the call, or a :class:`Lost` to apply after it."""
        for rule in self.rules:
            if rule.get("service", service) != service or rule.get("region", region) != region:
                continue
            if rule.get("action", action) != action:
                continue
            if "actions" in rule and action not in rule["actions"]:
                continue
            if rule.get("writes_only") and not is_write(action):
                continue
            if "count" in rule:
                if rule["count"] <= 0:
                    continue
                rule["count"] -= 1
            elif self.random.random() >= rule["rate"]:
                continue
            kind = rule.get("kind", "error")
            if kind != "error":
                code, status = LOST_CODES.get(service, ("InternalFailure", 500))
                if rule.get("code"):
                    code, status = rule["code"], rule.get("status", 500)
                return Lost(kind, AwsError(code, rule.get("message", "We encountered an internal error."), status))
            message = rule.get("message", "Rate exceeded" if "rate" in rule else "Injected fault")
            if rule.get("code"):
                return AwsError(rule["code"], message, rule.get("status", 400))
            code, status = THROTTLE_CODES.get(service, ("Throttling", 400))
            if service == "ds" and self.realism is not None and self.realism.on("ds_rate_exceeded"):
                # Directory Service throttles with ClientException "Rate exceeded" as well as ThrottlingException.
                if self.random.random() < 0.5:
                    return AwsError("ClientException", "Rate exceeded", 400)
            return AwsError(code, message, status)
        return None


class Sandbox:
    def __init__(self, time_scale=1.0, without=(), modes=()):
        from . import services  # noqa: F401  registers the emulations

        self.clock = Clock(time_scale)
        self.realism = Realism(self.clock, without=without, modes=modes)
        self.lock = threading.RLock()
        self.state = registry.State(self)  # every emulation's state (registry.state)
        self.calls = []
        self.faults = Faults(self.realism)
        self.outages = set()
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.rest_routes = {}
        self.started = time.time()

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sandbox/"):
            status, payload = self._control(environ, path[len("/_sandbox/") :])
            return _respond(start_response, status, {"Content-Type": "application/json"}, json.dumps(payload))
        body = _read_body(environ)
        with self.lock:
            return self._aws(environ, start_response, path, body)

    def _aws(self, environ, start_response, path, body):
        service, region, account = self._scope(environ)
        action, path_params = self._action(environ, service, path, body)
        request_id = protocol.new_request_id()
        entry = {
            "seq": len(self.calls) + 1,
            "time": round(time.time(), 3),
            "service": service,
            "action": action,
            "region": region,
            "write": bool(action) and is_write(action),
        }
        self.calls.append(entry)
        wire = _request_wire(environ, service)
        fault = self.faults.match(service, action, region) if action else None
        if isinstance(fault, AwsError):
            status, headers, text = protocol.serialize_error(service, fault, request_id, wire)
        else:
            status, headers, text = self._answer(
                environ, body, service, action, region, account, request_id, path_params, wire
            )
        if isinstance(fault, Lost):
            # The call took effect; its answer is lost. The log says so, and what the emulation had answered.
            entry["fault"] = fault.kind
            entry["performed_status"] = status
            if fault.kind == "dropped_connection":
                entry["status"], entry["error_code"] = 0, None
                _drop_connection(environ)
            status, headers, text = protocol.serialize_error(service, fault.error, request_id, wire)
        entry["status"] = status
        entry["error_code"] = _error_code(text, headers) if status >= 300 else None
        return _respond(start_response, status, headers, text)

    def _answer(self, environ, body, service, action, region, account, request_id, path_params, wire):
        """(status, headers, body) of the call: a sandbox handler's answer, else moto's.

        A request in a service's older protocol (``wire``: CloudWatch's ``query``, which old clients send) goes to
        moto as it came, and is refused where the sandbox has a handler: the handlers answer the protocol botocore
        sends (``protocol.wire_protocol``).
        """
        fn = registry.HANDLERS.get((service, action))
        if fn is not None and wire is not None:
            err = AwsError("NotImplementedBySandbox", f"The sandbox answers {service}:{action} in json only", 501)
            return protocol.serialize_error(service, err, request_id, wire)
        if fn is None:
            return self._moto_raw(environ, body, service, action)
        call = registry.Call(
            service=service,
            action=action,
            region=region,
            account_id=account,
            params={},
            request_id=request_id,
            sandbox=self,
            path_params=path_params,
            _moto=lambda: self._moto_parsed(environ, body, service, action),
        )
        try:
            call.params = self._params(environ, service, action, body, path_params)
            result = fn(call)
            if result is registry.PASS:
                return self._moto_raw(environ, body, service, action)
            return protocol.serialize_response(service, action, result, request_id)
        except AwsError as err:
            return protocol.serialize_error(service, err, request_id)

    # -------------------------------------------------------- identification
    @staticmethod
    def _scope(environ):
        match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if not match:
            return None, None, DEFAULT_ACCOUNT_ID
        access_key, region, service = match.groups()
        from moto.iam.models import get_account_id_from

        return service, region, get_account_id_from(access_key) or DEFAULT_ACCOUNT_ID

    def _rest_routes(self, service):
        """The routes of a rest protocol service (None for other protocols or a service botocore lacks)."""
        if service not in self.rest_routes:
            try:
                kind = protocol.service_model(service).metadata["protocol"]
            except Exception:  # botocore's UnknownServiceError, or no signing service at all
                kind = None
            self.rest_routes[service] = _rest_routes(service) if kind in ("rest-xml", "rest-json") else None
        return self.rest_routes[service]

    def _action(self, environ, service, path, body):
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return target.split(".", 1)[-1], {}
        routes = self._rest_routes(service) if service else None
        if routes is not None:
            method = environ.get("REQUEST_METHOD")
            for route_method, regex, name in routes:
                match = regex.match(path)
                if match and route_method == method:
                    return name, match.groupdict()
            return None, {}
        form = protocol.flat_form(body.decode("utf-8", "replace"), environ.get("QUERY_STRING"))
        return form.get("Action"), {}

    @staticmethod
    def _params(environ, service, action, body, path_params):
        op = protocol.operation_model(service, action)
        if op is None:
            raise AwsError("InvalidAction", f"The action {action} is not valid for this web service.")
        kind = protocol.wire_protocol(service)
        if kind == "ec2":
            flat = protocol.flat_form(body.decode("utf-8"), environ.get("QUERY_STRING"))
            params = protocol.parse_query_params(op.input_shape, flat)
        elif kind == "json":
            params = json.loads(body or b"{}")
        else:  # rest-xml, rest-json: members bound to the URI and the query string, then the body's
            query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
            params = protocol.parse_rest_params(op, path_params, query)
            if kind == "rest-json":
                params.update(protocol.parse_json_body(op.input_shape, body))
                protocol.validate_input(op.input_shape, params)
            elif body.strip():
                params["_body"] = protocol.xml_to_dict(body.decode("utf-8"))
                params.update(protocol.parse_xml_body(op.input_shape, body.decode("utf-8")))
        protocol.check_required(op.input_shape, params)
        return params

    # ------------------------------------------------------------------ moto
    def _run_moto(self, environ, body):
        environ = dict(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        captured = {}

        def start(status, headers, exc_info=None):
            captured["status"] = int(status.split()[0])
            captured["headers"] = dict(headers)

        chunks = self.moto(environ, start)
        data = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return captured["status"], captured["headers"], data

    def _moto_raw(self, environ, body, service, action):
        """moto's answer to the request as it came; 501 for what neither the sandbox nor moto emulates."""
        try:
            if not self._moto_has_backend(environ, body):
                raise NotImplementedError(service)  # moto's dispatcher would crash on a service it lacks
            return self._run_moto(environ, body)
        except NotImplementedError:
            # Loud, in the service's error shape, and never retried by clients (not a 5xx they retry).
            what = f"{service}:{action}" if action else f"the service {service}"
            err = AwsError("NotImplementedBySandbox", f"The sandbox does not emulate {what}", 501)
            return protocol.serialize_error(service, err, protocol.new_request_id())

    def _moto_has_backend(self, environ, body):
        """Whether moto's dispatcher finds a backend for the request (as it does, without its print)."""
        environ = dict(environ, **{"wsgi.input": io.BytesIO(body)})  # moto may read the body to infer the service
        host = self.moto.infer_service_region_host(environ, environ.get("PATH_INFO", ""))
        if host is None:
            return True  # moto falls back to its default service
        return any(pattern.match(f"http://{host}") for _, pattern in self.moto.backend_url_patterns)

    def _moto_parsed(self, environ, body, service, action):
        status, headers, data = self._run_moto(environ, body)
        model = protocol.service_model(service)
        parser = create_parser(protocol.wire_protocol(service))
        op = model.operation_model(action)
        parsed = parser.parse(
            {"status_code": status, "headers": headers, "body": data},
            op.output_shape if status < 300 else None,
        )
        if status >= 300:
            error = parsed.get("Error", {})
            raise AwsError(error.get("Code", "InternalError"), error.get("Message", ""), status)
        parsed.pop("ResponseMetadata", None)
        return parsed

    # --------------------------------------------------------------- control
    def _control(self, environ, route):
        method = environ.get("REQUEST_METHOD", "GET")
        raw = _read_body(environ)
        try:
            payload = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return 400, {"error": "body must be JSON"}
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        fn = registry.CONTROL_ROUTES.get((method, route.rstrip("/")))
        if fn is None:
            return 404, {"error": f"no control route {method} /_sandbox/{route}"}
        with self.lock:
            try:
                return fn(self, payload, query)
            except (ValueError, KeyError, TypeError) as exc:
                return 400, {"error": str(exc)}

    def reset(self):
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()
        self.state.reset()
        self.calls = []
        self.faults.clear()
        self.outages = set()
        self.realism.reset()


def _drop_connection(environ):
    """Close the client's connection without an answer (the werkzeug server ignores a dropped connection)."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionAbortedError("the sandbox dropped the connection (injected fault)")


def _read_body(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _respond(start_response, status, headers, body):
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = {k: v for k, v in headers.items() if k.lower() not in ("content-length", "transfer-encoding")}
    headers["Content-Length"] = str(len(body))
    start_response(f"{status} {_REASONS.get(status, 'Status')}", list(headers.items()))
    return [body]


_REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"}
_REASONS.update({409: "Conflict", 429: "Too Many Requests"})
_REASONS.update({500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable"})


def _request_wire(environ, service):
    """None for a request in the protocol botocore sends; ``query`` for a query-compatible json service's
    request in its older ``query`` protocol (no ``X-Amz-Target``: CloudWatch from an older client)."""
    if not service:
        return None
    try:
        model = protocol.service_model(service)
    except Exception:  # a service botocore does not know
        return None
    if model.is_query_compatible and model.resolved_protocol == "json" and not environ.get("HTTP_X_AMZ_TARGET"):
        return "query"
    return None


def _error_code(text, headers=None):
    query_error = {k.lower(): v for k, v in (headers or {}).items()}.get("x-amzn-query-error")
    if query_error:
        return query_error.split(";")[0]
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    match = re.search(r"<Code>([^<]+)</Code>", text) or re.search(r'"__type"\s*:\s*"(?:[^"#]*#)?([^"]+)"', text)
    return match.group(1) if match else None


# ------------------------------------------------------------ control routes


@registry.control("GET", "health")
def _health(sandbox, body, query):
    return 200, {"status": "ok", "time_scale": sandbox.clock.scale}


@registry.control("GET", "calls")
def _get_calls(sandbox, body, query):
    since = int(query.get("since", 0))
    return 200, {"calls": [c for c in sandbox.calls if c["seq"] > since]}


@registry.control("DELETE", "calls")
def _clear_calls(sandbox, body, query):
    sandbox.calls = []
    return 200, {"calls": []}


@registry.control("POST", "reset")
def _reset(sandbox, body, query):
    sandbox.reset()
    return 200, {"reset": True}


@registry.control("GET", "faults")
def _get_faults(sandbox, body, query):
    return 200, {"rules": sandbox.faults.rules}


@registry.control("POST", "faults")
def _set_faults(sandbox, body, query):
    sandbox.faults.set(body)
    return 200, {"rules": sandbox.faults.rules}


@registry.control("DELETE", "faults")
def _clear_faults(sandbox, body, query):
    sandbox.faults.clear()
    return 200, {"rules": []}


@registry.control("GET", "outage")
def _get_outages(sandbox, body, query):
    return 200, {"regions": sorted(sandbox.outages)}


@registry.control("POST", "outage")
def _add_outage(sandbox, body, query):
    sandbox.outages.add(body["region"])
    return 200, {"regions": sorted(sandbox.outages)}


@registry.control("DELETE", "outage")
def _end_outage(sandbox, body, query):
    region = body.get("region") or query.get("region")
    if region:
        sandbox.outages.discard(region)
    else:
        sandbox.outages.clear()
    return 200, {"regions": sorted(sandbox.outages)}


@registry.control("GET", "effects")
def _get_effects(sandbox, body, query):
    return 200, {"effects": dict(sandbox.realism.switches)}


@registry.control("POST", "effects")
def _set_effects(sandbox, body, query):
    return 200, {"effects": sandbox.realism.set(body)}


@registry.control("POST", "time-scale")
def _set_scale(sandbox, body, query):
    scale = float(body["scale"])
    if scale < 0:
        raise ValueError("scale must be >= 0")
    sandbox.clock.set_scale(scale)
    return 200, {"time_scale": sandbox.clock.scale}
