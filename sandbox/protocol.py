"""Wire formats, driven by the botocore service models.

The sandbox's own handlers receive parameters parsed by the operation's input
shape and return plain dicts that are serialised by its output shape, so what
a client reads is shaped exactly as botocore expects from AWS.  Only the
protocols the emulated services speak are covered: ``ec2`` (query in, XML out),
``json`` (Directory Service, ACM), ``rest-xml`` (Route 53) and ``rest-json``
(Directory Service Data: URI and query string members, a JSON body, errors with
the model's HTTP status and its extra members such as ``Reason``).
"""

import base64
import datetime
import json
import re
import uuid
from functools import lru_cache
from urllib.parse import parse_qs
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import botocore.session

EC2_XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"
ROUTE53_XMLNS = "https://route53.amazonaws.com/doc/2013-04-01/"


class AwsError(Exception):
    """An error AWS would return: its code, message, HTTP status and the error shape's other members (``fields``)."""

    def __init__(self, code, message, status=400, fields=None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.fields = fields or {}


class InvalidParameter(AwsError):
    def __init__(self, message, code="InvalidParameterValue"):
        super().__init__(code, message)


# Signing names (what a request's credential scope says) that differ from botocore's service names.
BOTOCORE_NAMES = {"monitoring": "cloudwatch"}


@lru_cache(maxsize=None)
def service_model(service):
    return botocore.session.get_session().get_service_model(BOTOCORE_NAMES.get(service, service))


SPOKEN = ("ec2", "json", "rest-xml", "rest-json")


def modeled_error(service, code, message, **fields):
    """An AwsError with the HTTP status the model gives that error (rest-json services answer 403, 404, 409, ...)."""
    status = service_model(service).shape_for(code).metadata.get("error", {}).get("httpStatusCode", 400)
    return AwsError(code, message, status, fields)


def wire_protocol(service):
    """The protocol botocore clients use (``ServiceModel.resolved_protocol``: CloudWatch's is ``json``), if spoken."""
    name = service_model(service).resolved_protocol
    if name in SPOKEN:
        return name
    raise NotImplementedError(f"{service} speaks {name}, none of {SPOKEN}")


def operation_model(service, action):
    try:
        return service_model(service).operation_model(action)
    except Exception:  # botocore raises OperationNotFoundError
        return None


def new_request_id():
    return str(uuid.uuid4())


# --------------------------------------------------------------------- parsing


def parse_query_params(shape, flat):
    """Rebuild a structure from EC2 query parameters (``A.1.B=x``) by the input shape."""
    if shape is None:
        return {}
    out = {}
    for name, member in shape.members.items():
        key = member.serialization.get("name") or name
        key = key[0].upper() + key[1:]
        value = _parse_query_value(member, flat, key)
        if value is not None:
            out[name] = value
    return out


def _parse_query_value(shape, flat, prefix):
    if shape.type_name == "structure":
        result = {}
        for name, member in shape.members.items():
            key = member.serialization.get("name") or name
            key = key[0].upper() + key[1:]
            value = _parse_query_value(member, flat, f"{prefix}.{key}")
            if value is not None:
                result[name] = value
        return result or None
    if shape.type_name == "list":
        items = []
        index = 1
        while True:
            value = _parse_query_value(shape.member, flat, f"{prefix}.{index}")
            if value is None:
                break
            items.append(value)
            index += 1
        return items or None
    if prefix not in flat:
        return None
    return _scalar(shape, flat[prefix])


def _scalar(shape, raw):
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(raw)
        if kind in ("float", "double"):
            return float(raw)
    except ValueError as exc:
        raise InvalidParameter(f"Invalid value '{raw}' for {shape.name}") from exc
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        return str(raw).lower() == "true"
    return raw


def parse_rest_params(op, path_params, query):
    """Route 53 style: members bound to the URI and the query string."""
    out = {}
    for name, member in op.input_shape.members.items() if op.input_shape else []:
        location = member.serialization.get("location")
        loc_name = member.serialization.get("name", name)
        if location == "uri" and loc_name in path_params:
            out[name] = path_params[loc_name]
        elif location == "querystring" and loc_name in query:
            out[name] = _scalar(member, query[loc_name])
    return out


def parse_json_body(shape, body):
    """rest-json: the members of a JSON request body (those without a ``location``)."""
    data = json.loads(body or b"{}")
    members = shape.members if shape is not None else {}
    return {k: v for k, v in data.items() if k in members and not members[k].serialization.get("location")}


def flat_form(body, query_string):
    flat = {k: v[-1] for k, v in parse_qs(query_string or "", keep_blank_values=True).items()}
    flat.update({k: v[-1] for k, v in parse_qs(body or "", keep_blank_values=True).items()})
    return flat


def check_required(shape, params, path=""):
    """AWS rejects a request missing a required member before looking at it."""
    if shape is None or shape.type_name != "structure":
        return
    for name in shape.required_members:
        if name not in params:
            raise AwsError("MissingParameter", f"The request must contain the parameter {path}{name}")
    for name, member in shape.members.items():
        if name in params and member.type_name == "structure":
            check_required(member, params[name], f"{path}{name}.")


def validate_input(shape, params, path=""):
    """Smithy services (rest-json) check every member against the model first: ValidationException.

    Required members, lengths of strings, lists and maps, ``pattern``, ``enum``,
    numeric ranges and unions (exactly one member) -- botocore checks only some
    of these on the client side.
    """
    if shape is None:
        return
    for name in shape.required_members:
        if params.get(name) is None:
            raise _invalid(f"{path}{name}", "not be null")
    for name, value in params.items():
        if name in shape.members and value is not None:
            _validate_value(shape.members[name], value, f"{path}{name}")
    if shape.metadata.get("union") and len([v for v in params.values() if v is not None]) != 1:
        raise _invalid(path.rstrip("/") or "/", "have exactly one member set")


def _validate_value(shape, value, path):
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure":
        return validate_input(shape, value, f"{path}/")
    size = len(value) if kind in ("string", "list", "map") else value if kind in ("integer", "long") else None
    low, high = meta.get("min"), meta.get("max")
    if size is not None and ((low is not None and size < low) or (high is not None and size > high)):
        what = "have length" if kind in ("string", "list", "map") else "be"
        bounds = f"greater than or equal to {low}" if high is None else f"between {low or 0} and {high}"
        raise _invalid(path, f"{what} {bounds}", shape, value)
    if kind == "string" and meta.get("pattern") and not re.search(meta["pattern"], value, re.ASCII):
        raise _invalid(path, f"satisfy regular expression pattern: {meta['pattern']}", shape, value)
    if kind == "string" and shape.enum and value not in shape.enum:
        raise _invalid(path, f"satisfy enum value set: [{', '.join(shape.enum)}]", shape, value)
    if kind == "list":
        for index, item in enumerate(value):
            _validate_value(shape.member, item, f"{path}/{index}")
    if kind == "map":
        for key, item in value.items():
            _validate_value(shape.key, key, f"{path}/{key}")
            _validate_value(shape.value, item, f"{path}/{key}")


def _invalid(path, constraint, shape=None, value=None):
    """AWS's message; the value is not echoed for a member the model marks ``sensitive`` (names, secrets)."""
    shown = "" if value is None or shape is None or shape.metadata.get("sensitive") else f" '{value}'"
    return AwsError(
        "ValidationException",
        f"1 validation error detected: Value{shown} at '{path}' failed to satisfy constraint: Member must {constraint}",
    )


# ---------------------------------------------------------------- serialising


def _iso(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return str(value)


def _xml_value(shape, value, name, ec2):
    tag = name
    if shape.type_name == "structure":
        inner = "".join(
            _xml_member(member_name, member, value[member_name], ec2)
            for member_name, member in shape.members.items()
            if member_name in value and value[member_name] is not None
        )
        return f"<{tag}>{inner}</{tag}>"
    if shape.type_name == "list":
        item_tag = shape.member.serialization.get("name") or ("item" if ec2 else "member")
        inner = "".join(_xml_value(shape.member, item, item_tag, ec2) for item in value)
        if shape.serialization.get("flattened"):
            return "".join(_xml_value(shape.member, item, tag, ec2) for item in value)
        return f"<{tag}>{inner}</{tag}>"
    if shape.type_name == "map":
        raise NotImplementedError("map members are not used by the emulated operations")
    if shape.type_name == "timestamp":
        text = _iso(value)
    elif shape.type_name == "boolean":
        text = "true" if value else "false"
    elif shape.type_name == "blob":
        text = base64.b64encode(value if isinstance(value, bytes) else value.encode()).decode()
    else:
        text = escape(str(value))
    return f"<{tag}>{text}</{tag}>"


def _xml_member(member_name, member, value, ec2):
    name = member.serialization.get("name") or member_name
    if member.type_name == "list" and member.serialization.get("flattened"):
        return "".join(_xml_value(member.member, item, name, ec2) for item in value)
    return _xml_value(member, value, name, ec2)


def _json_value(shape, value):
    if value is None:
        return None
    if shape.type_name == "structure":
        return {k: _json_value(m, value[k]) for k, m in shape.members.items() if k in value and value[k] is not None}
    if shape.type_name == "list":
        return [_json_value(shape.member, v) for v in value]
    if shape.type_name == "map":
        return {k: _json_value(shape.value, v) for k, v in value.items()}
    if shape.type_name == "timestamp":
        if isinstance(value, datetime.datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=datetime.timezone.utc)
            return value.timestamp()
        return value
    if shape.type_name == "blob":
        return base64.b64encode(value if isinstance(value, bytes) else value.encode()).decode()
    return value


_JSON_TYPES = {"json": "application/x-amz-json-1.1", "rest-json": "application/json"}


def _json_type(model, protocol):
    if protocol == "json" and model.metadata.get("jsonVersion"):
        return f"application/x-amz-json-{model.metadata['jsonVersion']}"
    return _JSON_TYPES[protocol]


def serialize_response(service, action, data, request_id):
    """(status, headers, body) for a successful call, shaped by the output shape."""
    model = service_model(service)
    op = model.operation_model(action)
    shape = op.output_shape
    data = data or {}
    protocol = wire_protocol(service)
    if protocol == "ec2":
        inner = ""
        if shape is not None:
            inner = "".join(
                _xml_member(n, m, data[n], True) for n, m in shape.members.items() if data.get(n) is not None
            )
        body = f'<?xml version="1.0" encoding="UTF-8"?><{action}Response xmlns="{EC2_XMLNS}"><requestId>{request_id}</requestId>{inner}</{action}Response>'
        return 200, {"Content-Type": "text/xml"}, body
    if protocol in ("json", "rest-json"):
        # Every member goes in the body: no emulated rest-json output has header or status-code members.
        body = json.dumps(_json_value(shape, data) if shape is not None else {})
        headers = {"Content-Type": _json_type(model, protocol), "x-amzn-RequestId": request_id}
        return op.http.get("responseCode", 200), headers, body
    if protocol == "rest-xml":
        inner = ""
        if shape is not None:
            inner = "".join(
                _xml_member(n, m, data[n], False) for n, m in shape.members.items() if data.get(n) is not None
            )
        root = shape.name if shape is not None else f"{action}Response"
        body = f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{ROUTE53_XMLNS}">{inner}</{root}>'
        return 200, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body
    raise NotImplementedError(protocol)


def serialize_error(service, error, request_id, wire=None):
    """(status, headers, body) for an AWS error in the service's own protocol (``wire``: the request's)."""
    try:
        protocol = wire or (wire_protocol(service) if service else "ec2")
    except NotImplementedError:
        # Services moto answers whole (e.g. sts, "query") and services nobody emulates (e.g. ds-data,
        # "rest-json"): injected faults and NotImplementedBySandbox still need their error shape.
        protocol = service_model(service).metadata["protocol"]
    code, message = escape(error.code), escape(error.message)
    if protocol in ("ec2", "query"):
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
        return error.status, {"Content-Type": "text/xml"}, body
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": error.code, "message": error.message, "Message": error.message, **error.fields})
        model = service_model(service)
        headers = {
            "Content-Type": _json_type(model, protocol),
            "x-amzn-RequestId": request_id,
            "x-amzn-ErrorType": error.code,
        }
        if model.is_query_compatible:  # botocore reads the query code (e.g. LimitExceeded) from this header
            headers["x-amzn-query-error"] = f"{error.code};Sender"
        return error.status, headers, body
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><ErrorResponse xmlns="{ROUTE53_XMLNS}"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return error.status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body


def xml_to_dict(text):
    """A small XML reader for rest-xml request bodies (tags without namespaces)."""
    root = ElementTree.fromstring(text)

    def walk(node):
        children = list(node)
        if not children:
            return node.text or ""
        result = {}
        for child in children:
            tag = child.tag.split("}", 1)[-1]
            value = walk(child)
            if tag in result:
                if not isinstance(result[tag], list):
                    result[tag] = [result[tag]]
                result[tag].append(value)
            else:
                result[tag] = value
        return result

    return walk(root)


def parse_xml_body(shape, text):
    """Members of a rest-xml request body, typed by the input shape (lists, numbers, booleans)."""
    if shape is None or not text.strip():
        return {}
    root = ElementTree.fromstring(text)
    return _xml_struct(shape, root, body_only=True)


def _xml_children(node):
    return [(child.tag.split("}", 1)[-1], child) for child in node]


def _xml_struct(shape, node, body_only=False):
    out = {}
    for name, member in shape.members.items():
        if body_only and member.serialization.get("location"):
            continue
        tag = member.serialization.get("name") or name
        found = [child for child_tag, child in _xml_children(node) if child_tag == tag]
        if not found:
            continue
        if member.type_name == "list" and member.serialization.get("flattened"):
            out[name] = [_xml_typed(member.member, child) for child in found]
        else:
            out[name] = _xml_typed(member, found[0])
    return out


def _xml_typed(shape, node):
    if shape.type_name == "structure":
        return _xml_struct(shape, node)
    if shape.type_name == "list":
        item_tag = shape.member.serialization.get("name") or "member"
        return [_xml_typed(shape.member, child) for tag, child in _xml_children(node) if tag == item_tag]
    return _scalar(shape, node.text or "")
