# -*- test-case-name: tests.unit.irc.test_irc_accounts,tests.unit.irc.test_irc_accountrights,tests.unit.cluster.test_cluster_outage -*-  # noqa: E501
"""
Whom a sanction of a name reaches: whoever holds the name, and whoever is
signed in to the account of that name under another nickname (IRC's SASL
keeps the nickname the client chose).  The console's kick, ban, kill, mute
and whois ask it, as a cluster node does when it adopts another's bans.
Which name a sanction binds: a sanction follows the person, so one given
to the nickname an account goes by binds the account (L{sanctionedName}).
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


def accountBehind(service: IChatService, nick: str) -> str | None:
    """
    The account (its name as registered) that the holder of C{nick} is
    signed in to, when that is another name than C{nick}; else C{None}.
    """
    holder = service.find(nick)
    account = None if holder is None else service.accountName(holder)
    return account if account is not None and key(account) != key(nick) else None


def sanctionedName(service: IChatService, nick: str) -> str:
    """
    The name a sanction of C{nick} binds: the account its holder is signed
    in to (the person would otherwise shed it by coming back under another
    nickname), else C{nick} itself.
    """
    return accountBehind(service, nick) or nick
