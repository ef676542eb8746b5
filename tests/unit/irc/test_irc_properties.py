"""
Property tests: arbitrary input never breaks the IRC front-end.

Whatever a client sends, C{dataReceived} returns normally, nothing is
logged as an internal error, and everything written back is well-formed
IRC: CR LF lines within 512 bytes (tags aside), each parsing as a message.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet.task import Clock
from twisted.logger import ILogObserver, globalLogPublisher
from zope.interface import provider

from chatd.core.delivery import connectionsOf
from chatd.core.service import ChatService
from chatd.irc.factory import IRCFactory
from chatd.irc.message import parse
from chatd.testing import RecordingParticipant
from tests.support.helpers import connect, output

COMMANDS = [
    "NICK", "USER", "PASS", "CAP", "AUTHENTICATE", "JOIN", "PART", "PRIVMSG", "NOTICE",
    "NAMES", "LIST", "TOPIC", "WHO", "WHOIS", "WHOWAS", "MODE", "KICK", "INVITE", "AWAY",
    "ISON", "USERHOST", "LUSERS", "MOTD", "PING", "PONG", "TIME", "VERSION", "FOO", "",
]  # fmt: skip
WORDS = ["#lobby", "#new", "alice", "bob", "*", "+i", "-t", "LS", "REQ", "END", "302", ":", "0"]

word = st.one_of(
    st.sampled_from(WORDS),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n\0 "), max_size=20),
    st.integers(min_value=100, max_value=300).map(lambda n: "é" * n),
)
command = st.builds(
    lambda tags, verb, args, trailing: (
        (f"@{tags} " if tags else "")
        + verb
        + "".join(" " + a for a in args)
        + (f" :{trailing}" if trailing is not None else "")
    ).encode("utf-8"),
    st.one_of(st.just(""), st.text(alphabet="abc=;+\\", max_size=10)),
    st.sampled_from(COMMANDS),
    st.lists(word, max_size=4),
    st.one_of(
        st.none(),
        st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n\0"), max_size=40),
    ),
)
line = st.one_of(command, st.binary(max_size=80).map(lambda b: b.replace(b"\n", b"")))


def check(data: bytes) -> None:
    """
    C{data} is whole CR LF lines, each parsable, each within 512 bytes
    without its tags.
    """
    assert data == b"" or data.endswith(b"\r\n"), data
    for raw in data.split(b"\r\n")[:-1]:
        text = raw.decode("utf-8")
        body = text.split(" ", 1)[1] if text.startswith("@") else text
        assert len(body.encode("utf-8")) + 2 <= 512, raw
        parse(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(line, max_size=25), st.lists(st.integers(min_value=1, max_value=30), max_size=5))
def test_arbitraryCommands(lines: list[bytes], cuts: list[int]) -> None:
    """
    Random commands (and random bytes) from two clients, cut into random
    pieces, with a TCHAT-like participant speaking in between: no
    exception escapes, no internal error is logged, all output is valid.
    """
    clock = Clock()
    service = ChatService(clock, maxGroupSize=3, rooms=["lobby"], operators=["alice"])
    factory = IRCFactory(service, clock, floodBurst=None, maxLineLength=600)
    other = RecordingParticipant()
    service.connect(other)
    service.login(other, "bob")
    service.enter(other, "lobby")
    failures: list[object] = []

    @provider(ILogObserver)
    def observe(event: dict[str, object]) -> None:
        if event.get("log_failure") is not None:
            failures.append(event)

    globalLogPublisher.addObserver(observe)
    try:
        clients = [connect(factory, clock) for _ in range(2)]
        for proto, _ in clients:
            proto.dataReceived(b"NICK alice\r\nUSER a 0 * :A\r\nJOIN #lobby\r\n")
        data = b"".join(line + b"\r\n" for line in lines)
        pieces, start = [], 0
        for cut in cuts:
            pieces.append(data[start : start + cut])
            start += cut
        pieces.append(data[start:])
        for index, piece in enumerate(pieces):
            proto, transport = clients[index % 2]
            proto.dataReceived(piece)
            if other in connectionsOf(service.find("bob")) and "lobby" in service.roomsOf(other):
                service.say(other, "lobby", ("x" * 600, "ünïcode 😀"))
        for _proto, transport in clients:
            check(output(transport, clock))
    finally:
        globalLogPublisher.removeObserver(observe)
    assert failures == []
