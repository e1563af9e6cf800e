"""Which AWS Region a client address is "near", and how far Regions are from each other.

Route 53 latency routing answers with the record whose Region has the lowest
measured latency from the client.  The sandbox replaces measurements with a
small, readable table:

* ``RANGES``: address ranges -> the Region nearest to clients in that range.
  By default these are documentation and benchmarking ranges that never
  appear on the Internet, so tests and demos can pick a client "near" any
  Region without touching real addresses:

  - RFC 5737 documentation ranges, one per Region of the example topology:
    ``192.0.2.0/24`` (TEST-NET-1) -> us-east-1, ``198.51.100.0/24``
    (TEST-NET-2) -> us-west-2, ``203.0.113.0/24`` (TEST-NET-3) -> eu-west-1;
  - RFC 2544 benchmarking space, one /24 per latency Region:
    ``198.18.<n>.0/24`` -> the n-th Region of ``LATENCY_REGIONS`` (0 = us-east-1,
    1 = us-east-2, 2 = us-west-1, 3 = us-west-2, ...; see ``default_ranges()``);
  - RFC 3849 IPv6 documentation space, likewise: ``2001:db8:<n>::/48``;
  - a few well-known public EC2 prefixes per Region (``PUBLIC_PREFIXES``, e.g.
    ``3.80.0.0/12`` -> us-east-1, ``34.208.0.0/12`` -> us-west-2, ``52.16.0.0/15`` -> eu-west-1).

  The most specific matching range wins.  An address in no range is treated
  like a resolver in us-east-1 (what TestDNSAnswer assumes without a ResolverIP).

* Distances between Regions: great-circle distance between the approximate
  locations below.  When the nearest Region's record is unhealthy the next
  nearest healthy one answers, as with Route 53.

Both are replaceable at run time through ``POST /_sandbox/latency`` (see
sandbox/README.md) and return to these defaults on reset.
"""

import ipaddress
import math

from . import registry

DEFAULT_REGION = "us-east-1"

# Approximate location (latitude, longitude) of each Region's metro area.
LOCATIONS = {
    "us-east-1": (38.9, -77.4),
    "us-east-2": (40.0, -83.0),
    "us-west-1": (37.4, -121.9),
    "us-west-2": (45.6, -121.2),
    "ca-central-1": (45.5, -73.6),
    "ca-west-1": (51.0, -114.1),
    "mx-central-1": (20.6, -100.4),
    "sa-east-1": (-23.5, -46.6),
    "eu-west-1": (53.3, -6.3),
    "eu-west-2": (51.5, -0.1),
    "eu-west-3": (48.9, 2.4),
    "eu-central-1": (50.1, 8.7),
    "eu-central-2": (47.4, 8.5),
    "eu-north-1": (59.3, 18.1),
    "eu-south-1": (45.5, 9.2),
    "eu-south-2": (41.6, -0.9),
    "il-central-1": (32.1, 34.8),
    "me-south-1": (26.1, 50.6),
    "me-central-1": (25.2, 55.3),
    "af-south-1": (-33.9, 18.4),
    "ap-south-1": (19.1, 72.9),
    "ap-south-2": (17.4, 78.5),
    "ap-east-1": (22.3, 114.2),
    "ap-east-2": (25.0, 121.5),
    "ap-southeast-1": (1.3, 103.8),
    "ap-southeast-2": (-33.9, 151.2),
    "ap-southeast-3": (-6.2, 106.8),
    "ap-southeast-4": (-37.8, 145.0),
    "ap-southeast-5": (3.1, 101.7),
    "ap-southeast-6": (-36.8, 174.8),
    "ap-southeast-7": (13.8, 100.5),
    "ap-northeast-1": (35.7, 139.7),
    "ap-northeast-2": (37.6, 127.0),
    "ap-northeast-3": (34.7, 135.5),
    "cn-north-1": (39.9, 116.4),
    "cn-northwest-1": (38.5, 106.3),
    "us-gov-east-1": (40.0, -83.0),
    "us-gov-west-1": (45.6, -121.2),
    "eusc-de-east-1": (52.4, 13.1),
}

# Stable indexes for 198.18.<n>.0/24 and 2001:db8:<n>::/48: the order of LOCATIONS above (append, never reorder).
LATENCY_REGIONS = list(LOCATIONS)

DOCUMENTATION_RANGES = {
    "192.0.2.0/24": "us-east-1",
    "198.51.100.0/24": "us-west-2",
    "203.0.113.0/24": "eu-west-1",
}


