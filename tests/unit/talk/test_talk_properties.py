"""
Property tests: arbitrary bytes never break the telnet layer or talk mode.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from chatd.core.service import ChatService
from chatd.talk.protocol import TalkFactory, TalkProtocol
from chatd.talk.telnet import TelnetFilter
from chatd.testing import RecordingParticipant
from tests.support.helpers import connect, output

chunks = st.lists(st.binary(max_size=200), max_size=20)
# Text a person types: no IAC (0xFF) and no CR, so the filter must not change it.
plain = st.binary(max_size=300).map(lambda b: b.replace(b"\xff", b"").replace(b"\r", b""))


@settings(max_examples=300, deadline=None)
@given(chunks)
def test_filterNeverRaises(pieces: list[bytes]) -> None:
    """
    Whatever bytes arrive, in whatever pieces, the telnet filter returns
    normally and never delivers a CR.
    """
    delivered: list[bytes] = []
    telnet = TelnetFilter(delivered.append, lambda data: None, StringTransport())
    for piece in pieces:
        telnet.dataReceived(piece)
    assert b"\r" not in b"".join(delivered)


@settings(max_examples=300, deadline=None)
@given(plain, st.integers(min_value=1, max_value=50))
def test_plainTextUnchanged(data: bytes, size: int) -> None:
    """
    Data without IAC or CR passes through unchanged, however it is split.
    """
    delivered: list[bytes] = []
    telnet = TelnetFilter(delivered.append, lambda data: None, StringTransport())
    for start in range(0, len(data), size):
        telnet.dataReceived(data[start : start + size])
    assert b"".join(delivered) == data


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40), chunks)
def test_talkSurvivesAnything(nick: bytes, pieces: list[bytes]) -> None:
    """
    Whatever a client sends, talk mode never hits an internal error, every
    line it writes ends in CR LF, and a watcher in the lobby only ever gets
    well-formed events.
    """
    clock = Clock()
    service = ChatService(clock, rooms=["lobby"])
    watcher = RecordingParticipant()
    service.connect(watcher)
    service.login(watcher, "watcher")
    service.enter(watcher, "lobby")
    factory = TalkFactory(service, clock, maxLineLength=64, floodBurst=None)
    proto, transport = connect(factory, clock)
    assert isinstance(proto, TalkProtocol)
    proto.dataReceived(nick + b"\r\n")
    for piece in pieces:
        proto.dataReceived(piece)
    data = output(transport, clock)
    assert b"went wrong on the server" not in data
    assert b"\n" not in data.replace(b"\r\n", b""), data  # terminal line ends only
    for event in watcher.events:
        for line in getattr(event, "lines", ()):
            assert line.strip() and "\n" not in line and "\r" not in line
