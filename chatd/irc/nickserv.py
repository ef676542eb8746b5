# -*- test-case-name: tests.unit.irc.test_irc_nickserv -*-
"""
NickServ: the services pseudo-user IRC clients sign in through
(C{/msg NickServ IDENTIFY password}: irssi, HexChat's "NickServ" login,
WeeChat scripts), on a services pseudo-server of its own
(C{--irc-services-name}), which C{LINKS} and C{WHOIS} show.

NickServ is a front-end's way of asking, not a user: it has no state, and
only translates.  C{IDENTIFY} is the core's sign-in from a logged-in
connection as a login (L{chatd.core.signin.signInJoining}, as SASL after
registration: its password gate, and an account signed in here already is
joined, as a login with its password joins it), C{REGISTER} the service's
registration (as IRC C{REGISTER} and TCHAT C{REGIS}); the name is the
core's to reserve (L{chatd.core.names.RESERVED_NAMES}).  Otherwise, as
with SASL, the connection keeps its nickname and is logged in to the
account.

What a client says to NickServ goes nowhere else: not to the service (it
is no private message, so no history, no inbox, no other connection of the
person sees it), not to the log, not back as an C{echo-message}.  A
password stays with the connection that typed it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.python.failure import Failure

from chatd.core import errors
from chatd.core.errors import ChatError
from chatd.core.names import key
from chatd.irc import numerics as N
from chatd.irc.accounts import loggedIn, signInJoined
from chatd.irc.channels import timeTags
from chatd.irc.identity import accountOf
from chatd.irc.message import Message
from chatd.irc.session import IRCSession
from chatd.irc.whox import RPL_WHOSPCRPL, pick

#: Its nickname, which is also its user name.
NICK = "NickServ"
#: Its real name, in C{WHOIS} and C{WHO}.
REAL_NAME = "Nickname and account services"
#: The services server's description, in C{LINKS} and C{WHOIS}.
SERVER_INFO = "chatd services"

#: The option naming the services server (L{chatd.options}).
OPTIONS: list[list[Any]] = [
    [
        "irc-services-name",
        None,
        None,
        "The name of the IRC services server, where NickServ is: LINKS and WHOIS show it"
        " (default: the --irc-server-name with services. in front, e.g. services.chatd).",
    ],
]

#: What each command does, for C{HELP}, in the order it lists them.
HELP: dict[str, str] = {
    "IDENTIFY": "IDENTIFY [account] <password>: sign in to an account (by default your"
    " nickname's); you keep your nickname",
    "REGISTER": "REGISTER <password> [email]: register your nickname as an account"
    " (the e-mail address is not kept)",
    "INFO": "INFO <account>: whether an account is registered",
    "LOGOUT": "LOGOUT: not offered: an account stays signed in until you disconnect (QUIT)",
    "HELP": "HELP [command]: these commands",
}

#: What C{LOGOUT} answers: the core signs an account out with its connection only.
NO_LOGOUT = (
    "LOGOUT is not supported: chatd signs an account out only when its connection ends,"
    " so QUIT (and connect again) to leave it."
)


def isNickServ(irc: IRCSession, target: str) -> bool:
    """
    Whether C{target} names NickServ: its nickname (in any case or
    look-alike, as every name), or C{NickServ@<services server>}, the form
    careful clients use so that a password can only reach the services.
    """
    name, at, server = target.partition("@")
    if at and server.lower() != irc.factory.servicesName.lower():
        return False
    return key(name) == key(NICK)


def hostmask(irc: IRCSession) -> str:
    return f"{NICK}!{NICK}@{irc.factory.servicesName}"


def tell(irc: IRCSession, text: str) -> None:
    """
    A C{NOTICE} from NickServ to C{irc}, as services answer.
    """
    irc.sendMessage(
        "NOTICE", irc.me(), text, prefix=hostmask(irc), tags=timeTags(irc), trailing=True
    )


def received(irc: IRCSession, command: str, lines: Sequence[str]) -> Deferred[Any]:
    """
    What a client sent NickServ (L{chatd.irc.privmsg}): each line of a
    C{PRIVMSG} is a command; a C{NOTICE} or C{TAGMSG} is ignored, as IRC
    wants (a notice is never answered).
    """
    if command != "PRIVMSG":
        return succeed(None)
    return irc.inTurn(lines, lambda line: run(irc, line.split()))


def onNs(irc: IRCSession, message: Message) -> Any:
    """
    C{NS <command> ...}: the same as a C{PRIVMSG} to NickServ.
    """
    return run(irc, " ".join(message.params).split())


def run(irc: IRCSession, words: list[str]) -> Any:
    if not words:
        tell(irc, "Say a command: /msg NickServ HELP lists them.")
        return None
    command = COMMANDS.get(words[0].upper())
    if command is None:
        tell(irc, f"Unknown command {words[0]}: /msg NickServ HELP lists the commands.")
        return None
    return command(irc, words[1:])


def identify(irc: IRCSession, args: list[str]) -> Any:
    """
    C{IDENTIFY [account] <password>}: sign the connection in to the
    account (its nickname's without one), the core's way
    (L{signInJoined}): signed in here already, it joins that person, whose
    nickname it is shown taking (C{NICK}) and whose channels it is shown
    in (a notice from the service lists them).
    """
    if not 1 <= len(args) <= 2:
        tell(irc, "Syntax: IDENTIFY [account] <password>")
        return None
    account, password = (irc.me(), args[0]) if len(args) == 1 else (args[0], args[1])
    if not mayLogIn(irc):
        return None

    def identified(result: tuple[str, bool]) -> None:
        name, joined = result
        loggedIn(irc, name, announced=joined)
        tell(irc, f"You are now logged in as {name}.")

    def refused(failure: Failure) -> None:
        failure.trap(ChatError)
        if failure.check(errors.BadPassword):
            tell(irc, f"Invalid password for {account}, or no such account.")
        else:
            tell(irc, f"You cannot sign in to {account}: {errorText(failure)}.")

    return signInJoined(irc, account, password).addCallbacks(identified, refused)


def register(irc: IRCSession, args: list[str]) -> Any:
    """
    C{REGISTER <password> [email]}: register the nickname as an account,
    through the service's registration (its rules, as C{REGISTER}).
    """
    if not 1 <= len(args) <= 2:
        tell(irc, "Syntax: REGISTER <password> [email]")
        return None
    if not mayLogIn(irc):
        return None
    nick = irc.me()

    def registered(_: object) -> None:
        loggedIn(irc, nick, announced=True)
        tell(irc, f"Account {nick} registered: you are now logged in as {nick}.")

    def refused(failure: Failure) -> None:
        failure.trap(ChatError)
        tell(irc, f"{nick} is not registered: {errorText(failure)}.")

    d = maybeDeferred(irc.service.register, irc.participant, args[0])
    return d.addCallbacks(registered, refused)


def mayLogIn(irc: IRCSession) -> bool:
    """
    Whether C{irc} may sign in to an account now: the server keeps accounts
    (a store) and it is logged in to none (on any of its person's
    connections); if not, it is told why.
    """
    if not irc.factory.accountRegistration:
        tell(irc, "This server keeps no accounts.")
        return False
    current = accountOf(irc.service, irc.participant)
    if current is not None:
        tell(irc, f"You are already logged in as {current}.")
        return False
    return True


def info(irc: IRCSession, args: list[str]) -> Any:
    """
    C{INFO <account>}: whether it is registered (the store keeps nothing
    else worth showing).
    """
    if len(args) != 1:
        tell(irc, "Syntax: INFO <account>")
        return None
    name = args[0]

    def answer(registered: bool) -> None:
        tell(irc, f"{name} is {'a registered account' if registered else 'not registered'}.")

    def failed(failure: Failure) -> None:
        failure.trap(ChatError)
        tell(irc, f"No answer about {name}: {errorText(failure)}.")

    return irc.service.isRegistered(name).addCallbacks(answer, failed)


def logout(irc: IRCSession, args: list[str]) -> None:
    tell(irc, NO_LOGOUT)


def showHelp(irc: IRCSession, args: list[str]) -> None:
    if args:
        text = HELP.get(args[0].upper())
        tell(irc, text or f"No help on {args[0]}: /msg NickServ HELP lists the commands.")
        return
    tell(irc, "NickServ signs you in to your account on this server. Its commands:")
    for text in HELP.values():
        tell(irc, text)


def errorText(failure: Failure) -> str:
    error = failure.value
    return error.text if isinstance(error, ChatError) else "internal error"


#: The commands, by upper-cased name (C{ID} is IDENTIFY's usual short form).
COMMANDS: dict[str, Callable[[IRCSession, list[str]], Any]] = {
    "IDENTIFY": identify,
    "ID": identify,
    "REGISTER": register,
    "INFO": info,
    "LOGOUT": logout,
    "HELP": showHelp,
}


# What IRC's queries show of NickServ (L{chatd.irc.queries}, L{chatd.irc.monitor})


def whois(irc: IRCSession) -> None:
    """
    C{WHOIS NickServ}: a service on the services server.
    """
    server = irc.factory.servicesName
    irc.numeric(N.RPL_WHOISUSER, NICK, NICK, server, "*", REAL_NAME)
    irc.numeric(N.RPL_WHOISSERVER, NICK, server, SERVER_INFO)
    irc.numeric(N.RPL_WHOISOPERATOR, NICK, "is a network service")
    irc.numeric(N.RPL_ENDOFWHOIS, NICK, "End of /WHOIS list.")


def who(irc: IRCSession, whox: tuple[str, str] | None) -> None:
    """
    C{WHO NickServ}: its C{352}, or with WHOX its C{354} (one hop away,
    never idle, logged in to no account).
    """
    server = irc.factory.servicesName
    if whox is None:
        irc.numeric(N.RPL_WHOREPLY, "*", NICK, server, server, NICK, "H", f"1 {REAL_NAME}")
        return
    values = {
        "c": "*",
        "u": NICK,
        "i": "255.255.255.255",
        "h": server,
        "s": server,
        "n": NICK,
        "f": "H",
        "d": "1",
        "l": "0",
        "a": "0",
        "o": "n/a",
        "r": REAL_NAME,
    }
    irc.numeric(RPL_WHOSPCRPL, *pick(whox, values))
