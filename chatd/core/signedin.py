# -*- test-case-name: tests.unit.irc.test_irc_renamedaccount -*-
"""
Which account each connection proved (its password, a registration, a
SCRAM proof).  An account is a name of its own: the connection's nickname
may differ from it (a rename, IRC's SASL under another nickname), and the
account stays the connection's whatever it is called, so the two are kept
apart.
"""

from __future__ import annotations

from chatd.core.delivery import connectionsOf
from chatd.core.names import key
from chatd.core.participant import IParticipant


class ProvenAccounts:
    """
    Each signed-in connection's account, by its name as registered.  A
    person's is that of its connections (they all proved the same one).
    """

    def __init__(self) -> None:
        self._names: dict[IParticipant, str] = {}

    def __bool__(self) -> bool:
        return bool(self._names)

    def prove(self, participant: IParticipant, account: str) -> None:
        self._names[participant] = account

    def forget(self, participant: IParticipant) -> None:
        self._names.pop(participant, None)

    def name(self, participant: IParticipant) -> str | None:
        """
        The name of the account C{participant} proved, as registered, or
        C{None} (a guest).
        """
        connections = connectionsOf(participant)
        return self._names.get(connections[0]) if connections else None

    def key(self, participant: IParticipant) -> str | None:
        """
        The key of that account (L{chatd.core.names.key}), or C{None}.
        """
        name = self.name(participant)
        return None if name is None else key(name)
