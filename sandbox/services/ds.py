"""AWS Directory Service emulation on top of moto's DS backend.

moto supplies the directories themselves (validation of names and patterns,
security groups, tags, aliases, SSO, settings); the sandbox adds:

- stages that take time: ``Creating`` -> ``Active`` after
  ``DURATIONS["directory_create"]`` (Microsoft AD) or ``["connector_create"]``
  (AD Connector, which may end ``Failed``), ``Deleting`` -> gone after
  ``["directory_delete"]`` / ``["connector_delete"]``;
- domain controllers (two per Region by default) at deterministic addresses of
  the directory's subnets (the first free address from .10), backed by ENIs in
  moto's EC2 backend of that Region;
- multi-Region replication: AddRegion / DescribeRegions / RemoveRegion, the
  replicated directory visible in each additional Region (DescribeDirectories,
  DescribeDomainControllers, UpdateNumberOfDomainControllers there);
- the AD Connector's connection check (see :func:`_connector_outcome`) against
  the directory's users (``ds_state.Domain``: built-in ones, those created
  through Directory Service Data, passwords set by ResetUserPassword);
- Directory Service Data access: Enable/Disable/DescribeDirectoryDataAccess
  (``Enabling`` -> ``Enabled`` and ``Disabling`` -> ``Disabled`` after
  ``DURATIONS["directory_data_access"]``); the Data API itself is ``ds_data.py``;
- realism (``sandbox/realism.py``): a new directory or Region is missing from
  DescribeDirectories / DescribeRegions for a while and a deleted one stays
  listed (``consistency``); a replica's domain controllers show up in its
  Region some time after AddRegion, and a directory refuses deletion for a
  while after a Client VPN endpoint that used it was deleted
  (``busy_directory``, see :func:`application_released`); with the mode
  ``serial_region_adds`` a second AddRegion waits for the first.

Rules and their error codes are listed in tests/sandbox/test_ds.py, which is
the executable specification.  Simple AD (CreateDirectory) stays moto's: Active
at once, no Regions.

Interfaces for other emulations: :func:`lookup_directory` and
:func:`list_directories`.
"""

import functools
import re

import botocore.session
from moto.core.exceptions import JsonRESTError
from moto.ds.models import ds_backends
from moto.ds.responses import _directory_description
from moto.ds.validations import validate_args

from .. import registry
from ..protocol import AwsError
from . import ds_state as st

DIRECTORY_ID = re.compile(r"^d-[0-9a-f]{10}$")
DC_ID = re.compile(r"^dc-[0-9a-f]{10}$")
DESCRIPTION = re.compile(r"^([a-zA-Z0-9_])[\\a-zA-Z0-9_@#%*+=:?./!\s-]*$")
# "Cannot delete the directory because it still has authorized applications." for this long (seconds at scale 1)
# after the Client VPN endpoint that used the directory is deleted (terraform-provider-aws #20556 / PR #22027, whose
# retry waits 2 minutes), at least once at any time scale above 0.
APPLICATION_RELEASE = 120
AUTHORIZED_APPLICATIONS = "Cannot delete the directory because it still has authorized applications."
# A replica's domain controllers (and the replicated directory) show up in its Region after this fraction of the add.
REPLICA_VISIBLE_FRACTION = 0.5
# Kinds of sandbox.realism windows.
DIRECTORY_KIND = "ds_directory"
REGION_KIND = "ds_region"
# Per-Region quotas (Directory Service admin guide): 20 Managed Microsoft AD, 10 AD Connector.
TYPE_LIMITS = {"MicrosoftAD": 20, "ADConnector": 10}
SUBNETS_MESSAGE = "Invalid subnet ID(s). They must correspond to two subnets in different Availability Zones."


# ------------------------------------------------------------------ helpers


def _handler(action):
    return registry.handler("ds", action)


def _state(call):
    return call.sandbox.state.ds


def _err(code, message):
    return AwsError(code, message, 400)


def _validation(field, constraint, value=None):
    shown = "at" if value is None else f"'{value}' at"
    return _err(
        "ValidationException",
        f"1 validation error detected: Value {shown} '{field}' failed to satisfy constraint: Member must {constraint}",
    )


def _moto(fn, *args, **kwargs):
    """Run a moto backend method, turning its errors into the sandbox's AwsError."""
    try:
        return fn(*args, **kwargs)
    except JsonRESTError as exc:
        raise _err(exc.error_type, exc.message) from None


def _begin(call):
    """Every handler starts here: transitions that are over take effect first."""
    _settle(_state(call))


def _backend(account_id, region):
    return ds_backends[account_id][region]


def _check_directory_id(value):
    if not isinstance(value, str) or not DIRECTORY_ID.match(value):
        raise _validation("directoryId", f"satisfy regular expression pattern: {DIRECTORY_ID.pattern}", value)


def _check_common(params, directory_type, account_id, region):
    description = params.get("Description")
    if description and not DESCRIPTION.match(description):
        raise _validation("description", f"satisfy regular expression pattern: {DESCRIPTION.pattern}", description)
    backend = _backend(account_id, region)
    count = sum(1 for d in backend.directories.values() if d.directory_type == directory_type)
    if count >= TYPE_LIMITS[directory_type]:
        raise _err(
            "DirectoryLimitExceededException",
            f"Directory limit exceeded. A maximum of {TYPE_LIMITS[directory_type]} {directory_type} directories "
            "may be created in this Region.",
        )


