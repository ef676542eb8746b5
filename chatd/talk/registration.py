# -*- test-case-name: tests.unit.talk.test_talk_accounts,tests.unit.talk.test_talk_joinorder -*-
"""
Talk mode's C{/register}: a password for the nickname in use (typed on the
command line, or twice at hidden prompts), through the service's
registration, the one every protocol uses.
"""

from __future__ import annotations

from twisted.internet.defer import maybeDeferred

from chatd.core.errors import ChatError
from chatd.lines.roomhold import replayOffered
from chatd.talk.format import AGAIN_PROMPT, newPasswordPrompt, serverLine
from chatd.talk.session import TalkSession, UsageError


async def registerCommand(session: TalkSession, rest: str) -> None:
    if not rest:
        # Asked for without echo, twice, so it never shows on the screen.
        session.registering = []
        session.telnet.hideInput()
        session.send(newPasswordPrompt(session.factory.service.passwordRules).encode())
        return
    await _register(session, rest)


async def newPassword(session: TalkSession, typed: str) -> None:
    """
    A line typed at C{/register}'s password prompts: the password, then
    the same again; an empty line gives up.
    """
    entered, typed = session.registering or [], typed.strip()
    if session.telnet.inputHidden():
        session.send(b"\r\n")  # the client echoed nothing, not even Enter
    if typed and not entered:
        session.registering = [typed]
        session.send(AGAIN_PROMPT.encode())
        return
    session.registering = None
    session.telnet.showInput()
    if not typed:
        session.send(serverLine("Registration cancelled."))
    elif typed != entered[0]:
        session.send(serverLine("The two passwords differ; nothing was changed."))
    else:
        try:
            await _register(session, typed)
        except UsageError as error:
            session.send(serverLine(error.text))
        except ChatError as error:
            session.send(serverLine(f"Sorry, {error.text}."))


async def _register(session: TalkSession, password: str) -> None:
    """
    Register with C{password}: what is said in the rooms that puts the user
    in follows the answer (L{chatd.lines.roomhold.RoomHold.holdAll}).
    """
    service = session.factory.service
    replayed = replayOffered(service, session.participant)
    session.held.holdAll()
    try:
        done = await maybeDeferred(service.register, session.participant, password)
    except BaseException:
        session.held.releaseAll()
        raise
    name = done.account
    if done.created:
        session.send(
            serverLine(f"{name} is now registered: logging in as {name} needs this password.")
        )
    else:
        session.send(serverLine(f"Password changed for {name}."))
    session.held.releaseAll(replayed)
