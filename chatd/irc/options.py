# -*- test-case-name: tests.unit.test_optionsdoc,tests.integration.test_tap -*-
"""
The IRC listener's options: where it listens, how the server names itself,
its password, flood control, message of the day, history on JOIN and
MONITOR's bound.  L{chatd.options} adds them to its own.
"""

from __future__ import annotations

from typing import Any

from chatd.optionvalues import endpoint, optionalInt

#: The IRC listener's options, as C{twistd chatd} options.
OPTIONS: list[list[Any]] = [
    [
        "irc",
        None,
        endpoint("6667"),
        "IRC listener: a port number or an endpoint string ('off': none, and no"
        " IRC over WebSocket on the web listener either).",
        endpoint,
    ],
    [
        "irc-server-name",
        None,
        "chatd",
        "The IRC server's name, as shown in numerics; no new user may take it as a nickname.",
    ],
    [
        "irc-password",
        None,
        None,
        "A password every IRC client must give with PASS to connect (accounts then"
        " log in with SASL); put it in the --config file, since other users of the"
        " machine see the command line.",
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
        "IRC lines a client may send at once before throttling (0: no flood control).",
        optionalInt,
    ],
    ["irc-flood-rate", None, 5.0, "IRC lines per second once the burst is spent.", float],
    [
        "motd",
        None,
        None,
        "A UTF-8 text file whose lines are the IRC message of the day (default:"
        " a built-in greeting; a byte-order mark starting it is not shown); SIGHUP"
        " reads it again.",
    ],
    [
        "irc-join-history",
        None,
        0,
        "Past messages shown on JOIN to IRC clients without batch and server-time"
        " (at most --history-count; 0: none, as they cannot tell them from live ones).",
        int,
    ],
    [
        "irc-monitor-limit",
        None,
        100,
        "The most nicknames one IRC client may watch with MONITOR (0: no limit).",
        int,
    ],
]
