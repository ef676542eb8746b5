# -*- test-case-name: tests.unit.irc.test_irc_commands -*-
"""
The IRC command table and its dispatcher.

Each verb maps to one L{Command}: its handler and the rules every command
shares, which L{dispatch} checks once, in this order, before the handler
runs: C{421} for a verb not in the table, C{451} for a command sent before
registration that may not be, C{462} for a registration command that comes
too late, C{461} for missing parameters (empty ones count as missing) and
C{481} for an operator's command from someone who is not one.  A command
whose missing parameters have an answer of their own (C{NICK}'s C{431},
C{PING}'s C{409}, C{PRIVMSG}'s C{411}) checks them itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from chatd.irc import (
    accounts,
    channels,
    help,
    history,
    moderation,
    modes,
    monitor,
    multiline,
    nickserv,
    notify,
    oper,
    privmsg,
    queries,
    registration,
    sasl,
    serverinfo,
)
from chatd.irc import numerics as N
from chatd.irc.alwayson import onAlwayson
from chatd.irc.markread import onMarkread
from chatd.irc.message import Message
from chatd.irc.redact import onRedact
from chatd.irc.session import IRCSession
from chatd.irc.silence import onSilence

#: A command's handler: the connection and the message; the result may be
#: a L{Deferred}, which holds the client's later lines until it fires.
Handler = Callable[[IRCSession, Message], Any]


@dataclass(frozen=True)
class Command:
    """
    One verb's entry in the table.

    @ivar handler: what the command does, once its checks have passed.
    @ivar minParams: parameters it needs (C{461} with fewer).
    @ivar preReg: whether it may come before registration
        (otherwise C{451}).
    @ivar oper: whether only a chatd operator may use it (otherwise C{481}).
    @ivar tooLate: for a registration command, whether the connection is
        past the point where it counts (then C{462}).
    """

    handler: Handler
    minParams: int = 0
    preReg: bool = False
    oper: bool = False
    tooLate: Callable[[IRCSession], bool] | None = None


def commandTable(entries: Iterable[tuple[str, Command]]) -> Mapping[str, Command]:
    """
    The table for C{entries}, refusing a verb given twice (a dictionary
    literal would silently keep the last).
    """
    table: dict[str, Command] = {}
    for verb, command in entries:
        if verb in table:
            raise ValueError(f"IRC command {verb} is registered twice")
        table[verb] = command
    return table


COMMANDS = commandTable(
    [
        # Registration and the connection
        (
            "PASS",
            Command(registration.onPass, 1, preReg=True, tooLate=registration.isRegistered),
        ),
        (
            "USER",
            Command(registration.onUser, 4, preReg=True, tooLate=registration.hasUser),
        ),
        ("NICK", Command(registration.onNick, preReg=True)),
        ("CAP", Command(registration.onCap, 1, preReg=True)),
        ("AUTHENTICATE", Command(sasl.onAuthenticate, 1, preReg=True)),
        ("PING", Command(registration.onPing, preReg=True)),
        ("PONG", Command(registration.onPong, preReg=True)),
        ("QUIT", Command(registration.onQuit, preReg=True)),
        ("LUSERS", Command(serverinfo.onLusers)),
        ("MOTD", Command(serverinfo.onMotd)),
        # Channels
        ("JOIN", Command(channels.onJoin, 1)),
        ("PART", Command(channels.onPart, 1)),
        ("NAMES", Command(channels.onNames)),
        ("LIST", Command(channels.onList)),
        ("TOPIC", Command(channels.onTopic, 1)),
        ("MODE", Command(modes.onMode, 1)),
        ("KICK", Command(moderation.onKick, 2)),
        ("INVITE", Command(moderation.onInvite, 2)),
        ("CHATHISTORY", Command(history.onChathistory)),
        ("MARKREAD", Command(onMarkread)),
        ("ALWAYSON", Command(onAlwayson)),
        # Messages
        ("PRIVMSG", Command(multiline.batched(privmsg.onPrivmsg))),
        ("NOTICE", Command(multiline.batched(privmsg.onNotice))),
        ("TAGMSG", Command(multiline.batched(privmsg.onTagmsg))),
        ("BATCH", Command(multiline.onBatch, 1)),
        ("REDACT", Command(onRedact, 2)),
        # Queries
        ("WHO", Command(queries.onWho)),
        ("WHOIS", Command(queries.onWhois)),
        ("WHOWAS", Command(queries.onWhowas)),
        ("MONITOR", Command(monitor.onMonitor, 1)),
        ("SILENCE", Command(onSilence)),
        ("REGISTER", Command(accounts.onRegister, 3, preReg=True)),
        ("NS", Command(nickserv.onNs)),
        ("HELP", Command(help.onHelp)),
        ("HELPOP", Command(help.onHelpop)),
        ("ISON", Command(queries.onIson, 1)),
        ("USERHOST", Command(queries.onUserhost, 1)),
        ("AWAY", Command(queries.onAway)),
        ("SETNAME", Command(notify.onSetname)),
        ("LINKS", Command(queries.onLinks)),
        ("TIME", Command(queries.onTime)),
        ("VERSION", Command(queries.onVersion)),
        ("INFO", Command(queries.onInfo)),
        ("ADMIN", Command(queries.onAdmin)),
        ("STATS", Command(queries.onStats)),
        # Operators
        ("OPER", Command(oper.onOper, 2)),
        ("KILL", Command(oper.onKill, 1, oper=True)),
        ("WALLOPS", Command(oper.onWallops, 1, oper=True)),
    ]
)


#: Each command's name as the table holds it.
_NAMES = {name: name for name in COMMANDS}


def commandName(name: str) -> str:
    """
    C{name}, as the table's own string when it is a command: a connection
    that keeps the name of the command it is running (for its error
    replies) then holds a shared string, not a copy of its own.
    """
    name = _NAMES.get(name, name)
    if name in _NAMES or (name.isascii() and name.isprintable()):
        return name
    # Not a command at all (a TLS hello on the plain port): shown cleaned,
    # as every line the server sends is.
    return "".join(ch if ch.isascii() and ch.isprintable() else "?" for ch in name)[:32]


def hasParams(message: Message, count: int) -> bool:
    """
    Whether C{message} has its first C{count} parameters, none empty.
    """
    return len(message.params) >= count and all(message.params[:count])


def dispatch(irc: IRCSession, message: Message, table: Mapping[str, Command] = COMMANDS) -> Any:
    """
    Run C{message}'s command for C{irc} if the table's rules allow it, or
    answer with the numeric of the first rule it breaks.

    @return: the handler's result (a L{Deferred} holds later lines).
    """
    command = table.get(message.command)
    if command is None:
        irc.numeric(N.ERR_UNKNOWNCOMMAND, commandName(message.command), "Unknown command")
        return None
    if not irc.registered and not command.preReg:
        irc.numeric(N.ERR_NOTREGISTERED, "You have not registered")
        return None
    if command.tooLate is not None and command.tooLate(irc):
        irc.numeric(N.ERR_ALREADYREGISTRED, "You may not reregister")
        return None
    if not hasParams(message, command.minParams):
        irc.numeric(N.ERR_NEEDMOREPARAMS, message.command, "Not enough parameters")
        return None
    if command.oper and not irc.service.isOperator(irc.participant):
        irc.numeric(N.ERR_NOPRIVILEGES, "Permission Denied- You're not an IRC operator")
        return None
    return command.handler(irc, message)
