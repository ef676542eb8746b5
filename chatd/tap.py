# -*- test-case-name: tests.integration.test_tap -*-
"""
C{twistd chatd}: the service tree the options (L{chatd.options.Options},
which twistd finds here as C{chatd.tap.Options}) build.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from twisted.application.service import IService
from twisted.logger import Logger

from chatd.admin import wiring as admin
from chatd.core import gateoptions
from chatd.core.accounts import Accounts
from chatd.core.admission import Admission
from chatd.core.limits import PAGE_BYTES
from chatd.core.registrations import PasswordChangePace, RegistrationPace
from chatd.core.service import ChatService
from chatd.gcpolicy import tuneCollector
from chatd.lines.turnbudget import TurnBudget
from chatd.listeners import CHAT, CHAT_AND_METRICS, METRICS, listen
from chatd.live import (
    BODY_LIMITS,
    INBOX,
    LINE_LIMITS,
    configureTalk,
    configureTchat,
    liveChat,
    liveIRC,
    liveLogs,
    liveRooms,
    liveWeb,
    passwordRules,
    readMotd,
)
from chatd.logs import LogRoot
from chatd.options import Options
from chatd.reload import Reloader
from chatd.storage import openStore
from chatd.storage.cloakkey import CLOAK_KEY, CloakSecret
from chatd.storage.datalock import DataDirectoryLock, checkUnlocked
from chatd.storage.journal import JOURNAL, Journal
from chatd.storage.opening import (
    MODERATION_DB,
    StoreOpenError,
    checkDatabaseFiles,
    checkDataDirectory,
    checkNotMoved,
    checkPostgresSchema,
    notCopied,
)
from chatd.storage.rowshapes import isKeptRow
from chatd.storage.spool import UNWRITTEN, Spool
from chatd.storage.sqlite import DATABASE_NAME
from chatd.talk.protocol import TalkFactory
from chatd.tchat import TchatFactory


def lineLimits(options: Options) -> dict[str, Any]:
    """
    The limits every line-protocol factory shares, from the options.
    """
    return {
        "maxLineLength": options["max-line-length"],
        "maxOutput": options["max-output"],
        "floodBurst": options["flood-burst"],
        "floodRate": options["flood-rate"],
        "closeGrace": options["close-grace"],
    }


def warnNotCopied(warning: str | None) -> None:
    if warning is not None:
        Logger(namespace="chatd.storage").critical(warning)


def configureInbox(chat: ChatService, options: Options) -> None:
    """
    The waiting private messages' limits (per recipient, and per sender
    and recipient), and their pages at login: a quarter
    of what a reader may have waiting (at most L{PAGE_BYTES}), so a page and
    the live traffic beside it stay under C{--max-output}.
    """
    if chat.persistence is not None:
        chat.persistence.inbox.maxWaiting = options["max-inbox"]
        chat.persistence.inbox.maxPerSender = options["max-inbox-per-sender"]
        chat.persistence.inbox.pageBytes = min(PAGE_BYTES, options["max-output"] // 4)


def databaseFiles(options: Options) -> list[Path]:
    """
    The SQLite files the options make the daemon open: the chat database
    (unless it is on PostgreSQL or in memory) and the moderation database.
    """
    dataDir = Path(options["data-dir"])
    db = options["db"] or ""
    files = [dataDir / MODERATION_DB]
    if not db:
        files.insert(0, dataDir / DATABASE_NAME)
    elif db.startswith("sqlite:") and db != "sqlite::memory:":
        files.insert(0, Path(db[len("sqlite:") :]))
    return files


def storedCloak(options: Options) -> Callable[[bytes], bytes] | None:
    """
    What gives the cloak secret the PostgreSQL database of C{--db} holds
    (L{chatd.storage.storedcloak}), or C{None}: SQLite keeps C{cloak.key}.
    """
    dsn = options["db"] or ""
    if not dsn.startswith(("postgresql:", "postgres:")):
        return None
    from chatd.storage.storedcloak import postgresSecret

    return lambda offered: postgresSecret(dsn, offered)


def makeService(options: Options, reactor: Any = None) -> IService:
    """
    Build the daemon: the chat service and one listener per front-end.

    @param reactor: the reactor to listen and keep time with; tests pass a
        C{MemoryReactorClock}.  Protocols never import the global one.
    """
    if reactor is None:
        from twisted.internet import reactor
    tuneCollector()
    try:
        checkDataDirectory(Path(options["data-dir"]))
        checkUnlocked(Path(options["data-dir"]))  # held again, for good, once running
        checkDatabaseFiles(databaseFiles(options))
        if not options["db"]:
            checkNotMoved(Path(options["data-dir"]))
        elif options["db"].startswith(("postgresql:", "postgres:")):
            checkPostgresSchema(options["db"])
    except StoreOpenError as error:
        # Before the reactor and the log start: one line on stderr, exit 1.
        raise SystemExit(f"chatd: {error}") from error
    try:
        motd = readMotd(options["motd"])
    except (OSError, UnicodeDecodeError) as error:
        raise SystemExit(f"chatd: --motd: cannot read {options['motd']}: {error}") from error
    top = LogRoot(options.logSetup.observer)
    # One daemon per data directory, from before anything reads it.
    DataDirectoryLock(Path(options["data-dir"]), reactor).setServiceParent(top)
    # First in, last out: the store outlives the service and flushes last.
    try:
        store = openStore(
            options["data-dir"],
            options["db"],
            reactor,
            options["flush-interval"],
            retryMax=options["store-retry-max"],
            logEvery=options["store-log-every"],
            queryTimeout=options["db-timeout"],
        )
        store.writer.keepUnwrittenIn(
            Spool(Path(options["data-dir"]) / UNWRITTEN),
            Journal(Path(options["data-dir"]) / JOURNAL, isKeptRow),
        )
    except (ValueError, OSError) as error:  # an unknown --db, a damaged spool
        raise SystemExit(f"chatd: {error}") from error
    store.setServiceParent(top)
    # One gate for every password check: chat logins, consoles and OPER.
    gate = gateoptions.gateFromOptions(options, reactor)
    admission = Admission(
        reactor,
        maxClients=options["max-clients"],
        perAddress=options["max-per-address"],
        perMinute=options["connects-per-minute"],
        exempt=options["limit-exempt"],
    )
    pace = RegistrationPace(reactor, admission, options["registrations-per-hour"])
    changes = PasswordChangePace(reactor, admission, options["password-changes-per-hour"])
    chat = ChatService(
        reactor,
        admission=admission,
        maxGroupSize=options["max-group-size"],
        rooms=options["rooms"],
        operators=options["operators"],
        store=store,
        accounts=Accounts(
            store,
            reactor,
            gate=gate,
            rules=passwordRules(options),
            pace=pace,
            changes=changes,
        ),
        historyCount=options["history-count"],
        logConnections=not options["quiet-connections"],
        maxRooms=options["max-rooms"],
        maxRoomsPerUser=options["max-rooms-per-user"],
        autojoin=options["autojoin"],
    )
    if chat.persistence is not None:
        chat.persistence.lastSeen.interval = options["seen-interval"]
    chat.setServiceParent(top)
    # Guests' cloaks: the same for an address after a restart, and on every
    # node of a cluster sharing a PostgreSQL database (the secret's home).
    cloak = CloakSecret(
        Path(options["data-dir"]), chat.people.hosts, storedCloak(options), clock=reactor
    )
    cloak.setServiceParent(top)
    chat.serverName = options["irc-server-name"]
    chat.people.maxConnections = options["max-connections-per-account"]
    chat.logins.guests = options["guests"] == "on"
    chat.roomLimits.maxPerAddress = options["max-rooms-per-address"]
    chat.goodbye.notice = options["shutdown-notice"]
    chat.goodbye.grace = options["close-grace"]
    chat.loginDeadlines.timeout = options["login-timeout"] or None
    chat.messages.body.maxLines = options["max-body-lines"]
    chat.messages.body.maxSize = options["max-body-bytes"]
    configureInbox(chat, options)
    if options["db"] and (persistence := chat.persistence) is not None:
        leftBehind = Path(options["data-dir"]) / DATABASE_NAME
        persistence.whenReady().addCallbacks(
            lambda _: warnNotCopied(notCopied(persistence.registered, leftBehind)),
            lambda failure: None,  # (a store that did not load says so itself)
        )
    reloader = Reloader(options, reactor)
    reloader.setServiceParent(top)
    liveChat(reloader, chat, admission)
    liveRooms(reloader, chat)
    liveLogs(reloader, options.logSetup.predicate)
    reloader.onChange(INBOX, lambda new: configureInbox(chat, new))
    # One budget for every front-end: a reactor turn is shared by them all.
    budget = options["turn-budget"]
    turns = TurnBudget(reactor, limit=budget / 1000) if budget else None
    tchat = TchatFactory(
        chat,
        reactor,
        turns=turns,
        aliveAfter=options["alive-after"] or None,
        maxBodyLines=options["max-body-lines"],
        maxBodyBytes=options["max-body-bytes"],
        **lineLimits(options),
    )
    reloader.onChange(LINE_LIMITS + BODY_LIMITS, lambda new: configureTchat(tchat, new))
    if options["port"]:
        listen(reloader, "TCHAT", options["port"], tchat, reactor).setServiceParent(top)
    irc = None
    if options["irc"]:
        from chatd.admin.accountcheck import addAccountAdmins
        from chatd.admin.credentials import AdminChecker
        from chatd.irc.factory import IRCFactory

        # OPER takes an administrator's name and password: the admin file,
        # or an account flagged admin, as the consoles do.
        passwords = options["admin-passwords"] or Path(options["data-dir"]) / admin.PASSWORDS
        operChecker = AdminChecker(Path(passwords), reactor, gate=gate)
        if chat.persistence is not None:
            addAccountAdmins(operChecker, chat.persistence)
        irc = IRCFactory(
            chat,
            reactor,
            serverName=options["irc-server-name"],
            serverInfo=options["irc-server-info"],
            servicesName=options["irc-services-name"],
            password=options["irc-password"],
            motd=motd,
            maxOutput=options["max-output"],
            floodBurst=options["irc-flood-burst"] or None,
            floodRate=options["irc-flood-rate"],
            operChecker=operChecker,
            closeGrace=options["close-grace"],
            joinHistory=options["irc-join-history"],
            presence=chat.people.presence,
            monitorLimit=options["irc-monitor-limit"],
            accountRegistration=chat.persistence is not None,
            maxBodyLines=options["max-body-lines"],
            maxBodyBytes=options["max-body-bytes"],
            turns=turns,
        )
        liveIRC(reloader, irc)
        exposure = None if options["irc-password"] else CHAT
        listen(reloader, "IRC", options["irc"], irc, reactor, exposure).setServiceParent(top)
    if options["talk"]:
        talk = TalkFactory(
            chat,
            reactor,
            defaultRoom=options["default-room"],
            turns=turns,
            aliveAfter=options["talk-alive-after"] or None,
            **lineLimits(options),
        )
        reloader.onChange(("default-room", *LINE_LIMITS), lambda new: configureTalk(talk, new))
        listen(reloader, "talk", options["talk"], talk, reactor).setServiceParent(top)
    if options["web"]:
        from chatd.web.site import makeSite

        web = makeSite(
            chat,
            reactor,
            origins=options["web-origins"],
            maxPendingOutput=options["max-output"],
            headerTimeout=options["http-header-timeout"] or None,
            rate=options["flood-rate"],
            burst=options["flood-burst"],
            lineBytes=options["max-line-length"],
            metrics=options["web-metrics"],
            irc=irc,  # IRC over WebSocket on /socket, the same IRC front-end
            trustedProxies=options["web-trusted-proxies"],
            turns=turns,
        )
        web.closeGrace = options["close-grace"]
        liveWeb(reloader, web)
        exposure = CHAT_AND_METRICS if options["web-metrics"] else CHAT
        listen(reloader, "web", options["web"], web, reactor, exposure).setServiceParent(top)
    if options["metrics"]:
        from chatd.web.metrics import makeMetricsSite

        metrics = makeMetricsSite(chat)
        listen(
            reloader, "/metrics", options["metrics"], metrics, reactor, METRICS
        ).setServiceParent(top)
    consoles = admin.addAdminServices(top, options, chat, reactor, reloader, gate)
    if options["cluster"]:
        from chatd.cluster.node import ClusterNode

        node = ClusterNode(
            chat,
            options["cluster"],
            reactor,
            sharedStore=bool(options["db"]),
            streamLength=options["cluster-stream-length"],
            gate=gate,
            pace=pace,
            changes=changes,
            cloakFile=Path(options["data-dir"]) / CLOAK_KEY,
            cloakFromDatabase=lambda: cloak.fromDatabase,
        )
        node.bridge.onModeration(consoles.peerModeration)
        cloak.taken = node.cloakTaken
        node.setServiceParent(top)
    return top
