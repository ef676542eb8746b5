# -*- test-case-name: tests.unit.irc.test_irc_chathistory,tests.unit.irc.test_irc_paced -*-
"""
IRCv3 C{batch}: stored messages shown as history, in a C{chathistory}
batch, each with its original C{time} and its C{msgid}, so a client tells
them from live messages and shows each once.
"""

from __future__ import annotations

from itertools import chain

from twisted.internet.defer import Deferred

from chatd.core.events import PrivateMessage, RoomMessage
from chatd.irc.labels import CRLF, detach, openBatch
from chatd.irc.message import formatLine
from chatd.irc.servertime import serverTimeMillis
from chatd.irc.session import IRCSession
from chatd.irc.wire import channelName, newBatchId, storedHostmask
from chatd.lines.paced import paced, pagesFor

__all__ = ["historyLines", "newBatchId", "sendHistory"]


def historyLines(irc: IRCSession, event: RoomMessage | PrivateMessage, batch: str | None) -> bytes:
    """
    C{event} as the PRIVMSG or NOTICE it was, with the tags this client
    negotiated: C{batch}, C{time} (the original one), C{msgid} and
    C{account} (the one its sender's stored mask names); a
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
    prefix = storedHostmask(event.sender)
    tags = irc.wire.withAccount(tags, event.sender) or {}
    return irc.wire.textLines(command, prefix, target, event.lines, tags or None)


def sendHistory(
    irc: IRCSession, target: str, events: list[RoomMessage] | list[RoomMessage | PrivateMessage]
) -> Deferred[bool]:
    """
    C{events}, oldest first, as history of C{target} (a channel or a
    nickname): in a C{chathistory} batch if the client has C{batch}, a page
    at a time as the client reads (L{chatd.lines.paced}), with what comes
    meanwhile after the batch; a labelled command's label on its start,
    or, after other lines of its response, inside its C{labeled-response}
    batch.
    """
    batch = None
    head = tail = b""
    if "batch" in irc.caps:
        batch = newBatchId()
        label = detach(irc)
        outer = openBatch(irc) if label is None else None
        tags = {"label": label} if label is not None else None
        within = {"batch": outer} if outer is not None else None
        start = formatLine(
            "BATCH", "+" + batch, "chathistory", target, prefix=irc.server, tags=tags or within
        )
        head = start.encode("utf-8") + CRLF
        end = formatLine("BATCH", "-" + batch, prefix=irc.server, tags=within)
        tail = end.encode("utf-8") + CRLF
    pages = (
        b"".join(historyLines(irc, event, batch) for event in page)
        for page in pagesFor(irc.outbox, events)
    )
    return paced(irc.outbox, (piece for piece in chain([head], pages, [tail]) if piece))
