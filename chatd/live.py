# -*- test-case-name: tests.unit.test_reload -*-
"""
What a reload (SIGHUP) changes in the running daemon, option by option:
operators, connection limits, line and message sizes, flood limits, the
IRC message of the day and password, talk mode's landing room, the rooms
to create, the web front-end's limits, the log level, and each TLS
listener's certificate.  New connections get the new values; the open
ones keep theirs, except the body limits (every message is held to them,
and IRC clients with C{cap-notify} are told of them with C{CAP NEW}).
Every other option needs a restart.
"""

from __future__ import annotations

from twisted.logger import Logger, LogLevelFilterPredicate
from twisted.python.failure import Failure

from chatd.core.accounts import PasswordRules
from chatd.core.admission import Admission
from chatd.core.operators import configureOperators
from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.irc.listener import DEFAULT_MOTD
from chatd.lines.factory import ChatFactory
from chatd.logs import setLevel
from chatd.options import Options
from chatd.reload import Reloader
from chatd.talk.protocol import TalkFactory
from chatd.tchat import TchatFactory
from chatd.web.guard import GuardedSite

log = Logger()

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
    "max-rooms-per-address",
    "password-min-length",
    "registrations-per-hour",
    "password-changes-per-hour",
    "guests",
    "login-timeout",
)
#: What the waiting private messages' limits and page size come from.
INBOX = ("max-inbox", "max-inbox-per-sender", "max-output")
IRC_SETTINGS = ("irc-password", "max-output", "irc-flood-burst", "irc-flood-rate", "motd")
#: The web front-end's limits, read as a connection or a request starts.
WEB_LIMITS = (
    "max-line-length",
    "flood-rate",
    "flood-burst",
    "max-output",
    "http-header-timeout",
    "web-origins",
    "web-trusted-proxies",
)
#: Every option a reload applies (the options reference lists them).
LIVE = frozenset(
    (*LINE_LIMITS, *BODY_LIMITS, *ADMISSION, *CHAT_SETTINGS, *IRC_SETTINGS, *INBOX, *WEB_LIMITS)
) | {"default-room", "rooms", "log-level"}