def _vpc_settings(account_id, region, settings, field="vpcSettings"):
    """Validate VPC settings as AWS does: two existing subnets of that VPC in different AZs."""
    subnet_ids = list(settings.get("SubnetIds") or [])
    vpc_id = settings.get("VpcId")
    for subnet_id in subnet_ids:
        if not re.match(r"^(subnet-[0-9a-f]{8}|subnet-[0-9a-f]{17})$", subnet_id):
            raise _validation(
                f"{field}.subnetIds", "satisfy regular expression pattern: ^(subnet-[0-9a-f]{8}|subnet-[0-9a-f]{17})$"
            )
    if not vpc_id or not re.match(r"^(vpc-[0-9a-f]{8}|vpc-[0-9a-f]{17})$", vpc_id):
        raise _validation(
            f"{field}.vpcId", "satisfy regular expression pattern: ^(vpc-[0-9a-f]{8}|vpc-[0-9a-f]{17})$", vpc_id
        )
    if len(subnet_ids) != 2:
        raise _err("InvalidParameterException", SUBNETS_MESSAGE)
    ec2 = st.ec2_backend(account_id, region)
    subnets = []
    for subnet_id in subnet_ids:
        subnet = ec2.subnets and _find_subnet(ec2, subnet_id)
        if subnet is None:
            raise _err("InvalidParameterException", SUBNETS_MESSAGE)
        subnets.append(subnet)
    if vpc_id not in ec2.vpcs:
        raise _err("ClientException", "Invalid VPC ID.")
    for subnet in subnets:
        if subnet.vpc_id != vpc_id:
            raise _err(
                "InvalidParameterException", f"Invalid subnet ID(s). The subnets must belong to the VPC {vpc_id}."
            )
    zones = [s.availability_zone for s in subnets]
    if zones[0] == zones[1]:
        raise _err("ClientException", "Invalid subnet ID(s). The two subnets must be in different Availability Zones.")
    return vpc_id, subnet_ids, zones


def _find_subnet(ec2, subnet_id):
    for zone_subnets in ec2.subnets.values():
        if subnet_id in zone_subnets:
            return zone_subnets[subnet_id]
    return None


def _replace_enis(account_id, region, moto_directory, subnet_ids):
    """Move moto's randomly addressed ENIs of a new directory to deterministic addresses."""
    ec2 = st.ec2_backend(account_id, region)
    st.delete_enis(ec2, moto_directory.eni_ids)
    created = st.create_enis(ec2, subnet_ids, moto_directory.security_group_id, moto_directory.directory_id)
    moto_directory.eni_ids = [eni_id for eni_id, _, _ in created]
    moto_directory.subnet_ips = [ip for _, ip, _ in created]
    return created


def _paginate(items, params, default_limit=100):
    try:
        start = int(params.get("NextToken") or 0)
    except ValueError:
        raise _err("InvalidNextTokenException", "Invalid value passed for the NextToken parameter") from None
    limit = params.get("Limit") or default_limit
    if limit < 0:
        raise _err("InvalidParameterException", "Limit must be a positive integer")
    page = items[start : start + limit]
    token = str(start + limit) if start + limit < len(items) else None
    return page, token


def _page_answer(items, params, result_key):
    """The answer of a paginated Describe call: ``{result_key: page}`` and NextToken when there is more."""
    page, token = _paginate(items, params)
    out = {result_key: page}
    if token:
        out["NextToken"] = token
    return out


# ------------------------------------------------------------ lazy progress


def _settle(state):
    """Apply every transition whose deadline has passed (deletions, removals, connector outcomes)."""
    for (account_id, directory_id), directory in list(state.directories.items()):
        if st.gone(directory, st.DIRECTORY_DELETION):
            _finish_delete(state, directory)
            continue
        for region, entry in list(directory.regions.items()):
            if st.gone(entry, st.REMOVAL):
                item = _region_item(directory, entry)
                _drop_region_network(directory, entry)
                del directory.regions[region]
                state.realism.deleted(REGION_KIND, (account_id, directory_id, region), item)
                continue
            for dc in list(entry.domain_controllers):
                if st.gone(dc, st.REMOVAL):
                    st.delete_enis(st.ec2_backend(account_id, region), [dc.eni_id])
                    entry.domain_controllers.remove(dc)
        if directory.type == "ADConnector" and directory.connector_outcome is None and st.created(directory):
            directory.connector_outcome = _connector_outcome(state, directory)


def _finish_delete(state, directory):
    """The directory is gone: its ENIs (every domain controller's), security groups, tags, moto's record."""
    last = _describe(state, directory.account_id, directory.primary_region, directory.directory_id)
    if last is not None:
        # still listed, as it was last seen (Deleting), for the consistency window
        state.realism.deleted(
            DIRECTORY_KIND, (directory.account_id, directory.directory_id), (directory.primary_region, last)
        )
    state.drop(directory)
    backend = _backend(directory.account_id, directory.primary_region)
    for entry in list(directory.regions.values()):
        _drop_region_network(directory, entry)
    moto_dir = backend.directories.get(directory.directory_id)
    if moto_dir is None:
        return
    ec2 = st.ec2_backend(directory.account_id, directory.primary_region)
    primary = directory.regions.get(directory.primary_region)
    st.delete_enis(ec2, list(moto_dir.eni_ids) + [dc.eni_id for dc in (primary.domain_controllers if primary else [])])
    moto_dir.eni_ids = []
    try:
        backend.delete_directory(directory.directory_id)
    except Exception:  # noqa: BLE001  never let a cleanup error wedge every later DS call
        backend.directories.pop(directory.directory_id, None)


