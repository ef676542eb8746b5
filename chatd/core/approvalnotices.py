# -*- test-case-name: tests.unit.admin.test_admin_refusals,tests.unit.cluster.test_cluster_approvals -*-  # noqa: E501
"""
Who is told what of a request to enter an approval room, on the node that
serves them: its asker (found by L{holderOf}, on every connection), and
the room's operators and founder.  Shared by the rule itself
(L{chatd.core.approvals}) and by what another node's changes bring
(L{chatd.core.sharing}); its own module so that each stays readable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatd.core.events import Notice
from chatd.core.names import key
from chatd.core.participant import IParticipant
from chatd.core.refusal import RequestRefused, operatorsText

if TYPE_CHECKING:
    from chatd.core.room import Room
    from chatd.core.service import ChatService


def holderOf(service: ChatService, name: str) -> IParticipant | None:
    """
    Who asked as C{name}: its holder, or the person signed in here to the
    account C{name} under another nickname.
    """
    return service.find(name) or service.people.signedInTo(key(name))


def tellAsker(service: ChatService, nick: str, notice: Notice) -> None:
    """
    Tell C{nick}, who asked to enter an approval room, of C{notice} (their
    request's end), on every connection, if they are served here (every
    node tells its own).
    """
    persistence = service.persistence
    user = holderOf(service, nick)
    if user is not None and (persistence is None or persistence.isLocal(user)):
        user.notice(notice)


def tellOpened(service: ChatService, room: Room, nick: str) -> None:
    """
    Tell C{nick} that C{room}, which they waited to enter, is open now:
    their request is over, and they may enter.
    """
    text = f"{room.name} is open now: your request to enter it is over, enter when you like"
    tellAsker(service, nick, Notice(text, service.clock.seconds()))


def tellRefused(
    service: ChatService, room: Room, nick: str, reason: str, kept: bool = False
) -> None:
    """
    Tell C{nick} that an operator refused their request to enter C{room}
    (unless it is C{kept} for their next login), and the room's operators
    and founder served here.
    """
    if not kept:
        tellAsker(service, nick, RequestRefused(room.name, reason, service.clock.seconds()))
    tellRoomOperators(service, room, nick, operatorsText(nick, room.name, reason))


def tellRoomOperators(service: ChatService, room: Room, nick: str, text: str = "") -> None:
    """
    Tell C{room}'s operators and its founder served here that C{nick} asks
    to enter it (an administrator accepts: C{accept pending}), or C{text}.
    """
    persistence = service.persistence
    founder = room.settings.founder
    told: list[IParticipant] = []
    for nickKey, member in room.members.items():
        if persistence is not None and not persistence.isLocal(member):
            continue
        account = service.accountName(member) or nickKey
        if nickKey in room.ops or (founder and key(account) == key(founder)):
            told.append(member)
    if founder and (holder := holderOf(service, founder)) is not None:
        if holder not in told and (persistence is None or persistence.isLocal(holder)):
            told.append(holder)
    text = text or (
        f"{nick} asks to enter {room.name}, an approval room:"
        " an administrator accepts them (admin console: accept pending)"
    )
    for user in told:
        user.notice(Notice(text, service.clock.seconds()))
