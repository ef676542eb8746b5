# -*- test-case-name: tests.unit.core.test_sharing,tests.unit.cluster.test_cluster_ignores,tests.unit.cluster.test_cluster_approvals -*-  # noqa: E501
"""
Keeping what a node caches from the store (registered names, room settings,
approvals, ignore lists) in step with other processes that share the store.

A node loads these at start and consults its copy without a query (a rename
to a registered name, a room's mode on ENTER).  In cluster mode several
nodes share one database: L{chatd.core.persistence.Persistence} reports each
change it has written (C{onChange}), the cluster bus carries it, and every
other node applies it here to its copy.  Events lost while Redis was away
are healed by L{reload}, which re-reads the copy from the store: the store is
the truth, the bus only says when to look.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chatd.core.accountadmin import UNREGISTERED, forgetAccount
from chatd.core.approvalnotices import (
    holderOf,
    tellAsker,
    tellOpened,
    tellRefused,
    tellRoomOperators,
)
from chatd.core.approvals import forget
from chatd.core.ignores import IGNORES
from chatd.core.keptrefusals import heardRefused
from chatd.core.names import key
from chatd.core.refusal import RequestEnded, operatorsText
from chatd.storage.interfaces import APPROVAL, RoomSettings

if TYPE_CHECKING:
    from chatd.core.persistence import Persistence
    from chatd.core.room import Room


def _room(persistence: Persistence, settings: RoomSettings) -> Room:
    service = persistence.service
    room = service.registry.ensure(settings.name)[0]
    room.adopt(settings)
    service.keepRoom(room.name)  # stored, so it lasts (no longer a guest's)
    return room


async def applyChange(persistence: Persistence, kind: str, fields: dict[str, Any]) -> None:
    """
    Apply a change another node made and wrote to the shared store.

    C{"account"} (C{u}: a newly registered name), C{"unregistered"} (C{u}:
    an account an administrator deleted), C{"alwayson"} (C{u},
    C{on}: whether that account stays present), C{"settings"} (C{s}: a
    room's L{RoomSettings} as a dict), C{"access"} (C{room}, C{u}, C{a}: a
    request to enter an approval room, pending, accepted or ended: C{None},
    with C{refused}, the reason (C{kept}: for the asker's next login;
    C{at}: when), C{withdrawn}, C{left} or C{opened} (the room is open
    now); C{t}: when it was made; C{moved}: a guest's, moved to its new
    nickname) or
    C{"ignores"} (C{u}: an account whose ignore list changed, read again
    here when next needed).  A user of this
    node accepted elsewhere enters the room here and is told, as if the
    operator were on this node.  The credentials kept of an account
    registered, changed or deleted elsewhere go at once
    (L{chatd.core.keptcredentials}): its old password opens nothing here.
    """
    if kind in ("account", UNREGISTERED):
        persistence.accounts.kept.forget(fields["u"])
    await persistence.whenReady()
    if kind == "account":
        persistence.registered.add(key(fields["u"]))
    elif kind == UNREGISTERED:
        forgetAccount(persistence, fields["u"])
    elif kind == "alwayson":
        persistence.alwaysOn.adopt(fields["u"], bool(fields["on"]))
    elif kind == IGNORES:
        persistence.service.ignores.changedElsewhere(fields["u"])
    elif kind == "settings":
        _room(persistence, RoomSettings(**fields["s"]))
    elif kind == "access":
        room = persistence.service.registry.find(fields["room"])
        nick, nickKey = fields["u"], key(fields["u"])
        if room is None:
            return
        if fields["a"] is None:  # refused, withdrawn, or a guest's ended with them
            waited = nickKey in room.pending
            forget(room, nickKey)
            if waited:
                endedElsewhere(persistence, room, nick, fields)
            return
        if not fields["a"]:
            if nickKey not in room.approved:
                new = nickKey not in room.pending
                room.request(nickKey, nick, fields.get("t"))
                if new and not fields.get("moved"):  # (a guest's, renamed: told already)
                    tellRoomOperators(persistence.service, room, nick)
            return
        room.approve(nickKey)
        user = holderOf(persistence.service, nick)
        if user is not None and persistence.isLocal(user):
            await persistence.approvals.admitAccepted(user, room)


def endedElsewhere(persistence: Persistence, room: Room, nick: str, fields: dict[str, Any]) -> None:
    """
    A request to enter C{room} ended on another node: refused by an
    operator there (C{refused}: the reason), withdrawn (C{withdrawn}) or
    its guest left (C{left});
    those served here are told, as if it had ended here.
    """
    service = persistence.service
    if fields.get("refused") is not None:
        tellRefused(service, room, nick, fields["refused"], bool(fields.get("kept")))
        heardRefused(persistence, holderOf(service, nick), nick, fields)
    elif fields.get("opened"):
        tellOpened(service, room, nick)
    elif fields.get("withdrawn") or fields.get("left"):
        text = operatorsText(
            nick, room.name, withdrawn=bool(fields.get("withdrawn")), left=bool(fields.get("left"))
        )
        tellRoomOperators(service, room, nick, text)


async def reload(persistence: Persistence) -> None:
    """
    Re-read registered names, room settings and approvals from the store,
    after this node may have missed changes (Redis was away, events were
    lost); the ignore lists of accounts not signed in here are read again
    when next needed.  A request to enter an approval room listed here that
    the store no longer holds ended on another node (L{endMissed}); one
    accepted there puts its asker served here in the room, as the change
    itself would have.  Otherwise only additions and changes are applied: a
    deleted account missed meanwhile stays registered here (refused to
    guests and to registration) until the node restarts.  The credentials
    kept for an outage all go (L{chatd.core.keptcredentials}): a change of
    password missed meanwhile must not let the old one in.
    """
    persistence.accounts.kept.forgetAll()
    await persistence.whenReady()
    persistence.service.ignores.dropCopies()
    listed = requestsListed(persistence)
    snapshot = await persistence.store.load()
    persistence.registered |= snapshot.accounts
    persistence.alwaysOn.adoptAll(await persistence.store.alwaysOnAccounts())
    accepted: list[tuple[Room, str]] = []
    for settings in snapshot.rooms:
        room = _room(persistence, settings)
        asked = snapshot.requested.get(key(settings.name), {})
        access = snapshot.access.get(key(settings.name), {})
        for nickKey, (nick, approved) in access.items():
            if nickKey not in snapshot.accounts:
                continue  # a guest's: it ended with them
            if approved:
                if nickKey in room.pending:
                    accepted.append((room, nick))
                room.approve(nickKey)
            elif nickKey not in room.approved:
                room.request(nickKey, nick, asked.get(nickKey))
        endMissed(persistence, room, access, listed.get(key(room.name), {}))
    for room, nick in accepted:
        user = holderOf(persistence.service, nick)
        if user is not None and persistence.isLocal(user):
            await persistence.approvals.admitAccepted(user, room)


def requestsListed(persistence: Persistence) -> dict[str, dict[str, int | None]]:
    """
    The requests to enter approval rooms listed here whose write is done:
    room key -> nick key -> when it was asked.
    """
    writing = persistence.approvals.requests
    return {
        key(room.name): {
            nickKey: room.requestedAt.get(nickKey)
            for nickKey in room.pending
            if (key(room.name), nickKey) not in writing
        }
        for room in persistence.service.registry.all()
        if room.pending
    }


def endMissed(
    persistence: Persistence,
    room: Room,
    stored: dict[str, tuple[str, bool]],
    listed: dict[str, int | None],
) -> None:
    """
    End the requests to enter C{room} that were C{listed} here before the
    store was read, as they still are, and that the store no longer holds
    (C{stored}): they ended on another node while this one missed it.
    Their askers served here are told, as the change would have told them:
    the room is open now, or the request is over.
    """
    service = persistence.service
    for nickKey, asked in listed.items():
        if nickKey in stored or nickKey not in room.pending:
            continue
        if room.requestedAt.get(nickKey) != asked or (key(room.name), nickKey) in (
            persistence.approvals.requests
        ):
            continue  # asked again meanwhile
        nick = room.pending[nickKey]
        forget(room, nickKey)
        persistence.log.info(
            "{nick}'s request to enter approval room {room} ended on another node",
            nick=nick,
            room=room.name,
        )
        if room.settings.mode != APPROVAL:
            tellOpened(service, room, nick)
        else:
            tellAsker(service, nick, RequestEnded(room.name, service.clock.seconds()))
