"""Control routes that break a directory's Region or an AD Connector after deployment, and restore it.

AWS reports a directory that stops working as ``Impaired`` (or ``Failed``,
``Inoperable``) in DescribeDirectories' ``Stage`` and DescribeRegions'
``Status`` (the botocore ``ds`` model's ``DirectoryStage`` enum); nothing a
client calls brings that about, so tests inject it here.  A fault shows only
while the resource would otherwise read ``Active`` (a Region still being
created becomes impaired once it is up).

``POST /_sandbox/ds/impair`` ``{"directory_id": "d-...", "region": "eu-west-1", "stage": "Impaired"}``
(``region``: a Managed AD's Region, its primary by default; ignored for an AD Connector; ``stage``: ``Impaired``
by default); ``POST /_sandbox/ds/restore`` ``{"directory_id": "d-...", "region": ...}`` (no Region: every fault of
the directory).  Both take ``account_id`` (default ``123456789012``).
"""

from moto.core import DEFAULT_ACCOUNT_ID

from .. import registry
from .ds_state import utcnow

# Stages a fault may show, per directory type (botocore ds model DirectoryStage).
FAULT_STAGES = {"MicrosoftAD": ("Impaired", "Failed", "Inoperable"), "ADConnector": ("Impaired", "Failed")}


def _directory(sandbox, body):
    directory_id = body["directory_id"]
    directory = sandbox.state.ds.get(body.get("account_id", DEFAULT_ACCOUNT_ID), directory_id)
    if directory is None:
        raise ValueError(f"no directory {directory_id}")
    if directory.type not in FAULT_STAGES:
        raise ValueError(f"{directory_id} is a {directory.type}: faults are emulated for MicrosoftAD and ADConnector")
    return directory


def _targets(directory, region):
    """The objects a fault sits on: the AD Connector itself, or the Managed AD's Region entries."""
    if directory.type == "ADConnector":
        return [directory]
    if region is None:
        return list(directory.regions.values())
    entry = directory.region_entry(region)
    if entry is None:
        raise ValueError(f"{directory.directory_id} has no Region {region}")
    return [entry]


def _answer(directory):
    if directory.type == "ADConnector":
        faults = {directory.primary_region: directory.fault[0]} if directory.fault else {}
    else:
        faults = {region: entry.fault[0] for region, entry in directory.regions.items() if entry.fault}
    return 200, {"directory_id": directory.directory_id, "faults": faults}


@registry.control("POST", "ds/impair")
def impair(sandbox, body, query):
    directory = _directory(sandbox, body)
    stage = body.get("stage", "Impaired")
    if stage not in FAULT_STAGES[directory.type]:
        raise ValueError(f"stage must be one of {', '.join(FAULT_STAGES[directory.type])} for a {directory.type}")
    region = None if directory.type == "ADConnector" else body.get("region", directory.primary_region)
    for target in _targets(directory, region):
        target.fault = (stage, utcnow())
    return _answer(directory)


@registry.control("POST", "ds/restore")
def restore(sandbox, body, query):
    directory = _directory(sandbox, body)
    for target in _targets(directory, body.get("region")):
        target.fault = None
    return _answer(directory)
