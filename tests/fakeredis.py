"""
An in-memory stand-in for the few Redis commands chatd's cluster code sends,
with expiry on a L{Clock} and an outage switch, for unit tests.

The two Lua scripts of L{chatd.cluster.presence} are recognised by identity
and run in Python; the integration tests run the real scripts on a real Redis.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock

from chatd.cluster import presence
from chatd.cluster.address import RedisUnavailable


class FakeRedis:
    """
    Keys with optional expiry, PUBLISH recorded, C{down} to refuse
    everything as an unreachable Redis would, and C{holding} to apply
    commands but keep their replies back (a hung or slow Redis) until
    L{answerHeld}.

    @ivar commands: every command's name, in the order sent.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.data: dict[str, tuple[str, float | None]] = {}
        self.published: list[tuple[str, str]] = []
        self.subscribers: list[Callable[[str, str], None]] = []
        self.down = False
        self.holding = False
        self.held: list[tuple[Deferred[Any], Any]] = []
        self.commands: list[str] = []

    def _get(self, key: str) -> str | None:
        entry = self.data.get(key)
        if entry is None:
            return None
        value, expires = entry
        if expires is not None and self.clock.seconds() >= expires:
            del self.data[key]
            return None
        return value

    def _set(self, key: str, value: str, px: int | None) -> None:
        expires = None if px is None else self.clock.seconds() + px / 1000
        self.data[key] = (value, expires)

    def execute(self, *args: Any) -> Deferred[Any]:
        if self.down:
            return fail(RedisUnavailable("fake Redis is down"))
        command, rest = str(args[0]).upper(), list(args[1:])
        self.commands.append(command)
        reply = getattr(self, "cmd_" + command)(*rest)
        if self.holding:
            d: Deferred[Any] = Deferred()
            self.held.append((d, reply))
            return d
        return succeed(reply)

    def answerHeld(self) -> None:
        """
        Send the replies held back so far, in order; one whose caller gave
        up waiting (cancelled) is dropped, as txredisapi drops it.
        """
        held, self.held = self.held, []
        for d, reply in held:
            if not d.called:
                d.callback(reply)

    def publish(self, channel: str, message: str) -> Deferred[Any]:
        return self.execute("PUBLISH", channel, message)

    def cmd_PUBLISH(self, channel: str, message: str) -> int:
        """
        Record C{message} and deliver it to every subscriber on the next
        reactor turn, as Redis would: after the publisher's call returns.
        """
        self.published.append((channel, message))
        for subscriber in self.subscribers:
            self.clock.callLater(0, subscriber, channel, message)
        return len(self.subscribers)

    def kinds(self) -> list[str]:
        """
        The kind of every envelope published so far, in order.
        """
        return [json.loads(message)["k"] for _, message in self.published]

    def cmd_GET(self, key: str) -> str | None:
        return self._get(key)

    def cmd_MGET(self, *keys: str) -> list[str | None]:
        return [self._get(key) for key in keys]

    def cmd_SET(self, key: str, value: str, *options: Any) -> str | None:
        opts = [str(o).upper() for o in options]
        px = int(options[opts.index("PX") + 1]) if "PX" in opts else None
        if "NX" in opts and self._get(key) is not None:
            return None
        self._set(key, value, px)
        return "OK"

    def cmd_EVAL(self, script: str, count: int, *rest: Any) -> Any:
        keys, argv = [str(k) for k in rest[:count]], list(rest[count:])
        if script == presence.HEARTBEAT:
            node, ttl = argv[0], int(argv[1])
            self._set(keys[0], node, ttl)
            lost = []
            for index, key in enumerate(keys[1:], start=1):
                holder = self._get(key)
                if holder == node or holder is None:
                    self._set(key, node, ttl)
                else:
                    lost.append(index)
            return lost
        if script == presence.RELEASE:
            if self._get(keys[0]) == argv[0]:
                del self.data[keys[0]]
                return 1
            return 0
        raise NotImplementedError(script)
