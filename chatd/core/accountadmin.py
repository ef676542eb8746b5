# -*- test-case-name: tests.unit.core.test_accountadmin,tests.unit.core.test_autojoin -*-
"""
An administrator's orders about a registered account (the admin console's
C{add account}, C{account password} and C{account delete}): the account
rules applied on the administrator's behalf, as every front-end's
registration applies them on the user's.  A new account is how pupils get
one where guests may not log in (C{--guests off}), so cannot register.

A new password follows the password rules (L{chatd.core.accounts.PasswordRules})
and is hashed with argon2 as at registration; the account's SCRAM verifier
is derived again from it, so the old password opens nothing any more, not
even IRC's SASL C{SCRAM-SHA-256}.  Its sessions stay signed in unless
the administrator signs them out, on every node of a cluster (the other
nodes' connections are reached through their stand-ins, as by a C{kill}).

A deleted account's sessions end with the reason, everywhere; it goes from
the store with what is kept of it (L{chatd.storage.accountremoval}), and
from what this node and, through the store's change C{"unregistered"}
(L{chatd.core.sharing}), every other node knows of it: registered names,
always-on accounts, operator rights the console's C{op} gave the name,
room founders, approvals to enter rooms.  Room history stays, signed with
the name (unless the administrator erases it too, L{chatd.core.erasure}),
which anyone may register next, unless it is a configured operator name
(C{--operators}): that stays reserved, and the account an administrator
creates for it again holds its rights at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chatd.core import autojoin, errors
from chatd.core.approvals import forget
from chatd.core.delivery import connectionsOf
from chatd.core.erasure import Erased, erase
from chatd.core.names import isValidName, key, normalize
from chatd.core.participant import IParticipant
from chatd.core.reach import reachedBy
from chatd.core.renaming import checkNewName
from chatd.core.text import checkShortText

if TYPE_CHECKING:
    from chatd.core.persistence import Persistence
    from chatd.core.service import ChatService

#: The store's change that tells the other nodes of a deleted account.
UNREGISTERED = "unregistered"


@dataclass(frozen=True)
class PasswordSet:
    """
    A password set by an administrator: C{account} (named as registered),
    and how many of its sessions (connections: a device each) were
    C{signedOut}, or C{told} of it and left signed in.
    """

    account: str
    signedOut: int
    told: int


@dataclass(frozen=True)
class AccountDeleted:
    """
    An account deleted: C{account} (named as registered), how many of its
    sessions (connections) were C{ended}, the rooms it no longer founds, and the
    messages of it C{erased}, if asked (L{chatd.core.erasure}).
    """

    account: str
    ended: int
    founded: tuple[str, ...]
    erased: Erased | None = None


async def _account(service: ChatService, nick: str) -> tuple[Persistence, str]:
    """
    The persistence and the account C{nick} names, as registered.

    @raise NotPermitted: the service keeps no accounts.
    @raise InvalidArgument: nobody registered C{nick}.
    """
    persistence = service.requirePersistence()
    nick = normalize(nick)
    await persistence.whenReady()
    account = await persistence.store.accountName(nick) if isValidName(nick) else None
    if account is None:
        raise errors.InvalidArgument(f"{nick} is not a registered account")
    return persistence, account


async def createAccount(service: ChatService, nick: str, password: str) -> str:
    """
    Register the account C{nick} with C{password}, as an administrator:
    the name and password rules of a registration apply (not its pace),
    and its first login puts it in the rooms a registration enters (those
    flagged autojoin); every node of a cluster learns of it.  Gives its name.

    @raise NotPermitted: the service keeps no accounts.
    @raise InvalidNick: C{nick} is no name a user may take.
    @raise InvalidArgument: C{nick} is registered already, or C{password}
        breaks the password rules.
    """
    persistence = service.requirePersistence()
    nick = normalize(nick)
    if not isValidName(nick):
        raise errors.InvalidNick()
    checkNewName(nick, None, service.serverName)
    persistence.accounts.rules.check(password)
    await persistence.whenReady()
    if key(nick) in persistence.registered or await persistence.store.accountName(nick):
        raise errors.InvalidArgument(f"{nick} is registered already")
    await persistence.accounts.register(nick, password, None, new=True)
    persistence.registered.add(key(nick))
    persistence.changed("account", u=nick)
    # As a registration does: the rooms flagged autojoin, once, entered at its first login.
    for room in autojoin.registrationRooms(service, nick):
        await persistence.accountRooms.record(nick, room)
    return nick


async def setPassword(
    service: ChatService, nick: str, password: str, by: str, signOut: bool = False
) -> PasswordSet:
    """
    Give the registered account C{nick} the new C{password}, as
    administrator C{by}; C{signOut}: end its sessions (else they are told).

    @raise InvalidArgument: C{password} breaks the password rules, or
        C{nick} is not a registered account.
    """
    persistence, account = await _account(service, nick)
    await persistence.accounts.register(account, password, None, new=False)
    persistence.changed("account", u=account)  # the old one opens nothing on other nodes either
    sessions = reachedBy(service, account)
    for each in sessions:
        if signOut:
            error = errors.Killed(f"signed out by {by}: your account has a new password")
            service.endSession(each, error)
        else:
            service.notify(each, f"{by} set a new password for your account {account}")
    count = connectionCount(sessions)
    return PasswordSet(account, count if signOut else 0, 0 if signOut else count)


async def deleteAccount(
    service: ChatService, nick: str, by: str, reason: str = "", erasing: bool = False
) -> AccountDeleted:
    """
    Delete the registered account C{nick} as administrator C{by}, with
    C{reason} (may be empty): its sessions end, everywhere, with it; if
    C{erasing}, every message sent under its name goes too (L{erase}).

    @raise InvalidArgument: C{nick} is not a registered account, or
        C{reason} is too long or not one line.
    """
    checkShortText(reason, "reason")
    persistence, account = await _account(service, nick)
    persistence.alwaysOn.adopt(account, False)  # its presence ends with its sessions
    why = f"your account was deleted by {by}" + (f": {reason}" if reason else "")
    sessions = reachedBy(service, account)
    for each in sessions:
        service.endSession(each, errors.Killed(why))
    founded = tuple(
        room.name
        for room in service.registry.all()
        if room.settings.founder and key(room.settings.founder) == key(account)
    )
    for room in founded:
        await service.setRoomFounder(room, "")
    service.moderation.ungrant(account)  # a configured name keeps its rights
    forgetAccount(persistence, account)
    await persistence.store.deleteAccount(account)
    persistence.changed(UNREGISTERED, u=account)
    erased = await erase(service, account) if erasing else None
    return AccountDeleted(account, connectionCount(sessions), founded, erased)


def forgetAccount(persistence: Persistence, account: str) -> None:
    """
    What this node knows of C{account}, deleted here or on another node
    sharing the store: it is no longer registered, nor always on, and its
    approvals to enter rooms end, and its ignore list, and the credentials
    kept of it for an outage (L{chatd.core.keptcredentials}).
    """
    persistence.accounts.kept.forget(account)
    persistence.registered.discard(key(account))
    persistence.service.ignores.forget(account)
    persistence.alwaysOn.adopt(account, False)
    for room in persistence.service.registry.all():
        forget(room, key(account))


def connectionCount(people: list[IParticipant]) -> int:
    """
    How many connections C{people} have: an account signed in from a
    laptop and a phone has two sessions (another node's user counts one).
    """
    return sum(len(connectionsOf(each)) for each in people)
