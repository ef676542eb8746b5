# -*- test-case-name: tests.integration.test_tap -*-
"""
What the value of each kind of option may be: endpoint strings (with the
listen backlog a burst of logins needs), counts, names, the cluster's
address.  L{chatd.options} declares the options with these checks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from chatd.core.commalist import commaList, parseEach
from chatd.core.names import authorityRefusal, isReserved, isValidName, normalize
from chatd.proxied import PREFIX as PROXIED
from chatd.talk.rooms import roomOption

LISTEN_BACKLOG = 1024
#: Endpoint types that take a C{backlog=} argument.
_BACKLOG_TYPES = ("tcp", "tcp6", "ssl", "unix")
_UNESCAPED_COLON = re.compile(r"(?<!\\):")


def endpoint(description: str) -> str:
    """
    Turn a bare port number into a TCP endpoint string; give an endpoint
    string of a type that listens on a socket (C{tcp:}, C{tcp6:}, C{ssl:},
    C{unix:}) and does not choose its own C{backlog=} a listen backlog large
    enough for a burst of logins (Twisted's default, 50, made 800 connects
    take seconds), also behind C{haproxy:}.  C{off}, C{none} or nothing switch the listener off
    (C{""}), the same words for every listener.
    """
    if description.strip().lower() in ("", "off", "none"):
        return ""
    if description.isdigit():
        return f"tcp:{description}:backlog={LISTEN_BACKLOG}"
    if description[: len(PROXIED)].lower() == PROXIED:  # the endpoint it wraps takes the backlog
        inner = endpoint(description[len(PROXIED) :])
        return description[: len(PROXIED)] + inner if inner else ""
    kind, *arguments = _UNESCAPED_COLON.split(description)
    # Past the port (or path), a positional argument could be the backlog.
    positional = [argument for argument in arguments if "=" not in argument]
    if (
        kind.lower() in _BACKLOG_TYPES
        and len(positional) <= 1
        and not any(argument.startswith("backlog=") for argument in arguments)
    ):
        return f"{description}:backlog={LISTEN_BACKLOG}"
    return description


def localEndpoint(description: str) -> str:
    """
    L{endpoint}, but a bare port number means that port on 127.0.0.1: the
    listeners that are local unless said otherwise (the admin consoles,
    the manhole, C{/metrics}); an endpoint string chooses freely.
    """
    if description.strip().isdigit():
        description = f"tcp:{description.strip()}:interface=127.0.0.1"
    return endpoint(description)


def optionalInt(value: str) -> int | None:
    number = int(value)
    if number < 0:
        raise ValueError("must not be negative")
    return number or None


def atLeastOne(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("must be at least 1")
    return number


def passwordLength(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 128:
        raise ValueError("must be 1 to 128")
    return number


def clusterURL(value: str) -> str:
    from importlib.util import find_spec

    from chatd.cluster.address import parseAddress

    parseAddress(value)
    if find_spec("txredisapi") is None:
        raise ValueError("cluster mode needs txredisapi: pip install -e '.[cluster]'")
    return value


def nameList(value: str) -> list[str]:
    return commaList(value)


def roomNames(value: str) -> list[str]:
    return parseEach(value, roomOption)


#: Options that must be more than 0, and those that may be 0.
POSITIVE = (
    "max-line-length",
    "max-body-lines",
    "max-body-bytes",
    "max-output",
    "flood-rate",
    "irc-flood-rate",
    "close-grace",
    "flush-interval",
    "seen-interval",
    "store-retry-max",
    "db-timeout",
)
NOT_NEGATIVE = (
    "login-timeout",
    "turn-budget",
    "http-header-timeout",
    "talk-alive-after",
    "irc-join-history",
    "irc-monitor-limit",
    "history-count",
    "store-log-every",
)
#: The shortest line a TCHAT client must send: a login with a long name
#: and password (C{--max-line-length} below it locks everyone out).
SHORTEST_LINE = 128


def checkBounds(options: Mapping[str, Any]) -> None:
    """
    Refuse a value out of its option's range, naming that option alone;
    and operator names that can never be registered (invalid, or reserved
    for the server's services and administrators: L{authorityRefusal}).

    @raise ValueError: the first value refused.
    """
    for name, value in options.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"--{name} must be a finite number")
    for name in POSITIVE:
        if options[name] <= 0:
            raise ValueError(f"--{name} must be positive")
    for name in NOT_NEGATIVE:
        if options[name] < 0:
            raise ValueError(f"--{name} must be 0 or more")
    if options["max-line-length"] < SHORTEST_LINE:
        raise ValueError(f"--max-line-length must be at least {SHORTEST_LINE} (bytes)")
    for name in options["operators"]:
        if not isValidName(normalize(name)) or isReserved(name):
            raise ValueError(f"--operators: {name!r} is not a nickname anyone may register")
        refusal = authorityRefusal(normalize(name), options["irc-server-name"])
        if refusal is not None:  # nobody may register it: it stands for the server
            raise ValueError(f"--operators: {refusal}")
    if not options["shutdown-notice"].strip():
        raise ValueError("--shutdown-notice must say something")
