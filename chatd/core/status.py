# -*- test-case-name: tests.unit.core.test_status,tests.unit.cluster.test_cluster_reprofile -*-
"""
What others see of a person changed: they went away or came back, logged in
to an account or out of one, changed their real name, or a guest's host
changed with the cloak secret (L{rehosted}).

The rule of who hears it is the service's: everyone sharing a room with the
person, and the person's own other connections, on every connection that
listens (L{IStatusWatcher}); the connection that made the change has its
own reply.  Those watching the person's name (L{chatd.core.presence})
are told too, by another method: they may not want to hear it.  In a
cluster, the service's observer carries the change to the other nodes,
which tell their own people.  Front-ends that show none of these (TCHAT,
talk, the web) just have no C{statusChanged}.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from twisted.logger import Logger

from chatd.core.delivery import connectionsOf, connectionsOnce
from chatd.core.events import Event, Invitation
from chatd.core.interfaces import IChatService, IParticipant
from chatd.core.person import Person
from chatd.core.presence import Presence

if TYPE_CHECKING:
    from chatd.core.hosts import Hosts
    from chatd.core.room import Room
    from chatd.core.service import ChatService

log = Logger()

#: L{StatusChange} kinds: C{value} is the away text (C{None}: back), the
#: account (C{None}: logged out), the new real name, or the new host.
AWAY, ACCOUNT, REALNAME, HOST = "away", "account", "realname", "host"
#: A change others see but are not told of: an IRC client's user modes
#: (C{+i}, C{+B}, C{o}), which C{WHO} and C{WHOIS} show, or its ident and
#: real name once it registers after logging in with SASL.
PROFILE = "profile"


class StatusChange(Event):
    """
    C{nick}'s C{kind} (L{AWAY}, L{ACCOUNT}, L{REALNAME}, L{HOST}) is now
    C{value}; C{before}, a L{HOST}'s, the host it was (IRC's C{CHGHOST}
    comes from the mask others last saw).
    """

    __slots__ = ("nick", "kind", "value", "moment", "before")

    def __init__(
        self, nick: str, kind: str, value: str | None, when: float, before: str | None = None
    ) -> None:
        super().__init__(int(when))
        self.nick, self.kind, self.value, self.before = nick, kind, value, before
        self.moment = when  # to the millisecond when given so (IRC's server-time)


class IStatusWatcher(Protocol):
    """
    A connection told of the status changes of the people it shares rooms with.
    """

    def statusChanged(self, event: StatusChange) -> None:
        """
        Someone sharing a room with this connection's person changed.
        """


def audience(service: IChatService, participant: IParticipant) -> list[IParticipant]:
    """
    The connections that hear of C{participant}'s status changes: those of
    everyone sharing a room with its person, and its person's others (not
    C{participant} itself), each once.
    """
    nick = participant.nick
    members: list[IParticipant | None] = [service.find(nick) if nick else None]
    for room in service.roomsOf(participant):
        members.extend(service.find(name) for name in service.members(participant, room))
    return connectionsOnce(members, participant)


def awayOf(person: IParticipant | None) -> str | None:
    """
    C{person}'s away text (the first of its connections that set one), or
    C{None} when present.
    """
    for connection in connectionsOf(person):
        away = getattr(connection, "awayMessage", None)
        if away:
            return str(away)
    return None


def announce(
    service: IChatService,
    participant: IParticipant,
    kind: str,
    value: str | None,
    when: float,
    presence: Presence | None = None,
    before: str | None = None,
) -> StatusChange | None:
    """
    Tell L{audience} that C{participant}'s C{kind} is now C{value} (at
    C{when}; C{before}, a L{HOST}'s old one), and those watching its name
    in C{presence} who are not in the audience with C{watchedStatusChanged}
    (IRC's C{extended-monitor}); the event, or C{None} before the
    connection is logged in.
    """
    nick = participant.nick
    if nick is None:
        return None
    event = StatusChange(nick, kind, value, when, before)
    told = audience(service, participant)
    tell(told, "statusChanged", event)
    if presence is not None:
        skip = {id(each) for each in told} | {id(participant)}
        watchers = [w for w in presence.watchersOf(nick) if id(w) not in skip]
        tell(watchers, "watchedStatusChanged", event)
    changed(service, participant, kind)
    return event


def rehosted(service: ChatService, before: Hosts) -> None:
    """
    The cloak secret changed (L{Hosts.rekeyed}; C{before} cloaks with the
    old one): each person served here whose host it changed, a guest, is
    told on every connection, and so are those who hear of its status
    changes, with the host it had (IRC's C{CHGHOST}); other nodes hear of
    it through the observer, and tell theirs.
    """
    told: set[IParticipant] = set()
    for connection in service.connections():
        nick = connection.nick
        person = service.find(nick) if nick is not None else None
        if person is None or person in told or not service.isLoggedIn(connection):
            continue
        told.add(person)
        hostChanged(service, connection, before.of(connection))


def signedInHost(service: ChatService, connection: IParticipant, had: str | None) -> None:
    """
    C{connection} proved an account other than C{had} (C{None}: it was a
    guest; L{chatd.core.signedin.ProvenAccounts.proved}): once logged in,
    its host changes to the account's (L{chatd.core.hosts}), which it and
    those who hear of its status changes are told.  A login's proof,
    before it is admitted, changes no host anyone saw.
    """
    if service.isLoggedIn(connection):
        hostChanged(service, connection, service.people.hosts.withAccount(connection, had))


def hostChanged(service: ChatService, connection: IParticipant, old: str) -> None:
    """
    C{connection}'s host was C{old}: if it is another now, it and those
    who hear of its status changes are told (L{HOST}).
    """
    new = service.hostOf(connection)
    if old == new:
        return
    when = service.clock.seconds()
    event = announce(service, connection, HOST, new, when, service.people.presence, old)
    if event is not None:
        tell([connection], "statusChanged", event)


def changed(service: IChatService, participant: IParticipant, kind: str) -> None:
    """
    What others see of C{participant} changed (C{kind}, L{PROFILE} too):
    the service's observer hears of it, to tell other nodes.
    """
    if service.observer is not None:
        service.observer.statusChanged(participant, kind)


def reprofiled(service: ChatService, participant: IParticipant, before: tuple[object, ...]) -> None:
    """
    A connection of C{participant}'s person joined it or closed, and what
    others see of the person that a connection gives (L{Person.profile}:
    real name, user name, protocol) was C{before}: if it changed, it is
    recomputed once, here, for every node (L{changed}); a new real name is
    announced as a C{SETNAME} would be, to all who hear of it but
    C{participant}, the connection that joined (it gave the name).
    """
    person = service.people.personOf(participant)
    if not isinstance(person, Person) or person.nick is None:
        return
    after = person.profile()
    if after == before:
        return
    if after[0] != before[0]:
        presence = service.people.presence
        announce(service, participant, REALNAME, after[0], service.clock.seconds(), presence)
    else:
        changed(service, person, PROFILE)


def tell(connections: Iterable[object], method: str, event: Event) -> None:
    """
    Call C{connection.<method>(event)} on each of C{connections} that has
    it (front-ends that show no such thing have none); one that raises is
    logged and the others are still told.
    """
    for connection in connections:
        handler = getattr(connection, method, None)
        if handler is None:
            continue
        try:
            handler(event)
        except Exception:
            nick = getattr(connection, "nick", None)
            log.failure("telling {nick} of {event}", nick=nick, event=event)


def tellInvitation(
    service: IChatService, room: Room, inviter: IParticipant, event: Invitation
) -> None:
    """
    Show C{event} (C{inviter} invited someone to C{room}) to the members who
    could have invited them too: every member, or only the room's operators
    when it is invite-only; not to the inviter's own connection, which has
    its reply.  They are told with C{invitationSeen} (IRC's C{invite-notify}).
    """
    inviteOnly = "i" in room.modes
    witnesses = [
        connection
        for member in room.members.values()
        if not inviteOnly or service.isRoomOperator(member, room.name)
        for connection in connectionsOf(member)
        if connection is not inviter
    ]
    tell(witnesses, "invitationSeen", event)


def accountCreated(service: ChatService, participant: IParticipant, presence: Presence) -> None:
    """
    C{participant} registered its nickname: it is signed in to that account
    from now on, as after a login with the password (L{chatd.core.signedin.ProvenAccounts}),
    and those sharing a room with it or watching its name are told (IRC's
    C{account-notify}), whatever protocol it registered on.
    """
    nick = participant.nick
    if nick is not None:
        service.people.accounts.prove(participant, nick)
        announce(service, participant, ACCOUNT, nick, service.clock.seconds(), presence)