def _drop_region_network(directory, entry):
    if not entry.owns_network:
        return
    ec2 = st.ec2_backend(directory.account_id, entry.region)
    st.delete_enis(ec2, [dc.eni_id for dc in entry.domain_controllers])
    try:
        ec2.delete_security_group(group_id=entry.security_group_id)
    except Exception:  # noqa: BLE001  already gone
        pass


def _connector_outcome(state, connector):
    """Decide, as of the end of ``Creating``, whether an AD Connector reaches its directory.

    Each CustomerDnsIp must be the address of a domain controller, active at
    that moment, of one Managed Microsoft AD in the connector's account and
    Region (its primary Region or a replicated one) whose Name equals the
    connector's Name.  Reachability is assumed for any VPC of the Region (no
    security group or peering model).  The service account must be an enabled
    user of that directory with the connector's password as its current one
    (``Admin``, or a user created through Directory Service Data whose password
    ResetUserPassword set).
    """
    moment = connector.ready_at
    region = connector.primary_region
    found = set()
    for ip in connector.connector_dns_ips:
        owner = None
        for directory in state.visible_in(connector.account_id, region):
            if directory.type != "MicrosoftAD" or directory.deleting_at is not None:
                continue
            entry = directory.regions[region]
            if entry.removing_at is not None:
                continue
            if any(dc.ip == ip and dc.active_at(moment) for dc in entry.domain_controllers):
                owner = directory
                break
        if owner is None:
            return "Failed", (
                f"Connectivity issues detected: DNS unavailable (TCP port 53) for IP: {ip}. "
                "Verify the DNS addresses and that the VPC can reach them."
            )
        if owner.name.lower() != connector.name.lower():
            return "Failed", (
                f"Connectivity issues detected: SRV record lookup for {connector.name} failed on DNS IP {ip}. "
                "The DNS server does not serve this domain."
            )
        found.add(owner.directory_id)
    if len(found) != 1:
        return "Failed", "Connectivity issues detected: the DNS addresses belong to different domains."
    directory = state.get(connector.account_id, found.pop())
    if not connector.same_secret_as(directory):
        return "Failed", (
            "Invalid credentials: the service account could not authenticate to the directory. "
            "Verify the user name and password."
        )
    return "Active", None


# ------------------------------------------------------------- description


def _describe(state, account_id, region, directory_id):
    """DescribeDirectories' entry for a directory as seen in ``region`` (None if not visible there)."""
    directory = state.get(account_id, directory_id)
    backend_region = directory.primary_region if directory else region
    backend = _backend(account_id, backend_region)
    moto_dir = backend.directories.get(directory_id)
    if moto_dir is None:
        return None
    if directory is None:
        if region != backend_region:
            return None
        return _clean(_moto_description(moto_dir))
    entry = directory.regions.get(region)
    if entry is None and region != directory.primary_region:
        return None
    desc = _moto_description(moto_dir)
    stage = directory.stage(region)
    desc["Stage"] = stage
    if entry is None:  # AD Connector, or a moto-native Simple AD being deleted
        desc["StageLastUpdatedDateTime"] = _stage_time(directory)
        if directory.connector_outcome and directory.connector_outcome[1] and stage == "Failed":
            desc["StageReason"] = directory.connector_outcome[1]
        if directory.type != "MicrosoftAD":
            desc.pop("DesiredNumberOfDomainControllers", None)
        return _clean(desc)
    desc["StageLastUpdatedDateTime"] = entry.status_changed(directory)
    desc["DesiredNumberOfDomainControllers"] = entry.desired
    desc["VpcSettings"] = {
        "VpcId": entry.vpc_id,
        "SubnetIds": list(entry.subnet_ids),
        "SecurityGroupId": entry.security_group_id,
        "AvailabilityZones": list(entry.availability_zones),
    }
    if stage == "Creating":
        desc.pop("DnsIpAddrs", None)  # AWS publishes the DNS addresses once the directory is up
    else:
        desc["DnsIpAddrs"] = [dc.ip for dc in entry.domain_controllers if dc.removing_at is None]
    if directory.type == "MicrosoftAD":
        desc["RegionsInfo"] = {
            "PrimaryRegion": directory.primary_region,
            "AdditionalRegions": directory.additional_regions(),
        }
    return _clean(desc)


def _moto_description(moto_dir):
    desc = _copy(_directory_description(moto_dir))
    if not desc.get("RadiusSettings"):
        desc.pop("RadiusSettings", None)
    return desc


def _stage_time(directory):
    if directory.deleting_at is not None:
        return directory.deleting_since
    if not st.created(directory):
        return directory.launched
    return st.wall(directory.clock, directory.ready_at)


def _copy(value):
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _clean(desc):
    return {k: v for k, v in desc.items() if v is not None}


def _visible_ids(state, account_id, region):
    ids = list(_backend(account_id, region).directories)
    ids += [d.directory_id for d in state.visible_in(account_id, region) if d.directory_id not in ids]
    return ids


def _require_visible(state, account_id, region, directory_id, code="EntityDoesNotExistException"):
    _check_directory_id(directory_id)
    desc = _describe(state, account_id, region, directory_id)
    if desc is None:
        raise _err(code, f"Directory {directory_id} does not exist.")
    return desc


