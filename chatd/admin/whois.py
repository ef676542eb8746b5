# -*- test-case-name: tests.unit.admin.test_admin_whois,tests.unit.cluster.test_cluster_whois -*-
"""
What the console says of a person's presence, the same on every cluster
node: C{whois}'s line for each connection (a user of another node's are
asked of their node, which alone knows them), and where a name that is
not connected went by renaming (L{chatd.core.whowas.renameTrail}), for
C{whois} and the sanctions' replies.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred

from chatd.admin.timespec import formatTime
from chatd.core.absent import isAbsent
from chatd.core.activity import Seen, activityOf
from chatd.core.delivery import connectionsOf
from chatd.core.interfaces import IParticipant
from chatd.core.roles import IAdministration
from chatd.core.whowas import renameTrail

#: How long ago a rename may be for a sanction's reply to point at it.
RENAME_HINT = 3600


class Renamed:
    """
    Where the person last called C{nick} went by renaming.

    @ivar text: C{"renamed to nicex at 2026-11-18 14:02:10 UTC"} (with
        C{", then to ..."} for each later rename).
    @ivar name: the name they went to last.
    @ivar target: who goes by C{name} now, if it is still them; else C{None}.
    """

    def __init__(self, text: str, name: str, target: IParticipant | None) -> None:
        self.text, self.name, self.target = text, name, target


def renamedFrom(service: IAdministration, nick: str, since: float = 0) -> Renamed | None:
    """
    Where the person last called C{nick} went by renaming since C{since},
    or C{None} if they did not (they left, or nobody used the name).
    """
    trail = renameTrail(service.whowas, nick, since)
    if not trail:
        return None
    text = ", then ".join(f"to {e.renamedTo} at {formatTime(e.when)} UTC" for e in trail)
    name = str(trail[-1].renamedTo)
    target = service.find(name)
    return Renamed("renamed " + text, name, target if trail[-1].heldBy(target) else None)


def whereabouts(service: IAdministration, renamed: Renamed) -> str:
    """
    C{"nicex is connected from 10.0.0.1 over talk"}, or that they are not.
    """
    here = [each for each in connectionsOf(renamed.target) if not isAbsent(each)]
    if not here:
        return f"{renamed.name} is not connected"
    return f"{renamed.name} is connected from " + ", ".join(
        f"{each.address} over {each.protocolName}" for each in here
    )


def connectedLine(nick: str, address: str, protocol: str, since: float | None) -> str:
    return f"{nick}: connected from {address} over {protocol}" + (
        f" since {formatTime(since)} UTC" if since is not None else ""
    )


async def connectionLines(service: IAdministration, target: IParticipant) -> list[str]:
    """
    One line per open connection of C{target}, oldest first: from where,
    over what, since when.  Another node's user's address is their node.
    """
    nick = str(target.nick)
    lines = []
    for each in connectionsOf(target):
        if isAbsent(each):
            continue
        since = service.moderation.connectedAt(each)
        if since is not None:
            lines.append(connectedLine(nick, each.address, each.protocolName, since))
            continue
        asked = activityOf(service.people.activity, service.observer, each, 0)
        seen: Seen | None = await asked if isinstance(asked, Deferred) else asked
        if seen is None or not seen.connections:  # their node did not say
            since = None if seen is None else seen.signedOn
            lines.append(connectedLine(nick, each.address, each.protocolName, since))
        else:
            lines += [connectedLine(nick, each.address, p, t) for p, t in seen.connections]
    return lines
