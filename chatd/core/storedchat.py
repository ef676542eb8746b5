# -*- test-case-name: tests.unit.core.test_service,tests.unit.core.test_history -*-
"""
L{IStoredChat}: the part of L{chatd.core.interfaces.IChatService} that needs
a store (L{chatd.core.persistence}): accounts and their passwords, and the
history kept of rooms and private conversations.  Without a store no name
is registered, and registering or reading history is refused
(L{chatd.core.errors.NotPermitted}).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twisted.internet.defer import Deferred
from zope.interface import Attribute, Interface

from chatd.core.participant import IParticipant

if TYPE_CHECKING:
    from chatd.core.accounts import Registered
    from chatd.core.chathistory import HistoryQuery
    from chatd.core.events import PrivateMessage, RoomMessage


class IStoredChat(Interface):
    """
    Accounts and history, as every front-end asks them.  Methods raise
    L{chatd.core.errors.ChatError} subclasses to refuse.
    """

    persistence = Attribute(
        "The store-backed rules (accounts, stored rooms, history), or C{None} without a"
        " store; front-ends search history through it with L{chatd.core.search.search}."
    )

    passwordRules = Attribute(
        "What a new password must be, a L{chatd.core.accounts.PasswordRules}: front-ends"
        " show it in prompts and usage lines (L{register} enforces it)."
    )

    admitsGuests = Attribute(
        "Whether guests (a nickname without an account) may log in (C{--guests}): front-ends"
        " say so, as the web page's login form does."
    )

    def register(participant: IParticipant, password: str) -> Deferred[Registered]:
        """
        Protect an account with C{password}: a guest's nickname becomes one,
        which from then on is only taken with the password; a connection
        signed in to an account, under any nickname, changes that account's
        password.  The L{Deferred} fires with what was done.

        @raise InvalidArgument: the password breaks L{passwordRules}.
        @raise NotPermitted: the server has no store, hence no accounts; or
            a guest holds a nickname registered meanwhile.
        """

    def isRegistered(nick: str) -> Deferred[bool]:
        """
        A L{Deferred} firing with whether C{nick} is registered, i.e. whether
        C{login} will need its password.
        """

    def historyWindow(
        participant: IParticipant, target: str, isRoom: bool, query: HistoryQuery
    ) -> Deferred[list[RoomMessage | PrivateMessage]]:
        """
        The stored messages of room C{target} (C{isRoom}) or of the private
        conversation with C{target} that C{query} selects, oldest first
        (see L{chatd.core.chathistory.ChatHistory.window}).

        @raise NotPermitted: no store, or private history for an
            unregistered name.
        @raise NoSuchGroup, NotMember, InvalidArgument: as their names say.
        """

    def historyTargets(
        participant: IParticipant, after: int, before: int, limit: int
    ) -> Deferred[list[tuple[str, bool, int]]]:
        """
        The conversations C{participant} has history in whose latest
        message was sent between C{after} and C{before} (milliseconds)
        (see L{chatd.core.chathistory.ChatHistory.targets}).
        """

    def history(
        participant: IParticipant, room: str, count: int | None = None
    ) -> Deferred[list[RoomMessage]]:
        """
        A L{Deferred} firing with the last C{count} (default:
        L{chatd.core.chathistory.historyLimit}) L{RoomMessage}s of C{room},
        oldest first, with their original timestamps.  Only members may ask.

        @raise NoSuchGroup, NotMember: as their names say.
        @raise InvalidArgument: C{count} is not 1 to 1000.
        """

    def privateHistory(
        participant: IParticipant, nick: str, count: int | None = None
    ) -> Deferred[list[RoomMessage | PrivateMessage]]:
        """
        A L{Deferred} firing with the last C{count} (default:
        L{chatd.core.chathistory.historyLimit}) messages of
        C{participant}'s own private conversation with C{nick}, oldest
        first (see L{chatd.core.chathistory.ChatHistory.private}).

        @raise NotPermitted: no store, or a name without an account (no
            private history is kept for it).
        @raise InvalidNick: nobody can be called C{nick}.
        @raise InvalidArgument: C{count} is not 1 to 1000.
        """