# ----------------------------------------------------------------- handlers


def _settle_before(service, action):
    """Let EC2 calls that see directory ENIs/security groups observe finished deletions first.

    Chains to a handler another emulation registered earlier for the same
    action (modules are imported in name order), else lets moto answer.
    """
    previous = registry.HANDLERS.get((service, action))

    def settle_then(call):
        _settle(_state(call))
        return previous(call) if previous is not None else registry.PASS

    registry.HANDLERS[(service, action)] = settle_then


for _action in (
    "DescribeNetworkInterfaces",
    "DeleteNetworkInterface",
    "DeleteSecurityGroup",
    "DeleteSubnet",
    "DeleteVpc",
):
    _settle_before("ec2", _action)


@_handler("CreateMicrosoftAD")
def create_microsoft_ad(call):
    _begin(call)
    p = call.params
    password = p["Password"]
    _moto(
        validate_args,
        [
            ("password", password),
            ("name", p["Name"]),
            ("description", p.get("Description")),
            ("shortName", p.get("ShortName")),
        ],
    )
    _check_common(p, "MicrosoftAD", call.account_id, call.region)
    if _contains_account_name(password, "Admin"):
        raise _err(
            "InvalidParameterException", "Invalid directory password. The password must not contain the word 'admin'."
        )
    edition = p.get("Edition") or "Enterprise"
    if edition == "Hybrid":
        raise _err("InvalidParameterException", "Hybrid Edition directories are created with CreateHybridAD.")
    if edition not in ("Enterprise", "Standard"):
        raise _validation("edition", "satisfy enum value set: [Enterprise, Standard, Hybrid]", edition)
    vpc_id, subnet_ids, zones = _vpc_settings(call.account_id, call.region, p["VpcSettings"])
    backend = call.backend("ds")
    directory_id = _moto(
        backend.create_microsoft_ad,
        region=call.region,
        name=p["Name"],
        short_name=p.get("ShortName"),
        password=password,
        description=p.get("Description"),
        vpc_settings={"VpcId": vpc_id, "SubnetIds": list(subnet_ids)},
        edition=edition,
        tags=p.get("Tags") or [],
    )
    moto_dir = backend.directories[directory_id]
    moto_dir.password = None  # the sandbox keeps it privately, for AD Connector checks only
    if not moto_dir.short_name:
        moto_dir.short_name = p["Name"].split(".")[0].upper()
    ready_at = call.clock.done_at("directory_create")
    directory = st.Directory(call.clock, call.account_id, directory_id, "MicrosoftAD", p["Name"], call.region, ready_at)
    directory.domain = st.Domain(directory_id, p["Name"], moto_dir.short_name, password)
    entry = st.RegionEntry(
        call.clock, call.region, "Primary", vpc_id, subnet_ids, zones, moto_dir.security_group_id, ready_at
    )
    for eni_id, ip, subnet in _replace_enis(call.account_id, call.region, moto_dir, subnet_ids):
        entry.domain_controllers.append(
            st.DomainController(call.clock, directory_id, call.region, subnet, eni_id, ip, ready_at)
        )
    moto_dir.dns_ip_addrs = [dc.ip for dc in entry.domain_controllers]
    directory.regions[call.region] = entry
    _state(call).add(directory)
    call.sandbox.realism.created(DIRECTORY_KIND, (call.account_id, directory_id))
    return {"DirectoryId": directory_id}


@_handler("ConnectDirectory")
def connect_directory(call):
    _begin(call)
    p = call.params
    settings = dict(p["ConnectSettings"])
    password = p["Password"]
    if not 1 <= len(password) <= 128:
        raise _validation("password", "have length between 1 and 128")
    dns_ips = list(settings.get("CustomerDnsIps") or [])
    _moto(
        validate_args,
        [
            ("size", p["Size"]),
            ("name", p["Name"]),
            ("description", p.get("Description")),
            ("shortName", p.get("ShortName")),
            ("connectSettings.customerUserName", settings["CustomerUserName"]),
            ("connectSettings.customerDnsIps", dns_ips),
        ],
    )
    if p["Size"] not in ("Small", "Large"):
        raise _validation("size", "satisfy enum value set: [Small, Large]", p["Size"])
    _check_common(p, "ADConnector", call.account_id, call.region)
    if not dns_ips:
        if settings.get("CustomerDnsIpsV6"):
            raise _err("UnsupportedOperationException", "IPv6 DNS addresses are not supported by the sandbox.")
        raise _err("InvalidParameterException", "CustomerDnsIps must contain at least one IP address.")
    vpc_id, subnet_ids, zones = _vpc_settings(call.account_id, call.region, settings, "connectSettings.vpcSettings")
    backend = call.backend("ds")
    connect = {
        "VpcId": vpc_id,
        "SubnetIds": list(subnet_ids),
        "CustomerDnsIps": dns_ips,
        "CustomerUserName": settings["CustomerUserName"],
    }
    # moto would hold the service password to Managed AD's complexity rules, which
    # AWS does not apply to ConnectPassword: moto gets a placeholder, the sandbox the secret.
    directory_id = _moto(
        backend.connect_directory,
        region=call.region,
        name=p["Name"],
        short_name=p.get("ShortName"),
        password="Placeholder-0",
        description=p.get("Description"),
        size=p["Size"],
        connect_settings=connect,
        tags=p.get("Tags") or [],
    )
    moto_dir = backend.directories[directory_id]
    moto_dir.password = None
    created = _replace_enis(call.account_id, call.region, moto_dir, subnet_ids)
    moto_dir.connect_settings["ConnectIps"] = [ip for _, ip, _ in created]
    moto_dir.connect_settings["AvailabilityZones"] = zones
    directory = st.Directory(
        call.clock,
        call.account_id,
        directory_id,
        "ADConnector",
        p["Name"],
        call.region,
        call.clock.done_at("connector_create"),
    )
    directory.launched = st.utcnow()
    directory.connector_user = settings["CustomerUserName"]
    directory.connector_dns_ips = dns_ips
    directory.set_secret(password)
    _state(call).add(directory)
    call.sandbox.realism.created(DIRECTORY_KIND, (call.account_id, directory_id))
    return {"DirectoryId": directory_id}


