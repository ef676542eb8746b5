# -*- test-case-name: tests.test_talk -*-
"""
What a person in talk mode sees: the text form of every event and notice.

Chat reads C{[lobby] <alice> hello}, private messages C{*private* <bob> hi},
and everything the server itself says starts with C{***}, so it never looks
like something a person typed.  Lines end in C{CR LF} as a telnet terminal
expects, and control characters from other people's text are removed so
nobody can send escape sequences to everyone's screen.

The encoders are module-level functions so that C{event.wire(encoder)} caches
one encoding per event for every talk-mode recipient.
"""

from __future__ import annotations

import re

from chatd.events import Membership, Notice, PrivateMessage, Rename, RoomMessage

NOTICE = "*** "

# C0 and C1 control characters (ESC, CSI, BEL, BS, ...) except TAB.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """
    C{text} without control characters, safe to print on a terminal.
    """
    return _CONTROL.sub("", text)


def lines(*texts: str) -> bytes:
    """
    Encode C{texts} as terminal lines.
    """
    return "".join(text + "\r\n" for text in texts).encode("utf-8")


def serverLine(text: str) -> bytes:
    """
    A line from the server itself.
    """
    return lines(NOTICE + text)


def actionText(nick: str, action: str) -> str:
    """
    The message C{/me action} sends: C{* alice waves}.  Every front-end shows
    it readably as plain text; talk mode recognises it and drops the
    redundant C{<alice>}.
    """
    return f"* {nick} {action}"


def encodeRoomMessage(event: RoomMessage) -> bytes:
    """
    C{[room] <nick> text}, one terminal line per message line; an action
    (see L{actionText}) shows as C{[room] * nick does something}.
    """
    prefix = f"[{event.room}] "
    if len(event.lines) == 1 and event.lines[0].startswith(f"* {event.sender} "):
        return lines(prefix + clean(event.lines[0]))
    return lines(*(f"{prefix}<{event.sender}> {clean(line)}" for line in event.lines))


def encodePrivateMessage(event: PrivateMessage) -> bytes:
    """
    C{*private* <nick> text}, one terminal line per message line.
    """
    return lines(*(f"*private* <{event.sender}> {clean(line)}" for line in event.lines))


def encodeMembership(event: Membership) -> bytes:
    """
    C{*** alice has joined lobby} or C{*** alice has left lobby (reason)}.
    """
    if event.joined:
        return serverLine(f"{event.nick} has joined {event.room}")
    why = f" ({clean(event.reason)})" if event.reason else ""
    return serverLine(f"{event.nick} has left {event.room}{why}")


def encodeRename(event: Rename) -> bytes:
    """
    C{*** alice is now known as alicia}.
    """
    return serverLine(f"{event.old} is now known as {event.new}")


def encodeNotice(event: Notice) -> bytes:
    """
    A server announcement, marked as such.
    """
    return serverLine(f"Server notice: {clean(event.text)}")


GREETING = (
    "Welcome to chatd talk mode!",
    "Everything you type goes to the room you are in; commands start with /.",
)

NICK_PROMPT = "Pick a nickname (1-16 letters, digits, _ or -): "

#: command name -> (arguments, what it does); the order is the help's order.
COMMANDS: dict[str, tuple[str, str]] = {
    "pm": ("<nick> <text>", "private message (also /msg)"),
    "me": ("<action>", "act: /me waves -> * alice waves"),
    "join": ("<room>", "enter a room (created if missing), talk there"),
    "leave": ("[room]", "leave the current (or named) room"),
    "rooms": ("", "list the rooms and how many are in each"),
    "who": ("[room]", "who is in the current (or named) room"),
    "list": ("", "everyone online"),
    "name": ("<newnick>", "change your nickname"),
    "kick": ("<nick> [reason]", "disconnect someone (operators only)"),
    "help": ("", "this help"),
    "quit": ("[message]", "say goodbye and leave (also /exit)"),
}

ALIASES = {"msg": "pm", "exit": "quit", "nick": "name", "users": "list"}


def usage(command: str) -> str:
    """
    The one-line usage hint for C{command}.
    """
    args, _ = COMMANDS[command]
    return f"Usage: /{command} {args}".rstrip()


def helpText() -> bytes:
    """
    The command summary, short enough for one 80x24 screen.
    """
    rows = [f"  /{name} {args}".ljust(28) + what for name, (args, what) in COMMANDS.items()]
    return lines(
        NOTICE + "Commands:",
        *rows,
        NOTICE + "Any other line is said in your current room. Start it with // to say",
        NOTICE + "a line that begins with /.",
    )
