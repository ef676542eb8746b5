# -*- test-case-name: tests.unit.core.test_redaction -*-
"""
Deleting a message everywhere (IRC's C{draft/message-redaction}): from
the stored history (so history windows, search and waiting private
messages no longer have it) and from the screens of everyone who saw it.

The rule, once for every front-end.  A message is named by its msgid and
its conversation: a room, or a private conversation by the other
person's nickname.

 - Its author may delete it for L{REDACT_WINDOW} seconds (a day) after
   sending it: the same registered account, or, for a guest, the same
   nickname in the session that sent it (sent since it connected, and
   nobody else has left the name or renamed from it since, as far as the
   service's memory of departures, L{chatd.core.whowas}, tells: a guest
   name is anyone's once free; the guest's own renames away and back are
   no other user).
 - In a room, the room's operators and chatd operators may delete any
   message, at any time.  Nobody else may, not even the recipient of a
   private message.  A chatd operator's deletion of someone else's
   message is audited (L{_audit}), as their kicks are.
 - Only stored messages can be deleted: a server without a store has
   none, and a message to a room's operators only (C{STATUSMSG}) or of
   tags only is not stored.
 - A room's messages are deleted by its members (a chatd operator need
   not be one).  A msgid that is not in the conversation named is
   unknown, whether it exists elsewhere or not.

A front-end that offers "delete my last message" (talk's C{/delete})
asks L{latestBy} which message that is: its sender's latest in the room,
found by sender in the store, not by reading the room's history (which
would cost the history allowance and end a thousand messages back).

Everyone who may have the message on screen is told with
L{Redaction}: every connection of the room's members, or of both people
of a private conversation, but the one that asked, which has the event
as its answer (as a sender has its message), and shows it as its reply.  They are told through
C{messageRedacted}; a front-end that shows no deletions (TCHAT) has no
such method and hears nothing.  In cluster mode the deletion is made
and checked on the node where it was asked (in the shared database: a
node's own store has only its own users' messages), then relayed
(C{IChatObserver.messageRedacted}); every other node tells its own
connections (L{tellHere}, through C{IReplica.redactedRemote}).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from twisted.internet.defer import Deferred

from chatd.core import errors
from chatd.core.chathistory import othersWritten
from chatd.core.delivery import connectionsOnce
from chatd.core.events import PrivateMessage, Redaction, RoomMessage
from chatd.core.interfaces import IParticipant
from chatd.core.limits import REDACT_WINDOW
from chatd.core.names import key
from chatd.core.speaking import heardReason
from chatd.core.status import tell
from chatd.core.text import checkShortText

if TYPE_CHECKING:
    from chatd.core.service import ChatService
    from chatd.storage.interfaces import IChatStore

__all__ = ["REDACT_WINDOW", "latestBy", "redact", "Redaction"]


def redact(
    chat: object,
    participant: IParticipant,
    target: str,
    isRoom: bool,
    msgid: str,
    reason: str = "",
) -> Deferred[Redaction]:
    """
    Delete the message C{msgid} of room C{target} (C{isRoom}) or of
    C{participant}'s private conversation with C{target} in C{chat} (a
    L{ChatService}), for C{participant}, giving C{reason}; fires with the
    L{Redaction} everyone concerned was told of.

    @raise NotLoggedIn: C{participant} is not logged in.
    @raise NotPermitted: the server keeps no history.
    @raise InvalidArgument: C{reason} is too long or holds a refused
        character.
    @raise NoSuchGroup: there is no room C{target}.
    @raise NotMember: C{participant} is not in it (and no chatd operator).
    @raise NoSuchMessage: (in the L{Deferred}) no message C{msgid} in
        that conversation, or it was just deleted.
    @raise RedactForbidden: (in the L{Deferred}) C{participant} may not
        delete it.
    """
    service = cast("ChatService", chat)
    nick = service.requireLogin(participant)
    store = _storeOf(service)
    checkShortText(reason, "reason")  # as a kick's: IRC's REDACT line holds it whole
    given = reason  # what the audit keeps, even if nobody hears it
    reason = heardReason(service, participant, reason)  # a muted person's reaches nobody
    if isRoom:
        target = _roomOf(service, participant, target)

    async def deleting() -> Redaction:
        found = await store.findMessage(msgid) if msgid else None
        if found is None and msgid:  # sent a moment ago on another node, still in its queue?
            await othersWritten(service)
            found = await store.findMessage(msgid)
        if found is None or not _inConversation(found, nick, target, isRoom):
            raise errors.NoSuchMessage()
        _checkAllowed(service, participant, nick, found)
        if not await store.deleteMessage(msgid):
            raise errors.NoSuchMessage()  # deleted meanwhile, by someone else
        _audit(service, participant, nick, found, given)
        now = service.clock.seconds()  # to the millisecond, as messages are
        if isinstance(found, RoomMessage):
            event = Redaction(msgid, nick, reason, now, found.room, found.sender)
        else:
            event = Redaction(msgid, nick, reason, now, None, found.sender, found.recipient)
        tellHere(service, event, participant)
        if service.observer is not None:
            service.observer.messageRedacted(event)
        return event

    return Deferred.fromCoroutine(deleting())


def latestBy(
    chat: object, participant: IParticipant, room: str, sender: str
) -> Deferred[RoomMessage | None]:
    """
    The latest stored message C{sender} sent in room C{room} of C{chat} (a
    L{ChatService}), which C{participant} would delete ("delete my last
    message": talk's C{/delete}), or C{None}.  Found by its sender in the
    store (C{IChatStore.latestBy}), however long ago it was said, and no
    history read: it takes nothing from anyone's history allowance.
    Whether C{participant} may delete it is L{redact}'s rule, which says
    why not.

    @raise NotLoggedIn, NotPermitted, NoSuchGroup, NotMember: as L{redact}.
    """
    service = cast("ChatService", chat)
    service.requireLogin(participant)
    store = _storeOf(service)
    name = _roomOf(service, participant, room)

    async def finding() -> RoomMessage | None:
        await othersWritten(service)  # said a moment ago on another node
        found = await store.latestBy(name, sender)
        kept = service.registry.ownPast([] if found is None else [found])  # not its past life
        return kept[0] if kept else None

    return Deferred.fromCoroutine(finding())


def _storeOf(service: ChatService) -> IChatStore:
    """
    The store messages are deleted from.

    @raise NotPermitted: the server keeps no messages.
    """
    persistence = service.persistence
    if persistence is None:
        raise errors.NotPermitted("this server keeps no messages, so none can be deleted")
    return persistence.store


def _roomOf(service: ChatService, participant: IParticipant, room: str) -> str:
    """
    Room C{room}'s name, whose messages C{participant} may delete: one it
    is in, or any, for a chatd operator.

    @raise NoSuchGroup: there is no such room.
    @raise NotMember: C{participant} is not in it (and no chatd operator).
    """
    name = service.registry.get(room).name
    if not service.isOperator(participant):
        service.memberRoom(participant, name)
    return name


def _inConversation(
    message: RoomMessage | PrivateMessage, nick: str, target: str, isRoom: bool
) -> bool:
    """
    Whether C{message} is one of room C{target}'s (C{isRoom}) or of
    C{nick}'s private conversation with C{target}.
    """
    if isinstance(message, RoomMessage):
        return isRoom and key(message.room) == key(target)
    parties = {key(message.sender), key(message.recipient)}
    return not isRoom and parties == {key(nick), key(target)}


def _checkAllowed(
    service: ChatService,
    participant: IParticipant,
    nick: str,
    message: RoomMessage | PrivateMessage,
) -> None:
    """
    @raise RedactForbidden: C{participant} (C{nick}) may not delete
        C{message}: not its author within the window, nor (in a room) an
        operator.
    """
    if isinstance(message, RoomMessage) and service.isRoomOperator(participant, message.room):
        return
    if key(message.sender) != key(nick):
        raise errors.RedactForbidden()
    if service.provenAccount(participant) is None and not _sentInThisSession(
        service, participant, nick, message
    ):
        raise errors.RedactForbidden("that message was sent by an earlier user of your nickname")
    if service.now() - message.when > REDACT_WINDOW:
        raise errors.RedactForbidden(
            f"your own messages can be deleted for {REDACT_WINDOW // 3600} hours"
            " after sending them; this one is older"
        )


def _audit(
    service: ChatService,
    participant: IParticipant,
    nick: str,
    message: RoomMessage | PrivateMessage,
    reason: str,
) -> None:
    """
    Keep in the audit trail (and the log) that chatd operator
    C{participant} (C{nick}) deleted C{message}, with C{reason}, if it is
    someone else's in a room: under their account (or nickname), as their kicks
    (L{chatd.core.administration.Administration.kick}).  Deleting one's
    own message, or a room operator's deletion, is no server moderation.
    """
    if not isinstance(message, RoomMessage):
        return  # only its author may delete a private message
    if key(message.sender) == key(nick) or not service.isOperator(participant):
        return
    what = f"delete message {message.msgid} of {message.sender} in {message.room} {reason}"
    who = service.accountName(participant) or nick
    service.moderation.audit(who, what.rstrip(), "operator")


def _sentInThisSession(
    service: ChatService,
    participant: IParticipant,
    nick: str,
    message: RoomMessage | PrivateMessage,
) -> bool:
    """
    Whether guest C{participant}'s session may have sent C{message} as
    C{nick}: sent since it connected, and nobody else left or renamed from
    the name since (its own renames away and back are its own).
    """
    connected = service.moderation.connectedAt(participant)
    if connected is not None and message.when < int(connected):
        return False
    member = service.people.personOf(participant)
    return all(each.heldBy(member) for each in service.whowas(nick) if each.when >= message.when)


def tellHere(chat: object, event: Redaction, skip: IParticipant | None = None) -> None:
    """
    Tell every connection of C{chat} (a L{ChatService}) that may show the
    deleted message but C{skip}, with C{messageRedacted}: this node's
    connections only (another node's people are proxies without the
    method).
    """
    service = cast("ChatService", chat)
    tell(_audience(service, event, skip), "messageRedacted", event)


def _audience(
    service: ChatService, event: Redaction, skip: IParticipant | None
) -> list[IParticipant]:
    """
    Every connection that may show the message: the room's members', or
    both people's of a private conversation, each once, but C{skip}.
    """
    members: list[IParticipant | None]
    if event.room is not None:
        room = service.registry.find(event.room)
        members = [] if room is None else list(room.members.values())
    else:
        assert event.recipient is not None
        members = [service.find(event.sender), service.find(event.recipient)]
    return connectionsOnce(members, skip)