@_handler("DeleteDirectory")
def delete_directory(call):
    _begin(call)
    directory_id = call.params["DirectoryId"]
    _check_directory_id(directory_id)
    directory = _state(call).get(call.account_id, directory_id)
    backend = call.backend("ds")
    if directory is None:
        if directory_id not in backend.directories:
            raise _err("EntityDoesNotExistException", f"Directory {directory_id} does not exist.")
        # a moto-native directory (Simple AD): track its deletion from now on
        moto_dir = backend.directories[directory_id]
        directory = st.Directory(
            call.clock,
            call.account_id,
            directory_id,
            moto_dir.directory_type,
            moto_dir.name,
            call.region,
            call.clock.now(),
        )
        _state(call).add(directory)
    if call.region != directory.primary_region:
        if call.region in directory.regions:
            raise _err(
                "ClientException",
                f"Directory {directory_id} is replicated here from {directory.primary_region}: "
                "delete it in its primary Region, or call RemoveRegion to remove this Region.",
            )
        raise _err("EntityDoesNotExistException", f"Directory {directory_id} does not exist.")
    if directory.deleting_at is not None:
        raise _err("ClientException", f"Directory {directory_id} is already being deleted.")
    if directory.released_until is not None:
        if directory.release_refusals > 0 or not call.clock.reached(directory.released_until):
            directory.release_refusals = max(0, directory.release_refusals - 1)
            raise _err("ClientException", AUTHORIZED_APPLICATIONS)
        directory.released_until = None
    if directory.additional_regions():
        raise _err(
            "ClientException",
            f"Directory {directory_id} is replicated to {', '.join(directory.additional_regions())}. "
            "Remove every additional Region (RemoveRegion, called in that Region) before deleting the directory.",
        )
    kind = "connector_delete" if directory.type == "ADConnector" else "directory_delete"
    directory.deleting_at = call.clock.done_at(kind)
    directory.deleting_since = st.utcnow()
    return {"DirectoryId": directory_id}


def _seen(call, directory_id):
    """Whether a describe in this call's Region sees the directory now (realism: new ones are missing a while)."""
    key = (call.account_id, directory_id)
    if not call.sandbox.realism.visible(DIRECTORY_KIND, key):
        return False
    directory = _state(call).get(call.account_id, directory_id)
    return directory is None or _replica_seen(call, directory)


def _replica_seen(call, directory):
    """A replica Region sees the replicated directory only some time after AddRegion (busy_directory)."""
    entry = directory.regions.get(call.region)
    if entry is None or entry.region_type != "Additional" or entry.visible_at is None:
        return True
    if entry.visible_misses <= 0 and call.clock.reached(entry.visible_at):
        entry.visible_at = None
        return True
    entry.visible_misses = max(0, entry.visible_misses - 1)
    return False


def _lingering_directories(call):
    """{directory_id: description} of directories deleted so recently that this Region still lists them."""
    return {
        directory_id: desc
        for (account_id, directory_id), (region, desc) in call.sandbox.realism.lingering(DIRECTORY_KIND).items()
        if account_id == call.account_id and region == call.region
    }


@_handler("DescribeDirectories")
def describe_directories(call):
    _begin(call)
    ids = call.params.get("DirectoryIds")
    lingering = _lingering_directories(call)
    descriptions = []
    if ids:
        for directory_id in ids:
            _check_directory_id(directory_id)
            if directory_id in lingering:
                descriptions.append(lingering[directory_id])
                continue
            desc = _require_visible(_state(call), call.account_id, call.region, directory_id)
            if not _seen(call, directory_id):
                raise _err("EntityDoesNotExistException", f"Directory {directory_id} does not exist.")
            descriptions.append(desc)
    else:
        for directory_id in _visible_ids(_state(call), call.account_id, call.region):
            desc = _describe(_state(call), call.account_id, call.region, directory_id)
            if desc is not None and _seen(call, directory_id):
                descriptions.append(desc)
        descriptions += [d for i, d in lingering.items() if all(x["DirectoryId"] != i for x in descriptions)]
    descriptions.sort(key=lambda d: (d["LaunchTime"], d["DirectoryId"]))
    return _page_answer(descriptions, call.params, "DirectoryDescriptions")


def _managed_ad(call, directory_id, code="EntityDoesNotExistException", action="This operation"):
    desc = _require_visible(_state(call), call.account_id, call.region, directory_id, code)
    directory = _state(call).get(call.account_id, directory_id)
    if directory is None or directory.type != "MicrosoftAD":
        raise _err("UnsupportedOperationException", f"{action} is not supported for {desc['Type']} directories.")
    return directory


