"""EC2 networking calls where moto answers differently from AWS in ways amazon.aws modules meet.

* DescribeVpcPeeringConnections applies its ``Filters`` (moto ignores them and lists every
  peering of the Region).  amazon.aws.ec2_vpc_peering finds an existing peering by
  ``requester-vpc-info.vpc-id`` + ``accepter-vpc-info.vpc-id``: without the filters a VPC with
  two peerings is mistaken for the first one, which the module then re-tags as the second.
  An unknown filter name is refused with AWS's ``InvalidParameterValue``.
* UpdateSecurityGroupRuleDescriptions{Ingress,Egress} answer ``Return: true`` as AWS does (moto
  answers an empty body, which amazon.aws.ec2_security_group reads as a failure).
* DescribeRouteTables: a route through a VPC peering connection that is deleted (or otherwise
  over) reads ``State: blackhole``, as on AWS; moto keeps it ``active``.  Realism effect
  ``blackhole_routes`` (sandbox.realism).
"""

import fnmatch

from .. import registry
from ..protocol import AwsError

_PEERING_FILTERS = {
    "accepter-vpc-info.cidr-block": lambda p: _cidrs(p.get("AccepterVpcInfo")),
    "accepter-vpc-info.owner-id": lambda p: [p.get("AccepterVpcInfo", {}).get("OwnerId")],
    "accepter-vpc-info.vpc-id": lambda p: [p.get("AccepterVpcInfo", {}).get("VpcId")],
    "requester-vpc-info.cidr-block": lambda p: _cidrs(p.get("RequesterVpcInfo")),
    "requester-vpc-info.owner-id": lambda p: [p.get("RequesterVpcInfo", {}).get("OwnerId")],
    "requester-vpc-info.vpc-id": lambda p: [p.get("RequesterVpcInfo", {}).get("VpcId")],
    "status-code": lambda p: [p.get("Status", {}).get("Code")],
    "status-message": lambda p: [p.get("Status", {}).get("Message")],
    "vpc-peering-connection-id": lambda p: [p.get("VpcPeeringConnectionId")],
    "tag-key": lambda p: [t.get("Key") for t in p.get("Tags") or []],
}


def _cidrs(info):
    info = info or {}
    blocks = [info.get("CidrBlock")] + [b.get("CidrBlock") for b in info.get("CidrBlockSet") or []]
    return [b for b in blocks if b]


def _values_of(peering, name):
    if name.startswith("tag:"):
        key = name[4:]
        return [t.get("Value") for t in peering.get("Tags") or [] if t.get("Key") == key]
    return _PEERING_FILTERS[name](peering)


def _matches(peering, filters):
    for spec in filters:
        values = [v for v in _values_of(peering, spec["Name"]) if v is not None]
        wanted = spec.get("Values") or []
        if not any(fnmatch.fnmatchcase(str(value), str(pattern)) for value in values for pattern in wanted):
            return False
    return True


@registry.handler("ec2", "DescribeVpcPeeringConnections")
def describe_vpc_peering_connections(call):
    filters = call.params.get("Filters") or []
    for spec in filters:
        name = spec.get("Name", "")
        if name not in _PEERING_FILTERS and not name.startswith("tag:"):
            raise AwsError("InvalidParameterValue", f"The filter '{name}' is invalid", 400)
    result = call.moto()
    if filters:
        result["VpcPeeringConnections"] = [p for p in result.get("VpcPeeringConnections", []) if _matches(p, filters)]
    return result


@registry.handler("ec2", "UpdateSecurityGroupRuleDescriptionsIngress")
@registry.handler("ec2", "UpdateSecurityGroupRuleDescriptionsEgress")
def update_security_group_rule_descriptions(call):
    result = call.moto()
    result["Return"] = True
    return result


# Peering states in which a route through the peering goes nowhere.
_DEAD_PEERING = ("deleted", "deleting", "rejected", "failed", "expired")


@registry.handler("ec2", "DescribeRouteTables")
def describe_route_tables(call):
    result = call.moto()
    realism = getattr(call.sandbox, "realism", None)
    if realism is not None and not realism.on("blackhole_routes"):
        return result
    peerings = getattr(call.backend("ec2"), "vpc_pcxs", {})
    for table in result.get("RouteTables", []):
        for route in table.get("Routes", []):
            pcx_id = route.get("VpcPeeringConnectionId")
            if not pcx_id:
                continue
            pcx = peerings.get(pcx_id)
            code = getattr(getattr(pcx, "_status", None), "code", None)
            if pcx is None or code in _DEAD_PEERING:
                route["State"] = "blackhole"
    return result
