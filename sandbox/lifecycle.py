"""Lifecycle states derived from timestamps: one transition table per resource, one :func:`settle`.

The sandbox has no background threads.  A request that starts an asynchronous
change records when it will be over (``clock.done_at(kind)``, durations in
``sandbox/clock.py``); whoever looks at the resource later asks :func:`settle`
which state those deadlines have reached.  A table maps a state to
``(next state, name of the deadline)``; :data:`GONE` as the next state means
the resource is removed once that deadline has passed.  For example::

    ASSOCIATION = {
        "associating": ("associated", "until"),
        "disassociating": ("disassociated", "until"),
        "disassociated": (GONE, "gone_at"),
    }
"""

GONE = None


def settle(state, table, deadlines, now):
    """The state reached from ``state`` at monotonic time ``now``, following ``table`` while deadlines have passed.

    ``deadlines`` maps a deadline's name to its monotonic time (a resource dict,
    or ``vars()`` of a resource object).  A deadline that is None (or absent)
    means that transition is not scheduled: the state stays.  Returns
    :data:`GONE` when the resource's last transition is over.
    """
    while state in table:
        target, name = table[state]
        deadline = deadlines.get(name)
        if deadline is None or now < deadline:
            break
        state = target
    return state


def advance(item, table, now):
    """Settle a resource dict's ``"state"`` in place; True when it is gone.

    A gone item keeps its last state, so that the copy describes go on listing
    for a while (sandbox.realism) shows it as it was last seen (``deleting``, ``revoking``).
    """
    state = settle(item["state"], table, item, now)
    if state is GONE:
        return True
    item["state"] = state
    return False
