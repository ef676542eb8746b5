# -*- test-case-name: tests.unit.irc.test_irc_labels,tests.unit.irc.test_irc_chathistory -*-
"""
IRCv3 C{labeled-response}: a command sent with a C{label} tag gets its
whole response tied to that label: C{ACK} when it has none, the label on
the one line, or a C{labeled-response} batch around several lines (the
label on a response that is one batch already, as Ergo does).

Only what the command itself answers is labelled: what the service
delivers meanwhile (others' messages, or a message to oneself arriving as
a delivery) goes out as it comes, unlabelled (L{delivered}), but for a
change told to a whole channel that answers this connection's own request
(its C{MODE}, C{TOPIC} or C{KICK}: L{chatd.core.events.answers}).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from twisted.internet.defer import Deferred

from chatd.core.events import answers
from chatd.irc.message import escapeTagValue, formatLine
from chatd.irc.wire import newBatchId
from chatd.lines.paced import paced

if TYPE_CHECKING:
    from chatd.lines.outbox import Outbox

CRLF = b"\r\n"

F = TypeVar("F", bound=Callable[..., Any])


class Labelled(Protocol):
    """
    What labelling needs of a connection.

    @ivar labelled: the output of the labelled command being run, or
        C{None} when none is.
    @ivar delivering: how many service deliveries are under way (their
        output is not the command's).
    """

    labelled: list[bytes] | None
    delivering: int
    outbox: Outbox | None

    @property
    def server(self) -> str: ...

    def hasCap(self, name: str) -> bool: ...

    def sendNow(self, data: bytes) -> None: ...


class Held(list[bytes]):
    """
    A labelled command's output, held until it has answered; its C{label},
    whether the command sent its response itself (L{detach}), the
    reference of its C{labeled-response} batch once that was opened to let
    a paced batch through (L{openBatch}), and the rooms whose history it
    waits for (L{chatd.irc.joinhistory}).
    """

    __slots__ = ("label", "detached", "opened", "histories")

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label
        self.detached = False
        self.opened: str | None = None
        self.histories: dict[str, Deferred[None]] = {}


def detach(conn: Labelled) -> str | None:
    """
    The label of the command running, for the first line of a response it
    sends itself, in pieces (a paced C{chathistory} batch, which cannot be
    held whole): its end then sends no C{ACK}.  C{None}: no labelled
    command runs, or part of its response is held already (it keeps it)
    or went out in its open batch (L{openBatch}).
    """
    held = conn.labelled
    if not isinstance(held, Held) or held or held.detached or held.opened or conn.delivering:
        return None
    held.detached = True
    return held.label


def openBatch(conn: Labelled) -> str | None:
    """
    The reference of the running labelled command's C{labeled-response}
    batch, for a paced batch of its response that goes inside it (the
    history a C{JOIN} is shown): the batch's start (once) and what the
    command held since go out now, in turn with the paced batches before
    them, the rest and the batch's end when it has answered (L{finish}).
    C{None}: no labelled command runs, this is a delivery, or the client
    has no C{batch}.
    """
    held = conn.labelled
    if not isinstance(held, Held) or held.detached or conn.delivering:
        return None
    start = b""
    if held.opened is None:
        if not conn.hasCap("batch"):
            return None
        held.opened = newBatchId()
        line = formatLine(
            "BATCH",
            "+" + held.opened,
            "labeled-response",
            prefix=conn.server,
            tags={"label": held.label},
        )
        start = line.encode("utf-8") + CRLF
    if start or held:
        inTurn(conn, start + inBatch(held, held.opened))
        del held[:]
    return held.opened


def inTurn(conn: Labelled, data: bytes) -> None:
    """
    Send C{data} after the paced batches sent before it, which writes
    would overtake (L{chatd.lines.outbox.Outbox.startReply}).
    """
    paced(conn.outbox, [data])


def inBatch(lines: list[bytes], reference: str) -> bytes:
    """
    C{lines} (bytes ending in CR LF) in the batch C{reference}, but for
    those in a batch of their own already.
    """
    tag = "batch=" + reference
    return b"".join(
        (line if batchOf(line) is not None else withTags(line, tag)) + CRLF
        for line in b"".join(lines).split(CRLF)[:-1]
    )


def delivered(method: F) -> F:
    """
    Mark a service callback: what it sends is never a labelled reply,
    unless its event answers this connection's request.
    """

    @wraps(method)
    def deliver(self: Any, *args: Any) -> Any:
        if self.labelled is None or (args and answers(args[0], self)):
            return method(self, *args)
        self.delivering += 1
        try:
            return method(self, *args)
        finally:
            self.delivering -= 1

    return deliver  # type: ignore[return-value]


def runLabelled(conn: Labelled, label: str, run: Callable[[], Any]) -> Any:
    """
    Run a command (C{run}) whose response carries C{label}; its output is
    held until it has answered (its L{Deferred} has fired).
    """
    conn.labelled = Held(label)
    try:
        result = run()
    except BaseException:
        finish(conn, label)
        raise
    if isinstance(result, Deferred):

        def done(value: object) -> object:
            finish(conn, label)
            return value

        return result.addBoth(done)
    finish(conn, label)
    return result


def withTags(line: bytes, tags: str) -> bytes:
    """
    C{line} (without CR LF) with the tags C{tags} (C{a=b;c=d}) added first.
    """
    if line.startswith(b"@"):
        return b"@" + tags.encode("utf-8") + b";" + line[1:]
    return b"@" + tags.encode("utf-8") + b" " + line


def batchOf(line: bytes) -> str | None:
    """
    The reference of the batch C{line} is in, if any.
    """
    if not line.startswith(b"@"):
        return None
    for tag in line[1:].split(b" ", 1)[0].split(b";"):
        if tag.startswith(b"batch="):
            return tag[6:].decode("utf-8", "replace")
    return None


def words(line: bytes) -> list[bytes]:
    """
    C{line}'s command and parameters, without its tags and prefix.
    """
    parts = line.split(b" ")
    if parts and parts[0].startswith(b"@"):
        parts = parts[1:]
    if parts and parts[0].startswith(b":"):
        parts = parts[1:]
    return parts


def isOneBatch(lines: list[bytes]) -> bool:
    """
    Whether C{lines} are one batch: its start, its lines, its end.
    """
    first, last = words(lines[0]), words(lines[-1])
    if len(first) < 2 or first[0] != b"BATCH" or not first[1].startswith(b"+"):
        return False
    reference = first[1][1:]
    return last[:2] == [b"BATCH", b"-" + reference] and all(
        batchOf(line) == reference.decode("utf-8", "replace") for line in lines[1:-1]
    )


def finish(conn: Labelled, label: str) -> None:
    """
    Send the held response of a command labelled C{label}.
    """
    held, conn.labelled = conn.labelled, None
    if isinstance(held, Held) and held.detached:  # the response went out itself
        if held:
            conn.sendNow(b"".join(held))
        return
    if isinstance(held, Held) and held.opened is not None:  # its batch is open: the rest
        end = formatLine("BATCH", "-" + held.opened, prefix=conn.server)
        inTurn(conn, inBatch(held, held.opened) + end.encode("utf-8") + CRLF)
        return
    held = held or []
    lines = b"".join(held).split(CRLF)[:-1]
    labelTag = "label=" + escapeTagValue(label)
    if not lines:
        ack = formatLine("ACK", prefix=conn.server, tags={"label": label})
        conn.sendNow(ack.encode("utf-8") + CRLF)
    elif len(lines) == 1 or isOneBatch(lines):
        conn.sendNow(
            withTags(lines[0], labelTag) + CRLF + b"".join(line + CRLF for line in lines[1:])
        )
    elif not conn.hasCap("batch"):
        conn.sendNow(b"".join(held))  # a label without batch cannot cover several lines
    else:
        reference = newBatchId()
        start = formatLine(
            "BATCH", "+" + reference, "labeled-response", prefix=conn.server, tags={"label": label}
        )
        end = formatLine("BATCH", "-" + reference, prefix=conn.server)
        conn.sendNow(
            start.encode("utf-8") + CRLF + inBatch(held, reference) + end.encode("utf-8") + CRLF
        )
