# -*- test-case-name: tests.unit.admin.test_admin_commands,tests.unit.irc.test_irc_accountrights -*-
"""
The console's sanctions of users and addresses: kick, ban, kill, mute, and
lifting them.  A sanction follows the person: one given to the nickname an
account goes by binds the account (L{chatd.core.reach.sanctionedName}),
and the reply says so.  Each is audited.
"""

from __future__ import annotations

import re

from chatd.admin.outcome import Refusal
from chatd.admin.roomcommands import RoomCommands
from chatd.admin.timespec import formatTime, isCount, parseDuration
from chatd.admin.views import Usage
from chatd.admin.whois import RENAME_HINT, renamedFrom
from chatd.core import errors
from chatd.core.absent import isAbsentAnywhere
from chatd.core.admission import parseNetwork
from chatd.core.reach import accountBehind, reachedBy
from chatd.core.sanctiontext import formatSpan
from chatd.modstore import BAN, IPBAN, KICK, MUTE

#: How far back C{purge} looks when not told, in minutes.
PURGE_MINUTES = 60

#: A word C{ban ip} takes as its timeout: with a unit (C{2h}, C{1h30m}), so
#: that a reason starting with a number (C{3 bots}) stays the reason.
_TIMEOUT = re.compile(r"(?:[0-9]+[smhdw])+")

#: What C{ban ip} and C{unban ip} say of a word that is not an address.
FOR_IP = "; for the user named ip, write @ip"


