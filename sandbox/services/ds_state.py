"""Directory Service emulation: the state moto lacks (stages, Regions, domain controllers).

moto keeps each directory (and its ENIs, security group and tags) in the
backend of its primary Region and answers as if it were Active at once.  This
module adds what AWS has on top: lazily derived stages (``Creating`` ->
``Active``, ``Deleting`` -> gone), multi-Region replication (a Region entry per
Region with its own VPC settings, security group and domain controllers), and
the AD Connector's connection check, and each Managed Microsoft AD's domain (its
users and groups, as Directory Service Data and AD Connectors see them).
Everything here lives in memory only; users' passwords are kept as salted hashes
and an AD Connector's service-account password as AWS keeps it, to sign in with;
none is ever returned, logged or serialised.

The state is :class:`DsState`, one per sandbox (``sandbox.state.ds``); its
objects keep the sandbox clock they were made with to derive their stages.
Everything runs under the sandbox lock (handlers take it; interfaces called
from elsewhere take ``sandbox.lock``).
"""

import base64
import datetime
import hashlib
import hmac
import ipaddress
import os
import time
from dataclasses import dataclass
from dataclasses import field

from moto.moto_api._internal import mock_random

from .. import registry
from ..lifecycle import GONE
from ..lifecycle import settle

# "Multi-Region replication is unavailable in opt-in Regions" (AWS Directory
# Service admin guide, multi-region-how-it-works), plus the opt-in Regions
# opened since (ap-southeast-5 Malaysia, ap-southeast-6 New Zealand, ap-east-2 Taipei).
OPT_IN_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-west-1",
        "eu-central-2",
        "eu-south-1",
        "eu-south-2",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
    }
)

# AWS Managed Microsoft AD quotas: "Maximum number of total AWS Regions in a
# single directory: 5 (1 primary Region and up to 4 additional Regions)";
# "Maximum number of domain controllers per directory: 20".
MAX_ADDITIONAL_REGIONS = 4
MAX_DOMAIN_CONTROLLERS = 20
DEFAULT_DOMAIN_CONTROLLERS = 2

# Lifecycles (sandbox.lifecycle): state -> (next state, deadline attribute).  "Deleting" is entered by a
# request and overrides the rest; a connector's end of "Creating" is its connection check's outcome.
CREATION = {"Creating": ("Created", "ready_at")}
REGION_LIFECYCLE = {"Creating": ("Active", "ready_at"), "Updating": ("Active", "updating_until")}
DIRECTORY_DELETION = {"Deleting": (GONE, "deleting_at")}
REMOVAL = {"Deleting": (GONE, "removing_at")}
# EnableDirectoryDataAccess / DisableDirectoryDataAccess (Directory Service Data).
DATA_ACCESS = {"Enabling": ("Enabled", "data_access_until"), "Disabling": ("Disabled", "data_access_until")}


def gone(resource, table):
    """Whether a directory, Region or domain controller being deleted is gone now (its deadline has passed)."""
    return settle("Deleting", table, vars(resource), resource.clock.now()) is GONE


def created(resource):
    """Whether ``resource``'s creation is over (its ``ready_at`` has passed)."""
    return settle("Creating", CREATION, vars(resource), resource.clock.now()) != "Creating"


def wall(clock, deadline):
    """The UTC datetime at which a monotonic deadline of ``clock`` falls (or fell)."""
    offset = 0.0 if deadline is None else deadline - clock.now()
    return datetime.datetime.fromtimestamp(time.time() + offset, tz=datetime.timezone.utc)


def faulted(resource, stage):
    """An Active directory, Region or AD Connector reads as its injected fault's stage (Impaired, Failed)."""
    return resource.fault[0] if stage == "Active" and resource.fault is not None else stage


def utcnow():
    return datetime.datetime.now(tz=datetime.timezone.utc)


class DomainController:
    def __init__(self, clock, directory_id, region, subnet, eni_id, ip, ready_at):
        self.clock = clock
        self.id = f"dc-{mock_random.get_random_hex(10)}"
        self.directory_id = directory_id
        self.region = region
        self.vpc_id = subnet.vpc_id
        self.subnet_id = subnet.id
        self.availability_zone = subnet.availability_zone
        self.eni_id = eni_id
        self.ip = ip
        self.launched = utcnow()
        self.ready_at = ready_at
        self.removing_at = None

    def status(self, region_entry, directory):
        if directory.deleting_at is not None or region_entry.removing_at is not None or self.removing_at is not None:
            return "Deleting"
        return "Active" if created(self) else "Creating"

    def active_at(self, moment):
        """True when this controller answers at monotonic time ``moment`` (used for AD Connector checks)."""
        return self.ready_at <= moment and self.removing_at is None