@_handler("AddRegion")
def add_region(call):
    _begin(call)
    p = call.params
    directory_id = p["DirectoryId"]
    directory = _managed_ad(call, directory_id, action="Multi-Region replication")
    target = p["RegionName"]
    if call.region != directory.primary_region:
        raise _err(
            "UnsupportedOperationException",
            f"Regions can only be added from the directory's primary Region ({directory.primary_region}).",
        )
    moto_dir = _backend(call.account_id, directory.primary_region).directories[directory_id]
    if (moto_dir.edition or "Enterprise") != "Enterprise":
        raise _err(
            "UnsupportedOperationException",
            "Multi-Region replication is only supported for the Enterprise Edition of AWS Managed Microsoft AD.",
        )
    if directory.primary_region in st.OPT_IN_REGIONS:
        raise _err(
            "UnsupportedOperationException",
            f"Multi-Region replication is not available for directories created in the opt-in Region "
            f"{directory.primary_region}.",
        )
    if directory.stage(call.region) != "Active":
        raise _err(
            "DirectoryUnavailableException",
            f"Directory {directory_id} is {directory.stage(call.region)}: Regions can be added to an Active directory only.",
        )
    if target == directory.primary_region or target in directory.regions:
        raise _err(
            "DirectoryAlreadyInRegionException",
            f"Directory {directory_id} is already in Region {target}.",
        )
    if target not in _known_regions():
        raise _err("InvalidParameterException", f"Invalid Region name: {target}.")
    if target in st.OPT_IN_REGIONS:
        raise _err(
            "UnsupportedOperationException", f"Multi-Region replication is not available in the opt-in Region {target}."
        )
    adding = [r for r in directory.additional_regions() if directory.regions[r].status(directory) == "Creating"]
    if adding and call.sandbox.realism.on("serial_region_adds"):
        raise _err(
            "DirectoryUnavailableException",
            f"Directory {directory_id} is currently being updated: Region {adding[0]} is being added. "
            "Try again when that Region is Active.",
        )
    if len(directory.additional_regions()) >= st.MAX_ADDITIONAL_REGIONS:
        raise _err(
            "RegionLimitExceededException",
            f"Directory {directory_id} already has {st.MAX_ADDITIONAL_REGIONS} additional Regions, the maximum.",
        )
    if _total_controllers(directory) + st.DEFAULT_DOMAIN_CONTROLLERS > st.MAX_DOMAIN_CONTROLLERS:
        raise _err("DomainControllerLimitExceededException", "The directory has reached 20 domain controllers.")
    vpc_id, subnet_ids, zones = _vpc_settings(call.account_id, target, p["VPCSettings"], "vPCSettings")
    ec2 = st.ec2_backend(call.account_id, target)
    group = ec2.create_security_group(
        name=f"{directory_id}_controllers",
        description=f"AWS created security group for {directory_id} directory controllers",
        vpc_id=vpc_id,
    )
    ready_at = call.clock.done_at("region_add")
    entry = st.RegionEntry(call.clock, target, "Additional", vpc_id, subnet_ids, zones, group.id, ready_at)
    for eni_id, ip, subnet in st.create_enis(ec2, subnet_ids, group.id, directory_id):
        entry.domain_controllers.append(
            st.DomainController(call.clock, directory_id, target, subnet, eni_id, ip, ready_at)
        )
    directory.regions[target] = entry
    call.sandbox.realism.created(REGION_KIND, (call.account_id, directory_id, target))
    if call.sandbox.realism.on("busy_directory") and call.clock.scale > 0:
        entry.visible_at = call.clock.now() + REPLICA_VISIBLE_FRACTION * call.clock.duration("region_add")
        entry.visible_misses = 1
    return {}


@functools.lru_cache(maxsize=None)
def _known_regions():
    return frozenset(botocore.session.get_session().get_available_regions("ds"))


def _total_controllers(directory):
    return sum(len(e.domain_controllers) for e in directory.regions.values())


@_handler("DescribeRegions")
def describe_regions(call):
    _begin(call)
    p = call.params
    directory = _managed_ad(call, p["DirectoryId"], "DirectoryDoesNotExistException", "DescribeRegions")
    moto_dir = _backend(call.account_id, directory.primary_region).directories.get(directory.directory_id)
    if moto_dir is not None and (moto_dir.edition or "Enterprise") != "Enterprise":
        # AWS's answer for a Standard directory (seen in terraform-provider-aws PR #26954).
        raise _err(
            "UnsupportedOperationException",
            "Multi-region replication is only supported for AWS Managed Microsoft AD (Enterprise edition) directories.",
        )
    regions = [directory.regions[directory.primary_region]] + [
        directory.regions[r] for r in directory.additional_regions()
    ]
    if p.get("RegionName"):
        regions = [e for e in regions if e.region == p["RegionName"]]
    realism = call.sandbox.realism
    items = [
        _region_item(directory, e)
        for e in regions
        if realism.visible(REGION_KIND, (call.account_id, directory.directory_id, e.region))
    ]
    for (account_id, directory_id, region), item in realism.lingering(REGION_KIND).items():
        if account_id == call.account_id and directory_id == directory.directory_id and region not in directory.regions:
            if not p.get("RegionName") or p["RegionName"] == region:
                items.append(item)
    return _page_answer(items, p, "RegionsDescription")


