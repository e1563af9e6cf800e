"""Tags on Client VPN endpoints: CreateTags, DeleteTags and DescribeTags, the rest left to moto."""

import re

from .. import registry
from ..protocol import AwsError
from .client_vpn import _bad
from .client_vpn import _check_tags
from .client_vpn import _dry_run
from .client_vpn import _ec2
from .client_vpn import _moto_code
from .client_vpn import _page
from .client_vpn import _state


def _split_cvpn(resources):
    cvpn = [r for r in resources if r.startswith("cvpn-endpoint-")]
    return cvpn, [r for r in resources if not r.startswith("cvpn-endpoint-")]


def _moto_tag_checks(call, resources):
    """moto's own validation of the other resource ids (it answers them when no endpoint is involved)."""
    if not resources:
        return
    from moto.ec2.models import validate_resource_ids

    try:
        validate_resource_ids(resources)
        _ec2(call).do_resources_exist(resources)
    except AwsError:
        raise
    except Exception as exc:
        raise AwsError(_moto_code(exc, "InvalidID"), getattr(exc, "message", str(exc))) from exc


def _endpoints_named(call, cvpn):
    """This Region's endpoint store, once every Client VPN endpoint ID in ``cvpn`` is known to it."""
    store = _state(call).store(call.account_id, call.region)
    for eid in cvpn:
        if eid not in store:
            raise AwsError("InvalidClientVpnEndpointId.NotFound", f"The Client VPN endpoint ID '{eid}' does not exist")
    return store


@registry.handler("ec2", "CreateTags")
def create_tags(call):
    params = call.params
    cvpn, others = _split_cvpn(params.get("Resources", []))
    if not cvpn:
        return registry.PASS
    store = _endpoints_named(call, cvpn)
    tags = params.get("Tags", [])
    _check_tags(tags)
    for eid in cvpn:
        merged = dict(store[eid]["tags"], **{t["Key"]: t.get("Value", "") for t in tags})
        if len(merged) > 50:
            raise AwsError("TagLimitExceeded", "The maximum number of tags per resource is 50")
    _moto_tag_checks(call, others)
    _dry_run(params)
    for eid in cvpn:
        store[eid]["tags"].update({t["Key"]: t.get("Value", "") for t in tags})
    if others:
        _ec2(call).create_tags(others, {t["Key"]: t.get("Value", "") for t in tags})
    return {}


@registry.handler("ec2", "DeleteTags")
def delete_tags(call):
    params = call.params
    cvpn, others = _split_cvpn(params.get("Resources", []))
    if not cvpn:
        return registry.PASS
    store = _endpoints_named(call, cvpn)
    if others:
        from moto.ec2.models import validate_resource_ids

        try:
            validate_resource_ids(others)
        except Exception as exc:
            raise AwsError(_moto_code(exc, "InvalidID"), getattr(exc, "message", str(exc))) from exc
    _dry_run(params)
    tags = params.get("Tags")
    for eid in cvpn:
        current = store[eid]["tags"]
        if not tags:
            current.clear()
            continue
        for tag in tags:
            if tag["Key"] in current and ("Value" not in tag or tag["Value"] == current[tag["Key"]]):
                del current[tag["Key"]]
    if others:
        if tags:
            _ec2(call).delete_tags(others, {t["Key"]: t.get("Value") for t in tags})
        else:
            for rid in others:
                _ec2(call).tags.pop(rid, None)
    return {}


@registry.handler("ec2", "DescribeTags")
def describe_tags(call):
    params = call.params
    store = _state(call).store(call.account_id, call.region)
    filters = params.get("Filters") or []
    mine = []
    for eid, ep in store.items():
        for key, value in ep["tags"].items():
            mine.append({"Key": key, "ResourceId": eid, "ResourceType": "client-vpn-endpoint", "Value": value})
    if not mine:
        return registry.PASS
    fields = {"key": "Key", "resource-id": "ResourceId", "resource-type": "ResourceType", "value": "Value"}
    for flt in filters:
        name, values = flt.get("Name", ""), flt.get("Values", [])
        patterns = [re.compile("^" + re.escape(v).replace(r"\*", ".*").replace(r"\?", ".") + "$") for v in values]
        if name.startswith("tag:"):
            # Rows of resources carrying that tag with one of the values.
            key = name[4:]
            tagged = {
                eid
                for eid, ep in store.items()
                if key in ep["tags"] and any(p.match(ep["tags"][key]) for p in patterns)
            }
            mine = [t for t in mine if t["ResourceId"] in tagged]
        elif name in fields:
            mine = [t for t in mine if any(p.match(t[fields[name]]) for p in patterns)]
        else:
            raise _bad(f"The filter '{name}' is invalid")
    theirs = call.moto().get("Tags", [])
    items = sorted(theirs + mine, key=lambda t: (t["ResourceId"], t["Key"]))
    max_results = params.get("MaxResults")
    if max_results is not None and not 5 <= max_results <= 1000:
        raise _bad(f"Value ({max_results}) for parameter MaxResults is invalid. Expecting a value between 5 and 1000")
    page, token = _page(items, {k: v for k, v in params.items() if k in ("MaxResults", "NextToken")})
    return {"Tags": page, "NextToken": token}
