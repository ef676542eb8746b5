# -*- test-case-name: tests.unit.test_optionsdoc,tests.unit.core.test_roomlimits -*-
"""
The options that bound what users may create: rooms, in all, per user and
per address.  L{chatd.options} adds them to its own; L{chatd.tap} and
L{chatd.live} hand them to the core.
"""

from __future__ import annotations

from typing import Any

from chatd.core.limits import (
    DEFAULT_MAX_ROOMS,
    DEFAULT_MAX_ROOMS_PER_ADDRESS,
    DEFAULT_MAX_ROOMS_PER_USER,
)
from chatd.optionvalues import optionalInt

#: What users may create, as C{twistd chatd} options.
OPTIONS: list[list[Any]] = [
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