def _region_item(directory, e):
    return {
        "DirectoryId": directory.directory_id,
        "RegionName": e.region,
        "RegionType": e.region_type,
        "Status": e.status(directory),
        "VpcSettings": {"VpcId": e.vpc_id, "SubnetIds": list(e.subnet_ids)},
        "DesiredNumberOfDomainControllers": e.desired,
        "LaunchTime": e.launched,
        "StatusLastUpdatedDateTime": e.status_changed(directory),
        "LastUpdatedDateTime": max(e.last_updated, e.status_changed(directory)),
    }


@_handler("RemoveRegion")
def remove_region(call):
    _begin(call)
    directory_id = call.params["DirectoryId"]
    directory = _managed_ad(call, directory_id, "DirectoryDoesNotExistException", "RemoveRegion")
    if call.region == directory.primary_region:
        raise _err(
            "UnsupportedOperationException",
            f"{call.region} is the primary Region of directory {directory_id}: it cannot be removed "
            "(call RemoveRegion in the additional Region to remove, or DeleteDirectory).",
        )
    entry = directory.regions[call.region]
    status = entry.status(directory)
    if status != "Active":
        raise _err("DirectoryUnavailableException", f"Directory {directory_id} is {status} in {call.region}.")
    entry.removing_at = call.clock.done_at("region_remove")
    entry.removing_since = st.utcnow()
    entry.last_updated = entry.removing_since
    return {}


@_handler("DescribeDomainControllers")
def describe_domain_controllers(call):
    _begin(call)
    p = call.params
    directory = _managed_ad(call, p["DirectoryId"], action="DescribeDomainControllers")
    if not _replica_seen(call, directory):
        raise _err("EntityDoesNotExistException", f"Directory {directory.directory_id} does not exist.")
    entry = directory.regions[call.region]
    wanted = p.get("DomainControllerIds")
    for dc_id in wanted or []:
        if not DC_ID.match(dc_id):
            raise _validation("domainControllerIds", f"satisfy regular expression pattern: {DC_ID.pattern}", dc_id)
    controllers = [dc for dc in entry.domain_controllers if not wanted or dc.id in wanted]
    items = []
    for dc in controllers:
        status = dc.status(entry, directory)
        items.append(
            {
                "DirectoryId": directory.directory_id,
                "DomainControllerId": dc.id,
                "DnsIpAddr": dc.ip,
                "VpcId": dc.vpc_id,
                "SubnetId": dc.subnet_id,
                "AvailabilityZone": dc.availability_zone,
                "Status": status,
                "LaunchTime": dc.launched,
                "StatusLastUpdatedDateTime": dc.launched if status == "Creating" else st.wall(call.clock, dc.ready_at),
            }
        )
    return _page_answer(items, p, "DomainControllers")


@_handler("UpdateNumberOfDomainControllers")
def update_number_of_domain_controllers(call):
    _begin(call)
    p = call.params
    directory = _managed_ad(call, p["DirectoryId"], action="UpdateNumberOfDomainControllers")
    entry = directory.regions[call.region]
    desired = p["DesiredNumber"]
    if desired < 2:
        raise _err("InvalidParameterException", "DesiredNumber must be at least 2.")
    status = entry.status(directory)
    if status != "Active":
        raise _err(
            "DirectoryUnavailableException",
            f"Directory {directory.directory_id} is {status} in {call.region}: wait until it is Active.",
        )
    current = len(entry.domain_controllers)
    if _total_controllers(directory) - current + desired > st.MAX_DOMAIN_CONTROLLERS:
        raise _err(
            "DomainControllerLimitExceededException",
            f"A directory can have at most {st.MAX_DOMAIN_CONTROLLERS} domain controllers.",
        )
    if desired == current:
        return {}
    until = call.clock.done_at("directory_create")
    ec2 = st.ec2_backend(call.account_id, call.region)
    if desired > current:
        for index in range(current, desired):
            subnet_id = entry.subnet_ids[index % len(entry.subnet_ids)]
            for eni_id, ip, subnet in st.create_enis(ec2, [subnet_id], entry.security_group_id, directory.directory_id):
                entry.domain_controllers.append(
                    st.DomainController(call.clock, directory.directory_id, call.region, subnet, eni_id, ip, until)
                )
    else:
        for dc in entry.domain_controllers[desired:]:
            dc.removing_at = until
    entry.desired = desired
    entry.updating_until = until
    entry.updating_since = st.utcnow()
    entry.last_updated = entry.updating_since
    return {}


def _contains_account_name(password, user_name):
    """AD's complexity rule beside the character classes: a password may not contain the account name (3+ characters).

    AWS words it for the directory's password as "must not contain the word admin".
    """
    return len(user_name) >= 3 and user_name.lower() in password.lower()


