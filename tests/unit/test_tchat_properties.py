"""
Property tests: arbitrary bytes never break the TCHAT protocol.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet.task import Clock

from chatd.core.service import ChatService
from chatd.tchat import TchatFactory, TchatProtocol
from tests.support.helpers import connect, output

WELL_FORMED = re.compile(rb"srv: [^\n]*")
#: The answers to telnet option requests (L{chatd.lines.telnetcommands}).
TELNET_ANSWER = re.compile(rb"\xff[\xfb-\xfe].", re.DOTALL)
FINAL = re.compile(rb"srv: (OKAY!|ERROR \d\d)$")
VERBS = ["LOGIN", "CREAT", "ENTER", "LEAVE", "LSMEM", "FOO", "login", ""]


def fresh() -> tuple[TchatProtocol, object, Clock]:
    clock = Clock()
    service = ChatService(clock, maxGroupSize=2)
    factory = TchatFactory(service, clock, maxLineLength=64, floodBurst=None, aliveAfter=None)
    proto, transport = connect(factory, clock)
    output(transport, clock)
    return proto, transport, clock


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=20))
def test_arbitraryBytes(chunks: list[bytes]) -> None:
    """
    Whatever bytes arrive, in whatever pieces, C{dataReceived} returns
    normally and every line written back is a C{srv: } line, but for the
    answers to telnet requests, which only a client that sent C{IAC} gets.
    """
    proto, transport, clock = fresh()
    for chunk in chunks:
        proto.dataReceived(chunk)
    data = output(transport, clock)  # type: ignore[arg-type]
    answered = TELNET_ANSWER.sub(b"", data)
    assert answered == data or any(b"\xff" in chunk for chunk in chunks)
    data = answered
    assert data == b"" or data.endswith(b"\n")
    for line in data.split(b"\n")[:-1]:
        assert WELL_FORMED.fullmatch(line), line


command = st.builds(
    lambda verb, args: ("clt: " + verb + (" " + args if args else "")).encode("utf-8"),
    st.sampled_from(VERBS),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n"), max_size=30),
)
rawLine = (
    st.binary(max_size=100)
    .map(lambda b: b.replace(b"\n", b""))
    .filter(
        lambda b: (
            not b.startswith(b"clt: SPEAK")
            and not b.startswith(b"clt: MSGPV")
            and not b.startswith(b"clt: ALIVE")
        )
    )
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(command, rawLine), min_size=1, max_size=15), st.booleans())
def test_oneFinalReplyPerLine(lines: list[bytes], crlf: bool) -> None:
    """
    Every complete line that is not a message body or ALIVE gets exactly one
    final line, OKAY! or ERROR NN, in order, telnet commands in it or not.
    """
    proto, transport, clock = fresh()
    ending = b"\r\n" if crlf else b"\n"
    proto.dataReceived(b"".join(line + ending for line in lines))
    data = TELNET_ANSWER.sub(b"", output(transport, clock))  # type: ignore[arg-type]
    finals = [line for line in data.split(b"\n")[:-1] if FINAL.fullmatch(line)]
    assert len(finals) == len(lines), (lines, data)
