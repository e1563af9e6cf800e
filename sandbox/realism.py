"""AWS's behaviour over time, one mechanism shared by every emulation.

Real AWS is eventually consistent, slow to change health, busy while it works
and sometimes loses a response.  Each such *effect* is on by default, can be
switched off one by one (``--without NAME`` on the command line,
``POST /_sandbox/effects`` at run time) for debugging, and is scaled by the
clock like every other duration.  At time scale 0 the delays vanish, so the
in-process test sandbox stays instant; at any scale above 0 at least the first
describe after a create misses the new resource (``MIN_MISSES``) when made within
AWS's own (unscaled) window, so every client meets that path whatever the scale,
while a describe long after the create always finds it.

Emulations use one object, ``call.sandbox.realism``:

- ``created(kind, key)`` right after a create; ``visible(kind, key)`` in the
  describe/list handlers (False: answer as AWS does for an unknown ID, or leave
  the item out of a list).  Each hidden answer counts as one miss.
- ``deleted(kind, key, item)`` right after a delete that removes the item from
  the emulation's own state; ``lingering(kind)`` gives the items a describe
  still lists for the window.
- ``on(name)`` for the other effects (their own timing lives in the emulation).
"""

import threading

from .clock import DURATIONS

# name -> what it does (the control API and ``--help`` list them).
EFFECTS = {
    "consistency": "a new resource is missing from describes for a while (at least the first one); "
    "a deleted one stays listed for a while",
    "health_delay": "a Route 53 health check changes status only after FailureThreshold x RequestInterval",
    "busy_directory": "replica domain controllers appear some time after AddRegion; a directory or connector "
    "refuses deletion for a while after its Client VPN endpoint is deleted",
    "ds_rate_exceeded": "Directory Service throttles half of its throttled calls with ClientException "
    "'Rate exceeded' instead of ThrottlingException",
    "blackhole_routes": "a VPC route through a deleted peering connection turns blackhole",
}

# Switches that are not realism effects but modes AWS may be in; off by default.
MODES = {
    "serial_region_adds": "a directory refuses a second AddRegion while one is in progress",
}

# Describes that miss a new resource at any time scale above 0 ...
MIN_MISSES = 1
# ... when made within this many real seconds of the create (AWS's own window, unscaled): a resource is never
# hidden from a describe made long after its create merely because nobody looked at it in between.
MISS_HORIZON = "consistency"


class Realism:
    """Which effects are on, and the visibility windows of recent creates and deletes."""

    def __init__(self, clock, without=(), modes=()):
        unknown = (set(without) - set(EFFECTS)) | (set(modes) - set(MODES))
        if unknown:
            raise ValueError(f"unknown effect or mode: {', '.join(sorted(unknown))}")
        self.clock = clock
        self._lock = threading.RLock()
        self._defaults = {name: name not in without for name in EFFECTS}
        self._defaults.update({name: name in modes for name in MODES})
        self.switches = dict(self._defaults)
        self._pending = {}  # (kind, key) -> [visible_at, misses_left]
        self._gone = {}  # (kind, key) -> [until, item]

    # ----------------------------------------------------------- switches
    def on(self, name):
        return self.switches[name]

    def set(self, changes):
        """Switch effects and modes: ``{"consistency": False, "serial_region_adds": True}``."""
        for name, value in changes.items():
            if name not in self.switches:
                raise ValueError(f"unknown effect or mode {name!r}; known: {', '.join(sorted(self.switches))}")
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be true or false")
        with self._lock:
            self.switches.update(changes)
            if not self.switches["consistency"]:
                self._pending.clear()
                self._gone.clear()
        return dict(self.switches)

    def reset(self):
        """Back to the switches the sandbox started with; forget every window."""
        with self._lock:
            self.switches = dict(self._defaults)
            self._pending.clear()
            self._gone.clear()

    # -------------------------------------------------------- consistency
    def _window(self):
        return self.clock.duration("consistency")

    def created(self, kind, key):
        """``key`` of ``kind`` was just created: hide it from describes for the window."""
        if not self.on("consistency") or self.clock.scale <= 0:
            return
        now = self.clock.now()
        horizon = now + max(self._window(), DURATIONS[MISS_HORIZON])
        with self._lock:
            self._pending[(kind, key)] = [now + self._window(), MIN_MISSES, horizon]

    def visible(self, kind, key):
        """Whether a describe now sees ``key``; a False answer counts as one miss."""
        with self._lock:
            entry = self._pending.get((kind, key))
            if entry is None:
                return True
            if self.clock.reached(entry[2]) or (entry[1] <= 0 and self.clock.reached(entry[0])):
                del self._pending[(kind, key)]
                return True
            entry[1] = max(0, entry[1] - 1)
            return False

    def deleted(self, kind, key, item):
        """``key`` was just removed from the emulation's state: keep listing ``item`` for the window."""
        if not self.on("consistency") or self.clock.scale <= 0:
            return
        with self._lock:
            self._pending.pop((kind, key), None)
            self._gone[(kind, key)] = [self.clock.now() + self._window(), item]

    def lingering(self, kind):
        """``{key: item}`` of ``kind`` deleted so recently that describes still list them."""
        with self._lock:
            out = {}
            for (k, key), (until, item) in list(self._gone.items()):
                if self.clock.reached(until):
                    del self._gone[(k, key)]
                elif k == kind:
                    out[key] = item
            return out

    def forget(self, kind, key):
        """Drop any window of ``key`` (e.g. a resource re-created under the same key)."""
        with self._lock:
            self._pending.pop((kind, key), None)
            self._gone.pop((kind, key), None)
