"""Directory Service emulation: the state moto lacks (stages, Regions, domain controllers).

moto keeps each directory (and its ENIs, security group and tags) in the
backend of its primary Region and answers as if it were Active at once.  This
module adds what AWS has on top: lazily derived stages (``Creating`` ->
``Active``, ``Deleting`` -> gone), multi-Region replication (a Region entry per
Region with its own VPC settings, security group and domain controllers), and
the AD Connector's connection check.  Everything here lives in memory only; the
admin and service-account passwords are kept to validate AD Connectors and are
never returned, logged or serialised.

The state is :class:`DsState`, one per sandbox (``sandbox.state.ds``); its
objects keep the sandbox clock they were made with to derive their stages.
Everything runs under the sandbox lock (handlers take it; interfaces called
from elsewhere take ``sandbox.lock``).
"""

import datetime
import ipaddress
import time

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

    def status(self, directory):
        if directory.deleting_at is not None or self.removing_at is not None:
            return "Deleting"
        # UpdateNumberOfDomainControllers is accepted on an Active Region only: Updating follows Creating.
        start = "Creating" if self.updating_until is None else "Updating"
        return settle(start, REGION_LIFECYCLE, vars(self), self.clock.now())

    def status_changed(self, directory):
        """When the current status began."""
        if directory.deleting_at is not None:
            return directory.deleting_since
        if self.removing_at is not None:
            return self.removing_since
        status = self.status(directory)
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
        # In memory only, to validate AD Connectors: never serialised.
        self._secret = None
        # AD Connector only.
        self.connector_outcome = None  # (stage, reason) once decided
        self.connector_user = None
        self.connector_dns_ips = []
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
            return self.connector_outcome[0] if self.connector_outcome else "Creating"
        if entry is None:
            if self.deleting_at is not None:
                return "Deleting"
            return "Active" if created(self) else "Creating"
        return entry.status(self)

    def set_secret(self, value):
        self._secret = value

    def secret_matches(self, value):
        return self._secret is not None and value == self._secret

    def same_secret_as(self, other):
        return other.secret_matches(self._secret)

    def __repr__(self):  # never show the secret
        return f"Directory({self.directory_id}, {self.type}, {self.primary_region})"


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
