# -*- test-case-name: tests.integration.test_talk_commands,tests.unit.talk.test_talk,tests.unit.talk.test_talk_accounts -*-  # noqa: E501
"""
Talk mode's slash commands, as one table.

L{COMMANDS} holds one L{TalkCommand} per command, in the order C{/help} lists
them: its name and aliases, its arguments and summary (which make the help
and the usage lines), and its handler.  A handler is a function taking the
L{TalkSession} and the rest of the command line, stripped; it raises
L{UsageError} (shown as the usage line) or a L{ChatError} from the service
(shown as C{*** Sorry, ...}).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial

from twisted.internet.defer import maybeDeferred

from chatd.core.inbox import Kept
from chatd.core.limits import MAX_HISTORY
from chatd.core.names import key
from chatd.core.search import Found, search
from chatd.core.status import awayOf
from chatd.core.text import actionLine, plain
from chatd.lines.paced import paced, pagesFor
from chatd.talk import reading
from chatd.talk.alwayson import alwaysonCommand
from chatd.talk.format import (
    NOTICE,
    historyPieces,
    lines,
    searchPieces,
    serverLine,
)
from chatd.talk.ignore import ignoreCommand, unignoreCommand
from chatd.talk.moderation import (
    DELETE_ARGS,
    KICK_ARGS,
    KILL_ARGS,
    deleteCommand,
    kickCommand,
    killCommand,
)
from chatd.talk.privatehistory import ARGS as PMHISTORY_ARGS
from chatd.talk.privatehistory import pmhistoryCommand
from chatd.talk.registration import registerCommand
from chatd.talk.rooms import currentRoom, enter, roomArgument, say, shownNick, topicCommand
from chatd.talk.session import TalkSession, UsageError

__all__ = ["COMMANDS", "CommandTable", "TalkCommand", "UsageError", "helpText"]

#: What a command does with the session and the rest of its line.
Handler = Callable[[TalkSession, str], Awaitable[None] | None]


@dataclass(frozen=True)
class TalkCommand:
    """
    One slash command.

    @ivar args: its arguments, as the help and usage lines show them.
    @ivar summary: what it does, for the help.
    @ivar needsLogin: whether it waits for a nickname (only C{/quit} does not).
    @ivar listed: whether the help has a row for it (another's summary may name it).
    """

    name: str
    handler: Handler
    args: str
    summary: str
    aliases: tuple[str, ...] = ()
    needsLogin: bool = True
    listed: bool = True

    def usage(self) -> str:
        """
        The one-line usage hint: C{Usage: /pm <nick> <text>}.
        """
        return f"Usage: /{self.name} {self.args}".rstrip()

    def helpRow(self) -> str:
        """
        The command's line in the help.
        """
        return f"  /{self.name} {self.args}".ljust(28) + self.summary

    async def run(self, session: TalkSession, rest: str) -> None:
        """
        Run the handler, waiting for it if it returns something to wait for.
        """
        result = self.handler(session, rest)
        if result is not None:
            await result


class CommandTable:
    """
    The commands by name and alias, in help order.

    @raise ValueError: on construction, if a name or alias is given twice or
        has upper case (typed names are looked up in lower case).
    """

    def __init__(self, commands: Iterable[TalkCommand]) -> None:
        self._commands: dict[str, TalkCommand] = {}
        self._byName: dict[str, TalkCommand] = {}
        for command in commands:
            for name in (command.name, *command.aliases):
                if name in self._byName:
                    raise ValueError(f"/{name} is registered twice")
                if name != name.lower():
                    raise ValueError(f"/{name} is not in lower case: it could never be found")
                self._byName[name] = command
            self._commands[command.name] = command

    def __iter__(self) -> Iterator[TalkCommand]:
        return iter(self._commands.values())

    def __len__(self) -> int:
        return len(self._commands)

    def __getitem__(self, name: str) -> TalkCommand:
        """
        The command called C{name} (not an alias).
        """
        return self._commands[name]

    def find(self, name: str) -> TalkCommand | None:
        """
        The command C{name} (lower case) is the name or an alias of, if any.
        """
        return self._byName.get(name)

    def helpText(self) -> bytes:
        """
        The command summary, short enough for one 80x24 screen.
        """
        return lines(
            NOTICE + "Commands:",
            *(command.helpRow() for command in self if command.listed),
            NOTICE + "Other lines are said in your current room (// to say one starting with /).",
        )


def usage(name: str) -> str:
    """
    The usage line of the command C{name}.
    """
    return COMMANDS[name].usage()


def helpText() -> bytes:
    """
    The help every newcomer sees and C{/help} shows.
    """
    return COMMANDS.helpText()


def _word(command: str, rest: str, optional: bool = False) -> str:
    """
    The single word C{command} takes.

    @raise UsageError: there is none (unless C{optional}), or more than one.
    """
    if (not rest and not optional) or " " in rest:
        raise UsageError(usage(command))
    return rest


async def pmCommand(session: TalkSession, rest: str) -> None:
    nick, _, message = rest.partition(" ")
    if not nick or not message.strip():
        raise UsageError(usage("pm"))
    service = session.factory.service
    told = await maybeDeferred(service.tell, session.participant, nick, (message.strip(),))
    if isinstance(told, Kept):  # for a registered user who is away (always-on ones too)
        session.send(serverLine(f"{told.recipient} is away; {told.reason}."))
    elif (away := awayOf(person := service.find(nick))) and person is not None:
        session.send(serverLine(f"{person.nick} is away: {plain(away)}"))  # as IRC's 301


async def meCommand(session: TalkSession, rest: str) -> None:
    if not rest:
        raise UsageError(usage("me"))
    await say(session, actionLine(rest))


async def joinCommand(session: TalkSession, rest: str) -> None:
    room, _, roomKey = rest.partition(" ")
    name = roomArgument(_word("join", room))
    await enter(session, name, _word("join", roomKey, True) or None)
    if session.room is not None and key(session.room) == key(name):
        reading.newSince(session, session.room)


async def leaveCommand(session: TalkSession, rest: str) -> None:
    named, _, reason = rest.partition(" ")
    room = roomArgument(named) or currentRoom(session)
    service = session.factory.service
    left = await maybeDeferred(service.leave, session.participant, room, reason.strip())
    rooms = service.roomsOf(session.participant)
    if session.room is not None and key(session.room) == key(left):
        session.room = rooms[-1] if rooms else None
    where = (
        f"now talking in {session.room}"
        if session.room is not None
        else "you are in no room now: /join <room>"
    )
    session.send(serverLine(f"You left {left}; {where}."))


def roomsCommand(session: TalkSession, rest: str) -> None:
    service = session.factory.service
    mine = {key(room) for room in service.roomsOf(session.participant)}
    rows = []
    for room, count in service.roomsVisibleTo(session.participant):
        where = ""
        if session.room is not None and key(room) == key(session.room):
            where = "  <- you talk here"
        elif key(room) in mine:
            where = "  (joined)"
        people = "person" if count == 1 else "people"
        rows.append(f"  {room} ({count} {people}){where}")
    if not rows:
        session.send(serverLine("There are no rooms yet: /join <room> creates one."))
        return
    session.send(serverLine(f"Rooms ({len(rows)}):") + lines(*rows))


def whoCommand(session: TalkSession, rest: str) -> None:
    room = roomArgument(_word("who", rest, optional=True)) or currentRoom(session)
    service = session.factory.service
    members = service.memberStatuses(session.participant, room)
    shown = ", ".join(shownNick(session, nick, status) for nick, status in members)
    session.send(serverLine(f"In {service.roomName(room)} ({len(members)}): {shown}"))


def listCommand(session: TalkSession, rest: str) -> None:
    listed = session.factory.service.listedPeople(session.participant)  # the core's rule
    nicks = [shownNick(session, user.nick) for user in listed if user.nick is not None]
    session.send(serverLine(f"Online ({len(nicks)}): {', '.join(nicks)}"))


async def nameCommand(session: TalkSession, rest: str) -> None:
    nick = _word("name", rest)
    if nick == session.nick:
        session.send(serverLine(f"You are already called {nick}."))
        return
    # The service tells everyone, us included (see TalkProtocol.renamed).
    await maybeDeferred(session.factory.service.rename, session.participant, nick)


async def historyCommand(session: TalkSession, rest: str) -> None:
    count = None
    if rest:
        if not (rest.isascii() and rest.isdecimal()) or not 0 < int(rest) <= MAX_HISTORY:
            raise UsageError(usage("history") + f" (n: 1 to {MAX_HISTORY})")
        count = int(rest)
    room = currentRoom(session)
    service = session.factory.service
    events = await maybeDeferred(service.history, session.participant, room, count)
    if not events:
        session.send(serverLine(f"No messages in {room} yet."))
        return
    now = session.factory.clock.seconds()
    await paced(session.outbox, historyPieces(room, events, now, session.pages))


async def searchCommand(session: TalkSession, rest: str) -> None:
    if not rest.strip():  # (what counts as a word is the core's rule: it says why)
        raise UsageError(usage("search"))
    found = await maybeDeferred(search, session.factory.service, session.participant, rest)
    now = session.factory.clock.seconds()
    paging = partial(pagesFor, session.outbox, measure=Found.wireSize)
    await paced(session.outbox, searchPieces(rest, found, now, paging))


def helpCommand(session: TalkSession, rest: str) -> None:
    session.send(helpText())


def quitCommand(session: TalkSession, rest: str) -> None:
    session.quit(rest)


COMMANDS = CommandTable(
    [
        TalkCommand(
            "pm", pmCommand, "<nick> <text>", "private message (also /msg)", aliases=("msg",)
        ),
        TalkCommand("me", meCommand, "<action>", "act: /me waves -> * alice waves"),
        TalkCommand(
            "join", joinCommand, "<room> [key]", "enter (or create) a room, with its key if any"
        ),
        TalkCommand("leave", leaveCommand, "[room [reason]]", "leave the current (or named) room"),
        TalkCommand("rooms", roomsCommand, "", "list the rooms and how many are in each"),
        TalkCommand("topic", topicCommand, "[text]", "show (or set) the current room's topic"),
        TalkCommand("who", whoCommand, "[room]", "who is in the current (or named) room"),
        TalkCommand("list", listCommand, "", "who is online (also /users)", aliases=("users",)),
        TalkCommand(
            "name", nameCommand, "<newnick>", "change your nickname (also /nick)", aliases=("nick",)
        ),
        TalkCommand(
            "register", registerCommand, "[password]", "protect your nickname with a password"
        ),
        TalkCommand(
            "alwayson", alwaysonCommand, "[on|off]", "stay in your rooms while not connected"
        ),
        TalkCommand(
            "history", historyCommand, "[n]", "this room's last n messages; /pmhistory nick [n]"
        ),
        TalkCommand(
            "pmhistory",
            pmhistoryCommand,
            PMHISTORY_ARGS,
            "your private messages with nick",
            listed=False,
        ),
        TalkCommand(
            "search", searchCommand, "<words>", "your rooms' and private messages with the words"
        ),
        TalkCommand(
            "delete", deleteCommand, DELETE_ARGS, "delete your (or nick's) last message here"
        ),
        TalkCommand("ignore", ignoreCommand, "[name]", "drop name's PMs, or list (/unignore name)"),
        TalkCommand("unignore", unignoreCommand, "<name>", "stop ignoring name", listed=False),
        TalkCommand(
            "kick", kickCommand, KICK_ARGS, "remove someone from this room; /kill disconnects"
        ),
        TalkCommand(
            "kill", killCommand, KILL_ARGS, "end someone's session (operators)", listed=False
        ),
        TalkCommand("help", helpCommand, "", "this help"),
        TalkCommand(
            "quit",
            quitCommand,
            "[message]",
            "say goodbye and leave (also /exit)",
            aliases=("exit",),
            needsLogin=False,
        ),
    ]
)
