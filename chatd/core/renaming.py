# -*- test-case-name: tests.unit.core.test_renaming -*-
"""
Who may take a nickname: the name rule (L{validNick}; L{checkNewName} for
one that mixes scripts), the cluster's claim (L{claimed}), and, while
logged in, sanctions.  A sanction follows the
person, not the name they happen to use: a name the console banned or
kicked is refused to a rename as to a login, a muted person keeps their
name until the mute ends, and a member a room's ban mask keeps quiet
keeps the name the mask matches (as IRC servers refuse C{NICK} while
banned on a channel).  Every front-end's rename asks L{checkRename}
through L{chatd.core.login.Login.rename}, and its node then calls
L{renamedHere}.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from chatd.core import errors
from chatd.core.calls import maybeCall
from chatd.core.founders import aboveBans
from chatd.core.names import (
    authorityRefusal,
    isReserved,
    isValidName,
    key,
    newNickRefusal,
    normalize,
)
from chatd.core.sanctiontext import describe
from chatd.modstore import BAN, KICK, MUTE

if TYPE_CHECKING:
    from chatd.core.hooks import IChatObserver
    from chatd.core.interfaces import IParticipant
    from chatd.core.people import People
    from chatd.core.room import Room
    from chatd.core.service import ChatService

_T = TypeVar("_T")


async def claimed(
    observer: IChatObserver,
    participant: IParticipant,
    nick: str,
    give: Callable[[], _T],
    taken: Callable[[], errors.ChatError] | None = None,
) -> _T:
    """
    Ask C{observer} for C{nick} (cluster-wide), then C{give()} it; if
    C{give} refuses, the claim is given back.  A claim someone else holds
    is refused with L{errors.NickTaken}, or what C{taken()} says then.
    """
    try:
        await maybeCall(observer.claimNick, participant, nick)
    except errors.NickTaken:
        if taken is None:
            raise
        raise taken() from None
    try:
        return give()
    except Exception:
        observer.releaseNick(participant, nick)
        raise


def validNick(nick: str) -> str:
    """
    C{nick} as it is kept, if a user may log in or rename to it.

    @raise InvalidNick: it breaks the name rule, or is reserved for the
        services (L{isReserved}).
    """
    nick = normalize(nick)
    if not isValidName(nick):
        raise errors.InvalidNick()
    if isReserved(nick):
        raise errors.InvalidNick(f"{nick} is reserved for the network's services")
    return nick


def unknownNick(nick: str, absent: errors.ChatError | None = None) -> errors.ChatError:
    """
    The refusal of a look-up of C{nick}, a name a user gave (a private
    message's recipient, the one kicked, invited or let in), who is nobody
    here: L{errors.InvalidNick} if nobody can be called so (it breaks the
    name rule of L{validNick}: C{b!}, 17 letters), else C{absent} (by
    default L{errors.NoSuchUser}).  A look-alike of a valid name (C{𝐛ob})
    that finds nobody is refused as invalid: nobody may log in with it.
    """
    if isValidName(normalize(nick)):
        return errors.NoSuchUser() if absent is None else absent
    return errors.InvalidNick(f"that is not a valid nickname: {errors.InvalidNick.reason}")


def checkFree(service: ChatService, participant: IParticipant, nick: str) -> None:
    """
    May C{participant} take C{nick}, as far as the people go?  Its own
    account's name is refused as a login to it is while someone else is
    signed in to it, on any node under any name (L{Joining.holderOf}):
    one account is one person.  (Another's registered name is refused
    to anyone without its password: L{Persistence.checkRename}.)

    @raise NickTaken: someone else has it, or a look-alike (which the
        refusal names); or L{errors.ClusterUnavailable}, as a login's.
    """
    holder = service.find(nick)
    if holder is not None and service.people.holdsOther(participant, nick):
        raise errors.NickTaken.heldAs(nick, holder.nick or nick)
    if service.provenAccount(participant) == key(nick):
        holder = service.logins.heldByOther(participant, nick)
        if holder is not None:
            raise service.logins.taken(holder, nick)


def checkNewName(nick: str, account: str | None, serverName: str) -> None:
    """
    May a connection signed in to C{account} (or C{None}) be given C{nick}
    (a valid name, normalized) as a nickname?  A name that mixes scripts
    or starts with a digit or C{-} (L{newNickRefusal}), or that passes for
    the server (C{serverName}) or its services and administrators
    (L{authorityRefusal}), is only the account's registered so, before the
    rule: its owner keeps it, signed in, and nobody else takes it (so no
    guest registers it).

    @raise InvalidNick: saying why C{nick} is refused.
    """
    refusal = newNickRefusal(nick)
    if refusal is not None and nick != account:
        raise errors.InvalidNick(refusal)
    refusal = authorityRefusal(nick, serverName)
    if refusal is not None and (account is None or key(account) != key(nick)):
        raise errors.InvalidNick(refusal)


def quietedByBan(room: Room, people: People, participant: IParticipant, operator: bool) -> bool:
    """
    Whether one of C{room}'s ban masks keeps C{participant} quiet there:
    it matches them, and they are neither voiced there nor above its bans
    (L{aboveBans}: a chat operator, C{operator}, or the room's founder).
    """
    nick = participant.nick or ""
    if not room.bans.entries or room.hasVoice(nick):
        return False
    if aboveBans(room, nick, people.accounts.key(participant), operator):
        return False
    return room.banned(people.hosts.masksOf(participant))


def checkRename(service: ChatService, participant: IParticipant, old: str, nick: str) -> None:
    """
    May C{participant}, now called C{old}, be called C{nick}?

    @raise errors.Banned: C{nick} is banned.
    @raise errors.Kicked: C{nick} was kicked and may not come back yet.
    @raise errors.Muted: C{old} is muted, or the account it is signed in to.
    @raise errors.BannedFromRoom: a ban mask of a room C{old} is in keeps
        them quiet there.
    """
    moderation = service.moderation
    now = service.clock.seconds()
    account = service.provenAccount(participant)  # signed in to it under another name (SASL)
    mute = moderation.active(MUTE, old) or moderation.active(MUTE, account or old)
    if mute is not None:
        raise errors.Muted(
            f"you may not change your nickname while you are muted {describe(mute, now)}"
        )
    ban = moderation.active(BAN, nick)
    if ban is not None:
        raise errors.Banned(f"the nickname {nick} is banned {describe(ban, now)}")
    kick = moderation.active(KICK, nick)
    if kick is not None:
        raise errors.Kicked(
            f"the nickname {nick} was kicked and may come back {describe(kick, now)}"
        )
    operator = service.isOperator(participant)
    for room in service.roomsJoined(participant):
        if quietedByBan(room, service.people, participant, operator):
            raise errors.BannedFromRoom(
                f"you may not change your nickname while you are banned from {room.name}",
                room=room.name,
            )


def renamedHere(service: ChatService, old: str, nick: str) -> str:
    """
    C{old}, served here, is now called C{nick}: a guest's requests to enter
    approval rooms, and its acceptances, go with it (L{Approvals.guestRenamed}),
    so that the next guest to take C{old} asks again.  Gives C{nick}.
    """
    if service.persistence is not None:
        service.persistence.approvals.guestRenamed(old, nick)
    return nick