class RegionEntry:
    """One Region of a directory: the primary or an additional (replicated) one."""

    def __init__(self, clock, region, region_type, vpc_id, subnet_ids, availability_zones, security_group_id, ready_at):
        self.clock = clock
        self.region = region
        self.region_type = region_type
        self.vpc_id = vpc_id
        self.subnet_ids = list(subnet_ids)
        self.availability_zones = list(availability_zones)
        self.security_group_id = security_group_id
        self.launched = utcnow()
        self.ready_at = ready_at
        self.removing_at = None
        self.removing_since = None
        self.updating_until = None
        self.updating_since = None
        self.last_updated = self.launched
        self.desired = DEFAULT_DOMAIN_CONTROLLERS
        self.domain_controllers = []
        # busy_directory: a replica Region sees the directory only from visible_at on, after visible_misses misses.
        self.visible_at = None
        self.visible_misses = 0
        self.owns_network = region_type == "Additional"  # primary ENIs/SG are moto's directory's
        self.fault = None  # (stage, since): injected by POST /_sandbox/ds/impair (ds_faults.py)

    def status(self, directory):
        if directory.deleting_at is not None or self.removing_at is not None:
            return "Deleting"
        # UpdateNumberOfDomainControllers is accepted on an Active Region only: Updating follows Creating.
        start = "Creating" if self.updating_until is None else "Updating"
        return faulted(self, settle(start, REGION_LIFECYCLE, vars(self), self.clock.now()))

    def status_changed(self, directory):
        """When the current status began."""
        if directory.deleting_at is not None:
            return directory.deleting_since
        if self.removing_at is not None:
            return self.removing_since
        status = self.status(directory)
        if self.fault is not None and status == self.fault[0]:
            return self.fault[1]
        if status == "Creating":
            return self.launched
        if status == "Updating":
            return self.updating_since
        return wall(self.clock, self.ready_at if self.updating_until is None else self.updating_until)


class Directory:
    """What the sandbox adds to a moto directory (same DirectoryId)."""

    def __init__(self, clock, account_id, directory_id, directory_type, name, primary_region, ready_at):
        self.clock = clock
        self.account_id = account_id
        self.directory_id = directory_id
        self.type = directory_type
        self.name = name
        self.primary_region = primary_region
        self.ready_at = ready_at
        self.deleting_at = None
        self.deleting_since = None
        self.regions = {}
        self.launched = utcnow()
        # AD Connector: its service account's password, kept (as AWS keeps it) to sign in with; never serialised.
        self._secret = None
        # Managed Microsoft AD: its users and groups (one domain for every Region), and Directory Service Data access.
        self.domain = None
        self.data_access = "Disabled"
        self.data_access_until = None
        # AD Connector only.
        self.connector_outcome = None  # (stage, reason) once decided
        self.connector_user = None
        self.connector_dns_ips = []
        self.fault = None  # AD Connector: (stage, since), injected by POST /_sandbox/ds/impair (ds_faults.py)
        # busy_directory: DeleteDirectory refused ("authorized applications") until then, at least this many times.
        self.released_until = None
        self.release_refusals = 0

    def region_entry(self, region):
        return self.regions.get(region)

    def additional_regions(self):
        return sorted(r for r, e in self.regions.items() if e.region_type == "Additional")

    def stage(self, region):
        entry = self.regions.get(region)
        if self.type == "ADConnector":
            if self.deleting_at is not None:
                return "Deleting"
            if not created(self):
                return "Creating"
            return faulted(self, self.connector_outcome[0]) if self.connector_outcome else "Creating"
        if entry is None:
            if self.deleting_at is not None:
                return "Deleting"
            return "Active" if created(self) else "Creating"
        return entry.status(self)

    def data_access_status(self):
        """DescribeDirectoryDataAccess's DataAccessStatus now."""
        return settle(self.data_access, DATA_ACCESS, vars(self), self.clock.now())

    def set_secret(self, value):
        self._secret = value

    def same_secret_as(self, other):
        """Whether this AD Connector's service account signs in to directory ``other``.

        Any enabled user of ``other``'s domain whose current password is the
        connector's will do (``Admin`` with the directory's password included).
        """
        return other.domain is not None and other.domain.authenticates(self.connector_user, self._secret)

    def __repr__(self):  # never show the secret
        return f"Directory({self.directory_id}, {self.type}, {self.primary_region})"


