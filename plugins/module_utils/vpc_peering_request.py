# -*- coding: utf-8 -*-

# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The logic of ec2_vpc_peering_request: request a VPC peering once, whatever AWS loses.

CreateVpcPeeringConnection has no idempotency token.  The live peerings of the
pair are looked up (either direction) before any request; the request is made
once on a single-attempt client (``lost_answer.create_once``); live duplicates
left by an earlier lost answer are reduced to one.
"""

import time

try:
    import botocore
except ImportError:
    pass  # Modules are responsible for handling this.

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory
from ansible_collections.multiregion.client_vpn.plugins.module_utils import lost_answer
from ansible_collections.multiregion.client_vpn.plugins.module_utils import polling
from ansible_collections.multiregion.client_vpn.plugins.module_utils.results import snake_with_tags

# A peering in one of these states is the pair's peering (or on its way to be); the others are gone or refused.
LIVE_STATES = ("initiating-request", "pending-acceptance", "provisioning", "active")
# What the requester waits for: the request has reached the accepter's Region.
REQUESTED_STATES = ("pending-acceptance", "active")
FAILED_STATES = ("failed", "rejected", "expired", "deleted", "deleting")
# Extras of these states are deleted (a requester may delete its pending request).
DELETABLE_EXTRA_STATES = ("pending-acceptance",)
MISSING_CODE = "InvalidVpcPeeringConnectionID.NotFound"


class AnsiblePeeringError(AnsibleAWSError):
    pass


class PeeringErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsiblePeeringError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(MISSING_CODE)


# ---------------------------------------------------------------------------
# One wrapper per AWS call
# ---------------------------------------------------------------------------


@PeeringErrorHandler.list_error_handler("describe VPC peering connections", [])
@AWSRetry.jittered_backoff()
def describe_peerings(client, **params):
    paginator = client.get_paginator("describe_vpc_peering_connections")
    return paginator.paginate(**params).build_full_result()["VpcPeeringConnections"]


@PeeringErrorHandler.deletion_error_handler("delete the VPC peering connection")
@AWSRetry.jittered_backoff()
def delete_peering(client, peering_id):
    client.delete_vpc_peering_connection(VpcPeeringConnectionId=peering_id)
    return True


@PeeringErrorHandler.common_error_handler("tag the VPC peering connection")
@AWSRetry.jittered_backoff(catch_extra_error_codes=[MISSING_CODE])
def create_tags(client, peering_id, tags):
    client.create_tags(Resources=[peering_id], Tags=ansible_dict_to_boto3_tag_list(dict(sorted(tags.items()))))


@PeeringErrorHandler.common_error_handler("untag the VPC peering connection")
@AWSRetry.jittered_backoff(catch_extra_error_codes=[MISSING_CODE])
def delete_tags(client, peering_id, keys):
    client.delete_tags(Resources=[peering_id], Tags=[{"Key": key} for key in sorted(keys)])


def request_peering(write_client, params):
    """CreateVpcPeeringConnection, once: ``write_client`` has botocore retries off and nothing here retries."""
    return write_client.create_vpc_peering_connection(**params)["VpcPeeringConnection"]


def request_peering_once(client, write_client, params, timeout, clock=None, sleep=None):
    """(the new peering, None), or (None, the live peerings found) after a lost answer; AnsiblePeeringError on failure."""
    try:
        return lost_answer.create_once(
            lambda: request_peering(write_client, params),
            lambda: live_peerings(client, params["VpcId"], params["PeerVpcId"]),
            timeout,
            clock=clock,
            sleep=sleep,
        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise AnsiblePeeringError(message="Failed to request the VPC peering connection", exception=e) from e


# ---------------------------------------------------------------------------
# Waiter
# ---------------------------------------------------------------------------


class PeeringWaiterFactory(BaseWaiterFactory):
    @property
    def _waiter_model_data(self):
        path = "VpcPeeringConnections[].Status.Code"
        acceptors = (
            [dict(state="success", matcher="pathAny", argument=path, expected=s) for s in REQUESTED_STATES]
            + [dict(state="failure", matcher="pathAny", argument=path, expected=s) for s in FAILED_STATES]
            # Eventual consistency: a just-created peering may be unknown to the first reads.
            + [dict(state="retry", matcher="error", expected=MISSING_CODE)]
            + [dict(state="retry", matcher="error", expected=code) for code in lost_answer.THROTTLING_CODES]
        )
        return dict(
            peering_requested=dict(operation="DescribeVpcPeeringConnections", **polling.MODEL, acceptors=acceptors)
        )


def wait_requested(client, peering_id, wait_timeout):
    """Wait for the peering to be pending-acceptance or active; raise AnsiblePeeringError otherwise."""
    waiter = PeeringWaiterFactory().get_waiter(client, "peering_requested")
    try:
        polling.wait(waiter, wait_timeout, VpcPeeringConnectionIds=[peering_id])
    except botocore.exceptions.WaiterError as e:
        found = (getattr(e, "last_response", None) or {}).get("VpcPeeringConnections") or [{}]
        status = found[0].get("Status", {})
        if polling.timed_out(e):
            message = (
                f"Timed out after {wait_timeout} seconds waiting for VPC peering connection {peering_id} to be"
                f" pending-acceptance (last status: {status.get('Code') or 'unknown'})"
            )
        else:
            message = (
                f"VPC peering connection {peering_id} reached status {status.get('Code')}: {status.get('Message')}"
            )
        raise AnsiblePeeringError(message=message) from e
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise AnsiblePeeringError(
            message=f"Failed while waiting for VPC peering connection {peering_id}", exception=e
        ) from e


# ---------------------------------------------------------------------------
# Logic
# ---------------------------------------------------------------------------


def live_peerings(client, vpc_id, peer_vpc_id):
    """Every live peering between the two VPCs, requested in either direction, without repeats."""
    found = {}
    for requester, accepter in ((vpc_id, peer_vpc_id), (peer_vpc_id, vpc_id)):
        filters = [
            {"Name": "requester-vpc-info.vpc-id", "Values": [requester]},
            {"Name": "accepter-vpc-info.vpc-id", "Values": [accepter]},
            {"Name": "status-code", "Values": list(LIVE_STATES)},
        ]
        for peering in describe_peerings(client, Filters=filters):
            if peering.get("Status", {}).get("Code") in LIVE_STATES:
                found.setdefault(peering["VpcPeeringConnectionId"], peering)
    return list(found.values())


def _age_key(peering):
    # An unaccepted request expires 7 days after it was made: the earliest expiration is the oldest request.
    expiration = peering.get("ExpirationTime")
    return (expiration is None, str(expiration) if expiration is not None else "", peering["VpcPeeringConnectionId"])


def choose(peerings):
    """(the peering to keep, the others): an active one first, else the oldest request."""
    active = sorted((p for p in peerings if p["Status"]["Code"] == "active"), key=_age_key)
    others = sorted((p for p in peerings if p["Status"]["Code"] != "active"), key=_age_key)
    ordered = active + others
    return ordered[0], ordered[1:]


def build_request(params):
    request = {"VpcId": params["vpc_id"], "PeerVpcId": params["peer_vpc_id"]}
    if params.get("peer_region"):
        request["PeerRegion"] = params["peer_region"]
    if params.get("peer_owner_id"):
        request["PeerOwnerId"] = params["peer_owner_id"]
    if params.get("tags"):
        request["TagSpecifications"] = boto3_tag_specifications(params["tags"], types="vpc-peering-connection")
    return request


def _ensure_tags(client, peering, params, check_mode):
    if params.get("tags") is None:
        return False
    current = boto3_tag_list_to_ansible_dict(peering.get("Tags") or [])
    to_add, to_remove = compare_aws_tags(current, params["tags"], params.get("purge_tags", True))
    if not check_mode:
        if to_remove:
            delete_tags(client, peering["VpcPeeringConnectionId"], to_remove)
        if to_add:
            create_tags(client, peering["VpcPeeringConnectionId"], to_add)
    current.update(to_add)
    for key in to_remove:
        current.pop(key, None)
    peering["Tags"] = ansible_dict_to_boto3_tag_list(current)
    return bool(to_add or to_remove)


def ensure_peering_request(client, write_client, params, check_mode, clock=None, sleep=None):
    """Make sure one live peering joins ``vpc_id`` and ``peer_vpc_id``; return the module's result dict.

    ``client`` makes the reads, tags and deletions (retried); ``write_client``
    makes CreateVpcPeeringConnection only, with botocore retries off.
    """
    sleep = sleep or time.sleep
    vpc_id, peer_vpc_id = params["vpc_id"], params["peer_vpc_id"]
    changed = False
    created = False
    deleted, left = [], []
    found = live_peerings(client, vpc_id, peer_vpc_id)
    before = {}
    if found:
        keep, extras = choose(found)
        before = snake_with_tags(keep)
        for extra in extras:
            extra_id = extra["VpcPeeringConnectionId"]
            ours = extra.get("RequesterVpcInfo", {}).get("VpcId") == vpc_id
            if ours and extra["Status"]["Code"] in DELETABLE_EXTRA_STATES:
                if not check_mode:
                    delete_peering(client, extra_id)
                deleted.append(extra_id)
            else:
                left.append(extra_id)
        changed |= bool(deleted)
    elif check_mode:
        return dict(
            changed=True,
            peering_id="",
            vpc_peering_connection={},
            deleted_peering_ids=[],
            other_peering_ids=[],
            diff=dict(before={}, after=dict(vpc_id=vpc_id, peer_vpc_id=peer_vpc_id, tags=params.get("tags") or {})),
        )
    else:
        answer, recovered = request_peering_once(
            client, write_client, build_request(params), params.get("lost_answer_timeout", 60), clock, sleep
        )
        if answer is not None:
            keep = answer
            if params.get("tags") and not keep.get("Tags"):
                # TagSpecifications tag the peering in the create call itself.
                keep["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
        else:
            keep, extras = choose(recovered)
            # A second live peering at this point was made by someone else: leave it, but say so.
            left.extend(p["VpcPeeringConnectionId"] for p in extras)
        changed = created = True

    peering_id = keep["VpcPeeringConnectionId"]
    # Tags of a created peering were set by TagSpecifications, but a recovered one may predate them.
    changed |= _ensure_tags(client, keep, params, check_mode)
    if params.get("wait") and not check_mode and keep["Status"]["Code"] not in REQUESTED_STATES:
        wait_requested(client, peering_id, params.get("wait_timeout", 600))
    if not check_mode and (created or changed or params.get("wait")):
        current = describe_peerings(client, VpcPeeringConnectionIds=[peering_id])
        if current:
            keep = current[0]
    after = snake_with_tags(keep)
    return dict(
        changed=changed,
        peering_id=peering_id,
        vpc_peering_connection=after,
        deleted_peering_ids=deleted,
        other_peering_ids=left,
        diff=dict(before=before, after=after),
    )
