# -*- test-case-name: tests.test_admin_commands -*-
"""
The moderation console's commands, independent of any transport.

L{AdminConsole.execute} takes one line as an administrator typed it (the
forms of seed 004, plus mute, announce, op, whois, stats and audit) and
returns the text to show.  Telnet, SSH and the daemon's terminal only carry
lines in and out.  A malformed command gets its one-line usage; every action
that changes something is logged and kept in the audit trail.
"""

from __future__ import annotations

import resource
from collections import Counter
from collections.abc import Callable

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatd import errors
from chatd.admin.timespec import formatTime, parseDuration, parseTime
from chatd.moderation import describe, formatSpan, parseNetwork
from chatd.modstore import BAN, IPBAN, KICK, MUTE
from chatd.names import isValidName, normalize
from chatd.service import ChatService

#: Every command: its usage line and what it does, in the order C{help} lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "help": ("help [command]", "list the commands, or explain one"),
    "messages": ("messages <time>", "messages since a time: '2026-11-20 14:00' (UTC), 1h, or Unix"),
    "users": ("users", "who is connected, from where, over what, since when"),
    "rooms": ("rooms", "every room with its mode and member count"),
    "add room": ("add room <room1,room2,...>", "create rooms"),
    "pending rooms": ("pending rooms <username>", "rooms a user asked to join"),
    "accept pending": (
        "accept pending <username> <room1,room2,...>",
        "let a user into approval rooms",
    ),
    "kick": ("kick <username> <timeout> <reason>", "disconnect and refuse for 30, 10m, 2h, 1d"),
    "unkick": ("unkick <username>", "let a kicked user back in now"),
    "ban ip": ("ban ip <ip|network/bits> <reason>", "refuse connections from an address"),
    "ban": ("ban <username> <reason>", "disconnect and refuse until unbanned"),
    "unban ip": ("unban ip <ip|network/bits>", "lift an address ban"),
    "unban": ("unban <username>", "lift a ban"),
    "kill": ("kill <username> <reason>", "disconnect now; they may come back"),
    "mute": ("mute <username> <timeout> [reason]", "refuse their messages for a while"),
    "unmute": ("unmute <username>", "let them speak again"),
    "announce": ("announce <text>", "a notice to everyone on every protocol"),
    "op": ("op <username>", "allow them to kick (talk /kick, IRC KICK)"),
    "deop": ("deop <username>", "take operator rights away"),
    "whois": ("whois <username>", "everything known about a user"),
    "stats": ("stats", "connections per protocol, messages per second, memory"),
    "audit": ("audit [count]", "the last administrator actions (20)"),
    "shutdown": ("shutdown", "tell everyone, save, and stop the daemon"),
}


class Usage(Exception):
    """
    The command's arguments were wrong: show its usage line.
    """


def _memory() -> str:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return line.split(":", 1)[1].strip() + " resident"
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return f"{peak} kB peak resident"


