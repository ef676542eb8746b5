# -*- test-case-name: tests.unit.irc.test_irc_renamedaccount -*-
"""
Which account each connection proved (its password, a registration, a
SCRAM proof).  An account is a name of its own: the connection's nickname
may differ from it (a rename, IRC's SASL under another nickname), and the
account stays the connection's whatever it is called, so the two are kept
apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chatd.core.delivery import connectionsOf
from chatd.core.names import key
from chatd.core.participant import IParticipant

if TYPE_CHECKING:
    from chatd.core.people import People


class ProvenAccounts:
    """
    Each signed-in connection's account, by its name as registered.  A
    person's is that of its connections (they all proved the same one).
    """

    def __init__(self) -> None:
        self._names: dict[IParticipant, str] = {}
        #: The connections signed in to each account, by its key.
        self._byKey: dict[str, set[IParticipant]] = {}
        #: How many times a connection proved or forgot an account: what
        #: was worked out from the accounts holds while it stays.
        self.version = 0
        #: Told that a connection proved an account other than the one it
        #: had (C{None}: a guest's), which changes its host
        #: (L{chatd.core.status.signedInHost}).
        self.proved: Callable[[IParticipant, str | None], None] = lambda participant, had: None

    def __bool__(self) -> bool:
        return bool(self._names)

    def prove(self, participant: IParticipant, account: str) -> None:
        had = self._names.get(participant)
        self.forget(participant)
        self.version += 1
        self._names[participant] = account
        self._byKey.setdefault(key(account), set()).add(participant)
        if had != account:
            self.proved(participant, had)

    def forget(self, participant: IParticipant) -> None:
        account = self._names.pop(participant, None)
        if account is not None:
            self.version += 1
            signedIn = self._byKey[key(account)]
            signedIn.discard(participant)
            if not signedIn:
                del self._byKey[key(account)]

    def signedIn(self, accountKey: str) -> list[IParticipant]:
        """
        The connections that proved the account C{accountKey}, whatever
        nickname they go by now (a login's own too, before it is admitted).
        """
        return list(self._byKey.get(accountKey, ()))

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


def keptAs(people: People, nick: str) -> str:
    """
    The name C{nick}'s private messages are kept under (its history,
    L{chatd.core.chathistory}): the account its person signed in to,
    whatever nickname it goes by now; C{nick} itself for a guest or a
    name nobody goes by.  The one name of a private conversation's other
    party, so that its history, read marker and unread count are found
    under any of the names they go by.
    """
    person = people.find(nick)
    return (person is not None and people.accounts.name(person)) or nick
