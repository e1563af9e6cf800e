"""The critical path of a deployment: the longest chain of the sandbox's simulated waits.

Computed from the topology and sandbox/clock.py's DURATIONS (times the time scale), never from a
measured run. The chains are those site.yml's dependencies impose (see bench/README.md, "Critical
path"); waits that nothing orders are taken as overlapping, so the figure is what a perfect
orchestrator would reach with site.yml's dependency structure:

- Home: directory_create, then its endpoint's subnet associations (both at once) beside its
  authorization rules (AWS does not order them: site.yml makes the rules first and awaits the
  associations, so only the longer of the two counts), then routes (they need the associations);
- each Branch: directory_create (the replica needs the Home directory Active), region_add,
  connector_create (the AD Connector needs the replica's domain controllers), then its endpoint's
  associations beside its rules, then routes;
- then its DNS record: one route53_change (a Region's latency record needs only its own endpoint's
  name, and Route 53 changes of distinct records are independent: each Region publishes its own).

With ``serial_region_adds`` (the sandbox's ``--serial-region-adds`` mode: a directory refuses a
second AddRegion while one is in progress) the Branches' Region adds run one after another, so the
k-th Branch's chain holds k region_add waits and the last Branch's chain is the longest.

Rules and routes of one endpoint are applied in batches of at most CONCURRENCY_QUOTA in flight
(AWS: 10 concurrent operations per endpoint), so a batch beyond the first adds one more wait.
"""

import math

from sandbox.clock import DURATIONS

# AWS quota: 10 concurrent mutating operations per Client VPN endpoint (the sandbox enforces it,
# sandbox/services/client_vpn.py CONCURRENCY_QUOTA; the modules batch by it).
CONCURRENCY_QUOTA = 10
SUBNETS_PER_ENDPOINT = 2


def endpoint_steps(regions):
    """The waits of one Region's endpoint once it exists, for a mesh of ``regions`` Regions."""
    rules = regions  # every Region's VPC CIDR, its own included
    routes = (regions - 1) * SUBNETS_PER_ENDPOINT  # every other Region's VPC through each subnet
    # Rules and associations are started together; the chain waits for the longer of the two.
    started_together = [("vpn_association", 1)]
    if rules:
        started_together.append(("vpn_authorization", math.ceil(rules / CONCURRENCY_QUOTA)))
    steps = [max(started_together, key=lambda step: DURATIONS[step[0]] * step[1])]
    if routes:
        steps.append(("vpn_route", math.ceil(routes / CONCURRENCY_QUOTA)))
    return steps


def chains(branches, serial_region_adds=False):
    """{'home': steps, 'branch': steps, 'dns': steps}: (DURATIONS key, times) in order.

    'branch' is the longest Branch chain: the last Branch's, whose Region add waits for every other
    Branch's in the serial mode.
    """
    regions = branches + 1
    adds = branches if serial_region_adds and branches else 1
    return {
        "home": [("directory_create", 1), *endpoint_steps(regions)],
        "branch": [("directory_create", 1), ("region_add", adds), ("connector_create", 1), *endpoint_steps(regions)],
        "dns": [("route53_change", 1)],
    }


def seconds(steps, scale):
    return sum(DURATIONS[kind] * times for kind, times in steps) * scale


def critical_path(branches, scale, serial_region_adds=False):
    """(critical_path_s, detail) for 1 Home + ``branches`` Branches at time scale ``scale``."""
    parts = chains(branches, serial_region_adds)
    longest = "branch" if branches else "home"
    total = seconds(parts[longest], scale) + seconds(parts["dns"], scale)
    detail = {
        "region_adds": "serial" if serial_region_adds else "concurrent",
        "longest_chain": longest,
        "chain": [
            {"wait": kind, "times": times, "seconds": round(DURATIONS[kind] * times * scale, 3)}
            for kind, times in parts[longest] + parts["dns"]
        ],
        "home_chain_s": round(seconds(parts["home"], scale), 3),
        "branch_chain_s": round(seconds(parts["branch"], scale), 3) if branches else None,
    }
    return round(total, 3), detail