# A few well-known public EC2 prefixes per Region (from AWS's ip-ranges.json; illustrative, not complete),
# so that an address of a machine in a Region is "near" that Region too.
PUBLIC_PREFIXES = {
    "3.80.0.0/12": "us-east-1",
    "18.216.0.0/14": "us-east-2",
    "54.176.0.0/15": "us-west-1",
    "34.208.0.0/12": "us-west-2",
    "52.16.0.0/15": "eu-west-1",
    "18.184.0.0/15": "eu-central-1",
    "13.112.0.0/14": "ap-northeast-1",
    "13.228.0.0/15": "ap-southeast-1",
    "54.252.0.0/16": "ap-southeast-2",
    "18.228.0.0/16": "sa-east-1",
}


def default_ranges():
    ranges = dict(PUBLIC_PREFIXES)
    ranges.update(DOCUMENTATION_RANGES)
    for index, region in enumerate(LATENCY_REGIONS):
        ranges[f"198.18.{index}.0/24"] = region
        ranges[f"2001:db8:{index:x}::/48"] = region
    return ranges


class LatencyTable:
    """Address ranges -> nearest Region, and the distance order between Regions."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.ranges = {}
        self.locations = dict(LOCATIONS)
        self.orders = {}
        self.set_ranges(default_ranges())

    def set_ranges(self, mapping):
        parsed = {}
        for cidr, region in mapping.items():
            network = ipaddress.ip_network(cidr, strict=False)
            if not isinstance(region, str) or not region:
                raise ValueError(f"range {cidr}: the Region must be a non-empty string")
            parsed[network] = region
        self.ranges = parsed

    def as_json(self):
        return {
            "default_region": DEFAULT_REGION,
            "ranges": {str(net): region for net, region in sorted(self.ranges.items(), key=_net_key)},
            "locations": {region: list(loc) for region, loc in self.locations.items()},
            "orders": {region: list(order) for region, order in self.orders.items()},
        }

    def update(self, spec):
        """Apply a JSON override: ``ranges`` (cidr -> Region), ``locations`` (Region -> [lat, lon]),
        ``orders`` (Region -> Regions nearest first); ``replace: true`` drops the default ranges."""
        unknown = set(spec) - {"ranges", "locations", "orders", "replace"}
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}; expected ranges, locations, orders, replace")
        if "ranges" in spec:
            base = {} if spec.get("replace") else {str(net): region for net, region in self.ranges.items()}
            base.update(spec["ranges"])
            self.set_ranges(base)
        for region, loc in (spec.get("locations") or {}).items():
            lat, lon = (float(x) for x in loc)
            self.locations[region] = (lat, lon)
        for region, order in (spec.get("orders") or {}).items():
            if not isinstance(order, list) or not all(isinstance(r, str) for r in order):
                raise ValueError(f"orders.{region} must be a list of Region names")
            self.orders[region] = list(order)

    # ---------------------------------------------------------------- lookups
    def nearest_region(self, address):
        """The Region nearest to a client address (most specific range), or None if no range holds it."""
        if address is None:
            return None
        ip = ipaddress.ip_address(address)
        best = None
        for network, region in self.ranges.items():
            if ip.version == network.version and ip in network:
                if best is None or network.prefixlen > best[0].prefixlen:
                    best = (network, region)
        return best[1] if best else None

    def distance(self, origin, region):
        if origin == region:
            return 0.0
        order = self.orders.get(origin)
        if order is not None:
            return float(order.index(region) + 1) if region in order else math.inf
        a, b = self.locations.get(origin), self.locations.get(region)
        if a is None or b is None:
            return math.inf
        return _great_circle_km(a, b)

    def by_distance(self, origin, regions):
        """``regions`` sorted nearest first from ``origin`` (ties by name, for determinism)."""
        return sorted(regions, key=lambda r: (self.distance(origin, r), r))


def _net_key(item):
    net = item[0]
    return (net.version, net.network_address, net.prefixlen)


def _great_circle_km(a, b):
    lat1, lon1, lat2, lon2 = (math.radians(x) for x in (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


@registry.state("latency")
def _new_table(sandbox):
    """The sandbox's table (``sandbox.state.latency``): defaults at start and after every reset."""
    return LatencyTable()


@registry.control("GET", "latency")
def _get_latency(sandbox, body, query):
    table = sandbox.state.latency
    result = table.as_json()
    address = query.get("address")
    if address:
        result["address"] = address
        result["nearest_region"] = table.nearest_region(address) or DEFAULT_REGION
    return 200, result


@registry.control("POST", "latency")
def _set_latency(sandbox, body, query):
    sandbox.state.latency.update(body)
    return 200, sandbox.state.latency.as_json()


@registry.control("DELETE", "latency")
def _reset_latency(sandbox, body, query):
    sandbox.state.latency.reset()
    return 200, sandbox.state.latency.as_json()
