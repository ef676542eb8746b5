# -*- test-case-name: tests.test_service -*-
"""
Who is here: open connections, the one registry of nicknames, chatd
operators and proven accounts, readers of operators' messages, and who
recently left.  It knows nothing of rooms.
"""

from __future__ import annotations

from collections.abc import Iterable

from twisted.logger import Logger

from chatd.core.interfaces import IParticipant
from chatd.core.names import key
from chatd.core.presence import Presence
from chatd.core.whowas import NickHistory


class People:
    """
    Who is connected and under which name, and who holds operator rights.

    @ivar operatorNames: the names given operator rights, as configured.
    @ivar operatorKeys: their keys (shared with the moderation rules,
        which add and remove names).
    @ivar nickHistory: who recently left or was renamed.
    @ivar presence: who watches whom come and go (told of every name given
        and freed).
    """

    log = Logger()

    def __init__(self, operators: Iterable[str] = ()) -> None:
        self.operatorNames = list(operators)
        self.operatorKeys = {key(nick) for nick in self.operatorNames}
        self.nickHistory = NickHistory()
        self.presence = Presence()
        self._connections: set[IParticipant] = set()
        self._users: dict[str, IParticipant] = {}
        self._sessionOperators: set[IParticipant] = set()
        #: The account key each participant proved with its password.
        self._provenAccounts: dict[IParticipant, str] = {}
        #: Who asked for operators' messages.
        self._wallopsReaders: set[IParticipant] = set()

    # Connections

    def connected(self, participant: IParticipant) -> None:
        self._connections.add(participant)

    def isConnected(self, participant: IParticipant) -> bool:
        return participant in self._connections

    def connections(self) -> list[IParticipant]:
        return list(self._connections)

    def closed(self, participant: IParticipant) -> bool:
        """
        C{participant}'s connection closed: it loses its session rights;
        whether it was still counted as connected.
        """
        self._sessionOperators.discard(participant)
        self._provenAccounts.pop(participant, None)
        self._wallopsReaders.discard(participant)
        if participant in self._connections:
            self._connections.remove(participant)
            return True
        return False

    # Nicknames

    def find(self, nick: str) -> IParticipant | None:
        return self._users.get(key(nick))

    def users(self) -> list[IParticipant]:
        return list(self._users.values())

    def holdsOther(self, participant: IParticipant, nick: str) -> bool:
        """
        Whether someone other than C{participant} has C{nick}.
        """
        holder = self._users.get(key(nick))
        return holder is not None and holder is not participant

    def named(self, participant: IParticipant, nick: str) -> None:
        self._users[key(nick)] = participant
        participant.nick = nick
        self.presence.arrived(nick)

    def renamed(self, participant: IParticipant, old: str, nick: str, now: int) -> None:
        self.nickHistory.remember(participant, old, now, renamedTo=nick)
        del self._users[key(old)]
        self._users[key(nick)] = participant
        participant.nick = nick
        if key(old) != key(nick):  # not a change of case only
            self.presence.departed(old)
            self.presence.arrived(nick)

    def left(self, participant: IParticipant, nick: str, now: int) -> None:
        self.nickHistory.remember(participant, nick, now)
        del self._users[key(nick)]
        self.presence.departed(nick)

    # Rights

    def isOperator(self, participant: IParticipant) -> bool:
        """
        Whether C{participant} may moderate everywhere: made an operator for
        its session (L{grantOperator}), or named an operator (C{--operators},
        the console's C{op}) and logged in to that registered account with
        its password.  A name alone gives nothing: anyone may type it.
        """
        if participant in self._sessionOperators:
            return True
        if participant.nick is None or key(participant.nick) not in self.operatorKeys:
            return False
        return self._provenAccounts.get(participant) == key(participant.nick)

    def configureOperators(self, names: Iterable[str]) -> None:
        """
        Replace the configured operator names (a reload): the old ones lose
        their rights, the new ones gain them; names the console made
        operators keep theirs unless they were configured ones.
        """
        self.operatorKeys.difference_update(key(nick) for nick in self.operatorNames)
        self.operatorNames[:] = names
        self.operatorKeys.update(key(nick) for nick in self.operatorNames)

    def warnWithoutAccounts(self) -> None:
        """
        The server keeps no accounts (no store): operator names can never
        be proven, which an administrator should hear of.
        """
        for name in self.operatorNames:
            self.log.warn(
                "operator {name} has no registered account (this server keeps no"
                " accounts): the name gives no rights; use IRC OPER",
                name=name,
            )

    def grantOperator(self, participant: IParticipant) -> None:
        """
        Make C{participant} a chatd operator for the rest of its session
        (an administrator proved who they are, IRC's C{OPER}); it ends with
        the connection, whatever the nickname.
        """
        self._sessionOperators.add(participant)

    def accountProven(self, participant: IParticipant, nick: str) -> None:
        """
        C{participant} logged in as the registered account C{nick} with its
        password (TCHAT, talk, the web, IRC C{PASS} or SASL): it holds the
        operator rights given to that name, if any, while it keeps it.
        """
        self._provenAccounts[participant] = key(nick)

    def provenAccount(self, participant: IParticipant) -> str | None:
        """
        The key of the account C{participant} logged in to with its password
        (L{accountProven}), or C{None}.
        """
        return self._provenAccounts.get(participant)

    def receiveWallops(self, participant: IParticipant, wanted: bool) -> None:
        if wanted:
            self._wallopsReaders.add(participant)
        else:
            self._wallopsReaders.discard(participant)

    def wallopsReaders(self) -> list[IParticipant]:
        return list(self._wallopsReaders)
