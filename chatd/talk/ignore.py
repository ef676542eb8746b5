# -*- test-case-name: tests.unit.talk.test_talk_ignore -*-
"""
C{/ignore [name]} and C{/unignore <name>} in talk mode: see one's ignore
list, or add to it or take from it (L{chatd.core.ignores}).  A name may be
an IRC-style mask (C{*!*@192.0.2.*}).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatd.core.ignores import shownEntry
from chatd.talk.format import serverLine
from chatd.talk.session import UsageError

if TYPE_CHECKING:
    from chatd.talk.session import TalkSession


def ignoreCommand(session: TalkSession, rest: str) -> None:
    ignores = session.factory.service.ignores
    if " " in rest:
        raise UsageError("Usage: /ignore [name]")
    if not rest:
        shown = [shownEntry(mask) for mask in ignores.entries(session.participant)]
        if not shown:
            session.send(serverLine("You ignore nobody: /ignore <name> to ignore someone."))
        else:
            session.send(serverLine(f"You ignore ({len(shown)}): {', '.join(shown)}"))
        return
    added = ignores.add(session.participant, rest)
    if added is None:
        session.send(serverLine(f"You already ignore {rest}."))
    else:
        session.send(
            serverLine(f"You ignore {shownEntry(added)}: their private messages are dropped.")
        )


def unignoreCommand(session: TalkSession, rest: str) -> None:
    if not rest or " " in rest:
        raise UsageError("Usage: /unignore <name>")
    removed = session.factory.service.ignores.remove(session.participant, rest)
    if removed is None:
        session.send(serverLine(f"You do not ignore {rest}."))
    else:
        session.send(serverLine(f"You no longer ignore {shownEntry(removed)}."))
