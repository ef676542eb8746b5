# -*- test-case-name: tests.test_reload -*-
"""
What a reload (SIGHUP) changes in the running daemon, option by option:
operators, connection limits, line and message sizes, flood limits, the
IRC message of the day and password, talk mode's landing room, and each
TLS listener's certificate.  New connections get the new values; the open
ones keep theirs.  Every other option needs a restart.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.interfaces import IProtocolFactory

from chatd.core.admission import Admission
from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.irc.listener import DEFAULT_MOTD
from chatd.lines.lineproto import ChatFactory
from chatd.listeners import CHAT, Listener
from chatd.options import Options
from chatd.reload import Reloader
from chatd.talk.protocol import TalkFactory
from chatd.tchat import TchatFactory

#: Limits every line-protocol front-end reads when a connection opens.
LINE_LIMITS = ("max-line-length", "max-output", "flood-burst", "flood-rate")
BODY_LIMITS = ("max-body-lines", "max-body-bytes")
ADMISSION = ("max-clients", "max-per-address", "connects-per-minute", "limit-exempt")
CHAT_SETTINGS = (
    "operators",
    "max-group-size",
    "history-count",
    "max-rooms",
    "max-rooms-per-user",
)
#: What the waiting private messages' limit and page size come from.
INBOX = ("max-inbox", "max-output")
IRC_SETTINGS = ("irc-password", "max-output", "irc-flood-burst", "irc-flood-rate", "motd")
#: Every option a reload applies (the options reference lists them).
LIVE = frozenset(
    (*LINE_LIMITS, *BODY_LIMITS, *ADMISSION, *CHAT_SETTINGS, *IRC_SETTINGS, *INBOX, "default-room")
)


def readMotd(path: str | None) -> tuple[str, ...]:
    """
    The message of the day in the file at C{path}, one line per line; the
    built-in one without a file.
    """
    if not path:
        return DEFAULT_MOTD
    with open(path, encoding="utf-8") as stream:
        return tuple(line.rstrip("\r\n") for line in stream)


def configureLines(factory: ChatFactory, options: Options) -> None:
    factory.maxLineLength = options["max-line-length"]
    factory.maxOutput = options["max-output"]
    factory.floodBurst = options["flood-burst"]
    factory.floodRate = options["flood-rate"]


def configureTchat(factory: TchatFactory, options: Options) -> None:
    configureLines(factory, options)
    factory.maxBodyLines = options["max-body-lines"]
    factory.maxBodyBytes = options["max-body-bytes"]


def configureTalk(factory: TalkFactory, options: Options) -> None:
    configureLines(factory, options)
    factory.defaultRoom = options["default-room"]


def configureAdmission(admission: Admission, options: Options) -> None:
    admission.maxClients = options["max-clients"]
    admission.perAddress = options["max-per-address"]
    admission.perMinute = options["connects-per-minute"]
    admission.exempt = list(options["limit-exempt"])


def liveChat(reloader: Reloader, chat: ChatService, admission: Admission) -> None:
    """
    The service's options a reload applies: operators, room size, history
    replayed, rooms users may create, and the connection limits.
    """

    def configure(options: Options) -> None:
        chat.people.configureOperators(options["operators"])
        chat.maxGroupSize = options["max-group-size"]
        chat.historyCount = options["history-count"]
        chat.roomLimits.maxRooms = options["max-rooms"]
        chat.roomLimits.maxPerUser = options["max-rooms-per-user"]

    reloader.onChange(CHAT_SETTINGS, configure)
    reloader.onChange(ADMISSION, lambda new: configureAdmission(admission, new))


def liveIRC(reloader: Reloader, irc: IRCFactory) -> None:
    """
    The IRC front-end's options a reload applies, and its message of the
    day, read again from its file on every reload.
    """

    def configure(options: Options) -> None:
        irc.password = options["irc-password"]
        irc.maxOutput = options["max-output"]
        irc.floodBurst = options["irc-flood-burst"] or None
        irc.floodRate = options["irc-flood-rate"]

    def motd() -> None:
        irc.motd = readMotd(reloader.options["motd"])

    reloader.onChange(
        ("irc-password", "max-output", "irc-flood-burst", "irc-flood-rate"), configure
    )
    reloader.onChange(("motd",), lambda new: None)  # read by the reloader below
    reloader.onReload("the message of the day", motd)


def listen(
    reloader: Reloader,
    label: str,
    description: str,
    factory: IProtocolFactory,
    reactor: Any,
    exposure: str | None = CHAT,
) -> Listener:
    """
    A L{Listener} whose TLS certificate, if any, a reload reads again.
    """
    listener = Listener(label, description, factory, reactor, exposure)
    if listener.certificate is not None:
        reloader.onReload(f"{label}'s TLS certificate", listener.certificate.load)
    return listener
