# -*- test-case-name: tests.unit.irc.test_irc_accounts,tests.unit.cluster.test_cluster_outage -*-
"""
Whom a sanction of a name reaches: whoever holds the name, and whoever is
signed in to the account of that name under another nickname (IRC's SASL
keeps the nickname the client chose).  The console's kick, ban, kill, mute
and whois ask it, as a cluster node does when it adopts another's bans.
"""

from __future__ import annotations

from chatd.core.interfaces import IChatService, IParticipant
from chatd.core.names import key


def reachedBy(service: IChatService, nick: str) -> list[IParticipant]:
    """
    The signed-in people a sanction of C{nick} reaches (L{IChatService.users}:
    another node's too, as their stand-ins).
    """
    nickKey = key(nick)
    return [
        user
        for user in service.users()
        if user.nick is not None and nickKey in (key(user.nick), service.provenAccount(user))
    ]