class AdminConsole:
    """
    One administrator's console session.

    @ivar who: the administrator's name, for the audit trail.
    @ivar shutdown: stops the daemon (wired to the reactor by the tap).
    """

    log = Logger()

    def __init__(
        self, service: ChatService, who: str, shutdown: Callable[[], object] | None = None
    ) -> None:
        self.service = service
        self.moderation = service.moderation
        self.who = who
        self.shutdown = shutdown

    def execute(self, line: str) -> Deferred[str]:
        """
        Run one command line; the L{Deferred} fires with the reply text
        (possibly several lines, never failing).
        """
        words = line.split(None, 2)
        if not words:
            return Deferred.fromCoroutine(self._nothing())
        name = words[0].lower()
        if len(words) > 1 and f"{name} {words[1].lower()}" in COMMANDS:
            name = f"{name} {words[1].lower()}"
            rest = words[2] if len(words) > 2 else ""
        else:
            rest = line.strip()[len(words[0]) :].strip()
        if name not in COMMANDS:
            return maybeDeferred(lambda: f"unknown command {words[0]!r}; try: help")
        handler = getattr(self, "cmd_" + name.replace(" ", "_"))
        d = maybeDeferred(handler, rest)
        return d.addErrback(self._failed, name)

    async def _nothing(self) -> str:
        return ""

    def _failed(self, failure: Failure, name: str) -> str:
        if failure.check(Usage):
            return f"usage: {COMMANDS[name][0]}" + (
                f" ({failure.value})" if str(failure.value) else ""
            )
        if failure.check(errors.ChatError):
            return f"refused: {failure.value}"
        self.log.failure("admin command {name!r} failed", failure, name=name)
        return "internal error (logged with its traceback)"

    # Argument helpers

    @staticmethod
    def _split(rest: str, count: int, tail: str = "") -> list[str]:
        """
        C{count} words, plus the rest of the line when C{tail} names it
        (C{"required"} or C{"optional"}).
        """
        words = rest.split(None, count) if tail else rest.split()
        if len(words) < count or (tail == "required" and len(words) == count):
            raise Usage("")
        if not tail and len(words) > count:
            raise Usage("too many arguments")
        return words + [""] * (tail == "optional" and len(words) == count)

    @staticmethod
    def _nick(text: str) -> str:
        nick = normalize(text)
        if not isValidName(nick):
            raise Usage(f"{text!r} is not a nickname")
        return nick

    @staticmethod
    def _duration(text: str) -> int:
        try:
            return parseDuration(text)
        except ValueError:
            raise Usage(f"{text!r} is not a timeout like 30, 10m, 2h or 1d") from None

    def _rooms(self, text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        if not names:
            raise Usage("no room names")
        for name in names:
            if not isValidName(normalize(name)):
                raise Usage(f"{name!r} is not a room name")
        return names

    def _audit(self, what: str) -> None:
        self.moderation.audit(self.who, what)

    def _end(self, nick: str, error: errors.ChatError) -> bool:
        target = self.service.find(nick)
        if target is None:
            return False
        self.service.endSession(target, error)
        return True

    def _now(self) -> float:
        return self.moderation.clock.seconds()

    # Commands

    def cmd_help(self, rest: str) -> str:
        if rest:
            entry = COMMANDS.get(rest.lower().strip())
            if entry is None:
                raise Usage(f"no command {rest!r}")
            return f"{entry[0]}: {entry[1]}"
        width = max(len(usage) for usage, _ in COMMANDS.values())
        return "\n".join(f"{usage:<{width}}  {text}" for usage, text in COMMANDS.values())

    def cmd_messages(self, rest: str) -> str:
        if not rest:
            raise Usage("")
        text = rest
        try:
            since = parseTime(text, self._now())
        except ValueError:
            raise Usage(f"{text!r} is not a time") from None
        return (
            f"no message history since {formatTime(since)}: this build keeps no messages "
            "(the message store is not part of it yet)"
        )

    def cmd_users(self, rest: str) -> str:
        self._split(rest, 0)
        rows = []
        for participant in self.service.connections():
            since = self.moderation.connectedAt(participant) or 0.0
            rows.append((since, participant))
        if not rows:
            return "nobody is connected"
        rows.sort(key=lambda row: row[0])
        lines = [f"{'nick':<16}  {'address':<39}  {'protocol':<8}  since (UTC)"]
        for since, p in rows:
            lines.append(
                f"{p.nick or '(not logged in)':<16}  {p.address:<39}  "
                f"{p.protocolName:<8}  {formatTime(since)}"
            )
        return "\n".join(lines)

    def cmd_rooms(self, rest: str) -> str:
        self._split(rest, 0)
        modeOf: Callable[[str], str] = getattr(self.service, "roomMode", lambda name: "open")
        rooms = self.service.rooms()
        if not rooms:
            return "no rooms"
        lines = [f"{'room':<16}  {'mode':<8}  members"]
        lines += [f"{name:<16}  {modeOf(name):<8}  {count}" for name, count in rooms]
        return "\n".join(lines)

    def cmd_add_room(self, rest: str) -> str:
        text = rest
        replies = []
        for name in self._rooms(text):
            try:
                replies.append(f"created {self.service.addRoom(name)}")
            except errors.ChatError as error:
                replies.append(f"{name}: {error}")
        self._audit(f"add room {text}")
        return "\n".join(replies)

    def cmd_pending_rooms(self, rest: str) -> str:
        (nick,) = self._split(rest, 1)
        self._nick(nick)
        return "no approval rooms in this build: rooms needing approval come with accounts"

    def cmd_accept_pending(self, rest: str) -> str:
        nick, rooms = self._split(rest, 1, "required")
        self._nick(nick)
        self._rooms(rooms)
        return "no approval rooms in this build: rooms needing approval come with accounts"

    def cmd_kick(self, rest: str) -> str:
        nickText, timeout, reason = self._split(rest, 2, "required")
        nick, seconds = self._nick(nickText), self._duration(timeout)
        sanction = self.moderation.kick(nick, seconds, reason, self.who)
        span = formatSpan(seconds)
        online = self._end(nick, errors.Kicked(f"kicked by {self.who} for {span}: {reason}"))
        self._audit(f"kick {nick} {timeout} {reason}")
        assert sanction.until is not None
        return f"kicked {nick} for {span}, until {formatTime(sanction.until)}" + (
            "" if online else " (not connected now)"
        )

    def cmd_unkick(self, rest: str) -> str:
        (nick,) = self._split(rest, 1)
        nick = self._nick(nick)
        if not self.moderation.lift(KICK, nick):
            return f"{nick} is not kicked"
        self._audit(f"unkick {nick}")
        return f"{nick} may log in again"

    def cmd_ban(self, rest: str) -> str:
        nickText, reason = self._split(rest, 1, "required")
        nick = self._nick(nickText)
        self.moderation.ban(nick, reason, self.who)
        online = self._end(nick, errors.Banned(f"banned by {self.who}: {reason}"))
        self._audit(f"ban {nick} {reason}")
        return f"banned {nick}" + ("" if online else " (not connected now)")

    def cmd_ban_ip(self, rest: str) -> str:
        text, reason = self._split(rest, 1, "required")
        try:
            network = parseNetwork(text)
        except ValueError:
            raise Usage(f"{text!r} is not an address or network") from None
        sanction = self.moderation.banAddress(network, reason, self.who)
        dropped = 0
        for participant in self.service.connections():
            if self.moderation.addressBan(participant.address) is sanction:
                error = errors.Banned(f"your address was banned by {self.who}: {reason}")
                self.service.endSession(participant, error)
                dropped += 1
        self._audit(f"ban ip {network} {reason}")
        return f"banned {network}; {dropped} connection(s) closed"

    def cmd_unban(self, rest: str) -> str:
        (nick,) = self._split(rest, 1)
        nick = self._nick(nick)
        if not self.moderation.lift(BAN, nick):
            return f"{nick} is not banned"
        self._audit(f"unban {nick}")
        return f"unbanned {nick}"

    def cmd_unban_ip(self, rest: str) -> str:
        (text,) = self._split(rest, 1)
        try:
            network = parseNetwork(text)
        except ValueError:
            raise Usage(f"{text!r} is not an address or network") from None
        if not self.moderation.lift(IPBAN, str(network)):
            return f"{network} is not banned"
        self._audit(f"unban ip {network}")
        return f"unbanned {network}"

    def cmd_kill(self, rest: str) -> str:
        nickText, reason = self._split(rest, 1, "required")
        nick = self._nick(nickText)
        if not self._end(nick, errors.Killed(f"killed by {self.who}: {reason}")):
            return f"{nick} is not connected"
        self._audit(f"kill {nick} {reason}")
        return f"killed {nick}"

    def cmd_mute(self, rest: str) -> str:
        nickText, timeout, reason = self._split(rest, 2, "optional")
        nick, seconds = self._nick(nickText), self._duration(timeout)
        self.moderation.mute(nick, seconds, reason, self.who)
        target = self.service.find(nick)
        span = formatSpan(seconds)
        if target is not None:
            note = f"you are muted for {span} by {self.who}" + (f": {reason}" if reason else "")
            self.service.notify(target, note)
        self._audit(f"mute {nick} {timeout} {reason}".rstrip())
        return f"muted {nick} for {span}"

    def cmd_unmute(self, rest: str) -> str:
        (nick,) = self._split(rest, 1)
        nick = self._nick(nick)
        if not self.moderation.lift(MUTE, nick):
            return f"{nick} is not muted"
        target = self.service.find(nick)
        if target is not None:
            self.service.notify(target, f"{self.who} lifted your mute: you may speak again")
        self._audit(f"unmute {nick}")
        return f"unmuted {nick}"

    def cmd_announce(self, rest: str) -> str:
        if not rest.strip():
            raise Usage("")
        self.service.announce(rest.strip())
        self._audit(f"announce {rest.strip()}")
        return f"announced to {len(self.service.users())} user(s)"

    def cmd_op(self, rest: str) -> str:
        (nick,) = self._split(rest, 1)
        nick = self._nick(nick)
        if not self.moderation.op(nick, self.who):
            return f"{nick} is already an operator"
        target = self.service.find(nick)
        if target is not None:
            self.service.notify(target, f"{self.who} made you an operator")
        self._audit(f"op {nick}")
        return f"{nick} is now an operator"

    def cmd_deop(self, rest: str) -> str:
        (nick,) = self._split(rest, 1)
        nick = self._nick(nick)
        if not self.moderation.deop(nick):
            return f"{nick} is not an operator"
        self._audit(f"deop {nick}")
        return f"{nick} is no longer an operator"

    def cmd_whois(self, rest: str) -> str:
        (nick,) = self._split(rest, 1)
        nick = self._nick(nick)
        lines = []
        target = self.service.find(nick)
        if target is None:
            lines.append(f"{nick}: not connected")
        else:
            since = self.moderation.connectedAt(target)
            lines.append(
                f"{target.nick}: connected from {target.address} over {target.protocolName}"
                + (f" since {formatTime(since)} UTC" if since is not None else "")
            )
            rooms = self.service.roomsOf(target)
            lines.append("rooms: " + (", ".join(rooms) if rooms else "none"))
        if nick.casefold() in self.moderation.operators:
            lines.append("operator")
        now = self._now()
        for kind, label in ((BAN, "banned"), (KICK, "kicked"), (MUTE, "muted")):
            sanction = self.moderation.active(kind, nick)
            if sanction is not None:
                lines.append(f"{label} by {sanction.by} {describe(sanction, now)}")
        return "\n".join(lines)

    def cmd_stats(self, rest: str) -> str:
        self._split(rest, 0)
        connections = self.service.connections()
        perProtocol = Counter(p.protocolName for p in connections)
        protocols = ", ".join(f"{name} {count}" for name, count in sorted(perProtocol.items()))
        bans = len(self.moderation.sanctions(BAN)) + len(self.moderation.sanctions(IPBAN))
        return "\n".join(
            [
                f"connections: {len(connections)}" + (f" ({protocols})" if protocols else ""),
                f"logged in: {len(self.service.users())}",
                f"rooms: {len(self.service.rooms())}",
                f"messages per second: {self.moderation.messagesPerSecond():.2f} (last minute)",
                f"bans: {bans}, kicks: {len(self.moderation.sanctions(KICK))}, "
                f"mutes: {len(self.moderation.sanctions(MUTE))}",
                f"memory: {_memory()}",
            ]
        )

    async def cmd_audit(self, rest: str) -> str:
        (text,) = self._split(rest, 1) if rest else ["20"]
        if not text.isdigit() or not 0 < int(text) <= 1000:
            raise Usage(f"{text!r} is not a count from 1 to 1000")
        entries = await self.moderation.lastAudit(int(text))
        if not entries:
            return "no administrator actions recorded"
        return "\n".join(f"{formatTime(e.at)}  {e.who:<12}  {e.what}" for e in entries)

    def cmd_shutdown(self, rest: str) -> str:
        self._split(rest, 0)
        if self.shutdown is None:
            return "shutdown is not available from this console"
        self._audit("shutdown")
        self.service.announce(f"The server is shutting down now (by {self.who}).")
        self.shutdown()
        return "shutting down"


def consoleFactory(
    service: ChatService, shutdown: Callable[[], object] | None = None
) -> Callable[[str], AdminConsole]:
    """
    A function giving each logged-in administrator (by name) a console.
    """

    def make(who: str) -> AdminConsole:
        return AdminConsole(service, who, shutdown)

    return make
