# -*- test-case-name: tests.unit.test_reload,tests.unit.test_optionsdoc -*-
"""
The password gate's limits as C{twistd chatd} options, and the gate the
daemon builds from them: how an operator sets the gate up, kept apart from
how it schedules the checks (L{chatd.core.gate}).
"""

from __future__ import annotations

from typing import Any

from twisted.internet.interfaces import IReactorTime

from chatd.core.gate import PasswordGate


def _positiveInt(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("must be at least 1")
    return number


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must not be negative")
    return number


def _seconds(value: str) -> float:
    number = float(value)
    if number < 0:
        raise ValueError("must not be negative")
    return number


#: The gate's limits, as C{twistd chatd} options (documented in README.md).
OPTIONS: list[list[Any]] = [
    [
        "auth-hashes",
        None,
        2,
        "Password hashes computed at once (argon2: ~64 MiB each).",
        _positiveInt,
    ],
    [
        "auth-queue",
        None,
        1000,
        "Password checks waiting at once, in all; beyond, 'try again later' (29).",
        _positiveInt,
    ],
    [
        "auth-queue-per-address",
        None,
        32,
        "Password checks waiting at once from one address; beyond, 'try again later'.",
        _positiveInt,
    ],
    ["auth-name-free", None, 3, "Failed passwords for a name before its back-off.", _count],
    [
        "auth-address-free",
        None,
        10,
        "Failed passwords from an address before its back-off.",
        _count,
    ],
    ["auth-backoff", None, 1.0, "First back-off in seconds; doubles per failure.", _seconds],
    ["auth-backoff-max", None, 30.0, "Longest back-off between two checks, in seconds.", _seconds],
    [
        "auth-forget",
        None,
        3600.0,
        "Seconds after its last failure a name or address is forgiven.",
        _seconds,
    ],
]


def gateFromOptions(options: Any, clock: IReactorTime) -> PasswordGate:
    """
    The daemon's one L{PasswordGate}, with the limits of C{options}.
    """
    return PasswordGate(
        clock,
        concurrency=options["auth-hashes"],
        maxPending=options["auth-queue"],
        maxPerAddress=options["auth-queue-per-address"],
        nameFree=options["auth-name-free"],
        addressFree=options["auth-address-free"],
        base=options["auth-backoff"],
        maximum=options["auth-backoff-max"],
        forget=options["auth-forget"],
    )
