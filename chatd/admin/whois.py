# -*- test-case-name: tests.unit.admin.test_admin_whois,tests.unit.cluster.test_cluster_whois -*-
"""
What the console says of a person's presence, the same on every cluster
node: C{whois}'s line for each connection (a user of another node's are
asked of their node, which alone knows them).
"""

from __future__ import annotations

from twisted.internet.defer import Deferred

from chatd.admin.timespec import formatTime
from chatd.core.absent import isAbsent
from chatd.core.activity import Seen, activityOf
from chatd.core.delivery import connectionsOf
from chatd.core.interfaces import IParticipant
from chatd.core.roles import IAdministration


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
