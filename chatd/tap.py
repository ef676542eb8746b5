# -*- test-case-name: tests.test_tap -*-
"""
C{twistd chatd}: command-line options and the service tree they build.
"""

from __future__ import annotations

from typing import Any

from twisted.application import strports
from twisted.application.service import IService, MultiService
from twisted.python import usage

from chatd.admin import wiring as admin
from chatd.service import ChatService
from chatd.storage import openStore
from chatd.talk import TalkFactory, roomOption
from chatd.tchat import TchatFactory

LISTEN_BACKLOG = 1024


def endpoint(description: str) -> str:
    """
    Turn a bare port number into a TCP endpoint string with a listen backlog
    large enough for a burst of logins; pass endpoint strings through.
    C{off}, C{none} or nothing switch the listener off (C{""}), the same
    words for every listener.
    """
    if description.strip().lower() in ("", "off", "none"):
        return ""
    if description.isdigit():
        return f"tcp:{description}:backlog={LISTEN_BACKLOG}"
    return description


def _optionalInt(value: str) -> int | None:
    number = int(value)
    if number < 0:
        raise ValueError("must not be negative")
    return number or None


def _clusterURL(value: str) -> str:
    from importlib.util import find_spec

    from chatd.cluster.address import RedisAddress

    RedisAddress.fromURL(value)
    if find_spec("txredisapi") is None:
        raise ValueError("cluster mode needs txredisapi: pip install -e '.[cluster]'")
    return value


def _names(value: str) -> list[str]:
    return [name for name in value.split(",") if name]


class Options(usage.Options):
    """
    Every option a site may tune; each limit has a default that suits a small
    site, and 0 switches a limit off where that makes sense.
    """

    synopsis = "[options]"
    longdesc = (
        "Run the chatd chat daemon.  Listener options take a port number or a "
        "Twisted endpoint string, e.g. tcp:12345:interface=127.0.0.1 or "
        "ssl:12345:privateKey=key.pem:certKey=cert.pem for TLS."
    )

    optParameters: list[Any] = [
        [
            "port",
            "p",
            endpoint("12345"),
            "TCHAT listener: a port number or an endpoint string ('off': none).",
            endpoint,
        ],
        [
            "talk",
            None,
            endpoint("2323"),
            "Talk-mode (plain telnet) listener: a port number or an endpoint string ('off': none).",
            endpoint,
        ],
        ["default-room", None, "lobby", "The room talk-mode users land in.", roomOption],
        [
            "talk-alive-after",
            None,
            60.0,
            "Seconds of silence before a talk session is probed with telnet's TIMING-MARK;"
            " one that answered before and is silent as long again is closed (0: never).",
            float,
        ],
        [
            "max-clients",
            None,
            1000,
            "Connections accepted at once, all listeners together (0: no limit).",
            _optionalInt,
        ],
        ["max-group-size", None, None, "Members a room accepts (0: no limit).", _optionalInt],
        ["max-line-length", None, 4096, "Bytes in one line.", int],
        ["max-body-lines", None, 100, "Lines in one TCHAT message body.", int],
        ["max-body-bytes", None, 16384, "Characters in one TCHAT message body.", int],
        [
            "max-output",
            None,
            1048576,
            "Bytes a slow reader may have waiting before it is disconnected.",
            int,
        ],
        [
            "flood-burst",
            None,
            100,
            "Lines a client may send at once before it is throttled (0: no flood control).",
            _optionalInt,
        ],
        ["flood-rate", None, 20.0, "Lines per second a throttled client may send.", float],
        [
            "alive-after",
            None,
            15.0,
            "Seconds of silence before a TCHAT ALIVE probe (0: never).",
            float,
        ],
        [
            "irc",
            None,
            endpoint("6667"),
            "IRC listener: a port number or an endpoint string ('off': none).",
            endpoint,
        ],
        ["irc-server-name", None, "chatd", "The IRC server's name, as shown in numerics."],
        [
            "irc-password",
            None,
            None,
            "A password every IRC client must give with PASS to connect (accounts then"
            " log in with SASL). Default: none.",
        ],
        [
            "irc-server-info",
            None,
            "chatd chat server",
            "The IRC server's description, shown by LINKS.",
        ],
        [
            "irc-flood-burst",
            None,
            40,
            "IRC lines a client may send at once before throttling.",
            int,
        ],
        ["irc-flood-rate", None, 5.0, "IRC lines per second once the burst is spent.", float],
        [
            "web",
            None,
            endpoint("8080"),
            "Web page, WebSocket, /metrics and /healthz listener: a port number or an"
            " endpoint string ('off': no web front-end).",
            endpoint,
        ],
        [
            "web-origins",
            None,
            [],
            "Origins whose pages may open the WebSocket, comma-separated, e.g."
            " https://chat.example.org ('*': any; default: the page's own host only).",
            _names,
        ],
        ["rooms", None, ["lobby"], "Rooms that exist at start, comma-separated.", _names],
        [
            "max-rooms",
            None,
            1000,
            "Rooms that may exist before users can create no more (0: no limit).",
            _optionalInt,
        ],
        [
            "max-rooms-per-user",
            None,
            10,
            "Existing rooms one user may have created (0: no limit).",
            _optionalInt,
        ],
        ["operators", None, [], "Nicknames allowed to kick, comma-separated.", _names],
        [
            "data-dir",
            None,
            "chatd-data",
            "Directory of the daemon's files (created on first start): the SQLite"
            " database, the moderation database, the SSH host key, the admin passwords.",
        ],
        ["db", None, None, "A database URL instead: postgresql://user@host/dbname."],
        ["history-count", None, 20, "Messages replayed on entering a room (0: none).", int],
        [
            "flush-interval",
            None,
            0.1,
            "Seconds a message may wait before it is written (what a kill -9 may lose).",
            float,
        ],
        *admin.OPTIONS,
        [
            "cluster",
            None,
            None,
            "Join the cluster on this Redis, redis://host:port/db (docs/CLUSTER.md).",
            _clusterURL,
        ],
    ]
    optFlags: list[Any] = [
        *admin.FLAGS,
        ["quiet-connections", None, "Do not log every login and disconnect (for busy sites)."],
    ]

    def postOptions(self) -> None:
        for name in ("max-line-length", "max-body-lines", "max-body-bytes", "max-output"):
            if self[name] <= 0:
                raise usage.UsageError(f"--{name} must be positive")
        if self["flood-rate"] <= 0:
            raise usage.UsageError("--flood-rate must be positive")
        if self["talk-alive-after"] < 0:
            raise usage.UsageError("--talk-alive-after must not be negative")
        if self["history-count"] < 0 or self["flush-interval"] <= 0:
            raise usage.UsageError("--history-count and --flush-interval must be positive")


