# -*- test-case-name: tests.unit.cluster.test_cluster_guards -*-
"""
The limits on guessing, on bulk registration and on changing passwords,
shared by a cluster's nodes: each node tells every other the answers its
password gate checked (C{guess}), the accounts it let an address register
(C{registered}) and the passwords it let be changed (C{changed}), and
counts theirs as its own.  Behind a load balancer that deals an attacker's
connections over N nodes, a name or an address then gets the back-off of
one node, not N times the guesses, and the hourly limits hold for the
whole cluster.
"""

from __future__ import annotations

from typing import Any

from chatd.cluster.bus import Bus
from chatd.core.gate import PasswordGate
from chatd.core.registrations import PasswordChangePace, RegistrationPace


class Guards:
    """
    Publishes this node's password answers and registrations, and counts
    other nodes' in the local gate and pace.
    """

    def __init__(
        self,
        bus: Bus,
        gate: PasswordGate,
        pace: RegistrationPace | None,
        changes: PasswordChangePace | None = None,
    ) -> None:
        self.bus, self.gate, self.pace, self.changes = bus, gate, pace, changes
        gate.reportTo(self.checked)
        bus.on("guess", self.remote_guess)
        if pace is not None:
            pace.reportTo(self.registered)
            bus.on("registered", self.remote_registered)
        if changes is not None:
            changes.reportTo(self.changed)
            bus.on("changed", self.remote_changed)

    def checked(self, nameKey: str, address: str, right: bool) -> None:
        self.bus.publish("guess", u=nameKey, ip=address, ok=int(right))

    def registered(self, address: str) -> None:
        self.bus.publish("registered", ip=address)

    def changed(self, accountKey: str, address: str, back: bool) -> None:
        if back:  # a change refused for the store: given back everywhere
            self.bus.publish("changed", u=accountKey, ip=address, b=1)
        else:
            self.bus.publish("changed", u=accountKey, ip=address)

    def remote_guess(self, node: str, fields: dict[str, Any]) -> None:
        nameKey, address = fields.get("u"), fields.get("ip")
        if isinstance(nameKey, str) and isinstance(address, str):
            self.gate.heard(nameKey, address, bool(fields.get("ok")))

    def remote_registered(self, node: str, fields: dict[str, Any]) -> None:
        address = fields.get("ip")
        if self.pace is not None and isinstance(address, str):
            self.pace.heard(address)

    def remote_changed(self, node: str, fields: dict[str, Any]) -> None:
        accountKey, address = fields.get("u"), fields.get("ip")
        if self.changes is not None and isinstance(accountKey, str) and isinstance(address, str):
            self.changes.heard(accountKey, address, bool(fields.get("b")))