# ------------------------------------------------------------------ the domain

# RIDs ([MS-DTYP] 2.4.2.4 well-known ones, then what AWS creates); the customer's objects from FIRST_RID on.
FIRST_RID = 1104
# Built-in objects: (kind, name, RID, container, writable, enabled or (GroupType, GroupScope), members).  The
# container ``{users}`` is OU=Users in the OU named after the NetBIOS name, where the customer's objects go too.
# ``writable``: "ou" = every Directory Service Data write (the customer's OU), "delegated" = membership changes only
# (the AWS Delegated Groups OU), "" = none (AD's and AWS's own objects).
GLOBAL, UNIVERSAL, DELEGATED = ("Security", "Global"), ("Security", "Universal"), "OU=AWS Delegated Groups"
BUILTIN = (
    ("USER", "Administrator", 500, "CN=Users", "", True, ()),
    ("USER", "Guest", 501, "CN=Users", "", False, ()),
    ("USER", "krbtgt", 502, "CN=Users", "", False, ()),
    ("GROUP", "Domain Admins", 512, "CN=Users", "", GLOBAL, ("Administrator",)),
    ("GROUP", "Domain Users", 513, "CN=Users", "", GLOBAL, ()),
    ("GROUP", "Domain Guests", 514, "CN=Users", "", GLOBAL, ()),
    ("GROUP", "Domain Computers", 515, "CN=Users", "", GLOBAL, ()),
    ("GROUP", "Domain Controllers", 516, "CN=Users", "", GLOBAL, ()),
    ("GROUP", "Schema Admins", 518, "CN=Users", "", UNIVERSAL, ("Administrator",)),
    ("GROUP", "Enterprise Admins", 519, "CN=Users", "", UNIVERSAL, ("Administrator",)),
    ("GROUP", "Group Policy Creator Owners", 520, "CN=Users", "", GLOBAL, ("Administrator",)),
    ("USER", "Admin", 1100, "{users}", "ou", True, ()),
    ("USER", "AWS_{tag}", 1101, "OU=AWS Reserved", "", True, ()),
    ("GROUP", "AWS Delegated Administrators", 1102, DELEGATED, "delegated", GLOBAL, ("Admin",)),
    ("GROUP", "AWS Delegated Server Administrators", 1103, DELEGATED, "delegated", GLOBAL, ()),
)


@dataclass(eq=False)
class AdObject:
    """A user or group.  ``attributes``: lower-case LDAP name -> (name as given, AttributeValue)."""

    kind: str  # "USER" | "GROUP"
    name: str
    rid: int
    container: str
    writable: str = "ou"
    enabled: bool = False
    group_type: str = None
    group_scope: str = None
    attributes: dict = field(default_factory=dict)
    members: list = field(default_factory=list)
    _password: tuple = field(default=None, repr=False)  # (salt, PBKDF2 digest): never the password itself

    def set_password(self, password):
        salt = os.urandom(16)
        self._password = (salt, _digest(password, salt))

    def password_is(self, password):
        return self._password is not None and hmac.compare_digest(
            _digest(password, self._password[0]), self._password[1]
        )


def _digest(password, salt):
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000)


