# -*- test-case-name: tests.unit.admin.test_admin_commands,tests.unit.admin.test_admin_whois,tests.unit.irc.test_irc_accountrights,tests.unit.cluster.test_cluster_activity,tests.unit.cluster.test_cluster_whois -*-  # noqa: E501
"""
The console's vocabulary and its read-only commands: the command table,
argument checking, and the views (users, rooms, whois, stats, audit...).

L{chatd.admin.commands.AdminConsole} adds the commands that change things;
nothing here does, so nothing here is audited.
"""

from __future__ import annotations

import resource
from collections import Counter

from chatd.admin.export import messagesReply
from chatd.admin.opgrant import operatorLine
from chatd.admin.timespec import formatTime, isCount, parseDuration
from chatd.admin.whois import connectionLines, renamedFrom, whereabouts
from chatd.core.absent import isAbsentAnywhere
from chatd.core.events import Administrator, shownBy
from chatd.core.names import isValidName, isValidRoomName, key, normalize, roomOfChannel
from chatd.core.operators import describeSessionOperator
from chatd.core.reach import accountBehind, reachedBy, sanctionedName
from chatd.core.roles import IAdministration
from chatd.core.sanctiontext import describe
from chatd.lines.columns import pad, width
from chatd.modstore import BAN, IPBAN, KICK, MUTE
from chatd.storage.interfaces import APPROVAL

#: Every command: its usage line and what it does, in the order C{help} lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "help": ("help [command]", "list the commands, or explain one"),
    "messages": (
        "messages [room] <since> [until]",
        "room messages from a time to another or now: '2026-11-20 14:00' (UTC), 1h, or Unix",
    ),
    "users": ("users", "who is connected, from where, over what, since when"),
    "rooms": ("rooms", "every room with its mode, member count and requests waiting"),
    "add room": (
        "add room <room1,room2,...> [approval]",
        "create rooms (approval: an administrator accepts newcomers)",
    ),
    "set room": (
        "set room <room> approval <on|off>",
        "whether newcomers to a room need an administrator's acceptance",
    ),
    "delete room": (
        "delete room <room> [reason]",
        "remove everyone (told why), then the room, its settings and its history",
    ),
    "pending rooms": (
        "pending rooms [username]",
        "every request to enter an approval room (who, where, since when), or one user's",
    ),
    "accept pending": (
        "accept pending <username> <room1,room2,...>",
        "let a user into approval rooms",
    ),
    "refuse pending": (
        "refuse pending <username> <room1,room2,...> [reason]",
        "refuse a user's requests to enter approval rooms (they are told; they may ask again)",
    ),
    "kick": ("kick <username> <timeout> <reason>", "disconnect and refuse for 30, 10m, 2h, 1d"),
    "unkick": ("unkick <username>", "let a kicked user back in now"),
    "ban ip": (
        "ban ip [--force] <ip|network/bits> [timeout] <reason>",
        "refuse connections from an address, for good or for 2h, 1d..."
        " (--force: a network broader than /8 or /32, yours, or loopback)",
    ),
    "ban": ("ban <username> <reason>", "disconnect and refuse until unbanned"),
    "unban ip": ("unban ip <ip|network/bits>", "lift an address ban"),
    "unban": ("unban <username>", "lift a ban"),
    "kill": (
        "kill <username|address> <reason>",
        "disconnect now; they may come back (an address: its connections not logged in)",
    ),
    "mute": ("mute <username> <timeout> [reason]", "refuse their messages for a while"),
    "unmute": ("unmute <username>", "let them speak again"),
    "purge": (
        "purge <username> [room] [minutes]",
        "delete their messages of the last 60 (or so many) minutes, in every room or one",
    ),
    "announce": ("announce <text>", "a notice to everyone on every protocol"),
    "op": ("op <username>", "allow them to kill (talk /kill, IRC KILL), kick anywhere"),
    "deop": ("deop <username>", "take operator rights away"),
    "topic": ("topic <room> <text>", "set a room's topic (its members are told)"),
    "roomop": ("roomop <room> <username>", "make a member an operator of a room"),
    "founder": ("founder <room> <username|->", "the account that owns a room (-: none)"),
    "whois": ("whois <username>", "everything known about a user"),
    "stats": ("stats", "connections per protocol, messages per second, memory, cluster node"),
    "audit": ("audit [count]", "the last administrator actions (20)"),
    "admins": ("admins", "who may log in here: password file and accounts flagged admin"),
    "admin grant": ("admin grant <username>", "a registered account becomes an administrator"),
    "admin revoke": ("admin revoke <username>", "an account is no longer an administrator"),
    "add account": (
        "add account <username> [password]",
        "register an account (password asked twice, hidden, when left out)",
    ),
    "account password": (
        "account password <username> [--sign-out] [new password]",
        "set a registered account's password (asked twice, hidden, when left out)",
    ),
    "account delete": (
        "account delete <username> [--erase] [reason]",
        "end its sessions and delete the account; its messages stay, or --erase them",
    ),
    "conversation": (
        "conversation <username> <username> <since> [until]",
        "the private messages between two people, for a report (audited)",
    ),
    "erase": (
        "erase <username>",
        "delete every message sent under a name, room and private (an erasure request)",
    ),
    "shutdown": ("shutdown", "tell everyone, save, and stop the daemon"),
}


