# -*- test-case-name: tests.integration.test_tap -*-
"""
C{twistd chatd}'s command-line options: every listener, limit and policy a
site may tune, with its default and its checks.  L{chatd.tap} builds the
service tree from them.
"""

from __future__ import annotations

from typing import Any

from twisted.python import usage

from chatd import quotaoptions
from chatd.admin import wiring as admin
from chatd.core import gateoptions
from chatd.core.admission import parseNetworks
from chatd.core.limits import (
    MAX_BODY_BYTES,
    MAX_BODY_LINES,
    MAX_CONNECTIONS_PER_ACCOUNT,
    MIN_PASSWORD,
)
from chatd.core.logindeadline import DEFAULT_LOGIN_TIMEOUT
from chatd.core.shutdown import DEFAULT_NOTICE
from chatd.irc import nickserv
from chatd.irc import options as ircoptions
from chatd.logs import LoggingOptions
from chatd.optionvalues import (
    atLeastOne,
    checkBounds,
    clusterURL,
    endpoint,
    localEndpoint,
    nameList,
    optionalInt,
    passwordLength,
    roomNames,
)
from chatd.storage.watchdog import QUERY_TIMEOUT
from chatd.talk.rooms import roomOption


class Options(LoggingOptions):
    """
    Every option a site may tune; each limit has a default that suits a small
    site, and 0 switches a limit off where that makes sense.
    """

    synopsis = "[options]"
    longdesc = (
        "Run the chatd chat daemon.  Listener options take a port number or a "
        "Twisted endpoint string, e.g. tcp:12345:interface=127.0.0.1, ssl:12345:privateKey="
        "key.pem:certKey=cert.pem for TLS, haproxy:tcp:12345 behind a load balancer sending"
        " the PROXY protocol.  Every option may also come from a TOML file, --config FILE."
    )

    optParameters: list[Any] = [
        [
            "config",
            None,
            None,
            "A TOML file of options (keys are the long option names, e.g."
            " max-clients = 500); the command line overrides it, and SIGHUP"
            " reloads it (docs/OPERATIONS.md).",
        ],
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
            "Chat connections accepted at once, all listeners together (web: WebSockets,"
            " not plain HTTP); the next gets ERROR 02 (0: no limit).",
            optionalInt,
        ],
        [
            "login-timeout",
            None,
            DEFAULT_LOGIN_TIMEOUT,
            "Seconds a TCHAT, talk, IRC or web connection has to log in (pick a nickname)"
            " before it is told so and closed, so that silent connections cannot hold"
            " --max-clients places (0: no limit).",
            float,
        ],
        [
            "max-per-address",
            None,
            10,
            "Chat connections open at once from one address (IPv6: one /64), all listeners"
            " together (web: WebSockets, not plain HTTP); the next gets ERROR 04 (0: no limit).",
            optionalInt,
        ],
        [
            "connects-per-minute",
            None,
            30,
            "New chat connections one address (IPv6: one /64) may open per minute, in"
            " bursts of as many (web: WebSockets, not plain HTTP; 0: no limit).",
            optionalInt,
        ],
        *quotaoptions.ACCOUNTS,
        [
            "limit-exempt",
            None,
            [],
            "Addresses and networks the per-address limits (of connections, new accounts,"
            " changes of password, guests' rooms) do not apply to, comma-separated, e.g."
            " 192.0.2.7,10.0.0.0/8"
            " (a school behind one NAT address, a reverse proxy on this host).",
            parseNetworks,
        ],
        ["max-group-size", None, None, "Members a room accepts (0: no limit).", optionalInt],
        [
            "max-line-length",
            None,
            4096,
            "Bytes in one TCHAT or talk-mode line (128 or more); a longer one gets ERROR 10.",
            int,
        ],
        [
            "max-body-lines",
            None,
            MAX_BODY_LINES,
            "Lines in one message, from any front-end; IRC draft/multiline's max-lines.",
            int,
        ],
        [
            "max-body-bytes",
            None,
            MAX_BODY_BYTES,
            "Characters in one message, from any front-end (line breaks not counted);"
            " IRC draft/multiline's max-bytes (in UTF-8 bytes).",
            int,
        ],
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
            optionalInt,
        ],
        ["flood-rate", None, 20.0, "Lines per second a throttled client may send.", float],
        [
            "alive-after",
            None,
            15.0,
            "Seconds of silence before a TCHAT ALIVE probe; a client that has sent ALIVE and"
            " is silent as long again is closed, another is watched with TCP keepalive"
            " (0: never).",
            float,
        ],
        [
            "close-grace",
            None,
            10.0,
            "Seconds a TCHAT, talk, IRC or web page connection being closed (QUIT, kick,"
            " shutdown) has to take what it was sent and close before it is cut; a client"
            " that closed has as long for what it sent (lines, the page's requests) to be"
            " carried out; a stopping daemon waits"
            " as long at most for its connections to close, and for Redis to take its queue.",
            float,
        ],
        [
            "turn-budget",
            None,
            20.0,
            "Milliseconds of input (TCHAT, talk, IRC, WebSocket) one reactor turn may handle before"
            " connections with more wait for a later turn (0: no bound); under saturation an"
            " idle user's request then waits about two such turns, at a few percent of the"
            " fan-out's throughput.",
            float,
        ],
        [
            "shutdown-notice",
            None,
            DEFAULT_NOTICE,
            "What every connected client is told when the daemon stops.",
        ],
        *ircoptions.OPTIONS,
        [
            "web",
            None,
            endpoint("8080"),
            "Web page, WebSocket, IRC over WebSocket (/socket) and /healthz listener:"
            " a port number or an endpoint string ('off': no web front-end).",
            endpoint,
        ],
        [
            "metrics",
            None,
            localEndpoint("9464"),
            "Prometheus /metrics (and /healthz) listener: a port number (on 127.0.0.1)"
            " or an endpoint string ('off': none).",
            localEndpoint,
        ],
        [
            "http-header-timeout",
            None,
            10.0,
            "Seconds an HTTP request's headers may take to arrive, also how long an"
            " idle HTTP connection stays open (0: no limit).",
            float,
        ],
        [
            "web-origins",
            None,
            [],
            "Origins whose pages may open the WebSockets (/ws, /socket), e.g. https://chat.example.org"
            " ('*': any; default: same origin); a loopback listener serves their hosts, localhost.",
            nameList,
        ],
        [
            "web-trusted-proxies",
            None,
            [],
            "HTTP reverse proxies before --web whose X-Forwarded-For/-Proto (or Forwarded)"
            " name the client and scheme, comma-separated, e.g. 127.0.0.1,::1 (default: none,"
            " the headers are ignored).",
            parseNetworks,
        ],
        ["rooms", None, ["lobby"], "Rooms that exist at start, comma-separated.", roomNames],
        [
            "autojoin",
            None,
            [],
            "Rooms every login is put in, on every front-end, comma-separated (made at start"
            " if need be; default: none, a login joins no room).",
            roomNames,
        ],
        *quotaoptions.ROOMS,
        [
            "max-connections-per-account",
            None,
            MAX_CONNECTIONS_PER_ACCOUNT,
            "Connections per account at once; past it, a login ends the one silent the longest.",
            atLeastOne,
        ],
        [
            "password-min-length",
            None,
            MIN_PASSWORD,
            "The shortest password a registration or a change of password accepts (1 to 128;"
            " passwords already stored keep working).",
            passwordLength,
        ],
        [
            "guests",
            None,
            "on",
            "'off': only registered accounts log in, with their password, on every front-end"
            " (nobody can register: the console's add account makes the accounts).",
            admin.onOff,
        ],
        [
            "operators",
            None,
            [],
            "Registered accounts allowed to kick, comma-separated, none reserved (admin, root):"
            " rights by password login under that name only; one unregistered is logged and"
            " no user may register it (the console's add account creates it).",
            nameList,
        ],
        [
            "data-dir",
            None,
            "chatd-data",
            "Directory of the daemon's files (created on first start): the SQLite"
            " database, the moderation database, the SSH host key, the admin passwords.",
        ],
        ["db", None, None, "A database URL instead: postgresql://user@host/dbname."],
        [
            "history-count",
            None,
            20,
            "Messages replayed on entering a room (0: none), and given to a history"
            " request without a count (20 when 0).",
            int,
        ],
        *quotaoptions.INBOX,
        [
            "flush-interval",
            None,
            0.1,
            "Seconds a message may wait before it is written in a batch (meanwhile the"
            " journal keeps it).",
            float,
        ],
        [
            "seen-interval",
            None,
            60.0,
            "Seconds between writes of when each account connected here was last seen:"
            " after a crash, its missed-messages count includes at most this much of"
            " what it was there for.",
            float,
        ],
        [
            "store-retry-max",
            None,
            5.0,
            "Longest wait, in seconds, between attempts to write messages while the"
            " database is unavailable (the wait doubles from --flush-interval).",
            float,
        ],
        [
            "db-timeout",
            None,
            QUERY_TIMEOUT,
            "Seconds a PostgreSQL query may go unanswered (a half-open link, a hung"
            " server) before it fails as the database being unavailable.",
            float,
        ],
        [
            "store-log-every",
            None,
            60.0,
            "While the database is unavailable, log its errors at most once per this"
            " many seconds (the first with its traceback).",
            float,
        ],
        *admin.OPTIONS,
        *gateoptions.OPTIONS,
        *nickserv.OPTIONS,
        [
            "cluster",
            None,
            None,
            "Join the cluster on this Redis, redis://host:port/db, or on the master its "
            "Sentinels name, redis+sentinel://host:port,host:port/master/db (docs/CLUSTER.md).",
            clusterURL,
        ],
        [
            "cluster-stream-length",
            None,
            10000,
            "Entries, each a turn's events, each node's Redis inbox keeps (docs/CLUSTER.md).",
            atLeastOne,
        ],
    ]
    optFlags: list[Any] = [
        *admin.FLAGS,
        ["quiet-connections", None, "Do not log every login and disconnect (for busy sites)."],
        [
            "web-metrics",
            None,
            "Also serve /metrics on the web listener (for a web listener that is not public).",
        ],
    ]

    def postOptions(self) -> None:
        try:
            checkBounds(self)
        except ValueError as error:
            raise usage.UsageError(str(error)) from error
