# -*- test-case-name: tests.unit.irc.test_irc_help -*-
"""
C{HELP} and C{HELPOP} (Modern IRC): a short usage text for each command,
C{704}, C{705}..., C{706}; C{524} for a subject chatd has no help on.
docs/IRC.md is the whole story.
"""

from __future__ import annotations

from chatd.irc.message import Message
from chatd.irc.session import IRCSession

RPL_HELPSTART = "704"
RPL_HELPTXT = "705"
RPL_ENDOFHELP = "706"
ERR_HELPNOTFOUND = "524"

#: What each command does, by subject (every command of the table; a test
#: keeps them in step).  The first line is the C{704}'s.
TOPICS: dict[str, tuple[str, ...]] = {
    "INDEX": (
        "chatd: an IRC server sharing its rooms with TCHAT, telnet and web users.",
        "HELP <command> for one command; docs/IRC.md has everything.",
    ),
    "ALWAYSON": (
        "ALWAYSON [ON|OFF]: see or choose whether your account stays in its channels",
        "(shown away) while none of your connections is open.",
    ),
    "AUTHENTICATE": (
        "AUTHENTICATE PLAIN or SCRAM-SHA-256: SASL login to a registered account,",
        "also once connected (you then take its name).",
    ),
    "ADMIN": ("ADMIN: who runs this server (how many chat operators are online).",),
    "AWAY": ("AWAY [:text]: mark yourself away (or back without text).",),
    "BATCH": (
        "BATCH +ref draft/multiline <target>, @batch=ref PRIVMSG lines, BATCH -ref:",
        "one message of several lines (draft/multiline).",
    ),
    "CAP": ("CAP LS|REQ|LIST|END: negotiate IRCv3 capabilities.",),
    "CHATHISTORY": ("CHATHISTORY LATEST|BEFORE|AFTER|AROUND|BETWEEN|TARGETS: stored history.",),
    "HELP": ("HELP [subject]: this help.",),
    "HELPOP": ("HELPOP [subject]: this help.",),
    "INFO": ("INFO: about this server.",),
    "INVITE": ("INVITE <nick> <#channel>: invite someone to a room.",),
    "ISON": ("ISON <nick> [...]: which of these people are online.",),
    "JOIN": ("JOIN <#a,#b> [keys]: enter rooms (created if new); JOIN 0 parts all.",),
    "KICK": ("KICK <#channel> <nick> [:reason]: a room operator removes someone.",),
    "KILL": ("KILL <nick> [:reason]: a chatd operator ends someone's session.",),
    "LINKS": ("LINKS: the servers (this one and its services).",),
    "LIST": ("LIST [#a,#b|>n|<n]: the channels with members, or those named.",),
    "LUSERS": ("LUSERS: how many people are here.",),
    "MARKREAD": ("MARKREAD <#channel|nick> [timestamp=...]: see or move your read marker.",),
    "MODE": ("MODE <#channel|nick> [changes]: see or change modes.",),
    "MONITOR": ("MONITOR +|-|C|L|S [nicks]: hear when people come online or leave.",),
    "MOTD": ("MOTD: the message of the day.",),
    "NAMES": ("NAMES <#channel>: a room's members.",),
    "NICK": ("NICK <nick>: choose or change your nickname.",),
    "NOTICE": ("NOTICE <targets> :text: a notice, never answered with an error.",),
    "NS": ("NS <command>: the same as /msg NickServ <command> (NS HELP lists them).",),
    "OPER": ("OPER <name> <password>: become a chatd operator.",),
    "PART": ("PART <#a,#b> [:reason]: leave rooms.",),
    "PASS": ("PASS <password>: the server's or your account's password.",),
    "PING": ("PING <token>: the server answers PONG.",),
    "PONG": ("PONG <token>: the answer to the server's PING.",),
    "PRIVMSG": ("PRIVMSG <targets> :text: talk to rooms and people on any protocol.",),
    "QUIT": ("QUIT [:reason]: leave chatd.",),
    "REDACT": (
        "REDACT <#channel|nick> <msgid> [:reason]: delete a message everywhere (yours for a day;",
        "a channel operator's or a chatd operator's in a channel at any time).",
    ),
    "REGISTER": ("REGISTER * * <password>: register your nickname as an account.",),
    "SETNAME": ("SETNAME :realname: change your real name (IRCv3 setname).",),
    "SILENCE": ("SILENCE [+mask|-mask,...]: list, or ignore (+) or stop ignoring (-) someone.",),
    "STATS": ("STATS u: how long the server has been up.",),
    "TAGMSG": ("TAGMSG <targets>: client-only tags without text.",),
    "TIME": ("TIME: the server's time.",),
    "TOPIC": ("TOPIC <#channel> [:text]: see or set a room's topic.",),
    "USER": ("USER <user> 0 * :<real name>: part of registration.",),
    "USERHOST": ("USERHOST <nick> [...]: people's user and host.",),
    "VERSION": ("VERSION: the server's version and ISUPPORT.",),
    "WALLOPS": ("WALLOPS :text: a chatd operator writes to users with mode +w.",),
    "WHO": ("WHO <mask|#channel> [%fields[,token]]: people (352, or WHOX's 354).",),
    "WHOIS": ("WHOIS <nick>: about someone.",),
    "WHOWAS": ("WHOWAS <nick> [count]: who recently used a nickname.",),
}


def onHelp(irc: IRCSession, message: Message) -> None:
    subject = message.params[0] if message.params and message.params[0] else "INDEX"
    lines = TOPICS.get(subject.upper())
    if lines is None:
        irc.numeric(ERR_HELPNOTFOUND, subject, "No help available on this topic")
        return
    shown = "*" if subject.upper() == "INDEX" and not message.params else subject
    irc.numeric(RPL_HELPSTART, shown, lines[0])
    for line in lines[1:]:
        irc.numeric(RPL_HELPTXT, shown, line)
    irc.numeric(RPL_ENDOFHELP, shown, "End of /HELP")


def onHelpop(irc: IRCSession, message: Message) -> None:
    """
    C{HELPOP}: the same help as C{HELP}, as InspIRCd and others name it.
    """
    onHelp(irc, message)
