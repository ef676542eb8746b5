# -*- test-case-name: tests.unit.irc.test_irc_opsreload,tests.unit.irc.test_irc_opermodes,tests.unit.cluster.test_cluster_opsreload,tests.unit.cluster.test_cluster_opermodes -*-  # noqa: E501
"""
Telling a change of chatd operator rights, whatever makes it: a reload's
operator names (C{--operators}), the console's C{op} and C{deop} (and
another node's, as this one copies them), a session's rights (IRC's
C{OPER}, C{MODE nick -o}, their end by the console).  Each is made inside
L{changingRights}, the one path for them all.  Taken before the
change, an L{OperatorRightsChange} finds after it those whose effective
rights (L{chatd.core.people.People.isOperator}) changed, and only them:
each is told, if served here, and in each room where their status shows
otherwise (a chatd operator is an operator of every room, the rule of
L{chatd.core.roomqueries.RoomQueries.statusesIn}) the members served here
see C{+o} or C{-o} as a room change, which every front-end shows as it
shows a room operator's (IRC: C{MODE #room +o nick}).  In a cluster each
node does so for its own users and members (with its own configuration,
for a reload).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, cast

from chatd.core.events import Administrator, Notice, OperatorRightsEnded, RoomChange, shownBy
from chatd.core.participant import IParticipant

if TYPE_CHECKING:
    from chatd.core.interfaces import IChatService
    from chatd.core.room import Room
    from chatd.core.service import ChatService


class Server(Administrator):
    """
    The server itself, as the source of a change no administrator typed
    here: shown as an administrator's change is (IRC: from the server's
    services), and named as itself in sentences (L{shownBy}).
    """

    __slots__ = ()
    sentencePrefix = ""


#: Who a reload's change of the operator names comes from.
CONFIGURATION = Server("the server's configuration")
#: Who a session's operator rights come from and go by (IRC's C{OPER},
#: C{MODE nick -o}): the administrator name given to C{OPER} stays secret.
THE_SERVER = Server("the server")
#: Who another node's console change comes from, when it does not say.
ANOTHER_NODE = Server("an administrator")


@contextmanager
def changingRights(service: IChatService, by: str, tell: bool = False) -> Iterator[None]:
    """
    Around every change of chatd operator rights: the change made in the
    block is shown once it is made (L{OperatorRightsChange.announce}, by
    C{by}, telling the people with C{tell}).  Within another such block
    it shows nothing of its own: the outer one shows it all, once.
    """
    people = service.people
    if people.rightsChanging:
        yield
        return
    change = OperatorRightsChange(cast("ChatService", service))  # (the one service)
    people.rightsChanging = True
    try:
        yield
    finally:
        people.rightsChanging = False
        change.announce(by, tell)


def relayedRights(service: IChatService, by: str) -> AbstractContextManager[None]:
    """
    Around another node's console change of the rights (its grants and
    withholdings, L{chatd.core.opgrants}), C{by} the administrator who
    made it if known: shown here as there, to the members served here; the
    person is told by the node where it was made.
    """
    return changingRights(service, Administrator(by) if by else ANOTHER_NODE)


class OperatorRightsChange:
    """
    Who holds chatd operator rights, and how each room shows its members,
    before a change; L{announce} tells what changed once it is made.
    """

    def __init__(self, service: ChatService) -> None:
        self.service = service
        self._held = self._holders()
        self._shown = self._statuses()

    def _holders(self) -> dict[IParticipant, bool]:
        people = self.service.people
        return {each: people.isOperator(each) for each in people.users()}

    def _statuses(self) -> list[tuple[Room, dict[str, bool]]]:
        queries = self.service.roomQueries
        return [
            (room, {nick: "o" in status for nick, status in queries.statusesIn(room)})
            for room in self.service.registry.all()
        ]

    def announce(self, by: str, tell: bool = True) -> tuple[list[IParticipant], list[IParticipant]]:
        """
        The change is made: C{by} (an L{Administrator}, or L{CONFIGURATION})
        gave or took the rights.  With C{tell}, each person served here
        whose rights came is told C{"<by> made you an operator"}, each whose
        rights went an L{OperatorRightsEnded} (as the console's C{deop}
        tells); then the rooms where a member's status changed show it.
        Those who gained the rights, and those who lost them.
        """
        people = self.service.people
        now = self.service.clock.seconds()
        given: list[IParticipant] = []
        taken: list[IParticipant] = []
        for each in people.users():
            if people.isOperator(each) != self._held.get(each, False):
                (given if people.isOperator(each) else taken).append(each)
        served = [each for each in (given + taken if tell else []) if people.isConnected(each)]
        for each in served:  # (another node serving them tells them)
            if each in given:
                each.notice(Notice(f"{shownBy(by)} made you an operator", now))
            else:
                text = f"{shownBy(by)} took your operator rights away"
                each.notice(OperatorRightsEnded(text, now))
        queries = self.service.roomQueries
        for room, before in self._shown:
            if not self.service.registry.holds(room):
                continue  # (gone meanwhile)
            for nick, status in queries.statusesIn(room):
                if nick in before and before[nick] != ("o" in status):
                    modes = "+o" if "o" in status else "-o"
                    room.broadcast(RoomChange(room.name, by, now, modes, (nick,)))
        return given, taken