def lineLimits(options: Options) -> dict[str, Any]:
    """
    The limits every line-protocol factory shares, from the options.
    """
    return {
        "maxLineLength": options["max-line-length"],
        "maxOutput": options["max-output"],
        "floodBurst": options["flood-burst"],
        "floodRate": options["flood-rate"],
    }


def makeService(options: Options, reactor: Any = None) -> IService:
    """
    Build the daemon: the chat service and one listener per front-end.

    @param reactor: the reactor to listen and keep time with; tests pass a
        C{MemoryReactorClock}.  Protocols never import the global one.
    """
    if reactor is None:
        from twisted.internet import reactor
    top = MultiService()
    # First in, last out: the store outlives the service and flushes last.
    store = openStore(options["data-dir"], options["db"], reactor, options["flush-interval"])
    store.setServiceParent(top)
    chat = ChatService(
        reactor,
        maxClients=options["max-clients"],
        maxGroupSize=options["max-group-size"],
        rooms=options["rooms"],
        operators=options["operators"],
        store=store,
        historyCount=options["history-count"],
        logConnections=not options["quiet-connections"],
        maxRooms=options["max-rooms"],
        maxRoomsPerUser=options["max-rooms-per-user"],
    )
    chat.setServiceParent(top)
    tchat = TchatFactory(
        chat,
        reactor,
        aliveAfter=options["alive-after"] or None,
        maxBodyLines=options["max-body-lines"],
        maxBodyBytes=options["max-body-bytes"],
        **lineLimits(options),
    )
    if options["port"]:
        strports.service(options["port"], tchat, reactor=reactor).setServiceParent(top)
    if options["irc"]:
        from pathlib import Path

        from chatd.admin.accountcheck import accountAdminCheck
        from chatd.admin.credentials import AdminChecker
        from chatd.irc.factory import IRCFactory

        # OPER takes an administrator's name and password: the admin file,
        # or an account flagged admin, as the consoles do.
        passwords = options["admin-passwords"] or Path(options["data-dir"]) / admin.PASSWORDS
        operChecker = AdminChecker(Path(passwords), reactor)
        if chat.persistence is not None:
            operChecker.extraChecks.append(accountAdminCheck(chat.persistence))
        irc = IRCFactory(
            chat,
            reactor,
            serverName=options["irc-server-name"],
            serverInfo=options["irc-server-info"],
            password=options["irc-password"],
            maxOutput=options["max-output"],
            floodBurst=options["irc-flood-burst"] or None,
            floodRate=options["irc-flood-rate"],
            operChecker=operChecker,
        )
        strports.service(options["irc"], irc, reactor=reactor).setServiceParent(top)
    if options["talk"]:
        talk = TalkFactory(
            chat,
            reactor,
            defaultRoom=options["default-room"],
            aliveAfter=options["talk-alive-after"] or None,
            **lineLimits(options),
        )
        strports.service(options["talk"], talk, reactor=reactor).setServiceParent(top)
    if options["web"]:
        from chatd.web.site import makeSite

        web = makeSite(
            chat,
            reactor,
            origins=options["web-origins"],
            maxPendingOutput=options["max-output"],
            rate=options["flood-rate"],
            burst=options["flood-burst"],
        )
        strports.service(options["web"], web, reactor=reactor).setServiceParent(top)
    consoles = admin.addAdminServices(top, options, chat, reactor)
    if options["cluster"]:
        from chatd.cluster.node import ClusterNode

        node = ClusterNode(chat, options["cluster"], reactor, sharedStore=bool(options["db"]))
        node.bridge.onModeration(consoles.peerModeration)
        node.setServiceParent(top)
    return top
