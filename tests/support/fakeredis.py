"""
An in-memory stand-in for the few Redis commands chatd's cluster code sends,
with expiry on a L{Clock} and an outage switch, for unit tests.

The nodes' inbox streams are kept with C{XADD} (ids C{<ms>-<n>},
C{MAXLEN} honoured exactly), read with C{XREAD} (without blocking) and
C{XREVRANGE}; expiry is kept for plain keys only.  C{subscribers} stand
for the nodes' readers: each new entry is handed to every one of them, with its stream,
on the next reactor turn, as a blocked C{XREAD} would be.

The Lua scripts of L{chatd.cluster.presencescripts},
L{chatd.cluster.cloaks} and L{chatd.cluster.sharedids} are recognised by
identity and run in Python; the integration tests run the real scripts on a
real Redis.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock

from chatd.cluster import cloaks, presencescripts, redis, sharedids
from chatd.cluster.address import RedisUnavailable


class FakeRedis:
    """
    Keys with optional expiry, streams, C{down} to refuse
    everything as an unreachable Redis would, and C{holding} to apply
    commands but keep their replies back (a hung or slow Redis) until
    L{answerHeld}.

    @ivar commands: every command's name, in the order sent.
    @ivar entries: every stream entry added, as C{(stream, message)}.
    @ivar published: every envelope added, as C{(stream, envelope)}: the
        entries' lines (L{chatd.cluster.bus} packs a node's envelopes of one
        command in one entry, one per line).
    @ivar streams: per stream, its entries C{(id, message)}.
    @ivar scripts: the stream entries of every L{publish} script run, one
        list per script.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.data: dict[str, tuple[str, float | None]] = {}
        self.entries: list[tuple[str, str]] = []
        self.published: list[tuple[str, str]] = []
        self.subscribers: list[Callable[[str, str], None]] = []
        self.down = False
        self.holding = False
        self.held: list[tuple[Deferred[Any], Any]] = []
        self.commands: list[str] = []
        self.streams: dict[str, list[tuple[str, str]]] = {}
        self.scripts: list[list[tuple[str, str]]] = []
        self.sets: dict[str, set[str]] = {}
        self._lastId = (0, 0)

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

    def publish(self, entries: list[tuple[str, str]]) -> Deferred[Any]:
        """
        What L{chatd.cluster.redis.RedisLink.publish} sends: one script.
        """
        streams, messages = [s for s, _ in entries], [m for _, m in entries]
        if not self.down:
            self.scripts.append(entries)
        return self.execute("EVAL", redis.APPEND, len(streams), *streams, 10000, *messages)

    def _nextId(self) -> str:
        millis = int(self.clock.seconds() * 1000)
        last, number = self._lastId
        self._lastId = (millis, 0) if millis > last else (last, number + 1)
        return f"{self._lastId[0]}-{self._lastId[1]}"

    def cmd_XADD(self, stream: str, *rest: Any) -> str:
        """
        Add an entry (C{MAXLEN [~] n * m message}) and hand it to every
        subscriber on the next reactor turn, as Redis would: after the
        caller's call returns.
        """
        args = list(rest)
        length = None
        if str(args[0]).upper() == "MAXLEN":
            args = args[1:]
            if args[0] == "~":
                args = args[1:]
            length, args = int(args[0]), args[1:]
        assert args[0] == "*", args
        message = dict(zip(args[1::2], args[2::2], strict=True))["m"]
        entries = self.streams.setdefault(stream, [])
        ident = self._nextId()
        entries.append((ident, message))
        if length is not None:
            del entries[: max(0, len(entries) - length)]
        self.entries.append((stream, message))
        self.published.extend((stream, line) for line in message.split("\n"))
        for subscriber in self.subscribers:
            self.clock.callLater(0, subscriber, stream, message)
        return ident

    def cmd_XREVRANGE(self, stream: str, end: str, start: str, *count: Any) -> list[Any]:
        entries = self.streams.get(stream, [])[::-1]
        limit = int(count[1]) if count else len(entries)
        return [[ident, ["m", message]] for ident, message in entries[:limit]]

    def cmd_XREAD(self, *args: Any) -> list[Any] | None:
        """
        C{[COUNT n] [BLOCK ms] STREAMS key id}: the entries after C{id}, at
        once (a fake never blocks).
        """
        words = [str(a) for a in args]
        stream, after = words[-2], words[-1]
        count = int(words[words.index("COUNT") + 1]) if "COUNT" in words else None

        def number(ident: str) -> tuple[int, int]:
            millis, _, n = ident.partition("-")
            return int(millis), int(n or 0)

        found = [
            [ident, ["m", message]]
            for ident, message in self.streams.get(stream, [])
            if number(ident) > number(after)
        ][:count]
        return [[stream, found]] if found else None

    def kinds(self, stream: str | None = None) -> list[str]:
        """
        The kind of every envelope published so far (to C{stream}, if
        given), in order.
        """
        return [json.loads(m)["k"] for s, m in self.published if stream in (None, s)]

    def cmd_SADD(self, key: str, *members: str) -> int:
        found = self.sets.setdefault(key, set())
        added = set(members) - found
        found.update(added)
        return len(added)

    def cmd_SREM(self, key: str, *members: str) -> int:
        found = self.sets.get(key, set())
        gone = found & set(members)
        found.difference_update(gone)
        return len(gone)

    def cmd_DEL(self, *keys: str) -> int:
        deleted = 0
        for name in keys:
            deleted += any(
                store.pop(name, None) is not None for store in (self.data, self.streams, self.sets)
            )
        return deleted

    def cmd_PEXPIRE(self, key: str, millis: int) -> int:
        if key in self.streams:
            return 1  # streams never expire here
        value = self._get(key)
        if value is None:
            return 0
        self._set(key, value, int(millis))
        return 1

    def cmd_GET(self, key: str) -> str | None:
        return self._get(key)

    def cmd_PTTL(self, key: str) -> int:
        if self._get(key) is None:
            return -2
        expires = self.data[key][1]
        return -1 if expires is None else round((expires - self.clock.seconds()) * 1000)

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
        if script == presencescripts.HEARTBEAT:
            node, ttl = argv[0], int(argv[1])
            self._set(keys[0], argv[3], ttl)
            self.cmd_SADD(keys[1], node)
            lost = []
            for index, key in enumerate(keys[3:], start=1):
                holder = self._get(key)
                if holder == node or holder is None:
                    self._set(key, node, ttl)
                else:
                    lost.append(index)
            return lost
        if script == presencescripts.LAST_BEAT:
            beat = self._get(keys[0])
            return None if beat is None else [beat, self.cmd_PTTL(keys[0])]
        if script == redis.APPEND:
            for stream, message in zip(keys, argv[1:], strict=True):
                self.cmd_XADD(stream, "MAXLEN", "~", argv[0], "*", "m", message)
            return len(keys)
        if script == presencescripts.DISCOVER:
            members = sorted(self.sets.get(keys[0], set()))
            alive = [node for node in members if self._get(str(argv[0]) + node) is not None]
            self.cmd_SREM(keys[0], *(set(members) - set(alive)))
            return alive
        if script == cloaks.AGREE:
            self.cmd_SET(keys[0], argv[0], "NX")
            return self._get(keys[0])
        if script == cloaks.INSIST:
            before = self._get(keys[0])
            self.cmd_SET(keys[0], argv[0])
            return before
        if script == sharedids.CLAIM:
            value = self._get(keys[0])
            if value is None:
                self._set(keys[0], argv[0], int(argv[1]))
            return value
        if script == presencescripts.RENEW:
            holder = self._get(keys[0])
            if holder not in (None, argv[0]):
                return 0
            self._set(keys[0], argv[0], int(argv[1]))
            return 1
        if script == presencescripts.RELEASE:
            if self._get(keys[0]) == argv[0]:
                del self.data[keys[0]]
                return 1
            return 0
        raise NotImplementedError(script)


class LateScripts:
    """
    One node's way to L{FakeRedis.publish} whose scripts reach Redis late
    when the test says: after L{holdAfter}, the scripts past the first few
    wait, in order, until L{release}, while the other nodes' commands run
    at once (a node's scripts sent together, the next one still on the wire
    as other nodes' reach Redis).
    """

    def __init__(self, redis: FakeRedis) -> None:
        self.redis = redis
        self.passing: int | None = None  # scripts that still run at once (None: all)
        self.held: list[tuple[list[tuple[str, str]], Deferred[Any]]] = []

    def holdAfter(self, count: int) -> None:
        """Run the next C{count} scripts at once, and hold those after them."""
        self.passing = count

    def publish(self, entries: list[tuple[str, str]]) -> Deferred[Any]:
        if self.passing is None or (self.passing > 0 and not self.held):
            self.passing = None if self.passing is None else self.passing - 1
            return self.redis.publish(entries)
        late: Deferred[Any] = Deferred()
        self.held.append((entries, late))
        return late

    def release(self) -> None:
        """Run the scripts held, in order, and every later one at once."""
        held, self.held, self.passing = self.held, [], None
        for entries, late in held:
            self.redis.publish(entries).chainDeferred(late)
