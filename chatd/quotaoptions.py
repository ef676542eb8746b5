# -*- test-case-name: tests.unit.test_optionsdoc,tests.unit.core.test_registrations -*-
"""
The options that bound what users may create: new accounts and changes of
password per address, rooms in all, per user and per address, private
messages waiting for a user who is away, in all and from one sender.
L{chatd.options} adds them to its own; L{chatd.tap} and L{chatd.live} hand
them to the core.
"""

from __future__ import annotations

from typing import Any

from chatd.core.limits import (
    DEFAULT_MAX_ROOMS,
    DEFAULT_MAX_ROOMS_PER_ADDRESS,
    DEFAULT_MAX_ROOMS_PER_USER,
    MAX_SHARE,
    MAX_WAITING,
)
from chatd.core.registrations import PASSWORD_CHANGES_PER_HOUR, REGISTRATIONS_PER_HOUR
from chatd.optionvalues import optionalInt

#: How many accounts and passwords users may make, as C{twistd chatd} options.
ACCOUNTS: list[list[Any]] = [
    [
        "registrations-per-hour",
        None,
        REGISTRATIONS_PER_HOUR,
        "New accounts one address (IPv6: one /64) may register an hour (0: no limit).",
        optionalInt,
    ],
    [
        "password-changes-per-hour",
        None,
        PASSWORD_CHANGES_PER_HOUR,
        "Changes of password one account may make an hour, and as many from one address"
        " (IPv6: one /64) to any accounts (0: no limit).",
        optionalInt,
    ],
]

#: How many rooms users may create, as C{twistd chatd} options.
ROOMS: list[list[Any]] = [
    [
        "max-rooms",
        None,
        DEFAULT_MAX_ROOMS,
        "Rooms that may exist before users can create no more (0: no limit).",
        optionalInt,
    ],
    [
        "max-rooms-per-user",
        None,
        DEFAULT_MAX_ROOMS_PER_USER,
        "Existing rooms one user may have created (0: no limit).",
        optionalInt,
    ],
    [
        "max-rooms-per-address",
        None,
        DEFAULT_MAX_ROOMS_PER_ADDRESS,
        "Existing rooms guests (users without an account, each connection a new one) from"
        " one address (IPv6: one /64) may have created, however many of them (0: no"
        " limit; --limit-exempt addresses are not limited).",
        optionalInt,
    ],
]

#: How many private messages may wait for someone away, as C{twistd chatd}
#: options (L{chatd.core.inbox}).
INBOX: list[list[Any]] = [
    [
        "max-inbox",
        None,
        MAX_WAITING,
        "Private messages that may wait for one registered user who is away; more"
        " are refused with ERROR 28 (0: no limit).",
        optionalInt,
    ],
    [
        "max-inbox-per-sender",
        None,
        MAX_SHARE,
        "Private messages from one sender (an account, or a guest's name) that may"
        " wait for one registered user who is away; more from that sender are"
        " refused with ERROR 28, others can still write (0: no share but --max-inbox).",
        optionalInt,
    ],
]
