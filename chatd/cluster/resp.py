# -*- test-case-name: tests.unit.cluster.test_cluster_resp -*-
"""
Redis commands in RESP, Redis's wire format, built in one pass.

txredisapi builds each command argument by argument through several calls
per argument; a node sends a command per cross-node event (an C{XADD} per
receiving node), so its cost is paid per message.  This builds the same
bytes with one formatting step per argument.
"""

from __future__ import annotations

from collections.abc import Iterable


def _argument(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, float):
        return format(value, "f").encode()
    if isinstance(value, bytearray):
        return bytes(value)
    return str(value).encode()


def encodeCommand(arguments: Iterable[object]) -> bytes:
    """
    The RESP array of bulk strings for one command: text in UTF-8, numbers
    in decimal (floats as txredisapi writes them, without an exponent).
    """
    parts = [b""]
    count = 0
    for value in arguments:
        data = _argument(value)
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        count += 1
    parts[0] = b"*%d\r\n" % count
    return b"".join(parts)
