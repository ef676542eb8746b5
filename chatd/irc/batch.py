# -*- test-case-name: tests.unit.irc.test_irc_chathistory -*-
"""
IRCv3 C{batch}: stored messages shown as history, in a C{chathistory}
batch, each with its original C{time} and its C{msgid}, so a client tells
them from live messages and shows each once.
"""

from __future__ import annotations

from chatd.core.events import PrivateMessage, RoomMessage
from chatd.irc.session import IRCSession
from chatd.irc.wire import channelName, newBatchId, serverTimeMillis

__all__ = ["historyLines", "newBatchId", "sendHistory"]


def historyLines(irc: IRCSession, event: RoomMessage | PrivateMessage, batch: str | None) -> bytes:
    """
    C{event} as the PRIVMSG or NOTICE it was, with the tags this client
    negotiated: C{batch}, C{time} (the original one) and C{msgid}; a
    message of several lines as a C{draft/multiline} batch inside the
    history batch for a client with that capability.
    """
    tags: dict[str, str] = {}
    if batch is not None:
        tags["batch"] = batch
    if "server-time" in irc.caps:
        tags["time"] = serverTimeMillis(event.millis)
    if "message-tags" in irc.caps and event.msgid:
        tags["msgid"] = event.msgid
    if isinstance(event, RoomMessage):
        target = channelName(event.room)
    else:
        target = event.recipient
    command = "NOTICE" if event.notice else "PRIVMSG"
    prefix = irc.wire.hostmask(event.sender)
    return irc.wire.textLines(command, prefix, target, event.lines, tags or None)


def sendHistory(
    irc: IRCSession, target: str, events: list[RoomMessage] | list[RoomMessage | PrivateMessage]
) -> None:
    """
    C{events}, oldest first, as history of C{target} (a channel or a
    nickname): in a C{chathistory} batch if the client has C{batch}.
    """
    batch = None
    if "batch" in irc.caps:
        batch = newBatchId()
        irc.sendMessage("BATCH", "+" + batch, "chathistory", target)
    for event in events:
        irc.send(historyLines(irc, event, batch))
    if batch is not None:
        irc.sendMessage("BATCH", "-" + batch)