class Domain:
    """The users and groups of one Managed Microsoft AD: one domain, whichever Region reads it.

    SIDs are ``S-1-5-21-<three numbers from the directory ID>-<RID>``: deterministic, unique per object.
    """

    def __init__(self, directory_id, realm, short_name, admin_password):
        digest = hashlib.sha256(directory_id.encode()).digest()
        self.sid_prefix = "S-1-5-21-" + "-".join(str(int.from_bytes(digest[i : i + 4], "big")) for i in (0, 4, 8))
        self.realm = realm
        self.base = ",".join(f"DC={part}" for part in realm.split("."))
        self.users = f"OU=Users,OU={short_name}"
        self.objects = []
        self.next_rid = FIRST_RID
        self.tokens = {}  # Directory Service Data ClientToken -> (request fingerprint, answer)
        tag = base64.b32encode(digest[12:19]).decode().rstrip("=")[:11]
        for kind, name, rid, container, writable, state, members in BUILTIN:
            obj = AdObject(kind, name.format(tag=tag), rid, container.format(users=self.users), writable)
            if kind == "USER":
                obj.enabled = state
            else:
                obj.group_type, obj.group_scope = state
                obj.members = [self.find(member) for member in members]
            self.objects.append(obj)
        self.find("Admin").set_password(admin_password)

    def find(self, name, kind=None):
        """The object named ``name`` (sAMAccountNames are unique in a domain, whatever the case), or None."""
        wanted = name.lower()
        return next((o for o in self.objects if o.name.lower() == wanted and kind in (None, o.kind)), None)

    def create(self, kind, name, **fields):
        obj = AdObject(kind, name, self.next_rid, self.users, **fields)
        self.next_rid += 1
        self.objects.append(obj)
        return obj

    def delete(self, obj):
        self.objects.remove(obj)
        for group in self.objects:
            if obj in group.members:
                group.members.remove(obj)

    def sid(self, obj):
        return f"{self.sid_prefix}-{obj.rid}"

    def dn(self, obj):
        return f"CN={obj.name},{obj.container},{self.base}"

    def authenticates(self, user_name, password):
        """Whether ``user_name`` signs in with ``password``: an enabled user whose current password it is."""
        user = self.find(user_name or "", "USER")
        return bool(user and user.enabled and password is not None and user.password_is(password))


@registry.state("ds")
class DsState:
    """The sandbox's directories (``sandbox.state.ds``), with the clock and realism they are settled by."""

    def __init__(self, sandbox):
        self.clock = sandbox.clock
        self.realism = sandbox.realism
        self.directories = {}  # (account_id, directory_id) -> Directory

    def get(self, account_id, directory_id):
        return self.directories.get((account_id, directory_id))

    def add(self, directory):
        self.directories[(directory.account_id, directory.directory_id)] = directory

    def drop(self, directory):
        self.directories.pop((directory.account_id, directory.directory_id), None)

    def visible_in(self, account_id, region):
        """Sandbox directories seen in a Region: those whose primary or an additional Region it is."""
        return [d for (acct, _), d in self.directories.items() if acct == account_id and region in d.regions]

    def wall(self, deadline):
        return wall(self.clock, deadline)


# ----------------------------------------------------------------- networking


def ec2_backend(account_id, region):
    return registry.moto_backend("ec2", account_id, region)


def pick_ip(ec2, subnet):
    """A free address of a subnet, deterministic: the first unused from .10 (AWS reserves .0-.3 and the last)."""
    network = ipaddress.ip_network(subnet.cidr_block)
    used = set()
    for eni in ec2.enis.values():
        if getattr(eni.subnet, "id", None) == subnet.id:
            used.add(eni.private_ip_address)
            used.update(a.get("PrivateIpAddress") for a in eni.private_ip_addresses)
    first = 10 if network.num_addresses > 16 else 4
    for offset in range(first, network.num_addresses - 1):
        candidate = str(network.network_address + offset)
        if candidate not in used:
            return candidate
    for offset in range(4, first):
        candidate = str(network.network_address + offset)
        if candidate not in used:
            return candidate
    raise RuntimeError("no free address")


def create_enis(ec2, subnet_ids, security_group_id, directory_id):
    """One ENI per subnet at a deterministic address; returns [(eni_id, ip, subnet)]."""
    created = []
    for subnet_id in subnet_ids:
        subnet = ec2.get_subnet(subnet_id)
        ip = pick_ip(ec2, subnet)
        eni = ec2.create_network_interface(
            subnet=subnet,
            private_ip_address=ip,
            group_ids=[security_group_id],
            description=f"AWS created network interface for directory {directory_id}",
        )
        created.append((eni.id, ip, subnet))
    return created


def delete_enis(ec2, eni_ids):
    for eni_id in eni_ids:
        try:
            ec2.delete_network_interface(eni_id)
        except Exception:  # already gone  # noqa: BLE001
            pass