def readMotd(path: str | None) -> tuple[str, ...]:
    """
    The message of the day in the file at C{path}, one line per line; the
    built-in one without a file.  A byte-order mark some editors start a
    UTF-8 file with is not text (C{utf-8-sig}), so nobody is shown it.
    """
    if not path:
        return DEFAULT_MOTD
    with open(path, encoding="utf-8-sig") as stream:
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
    replayed, rooms users may create, whether guests log in, the shortest
    new password, how many accounts an address may register, how often a
    password may change, the most lines and characters of a message, the
    connection limits, and the time new connections have to log in.
    """

    def configure(options: Options) -> None:
        configureOperators(chat, options["operators"])
        chat.maxGroupSize = options["max-group-size"]
        chat.historyCount = options["history-count"]
        chat.roomLimits.maxRooms = options["max-rooms"]
        chat.roomLimits.maxPerUser = options["max-rooms-per-user"]
        chat.roomLimits.maxPerAddress = options["max-rooms-per-address"]
        chat.logins.guests = options["guests"] == "on"
        chat.loginDeadlines.timeout = options["login-timeout"] or None  # for new connections
        if chat.persistence is not None:
            chat.persistence.accounts.rules = passwordRules(options)
            if chat.persistence.accounts.pace is not None:
                chat.persistence.accounts.pace.perHour = options["registrations-per-hour"]
            if chat.persistence.accounts.changes is not None:
                chat.persistence.accounts.changes.perHour = options["password-changes-per-hour"]

    def limitBodies(options: Options) -> None:
        chat.messages.body.maxLines = options["max-body-lines"]
        chat.messages.body.maxSize = options["max-body-bytes"]

    reloader.onChange(CHAT_SETTINGS, configure)
    reloader.onChange(BODY_LIMITS, limitBodies)
    reloader.onChange(ADMISSION, lambda new: configureAdmission(admission, new))


def passwordRules(options: Options) -> PasswordRules:
    """
    The rules for new passwords that C{--password-min-length} sets.
    """
    return PasswordRules(shortest=options["password-min-length"])


def liveLogs(reloader: Reloader, predicate: LogLevelFilterPredicate) -> None:
    """
    A reload sets the log level the observer twistd logs to filters with.
    """
    reloader.onChange(("log-level",), lambda new: setLevel(predicate, new["log-level"]))


def addRooms(chat: ChatService, names: list[str]) -> None:
    """
    Create the rooms of C{names} that do not exist, as the admin console's
    C{add room} does: stored (so they outlive a restart) when there is a
    store, else in memory; a guest's room of that name is made to last.
    A lasting room that exists is left as it is.
    """
    for name in names:
        if chat.registry.find(name) is not None and not chat.roomVanishes(name):
            continue
        try:
            if chat.persistence is None:
                created(chat.addRoom(name))
            else:
                chat.configureRoom(name).addCallbacks(
                    created, lambda failure, name=name: notCreated(name, failure)
                )
        except Exception:
            notCreated(name, None)


def created(name: str) -> None:
    log.info("reload: room {name} created", name=name)


def notCreated(name: str, failure: Failure | None) -> None:
    log.failure("reload: room {name} not created", failure, name=name)


def liveRooms(reloader: Reloader, chat: ChatService) -> None:
    """
    A reload creates the rooms added to C{rooms}; those taken out stay.
    """
    reloader.onChange(("rooms",), lambda new: reloadRooms(chat, new["rooms"]))


def reloadRooms(chat: ChatService, names: list[str]) -> None:
    """
    The C{rooms} a reload reads: made if new, and what a deleted room's
    warning that it comes back at the next start (L{chatd.core.roomremoval.remadeBy}) asks.
    """
    chat.startRooms["rooms"] = tuple(names)
    addRooms(chat, names)


def configureWeb(web: GuardedSite, options: Options) -> None:
    """
    The web front-end's limits, through the site's public parts: the
    WebSocket's request rate (the factory behind C{/ws}), the output a
    client may leave unread, the request headers' deadline, the origins
    allowed (at every WebSocket endpoint's origin check, and as the hosts
    a request on a loopback address may name) and the trusted
    proxies, each read when a connection or a request starts; and the
    largest request, room for a message at the body limits, for open
    connections too.
    """
    from chatd.web.channel import ChatSite
    from chatd.web.factory import WebFactory, requestBytes
    from chatd.web.forwarded import TrustedProxies
    from chatd.web.frames import PacedWebSocketResource
    from chatd.web.hosts import HostRule
    from chatd.web.site import OriginCheck, pendingInput

    web.maxPendingOutput = options["max-output"]
    site, check = web.site, web.site.resource.getStaticEntity(b"ws")
    socket = getattr(check, "wrapped", None)
    factory = socket.factory if isinstance(socket, PacedWebSocketResource) else None
    if not (isinstance(site, ChatSite) and isinstance(check, OriginCheck)) or not isinstance(
        factory, WebFactory
    ):
        raise TypeError("not a site chatd.web.site.makeSite made")
    site.headerTimeout = options["http-header-timeout"] or None
    site.trustedProxies = TrustedProxies(options["web-trusted-proxies"])
    site.hosts = HostRule(options["web-origins"])
    for child in site.resource.children.values():  # every WebSocket endpoint
        if isinstance(child, OriginCheck):
            child.allowed = OriginCheck(child.wrapped, options["web-origins"]).allowed
    factory.rate = options["flood-rate"]
    factory.burst = options["flood-burst"]
    factory.lineBytes = options["max-line-length"]
    factory.maxMessageBytes = requestBytes(options["max-body-bytes"], options["max-body-lines"])
    web.maxPendingInput = pendingInput(factory.maxMessageBytes)


def liveWeb(reloader: Reloader, web: GuardedSite) -> None:
    reloader.onChange(WEB_LIMITS + BODY_LIMITS, lambda new: configureWeb(web, new))


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
    reloader.onChange(
        BODY_LIMITS,
        lambda new: irc.setBodyLimits(new["max-body-lines"], new["max-body-bytes"]),
    )
    reloader.onChange(("motd",), lambda new: None)  # read by the reloader below
    reloader.onReload("the message of the day", motd, names=("motd",))