#: Leaving the console: its usage line and what it does.
LEAVING = ("quit", "leave the console (exit and logout too)")


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


class ConsoleViews:
    """
    Argument checking and the commands that only look.

    @ivar who: the administrator's name, for the audit trail.
    @ivar shown: how chat users are told who acted (C{"the administrator
        alice"}, L{shownBy}): a form no nickname can take, so that a chat
        user called like a console administrator cannot pass for them.
    """

    def __init__(self, service: IAdministration, who: str) -> None:
        self.service = service
        self.moderation = service.moderation
        self.who = who
        self.shown = shownBy(Administrator(who))
        #: The administrator's client address, once their terminal is known.
        self.address: str | None = None

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
        """
        The user name C{text} names; a leading C{@} is allowed, so that
        C{ban @ip <reason>} names the user called "ip", not an address.
        """
        nick = normalize(text.removeprefix("@"))
        if not isValidName(nick):
            raise Usage(f"{text!r} is not a nickname")
        return nick

    @staticmethod
    def _duration(text: str) -> int:
        try:
            return parseDuration(text)
        except ValueError:
            raise Usage(
                f"{text!r} is not a timeout like 30, 10m, 2h or 1d (at most 3650d)"
            ) from None

    @staticmethod
    def _room(text: str) -> str:
        """
        A room as typed: C{#den} is the room C{den}, as IRC and talk mode
        read it (operators often know rooms by their channel names).
        """
        return roomOfChannel(text) or text

    def _rooms(self, text: str) -> list[str]:
        names = [self._room(name.strip()) for name in text.split(",") if name.strip()]
        if not names:
            raise Usage("no room names")
        for name in names:
            if not isValidRoomName(normalize(name)):
                raise Usage(f"{name!r} is not a room name")
        return names

    def _now(self) -> float:
        seconds: float = self.moderation.clock.seconds()
        return seconds

    # Commands that only look

    def cmd_help(self, rest: str) -> str:
        # Leaving is the line protocol's (chatd.admin.shell), listed last.
        listed = {**COMMANDS, "quit": LEAVING}
        if rest:
            name = rest.lower().strip()
            entry = listed.get("quit" if name in ("exit", "logout") else name)
            if entry is None:
                raise Usage(f"no command {rest!r}")
            return f"{entry[0]}: {entry[1]}"
        width = max(len(usage) for usage, _ in listed.values())
        return "\n".join(f"{usage:<{width}}  {text}" for usage, text in listed.values())

    async def cmd_messages(self, rest: str) -> str:
        if not rest:
            raise Usage("")
        try:
            return await messagesReply(self.service, rest, self._now())
        except ValueError as problem:
            raise Usage(str(problem)) from None

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
                f"{pad(p.nick or '(not logged in)', 16)}  {p.address:<39}  "
                f"{p.protocolName:<8}  {formatTime(since)}"
            )
        return "\n".join(lines)

    def cmd_rooms(self, rest: str) -> str:
        self._split(rest, 0)
        modeOf = self.service.roomMode
        rooms = self.service.rooms()
        if not rooms:
            return "no rooms"
        waiting = Counter(key(room) for room, _, _ in self.service.waitingRequests())
        column = max(16, *(width(name) for name, _ in rooms))
        lines = [f"{pad('room', column)}  {'mode':<8}  {'members':<7}  waiting"]
        for name, count in rooms:
            mode = modeOf(name)
            asking = waiting[key(name)] if mode == APPROVAL else "-"
            lines.append(f"{pad(name, column)}  {mode:<8}  {count:<7}  {asking}")
        return "\n".join(lines)

    def cmd_pending_rooms(self, rest: str) -> str:
        if not rest.strip():
            return self._everyRequest()
        (text,) = self._split(rest, 1)
        nick = sanctionedName(self.service, self._nick(text))  # a request is the account's
        requests = [
            (room, who) for room, who in self.service.pendingRequests() if key(who) == key(nick)
        ]
        if not requests:
            return f"{nick} waits to enter no room"
        name = requests[0][1]  # as they spelled it
        return f"{name} waits to enter: {', '.join(room for room, _ in requests)}"

    def _everyRequest(self) -> str:
        """
        C{pending rooms} alone: every request waiting, the oldest first.
        """
        requests = self.service.waitingRequests()
        if not requests:
            return "nobody waits to enter an approval room"
        column = max(16, *(width(who) for _, who, _ in requests))
        roomColumn = max(16, *(width(room) for room, _, _ in requests))
        lines = [f"{pad('user', column)}  {pad('room', roomColumn)}  since (UTC)"]
        for room, who, since in requests:
            when = "unknown" if since is None else formatTime(since)
            lines.append(f"{pad(who, column)}  {pad(room, roomColumn)}  {when}")
        return "\n".join(lines)

    async def cmd_whois(self, rest: str) -> str:
        (nick,) = self._split(rest, 1)
        nick = self._nick(nick)
        lines = []
        target = self.service.find(nick)
        if target is None:
            lines.append(f"{nick}: not connected")
            # Signed in to the account under another nickname (IRC SASL).
            elsewhere = [str(user.nick) for user in reachedBy(self.service, nick)]
            if elsewhere:
                lines[-1] += f" as {nick}; signed in to the account as {', '.join(elsewhere)}"
            renamed = renamedFrom(self.service, nick)
            # A sign-in under another nickname takes it as a rename would:
            # where it led, the account's connections say already.
            if renamed is not None and key(renamed.name) not in {key(e) for e in elsewhere}:
                lines[-1] += f"; {renamed.text} ({whereabouts(self.service, renamed)})"
        else:
            if isAbsentAnywhere(target, self.service.observer):
                lines.append(f"{target.nick}: not connected, present in their rooms (always on)")
            else:  # an account signed in several times: each connection, one line
                lines += await connectionLines(self.service, target)
            rooms = self.service.roomsOf(target)
            lines.append("rooms: " + (", ".join(rooms) if rooms else "none"))
            # What others see of them, and room masks match (chatd.core.hosts).
            lines.append(f"host: {self.service.hostOf(target)}")
        account = accountBehind(self.service, nick)
        if account is not None:
            lines.append(f"signed in to the account {account}")
        # The account's rights and sanctions are the person's, whatever it is called.
        for name, whose in ((nick, ""), (account, f" (the account {account})")):
            if name is not None:
                lines += self._rightsAndSanctions(name, whose)
        asker = key(sanctionedName(self.service, nick))  # a request is the account's
        waiting = [room for room, who, _ in self.service.waitingRequests() if key(who) == asker]
        if waiting:
            lines.append(f"waits to enter: {', '.join(waiting)} (accept pending)")
        session = None if target is None else describeSessionOperator(self.service, target)
        if session is not None:
            lines.append(session)
        return "\n".join(lines)

    def _rightsAndSanctions(self, name: str, whose: str) -> list[str]:
        """
        C{whois}'s lines for the operator rights and sanctions given to
        C{name}, each followed by C{whose}.
        """
        lines = []
        if key(name) in self.moderation.operators:
            lines.append(operatorLine(self.service, name) + whose)
        now = self._now()
        for kind, label in ((BAN, "banned"), (KICK, "kicked"), (MUTE, "muted")):
            sanction = self.moderation.active(kind, name)
            if sanction is not None:
                lines.append(f"{label} by {sanction.by} {describe(sanction, now)}{whose}")
        return lines

    def cmd_stats(self, rest: str) -> str:
        self._split(rest, 0)
        connections = self.service.connections()
        perProtocol = Counter(p.protocolName for p in connections)
        protocols = ", ".join(f"{name} {count}" for name, count in sorted(perProtocol.items()))
        bans = len(self.moderation.sanctions(BAN)) + len(self.moderation.sanctions(IPBAN))
        problem, node = self.service.stats.sanctionsProblem, self.service.stats.clusterNode
        return "\n".join(
            [
                f"connections: {len(connections)}" + (f" ({protocols})" if protocols else ""),
                f"logged in: {len(self.service.users())}",
                f"rooms: {len(self.service.rooms())}",
                f"messages per second: {self.moderation.messagesPerSecond():.2f} (last minute)",
                f"bans: {bans}, kicks: {len(self.moderation.sanctions(KICK))}, "
                f"mutes: {len(self.moderation.sanctions(MUTE))}",
                *([f"sanctions: {problem}"] if problem is not None else []),
                *([f"cluster node: {node}"] if node is not None else []),
                f"memory: {_memory()}",
            ]
        )

    async def cmd_audit(self, rest: str) -> str:
        (text,) = self._split(rest, 1) if rest else ["20"]
        if not isCount(text) or not 0 < int(text) <= 1000:
            raise Usage(f"{text!r} is not a count from 1 to 1000")
        entries = await self.moderation.lastAudit(int(text))
        if not entries:
            return "no administrator actions recorded"
        return "\n".join(f"{formatTime(e.at)}  {pad(e.who, 12)}  {e.what}" for e in entries)
