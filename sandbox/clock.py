"""Simulated durations and the time scale that shrinks them.

At scale 1.0 asynchronous operations take roughly what they take on AWS; at
0 they complete at once.  States are derived lazily from timestamps (no
background threads): a resource records when it started a transition and
reads as done once ``clock.elapsed(since, kind)`` is true.  ``bench`` reads
the same table to compute the critical path of a deployment.
"""

import threading
import time

# Seconds at scale 1.0.  Keys are used by the service emulations and by bench.
DURATIONS = {
    "directory_create": 30 * 60,
    "directory_delete": 10 * 60,
    "region_add": 40 * 60,
    "region_remove": 20 * 60,
    "connector_create": 8 * 60,
    "connector_delete": 3 * 60,
    # EnableDirectoryDataAccess / DisableDirectoryDataAccess (Enabling -> Enabled, Disabling -> Disabled).
    "directory_data_access": 3 * 60,
    "vpn_association": 8 * 60,
    "vpn_disassociation": 3 * 60,
    "vpn_route": 90,
    "vpn_route_delete": 30,
    "vpn_authorization": 20,
    "vpn_revoke": 20,
    "vpn_endpoint_delete": 60,
    # ImportClientVpnClientCertificateRevocationList: the CRL reads "pending" until it is applied ("active").
    "vpn_crl_import": 60,
    "route53_change": 60,
    # How long a new resource may stay missing from describes (sandbox.realism; at least one miss at any scale > 0).
    "consistency": 5,
}


class Clock:
    def __init__(self, scale=1.0):
        self._lock = threading.Lock()
        self.scale = float(scale)

    def now(self):
        return time.monotonic()

    def set_scale(self, scale):
        with self._lock:
            self.scale = float(scale)

    def duration(self, kind):
        """Scaled seconds an operation of this kind takes."""
        return DURATIONS[kind] * self.scale

    def done_at(self, kind):
        """Monotonic time at which an operation of this kind started now completes."""
        return self.now() + self.duration(kind)

    def reached(self, deadline):
        return deadline is None or self.now() >= deadline
