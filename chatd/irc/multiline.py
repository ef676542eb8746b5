# -*- test-case-name: tests.unit.irc.test_irc_multiline -*-
"""
IRCv3 C{draft/multiline} from the client: C{BATCH +ref draft/multiline
<target>}, C{PRIVMSG} (or C{NOTICE}) lines tagged C{batch=ref}, C{BATCH
-ref}, then one call to the service with the message's lines.

A line tagged C{draft/multiline-concat} goes on the previous one without a
line feed; each line feed counts one byte, as the specification says.  The
batch is held with the limits the capability advertises (C{max-lines}:
PRIVMSG lines, C{max-bytes}: UTF-8 bytes of the message), the service's body
limits (L{chatd.irc.listener.IRCListener.setBodyLimits}): a batch that
would exceed one is dropped at once with C{FAIL BATCH MULTILINE_MAX_LINES}
or C{MULTILINE_MAX_BYTES}, so a client that never closes its batch holds no
more than that.  The rest of a refused batch (its lines and its end) is
dropped without a word.  A label on the opening C{BATCH} labels the whole
answer (the echo, an error).

The message's IRC lines are remembered (L{ComposedLines}) so IRC clients
with the capability see the sender's own composition; clients without it
and other front-ends get its lines (L{chatd.irc.wire}).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chatd.core.events import ComposedLines
from chatd.core.names import key
from chatd.irc.caps import multilineOn
from chatd.irc.labels import runLabelled
from chatd.irc.message import Message
from chatd.irc.privmsg import BOT_TAG, clientTags, sendOne
from chatd.irc.session import IRCSession
from chatd.irc.wire import CONCAT, MULTILINE


@dataclass
class OpenBatch:
    """
    A C{draft/multiline} batch the client has opened and not yet closed.

    @ivar reference: its reference tag (without the C{+}).
    @ivar target: the channel or nickname it goes to.
    @ivar label: the C{label} of its opening C{BATCH}, if any.
    @ivar tags: the client-only tags of its opening C{BATCH}.
    @ivar command: C{PRIVMSG} or C{NOTICE}, from its first line.
    @ivar pieces: the message's lines so far, each as the pieces the client
        sent it in.
    @ivar count: PRIVMSG lines so far.
    @ivar size: bytes of the message so far, line feeds included.
    """

    reference: str
    target: str
    label: str | None
    tags: tuple[tuple[str, str], ...]
    command: str | None = None
    pieces: list[list[str]] = field(default_factory=list)
    count: int = 0
    size: int = 0


def fail(irc: IRCSession, label: str | None, code: str, *params: str) -> None:
    """
    C{FAIL BATCH <code> <params...> :text}, with the batch's C{label}.
    """
    *args, text = params

    def send() -> None:
        irc.sendMessage("FAIL", "BATCH", code, *args, text, trailing=True)

    if label and "labeled-response" in irc.caps and irc.labelled is None:
        runLabelled(irc, label, send)
    else:
        send()


def drop(irc: IRCSession, code: str, *params: str) -> None:
    """
    Refuse the open batch: C{FAIL BATCH}, and forget it.
    """
    batch, irc.multiline = irc.multiline, None
    fail(irc, batch.label if batch else None, code, *params)


def onBatch(irc: IRCSession, message: Message) -> Any:
    """
    C{BATCH +ref draft/multiline <target>} opens a batch, C{BATCH -ref}
    closes it and sends the message.
    """
    label = message.tags.get("label")
    if not multilineOn(irc.caps.enabled):
        irc.multiline = None  # the capability (or batch) was removed meanwhile
        fail(irc, label, "MULTILINE_INVALID", "draft/multiline and batch were not negotiated")
        return None
    reference = message.params[0]
    if reference.startswith("-"):
        batch = irc.multiline
        if batch is None:
            return None  # the end of a batch already refused
        if batch.reference != reference[1:]:
            drop(irc, "MULTILINE_INVALID", "the end of another batch than the one open")
            return None
        irc.multiline = None
        return deliver(irc, batch)
    if irc.multiline is not None:
        drop(irc, "MULTILINE_INVALID", "a multiline batch is already open")
        return None
    params = message.params
    if not reference.startswith("+") or len(reference) < 2:
        fail(irc, label, "MULTILINE_INVALID", "a batch reference starts with + or -")
    elif len(params) < 3 or params[1] != MULTILINE or not params[2]:
        fail(irc, label, "MULTILINE_INVALID", "only draft/multiline batches, with a target")
    elif "," in params[2]:
        fail(irc, label, "MULTILINE_INVALID_TARGET", params[2], params[2], "one target only")
    else:
        irc.multiline = OpenBatch(reference[1:], params[2], label, clientTags(message))
    return None


def sameTarget(first: str, second: str) -> bool:
    """
    Whether two spellings name one target: the same status prefix and
    channel sign (C{@#}, C{#}, none), and names that are one name.
    """
    head1, name1 = splitTarget(first)
    head2, name2 = splitTarget(second)
    return head1 == head2 and (name1 == name2 or key(name1) == key(name2))


def splitTarget(target: str) -> tuple[str, str]:
    name = target.lstrip("@#")
    return target[: len(target) - len(name)], name


def collect(irc: IRCSession, message: Message) -> None:
    """
    A line of the open batch: checked and kept, or the batch refused.
    """
    batch = irc.multiline
    if batch is None:
        return None  # a line of a batch already refused (or never opened)
    if message.tags["batch"] != batch.reference:
        drop(irc, "MULTILINE_INVALID", "a line of another batch inside a multiline batch")
        return None
    if message.command not in ("PRIVMSG", "NOTICE") or len(message.params) < 2:
        drop(irc, "MULTILINE_INVALID", "a multiline batch holds only PRIVMSG or NOTICE lines")
        return None
    if batch.command is not None and message.command != batch.command:
        drop(irc, "MULTILINE_INVALID", "PRIVMSG and NOTICE mixed in one multiline batch")
        return None
    target, text = message.params[0], message.params[1]
    if not sameTarget(target, batch.target):
        drop(irc, "MULTILINE_INVALID_TARGET", batch.target, target, "Invalid multiline target")
        return None
    concat = CONCAT in message.tags
    if concat and (not text or not batch.pieces):
        drop(irc, "MULTILINE_INVALID", "draft/multiline-concat on a blank or first line")
        return None
    limits = irc.factory
    size = batch.size + len(text.encode("utf-8")) + (1 if batch.pieces and not concat else 0)
    if batch.count + 1 > limits.maxBodyLines:
        limit = str(limits.maxBodyLines)
        drop(irc, "MULTILINE_MAX_LINES", limit, "Multiline batch max-lines exceeded")
    elif size > limits.maxBodyBytes:
        limit = str(limits.maxBodyBytes)
        drop(irc, "MULTILINE_MAX_BYTES", limit, "Multiline batch max-bytes exceeded")
    else:
        batch.command, batch.count, batch.size = message.command, batch.count + 1, size
        if concat:
            batch.pieces[-1].append(text)
        else:
            batch.pieces.append([text])
    return None


def deliver(irc: IRCSession, batch: OpenBatch) -> Any:
    """
    The closed batch's message, in one call to the service (its answer
    labelled with the batch's label).
    """
    if not batch.pieces or batch.command is None:
        fail(irc, batch.label, "MULTILINE_INVALID", "an empty multiline batch")
        return None
    command = batch.command
    lines = ComposedLines(tuple(tuple(line) for line in batch.pieces))
    tags = batch.tags + (BOT_TAG if "B" in irc.userModes else ())

    def send() -> Any:
        quiet = command == "NOTICE"
        return sendOne(irc, command, batch.target, lines, quiet, tags, checkLength=False)

    if batch.label and "labeled-response" in irc.caps:
        return runLabelled(irc, batch.label, send)
    return send()


def ownsLabel(irc: IRCSession, message: Message) -> bool:
    """
    Whether a C{label} on C{message} is this module's to answer: the
    opening C{BATCH}'s labels the whole batch, and the lines of a batch
    are not answered one by one.
    """
    return message.command == "BATCH" or ("batch" in message.tags and multilineOn(irc.caps.enabled))


def batched(handler: Callable[[IRCSession, Message], Any]) -> Callable[[IRCSession, Message], Any]:
    """
    C{handler} (C{PRIVMSG}, C{NOTICE}, C{TAGMSG}), except that a line
    tagged C{batch} from a client with C{draft/multiline} (and C{batch})
    belongs to its multiline batch (L{collect}).
    """

    def handle(irc: IRCSession, message: Message) -> Any:
        if "batch" in message.tags and multilineOn(irc.caps.enabled):
            return collect(irc, message)
        return handler(irc, message)

    handle.__name__ = handler.__name__
    handle.__doc__ = handler.__doc__
    return handle