class SanctionCommands(RoomCommands):
    """
    The commands that sanction someone, or lift a sanction.
    """

    def _audit(self, what: str) -> None:
        self.moderation.audit(self.who, what)

    def _end(self, nick: str, error: errors.ChatError) -> bool:
        """End the sessions a sanction of C{nick} reaches; whether there was any."""
        targets = reachedBy(self.service, nick)
        for target in targets:
            self.service.endSession(target, error)
        return bool(targets)

    def _offline(self, nick: str, verb: str) -> str:
        """
        What a sanction's reply adds when nobody it reaches is connected:
        where C{nick} went if its holder renamed in the last
        L{RENAME_HINT} seconds (the new name is not sanctioned: the
        administrator is asked).
        """
        renamed = renamedFrom(self.service, nick, self._now() - RENAME_HINT)
        if renamed is None:
            return " (not connected now)"
        ask = "" if renamed.target is None else f"; {verb} {renamed.name} too?"
        return f" (not connected now: {renamed.text}{ask})"

    def _sanctioned(self, nick: str) -> tuple[str, str]:
        """
        The name a sanction of C{nick} binds, and how replies and the
        audit name it: C{"kidalias (the account kid)"} for a nickname
        an account goes by.
        """
        account = accountBehind(self.service, nick)
        return (nick, nick) if account is None else (account, f"{nick} (the account {account})")

    def _lift(self, kind: str, nick: str) -> tuple[str, str] | None:
        """
        Lift the sanction of C{kind} on C{nick}, or else on the account its
        holder is signed in to: the name it bound and how it is named (as
        L{_sanctioned}), or C{None} if there was none.
        """
        if self.moderation.lift(kind, nick):
            return nick, nick
        name, shown = self._sanctioned(nick)
        return (name, shown) if name != nick and self.moderation.lift(kind, name) else None

    def cmd_kick(self, rest: str) -> str:
        nickText, timeout, reason = self._split(rest, 2, "required")
        (name, shown), seconds = self._sanctioned(self._nick(nickText)), self._duration(timeout)
        sanction = self.moderation.kick(name, seconds, reason, self.who)
        span = formatSpan(seconds)
        online = self._end(name, errors.Kicked(f"kicked by {self.shown} for {span}: {reason}"))
        self._audit(f"kick {shown} {timeout} {reason}")
        assert sanction.until is not None
        return f"kicked {shown} for {span}, until {formatTime(sanction.until)} UTC" + (
            "" if online else self._offline(self._nick(nickText), "kick")
        )

    def cmd_unkick(self, rest: str) -> str:
        (nick,) = self._split(rest, 1)
        lifted = self._lift(KICK, self._nick(nick))
        if lifted is None:
            return Refusal(f"{self._nick(nick)} is not kicked")
        self._audit(f"unkick {lifted[1]}")
        return f"{lifted[1]} may log in again"

    def cmd_ban(self, rest: str) -> str:
        nickText, reason = self._split(rest, 1, "required")
        name, shown = self._sanctioned(self._nick(nickText))
        self.moderation.ban(name, reason, self.who)
        online = self._end(name, errors.Banned(f"banned by {self.shown}: {reason}"))
        self._audit(f"ban {shown} {reason}")
        return f"banned {shown}" + ("" if online else self._offline(self._nick(nickText), "ban"))

    def cmd_ban_ip(self, rest: str) -> str:
        rest, force = withoutForce(rest)
        text, reason = self._split(rest, 1, "required")
        try:
            network = parseNetwork(text)
        except ValueError:
            raise Usage(f"{text!r} is not an address or network{FOR_IP}") from None
        timeout, seconds = "", None
        first, _, after = reason.partition(" ")
        if after.strip() and _TIMEOUT.fullmatch(first.lower()):  # 2h spam; not 3 bots
            timeout, seconds, reason = first, self._duration(first), after.strip()
        sanction = self.moderation.banAddress(
            network, reason, self.who, seconds, force, self.address
        )
        span = "" if seconds is None else f" for {formatSpan(seconds)}"
        dropped = self.service.closeBanned(sanction)
        self._audit(f"ban ip {network} {timeout} {reason}".replace("  ", " "))
        until = "" if sanction.until is None else f", until {formatTime(sanction.until)} UTC"
        closed = f"{dropped} connection(s) closed"
        if self.service.observer is not None:  # a cluster: each node closes its own
            closed = f"{dropped} connection(s) closed here, and the other nodes close theirs"
        return f"banned {network}{span}{until}; {closed}"

    def cmd_unban(self, rest: str) -> str:
        (nick,) = self._split(rest, 1)
        lifted = self._lift(BAN, self._nick(nick))
        if lifted is None:
            return Refusal(f"{self._nick(nick)} is not banned")
        self._audit(f"unban {lifted[1]}")
        return f"unbanned {lifted[1]}"

    def cmd_unban_ip(self, rest: str) -> str:
        (text,) = self._split(rest, 1)
        try:
            network = parseNetwork(text)
        except ValueError:
            raise Usage(f"{text!r} is not an address or network{FOR_IP}") from None
        if not self.moderation.lift(IPBAN, str(network)):
            return Refusal(f"{network} is not banned")
        self._audit(f"unban ip {network}")
        return f"unbanned {network}"

    def cmd_kill(self, rest: str) -> str:
        nickText, reason = self._split(rest, 1, "required")
        if "." in nickText or ":" in nickText:  # an address: no nickname has either
            return self._killUnnamed(nickText, reason)
        nick = self._nick(nickText)
        if not self._end(nick, errors.Killed(f"killed by {self.shown}: {reason}")):
            return Refusal(f"{nick} is not connected")
        self._audit(f"kill {nick} {reason}")
        return f"killed {nick}"

    def _killUnnamed(self, address: str, reason: str) -> str:
        """
        Close the connections from C{address} that have not logged in (as
        C{users} shows them): a logged-in user is killed by nickname.
        """
        unnamed = [
            participant
            for participant in self.service.connections()
            if participant.address == address and participant.nick is None
        ]
        if not unnamed:
            return Refusal(f"no connection from {address} is waiting to log in")
        for participant in unnamed:
            self.service.endSession(participant, errors.Killed(f"closed by {self.shown}: {reason}"))
        self._audit(f"kill {address} {reason}")
        return f"closed {len(unnamed)} connection(s) from {address} not logged in"

    def cmd_mute(self, rest: str) -> str:
        nickText, timeout, reason = self._split(rest, 2, "optional")
        (name, shown), seconds = self._sanctioned(self._nick(nickText)), self._duration(timeout)
        self.moderation.mute(name, seconds, reason, self.who)
        targets = reachedBy(self.service, name)
        span = formatSpan(seconds)
        for target in targets:
            note = f"you are muted for {span} by {self.shown}" + (f": {reason}" if reason else "")
            self.service.notify(target, note)
        self._audit(f"mute {shown} {timeout} {reason}".rstrip())
        online = any(not isAbsentAnywhere(target, self.service.observer) for target in targets)
        offline = "" if online else self._offline(self._nick(nickText), "mute")
        return f"muted {shown} for {span}" + offline

    def cmd_unmute(self, rest: str) -> str:
        (nick,) = self._split(rest, 1)
        lifted = self._lift(MUTE, self._nick(nick))
        if lifted is None:
            return Refusal(f"{self._nick(nick)} is not muted")
        name, shown = lifted
        for target in reachedBy(self.service, name):
            self.service.notify(target, f"{self.shown} lifted your mute: you may speak again")
        self._audit(f"unmute {shown}")
        return f"unmuted {shown}"

    async def cmd_purge(self, rest: str) -> str:
        words = rest.split()
        if not 1 <= len(words) <= 3:
            raise Usage("")
        nick, room, span = self._nick(words[0]), None, f"{PURGE_MINUTES}m"
        if len(words) == 3 or (len(words) == 2 and not _isSpan(words[1])):
            room = self._rooms(words[1])[0]
        if len(words) == 3 or (len(words) == 2 and room is None):
            span = words[-1]
        seconds = purgeSpan(span)
        purged = await self.service.purgeMessages(
            nick, None if room is None else [room], self._now() - seconds, self.who
        )
        where = ", ".join(f"{name} {count}" for name, count in purged.rooms.items())
        minutes = f"the last {formatSpan(seconds)}"
        self._audit(f"purge {nick} {room or '*'} {minutes}: {purged.count} message(s) ({where})")
        if not purged.count:
            return f"no message of {nick} in {room or 'any room'} in {minutes}"
        more = f" (stopped at {purged.count}: purge again for more)" if purged.stopped else ""
        return f"deleted {purged.count} message(s) of {nick} in {minutes}: {where}{more}"


def purgeSpan(text: str) -> int:
    """
    Seconds in C{purge}'s span: minutes for a bare number, else a
    timeout's form (C{2h}, C{1d}).
    """
    try:
        return parseDuration(f"{text}m" if isCount(text) else text)
    except ValueError:
        raise Usage(f"{text!r} is not a number of minutes, or a span like 2h") from None


def _isSpan(word: str) -> bool:
    """
    Whether C{purge}'s word C{word} is its span rather than a room.
    """
    try:
        purgeSpan(word)
    except Usage:
        return False
    return True


def withoutForce(rest: str) -> tuple[str, bool]:
    """
    C{rest} without a C{--force} word first or last (the reason between is
    free text), and whether it had one.
    """
    rest = rest.strip()
    if rest.split(None, 1)[:1] == ["--force"]:
        return rest.removeprefix("--force").strip(), True
    if rest.rsplit(None, 1)[-1:] == ["--force"]:
        return rest.removesuffix("--force").strip(), True
    return rest, False