@_handler("ResetUserPassword")
def reset_user_password(call):
    """Set a user's password (the only way one is set) and enable the user, as AWS documents.

    Only users in the OU named after the NetBIOS name (``Admin`` and those created through Directory Service Data)
    can be reset; AWS's own users cannot.
    """
    _begin(call)
    p = call.params
    directory = _managed_ad(call, p["DirectoryId"], action="ResetUserPassword")
    if call.region != directory.primary_region:
        raise _err("UnsupportedOperationException", "Users are managed from the directory's primary Region.")
    if directory.stage(call.region) not in ("Active", "Updating"):
        raise _err("DirectoryUnavailableException", f"Directory {directory.directory_id} is not Active.")
    user = directory.domain.find(p["UserName"], "USER")
    if user is None:
        raise _err(
            "UserDoesNotExistException", f"User {p['UserName']} does not exist in directory {directory.directory_id}."
        )
    if user.writable != "ou":
        raise _err(
            "UnsupportedOperationException",
            f"The password of {user.name} cannot be reset: it is outside the directory's organizational unit.",
        )
    password = p["NewPassword"]
    try:
        validate_args([("password", password)])
    except JsonRESTError:
        raise _err("InvalidPasswordException", "The new password does not meet the password policy.") from None
    if _contains_account_name(password, user.name):
        raise _err("InvalidPasswordException", "The new password must not contain the user's account name.")
    user.set_password(password)
    user.enabled = True
    return {}


# ------------------------------------------------------- Directory Service Data access


def _data_access_directory(call, action):
    """The Managed Microsoft AD whose Directory Service Data access ``action`` reads or changes (primary Region)."""
    _begin(call)
    directory = _managed_ad(call, call.params["DirectoryId"], "DirectoryDoesNotExistException", action)
    if call.region != directory.primary_region:
        raise _err(
            "UnsupportedOperationException",
            f"Directory Service Data is managed from the directory's primary Region ({directory.primary_region}).",
        )
    return directory


@_handler("DescribeDirectoryDataAccess")
def describe_directory_data_access(call):
    return {"DataAccessStatus": _data_access_directory(call, "DescribeDirectoryDataAccess").data_access_status()}


@_handler("EnableDirectoryDataAccess")
def enable_directory_data_access(call):
    return _switch_data_access(call, "EnableDirectoryDataAccess", "Enabling", "Enabled")


@_handler("DisableDirectoryDataAccess")
def disable_directory_data_access(call):
    return _switch_data_access(call, "DisableDirectoryDataAccess", "Disabling", "Disabled")


def _switch_data_access(call, action, entering, target):
    """Start ``entering`` -> ``target`` on an Active directory whose access is settled the other way."""
    directory = _data_access_directory(call, action)
    stage = directory.stage(call.region)
    if stage != "Active":
        raise _err("DirectoryUnavailableException", f"Directory {directory.directory_id} is {stage}, not Active.")
    status = directory.data_access_status()
    if status in (entering, target):
        raise _err(
            "DirectoryInDesiredStateException",
            f"Directory Service Data access of directory {directory.directory_id} is already {status}.",
        )
    if status not in ("Enabled", "Disabled"):
        raise _err(
            "DirectoryUnavailableException",
            f"Directory Service Data access of directory {directory.directory_id} is {status}: try again later.",
        )
    directory.data_access = entering
    directory.data_access_until = call.clock.done_at("directory_data_access")
    return {}


# -------------------------------------------------------------- interfaces


def lookup_directory(sandbox, account_id, region, directory_id):
    """A directory as a caller in ``region`` sees it now, or None.

    Returns ``{"DirectoryId", "Type" ("MicrosoftAD" | "ADConnector" | "SimpleAD"),
    "Stage" (as DescribeDirectories in that Region shows it), "IsReplica"
    (True in an additional Region)}``.  For the Client VPN emulation.
    """
    with sandbox.lock:
        state = sandbox.state.ds
        _settle(state)
        if not isinstance(directory_id, str) or not DIRECTORY_ID.match(directory_id):
            return None
        desc = _describe(state, account_id, region, directory_id)
        if desc is None:
            return None
        directory = state.get(account_id, directory_id)
        return {
            "DirectoryId": directory_id,
            "Type": desc["Type"],
            "Stage": desc["Stage"],
            "IsReplica": bool(directory and region != directory.primary_region),
        }


def application_released(call, authentication_options):
    """Client VPN deleted an endpoint whose ``authentication_options`` name directories (or AD Connectors).

    AWS keeps the application authorized on the directory for a while: DeleteDirectory answers ClientException
    "...still has authorized applications" until the endpoint's deletion is over plus APPLICATION_RELEASE, and at
    least once at any time scale above 0 (effect ``busy_directory``).
    """
    if not call.sandbox.realism.on("busy_directory") or call.clock.scale <= 0:
        return
    directory_ids = [(o.get("ActiveDirectory") or {}).get("DirectoryId") for o in authentication_options]
    for directory_id in directory_ids:
        directory = _state(call).get(call.account_id, directory_id)
        if directory is None:
            continue
        directory.released_until = (
            call.clock.now() + call.clock.duration("vpn_endpoint_delete") + APPLICATION_RELEASE * call.clock.scale
        )
        directory.release_refusals = 1


def list_directories(sandbox):
    """Every directory in every Region where it is visible: [(account_id, region, description)]."""
    with sandbox.lock:
        state = sandbox.state.ds
        _settle(state)
        out = []
        for account_id, by_region in list(ds_backends.items()):
            for region, backend in list(by_region.items()):
                for directory_id in list(backend.directories):
                    desc = _describe(state, account_id, region, directory_id)
                    if desc is not None:
                        out.append((account_id, region, desc))
        for directory in list(state.directories.values()):
            for region in directory.additional_regions():
                desc = _describe(state, directory.account_id, region, directory.directory_id)
                if desc is not None:
                    out.append((directory.account_id, region, desc))
        return out
