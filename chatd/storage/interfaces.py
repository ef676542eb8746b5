# -*- test-case-name: tests.integration.test_store -*-
"""
The seam between the chat service and durable storage.

L{IChatStore} is everything L{chatd.core.service.ChatService} asks of a database:
accounts, room settings, memberships, approvals and messages.  Reads and
ordinary writes return L{Deferred}s (the reactor never waits on a disk or a
socket); message writes are the exception, because they happen once per
message: L{IChatStore.addMessage} only queues the row and a write-behind batch
stores it within C{flushInterval} seconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zope.interface import Attribute

from chatd.storage.accountinterfaces import IAccountData
from chatd.storage.records import (
    ACCEPTED_ALREADY,
    APPROVAL,
    DECIDED,
    ENDED_ALREADY,
    OPEN,
    RoomSettings,
    Snapshot,
)

__all__ = [
    "ACCEPTED_ALREADY",
    "APPROVAL",
    "DECIDED",
    "ENDED_ALREADY",
    "OPEN",
    "IChatStore",
    "RoomSettings",
    "Snapshot",
]

if TYPE_CHECKING:
    from collections.abc import Callable

    from twisted.internet.defer import Deferred

    from chatd.core.events import PrivateMessage, RoomMessage
    from chatd.storage.conversations import Bound, Conversation


class IChatStore(IAccountData):
    """
    Durable chat state (what is kept of each registered account beside its
    password and rooms: L{IAccountData}).  Names are given as displayed;
    the store compares them with L{chatd.core.names.key}, like the service.
    """

    flushInterval = Attribute(
        "Seconds a queued message may wait before it is written (the data a kill -9 may lose)."
    )
    health = Attribute(
        "The store's L{chatd.storage.health.StoreHealth}: whether the database answers,"
        " and how many messages it refused (for /healthz and /metrics)."
    )

    def check() -> Deferred[str | None]:
        """
        Try the database now; fires with the reason it does not work (one
        line), or C{None} if it does, within a second whatever it does.
        """

    def load() -> Deferred[Snapshot]:
        """
        Create or migrate the schema if needed (a fresh store is seeded with
        the default rooms), then return the L{Snapshot} the service starts
        from.  Every other method may only be used after this has fired.
        """

    def accountHash(nick: str) -> Deferred[str | None]:
        """
        The argon2 hash of C{nick}'s password, or C{None} when it is not
        registered.
        """

    def accountName(nick: str) -> Deferred[str | None]:
        """
        The name of the account C{nick} names (any spelling of the same
        L{chatd.core.names.key}) as it was registered, or C{None} when
        there is none: C{Regt0} for C{REGT0}.
        """

    def saveAccount(nick: str, passwordHash: str, when: int) -> Deferred[None]:
        """
        Register C{nick}, or change its password hash (the account keeps
        the name it was registered with).
        """

    def deleteAccount(nick: str) -> Deferred[bool]:
        """
        Delete the account C{nick} and what is kept of it (its memberships,
        approval requests, refusals kept for its next login, read markers
        and waiting private messages; L{chatd.storage.accountremoval});
        whether there was one.  Room messages stay.
        """

    def scramVerifier(nick: str) -> Deferred[str | None]:
        """
        C{nick}'s SCRAM-SHA-256 verifier (L{chatd.storage.scram}), or
        C{None}: not registered, or none derived since its password was set.
        """

    def saveScramVerifier(nick: str, passwordHash: str, verifier: str) -> Deferred[None]:
        """
        Keep C{verifier} for C{nick}, if its password hash is still
        C{passwordHash} (it was derived from that password); else nothing.
        """

    def alwaysOnAccounts() -> Deferred[list[str]]:
        """
        The names of the accounts that are always on (L{chatd.storage.alwayson}).
        """

    def setAlwaysOn(nick: str, on: bool) -> Deferred[None]:
        """
        Make registered C{nick} always on, or not.
        """

    def endedPresences() -> Deferred[list[str]]:
        """
        The names of the always-on accounts whose presence an operator ended
        since their last login: they are not put back at start.
        """

    def setPresenceEnded(nick: str, ended: bool) -> Deferred[None]:
        """
        Record that an operator ended registered C{nick}'s always-on
        presence, or (at its next login) that it may stay present again.
        """

    def lastSeen(nick: str) -> Deferred[int | None]:
        """
        When registered C{nick} was last connected, in milliseconds, or
        C{None}: not known (never since it registered, or not registered).
        """

    def setLastSeen(nicks: list[str], millis: int) -> Deferred[None]:
        """
        Record that each of registered C{nicks} was last connected at C{millis}, at once.
        """

    def saveRoom(room: RoomSettings, when: int) -> Deferred[None]:
        """
        Create C{room} or update its settings.
        """

    def forgetHistory(room: str, beforeMillis: int) -> Deferred[None]:
        """
        Delete the messages of C{room} sent before C{beforeMillis} (those
        still queued for writing included): a room made anew under a
        name whose earlier room vanished starts with none of its messages.
        """

    def deleteRoom(room: str) -> Deferred[bool]:
        """
        Delete C{room}: its settings, its members' memberships, its
        approval requests, its messages (those still queued for writing
        included) and the read markers kept for it; fires with whether it
        was stored.
        """

    def memberships(nick: str) -> Deferred[list[str]]:
        """
        The display names of the rooms registered C{nick} is a member of.
        """

    def setMembership(
        nick: str, room: str, member: bool, millis: int | None = None
    ) -> Deferred[None]:
        """
        Record that registered C{nick} is (or no longer is) in C{room}; a
        new membership keeps C{millis}, when it entered (C{None}: not known).
        """

    def enteredRooms(nick: str) -> Deferred[dict[str, int]]:
        """
        When registered C{nick} entered each of its rooms where known: room key -> ms.
        """

    def setAccess(room: str, nick: str, approved: bool | None, when: int) -> Deferred[None]:
        """
        Record a request to enter approval room C{room}: pending
        (C{approved=False}), accepted (C{True}), or forgotten (C{None}).
        """

    def decideAccess(room: str, nick: str, approved: bool) -> Deferred[str]:
        """
        An answer to C{nick}'s request to enter C{room}, only if it still
        waits: accepted (C{approved}), or refused or withdrawn (forgotten).
        Of two answers at once, from any process sharing the store, one
        decides (L{chatd.storage.access}).

        @return: L{DECIDED} if this answer decided it, else what the store
            holds now: L{ACCEPTED_ALREADY} or L{ENDED_ALREADY}.
        """

    def addMessage(
        room: str | None,
        sender: str,
        recipient: str | None,
        lines: tuple[str, ...],
        when: int,
        pending: bool = False,
        msgid: str = "",
        millis: int = 0,
        accounts: tuple[bool, bool] = (False, False),
        notice: bool = False,
        userhost: str = "",
    ) -> None:
        """
        Queue a message for writing, with C{msgid}, the id its recipients
        saw live (history gives it back; C{""}: none), and C{millis}, its time
        in milliseconds (C{0}: C{when}'s second); C{notice}: it was an IRC
        C{NOTICE}, and history gives it back as one; C{userhost}: the
        C{user@host} its sender's lines showed (L{chatd.core.hosts.Hosts.
        userhostOf}; C{""}: not known), which history gives back as its
        sender, a L{chatd.core.events.Sender}.  C{accounts} says whether
        the sender and the recipient of a private message are registered:
        it is in the private history of those who are (L{window}).  It gets
        its id, which orders it among all messages, from the database when
        it is written (so that several processes can share one database).
        A room message has a C{room} and no C{recipient}; a private one the
        reverse, and C{pending} when it awaits delivery.

        A message is stored once: one whose C{msgid} the store holds already
        (written meanwhile by another cluster node, say) is skipped, and the
        one stored first stays.  A message the database refuses (a value it
        cannot store) is logged and skipped; it never holds back the others.

        @raise chatd.core.errors.InternalError: the store is shut down.
        """

    def mark() -> Deferred[int]:
        """
        A message id above every message queued (here) before the call and
        below every message queued after it: C{history(room, n,
        before=mark)} is then what was said before the call, e.g. before a
        user entered a room, without what they since received live.
        """

    def flush() -> Deferred[None]:
        """
        Fires once every message queued before the call is written.
        """

    def queueDepth() -> int:
        """
        How many messages wait to be written now (for C{/metrics}).
        """

    def observeWrites(timed: Callable[[float], None]) -> None:
        """
        Call C{timed} with the seconds each write of queued messages took
        (for C{/metrics}); a store that writes at once never calls it.
        """

    def history(room: str, count: int, before: int | None = None) -> Deferred[list[RoomMessage]]:
        """
        The last C{count} messages of C{room} (with ids below C{before}, if
        given), oldest first, with their original timestamps and msgids.
        """

    def roomMessages(
        room: str | None, after: Bound | None, before: Bound | None, limit: int
    ) -> Deferred[list[tuple[Bound, RoomMessage]]]:
        """
        At most C{limit} messages of C{room} (C{None}: of every room) after
        C{after} and before C{before}, oldest first, each with its bound:
        the next page is after the last one's (L{chatd.storage.export}).
        """

    def privateMessages(
        nick: str, other: str, after: Bound | None, before: Bound | None, limit: int
    ) -> Deferred[list[tuple[Bound, PrivateMessage]]]:
        """
        As L{roomMessages}, every private message between C{nick} and
        C{other}, either way, whoever was registered.
        """

    def locate(conversation: Conversation, msgid: str) -> Deferred[Bound | None]:
        """
        Where the message C{msgid} of C{conversation} is, as a window's
        bound, or C{None} if it has no such message.
        """

    def findMessage(msgid: str) -> Deferred[RoomMessage | PrivateMessage | None]:
        """
        The stored message C{msgid} (room or private, those still queued
        for writing included), or C{None}.
        """

    def latestBy(room: str, sender: str) -> Deferred[RoomMessage | None]:
        """
        The latest stored message of room C{room} sent under the name
        C{sender} (by its key, those still queued for writing included),
        or C{None}: one indexed query, however busy the room.
        """

    def storedMsgids(msgids: list[str]) -> Deferred[set[str]]:
        """
        Which of C{msgids} the store holds (those still queued for writing
        included).
        """

    def deleteMessage(msgid: str) -> Deferred[bool]:
        """
        Delete the message C{msgid} from the history, the search index and
        the private messages waiting for delivery, a message still queued
        for writing included; fires with whether there was one.
        """

    def eraseSender(nick: str) -> Deferred[tuple[int, int]]:
        """
        Delete every message sent under C{nick}, room and private, from
        the history and the search index; fires with how many of each
        (L{chatd.storage.erasure}).
        """

    def window(
        conversation: Conversation,
        after: Bound | None = None,
        before: Bound | None = None,
        limit: int = 1,
        newest: bool = True,
        inclusive: bool = False,
    ) -> Deferred[list[RoomMessage | PrivateMessage]]:
        """
        At most C{limit} messages of C{conversation} after C{after} (or at
        it, if C{inclusive}) and before C{before}: the newest of them if
        C{newest}, else the oldest; oldest first either way.
        """

    def targets(
        nick: str, rooms: list[str], after: int, before: int, limit: int, private: bool = True
    ) -> Deferred[list[tuple[str, bool, int]]]:
        """
        The conversations C{nick} has history in (among C{rooms}, and if
        C{private} its private conversations) whose latest message was sent between
        C{after} and C{before} (milliseconds, exclusive), as C{(name,
        is a room, latest millis)}, earliest first, at most C{limit}.
        """

    def search(
        nick: str, rooms: list[str], words: list[str], limit: int, private: bool = True
    ) -> Deferred[list[RoomMessage | PrivateMessage]]:
        """
        The newest C{limit} messages, newest first, of C{rooms} and (if
        C{private}) of C{nick}'s private conversations (those in its
        history, as for L{window}) whose text holds every one of C{words},
        in any Unicode form and case (L{chatd.core.searchform}): by the SQL
        stores' own full-text search (L{chatd.storage.search}), as whole
        words, or anywhere in the text of scripts written without spaces;
        as parts of words in the memory store.
        """

    def undelivered(
        nick: str, limit: int | None = None
    ) -> Deferred[list[tuple[int, PrivateMessage]]]:
        """
        The private messages waiting for C{nick}, with their ids, at most
        C{limit} (C{None}: all), in the order they were sent (then by id,
        as history: two cluster nodes write theirs in turn).  Reading a
        page, marking it delivered and reading again gives each once.
        """

    def waitingCount(nick: str) -> Deferred[int]:
        """
        How many private messages wait for C{nick}, those still queued for
        writing included.
        """

    def waitingFrom(nick: str, sender: str) -> Deferred[int]:
        """
        How many private messages from C{sender} (by its key: an account's
        or a guest's name) wait for C{nick}, those still queued for writing
        included.
        """

    def markDelivered(ids: list[int]) -> Deferred[None]:
        """
        The private messages with these ids no longer wait for delivery:
        all of them at once (one transaction; an SQL store runs one
        statement for a page of the inbox), or, if it fails, none, so what
        was handed over is handed again rather than lost.
        """

    def keepWaiting(msgid: str) -> Deferred[bool]:
        """
        The private message C{msgid}, stored as sent, waits for its
        recipient's next login after all (their node went away before
        handling it); whether it was found.
        """
