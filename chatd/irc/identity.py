# -*- test-case-name: tests.unit.irc.test_irc_notify -*-
"""
Who a person is, as IRCv3's C{account-tag} and C{extended-join} show it.

chatd's accounts are nicknames: a person signed in to a registered account
with its password (on any protocol: the service's L{provenAccount}) is
logged in as that account; a guest is logged in to none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatd.core.interfaces import IChatService, IParticipant, connectionsOf
from chatd.core.text import ircText

if TYPE_CHECKING:
    from chatd.irc.session import IRCSession


def accountOf(service: IChatService, person: IParticipant | None) -> str | None:
    """
    The account C{person} is logged in to, as its name is shown, or C{None}
    for a guest: the account an IRC connection logged in to (SASL may name
    another than the nickname), else the nickname of one who signed in to
    it with its password on any protocol.
    """
    for connection in connectionsOf(person):
        account = getattr(connection, "account", None)
        if account is not None:
            return str(account)
    return None if person is None else service.accountName(person)


def realNameOf(person: IParticipant) -> str:
    """
    C{person}'s real name: an IRC client's C{USER}/C{SETNAME} text, else a
    description of the protocol they use (other protocols have none).
    """
    return getattr(person, "realName", "") or f"chatd {person.protocolName} user"


def accountTags(irc: IRCSession, nick: str) -> dict[str, str] | None:
    """
    The C{account} tag of C{nick} (who did something) for C{irc}, when it
    has C{account-tag} and they are logged in to an account.
    """
    if "account-tag" not in irc.caps:
        return None
    account = accountOf(irc.service, irc.service.find(nick))
    return None if account is None else {"account": account}


def withOwnAccount(irc: IRCSession, tags: dict[str, str] | None) -> dict[str, str] | None:
    """
    C{tags} for a line of C{irc}'s own doing shown to C{irc} (its C{JOIN},
    its C{PART}): with its account for C{account-tag}, as everyone else
    is shown it.
    """
    account = accountOf(irc.service, irc.participant)
    if account is not None and "account-tag" in irc.caps:
        return {**(tags or {}), "account": account}
    return tags


def sendOwnJoin(irc: IRCSession, channel: str, tags: dict[str, str] | None) -> None:
    """
    Show C{irc} its own C{JOIN} of C{channel}: with its account and real
    name (its person's, as the others see it) for C{extended-join}, its
    C{account} tag for C{account-tag}.
    """
    account = accountOf(irc.service, irc.participant)
    tags = withOwnAccount(irc, tags)
    if "extended-join" in irc.caps:
        realName = ircText(realNameOf(irc.service.people.personOf(irc.participant)))
        irc.sendMessage(
            "JOIN",
            channel,
            account or "*",
            realName,
            prefix=irc.hostmask(),
            tags=tags,
            trailing=True,
        )
    else:
        irc.sendMessage("JOIN", channel, prefix=irc.hostmask(), tags=tags)
