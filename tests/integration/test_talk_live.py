"""
Talk mode over real connections: a TCHAT client and a talk client chatting
through one service on loopback sockets, and a person on the real Debian
C{telnet} program (driven in C{tmux}) against a real C{twistd chatd}.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.protocol import Protocol
from twisted.internet.task import deferLater
from twisted.protocols import portforward
from twisted.python.failure import Failure

from chatd.core.service import ChatService
from chatd.talk.format import NICK_PROMPT, PASSWORD_PROMPT
from chatd.talk.protocol import TalkFactory
from chatd.tchat import TchatFactory
from tests.support.daemon import loopbackDaemon
from tests.support.e2eclients import talkLogin
from tests.support.lineclient import TIMEOUT, LineClient, connectLines
from tests.support.teardown import Teardown
from tests.support.terminal import Terminal


@pytest_twisted.async_yield_fixture
async def ports() -> AsyncIterator[tuple[int, int, ChatService]]:
    """
    One service with a TCHAT and a talk listener on free 127.0.0.1 ports.
    """
    service = ChatService(reactor, rooms=["lobby"])
    tchat = TchatFactory(service, reactor, aliveAfter=None)
    talk = TalkFactory(service, reactor)
    listening = [reactor.listenTCP(0, factory, interface="127.0.0.1") for factory in (tchat, talk)]
    tchatAddress, talkAddress = (port.getHost() for port in listening)
    assert isinstance(tchatAddress, IPv4Address) and isinstance(talkAddress, IPv4Address)
    yield tchatAddress.port, talkAddress.port, service
    for port in listening:
        stopped = port.stopListening()
        if stopped is not None:
            await stopped
    for factory in (tchat, talk):
        factory.flusher.cancel()


async def until(condition: Callable[[], bool], what: str) -> None:
    """
    Wait (on the reactor, never blocking it) until C{condition()} holds.
    """
    for _ in range(int(TIMEOUT / 0.05)):
        if condition():
            return
        await deferLater(reactor, 0.05, lambda: None)
    raise AssertionError(f"timed out waiting for {what}")


async def bobInLobby(port: int) -> LineClient:
    """
    The TCHAT user C{bob} on C{port}, in lobby (each command answered
    C{OKAY!} at once).
    """
    bob = await connectLines(reactor, port)
    assert await bob.line() == "srv: TCHAT 1"
    bob.send("clt: LOGIN bob", "clt: ENTER lobby")
    assert await bob.nextLines(2) == ["srv: OKAY!", "srv: OKAY!"]
    return bob


@pytest_twisted.ensureDeferred
async def test_tchatAndTalkChat(ports: tuple[int, int, ChatService]) -> None:
    """
    A TCHAT user in group C{lobby} and a talk user in C{lobby} see each
    other arrive, speak (multi-line TCHAT bodies line by line), message each
    other privately, and leave.
    """
    tchatPort, talkPort, service = ports
    alice = await talkLogin(talkPort, "alice")
    assert await alice.line() == "*** You joined lobby; nobody else is here yet."
    bob = await bobInLobby(tchatPort)
    while (line := await alice.line()) != "*** bob has joined lobby":
        assert line.startswith(("*** ", "  /")), line  # the help comes first

    bob.send("clt: SPEAK lobby", "clt: hello alice", "clt: how are you?", "clt: .")
    assert await bob.line() == "srv: OKAY!"
    assert await alice.nextLines(2) == ["[lobby] <bob> hello alice", "[lobby] <bob> how are you?"]

    alice.send("fine, thanks!", "/me waves")
    for text in ["fine, thanks!", "* alice waves"]:
        head, body, end = await bob.nextLines(3)
        assert head.startswith("srv: SPEAK alice lobby ")
        assert (body, end) == (f"srv: {text}", "srv: .")

    alice.send("/pm bob just between us")
    assert (await bob.line()).startswith("srv: MSGPV alice ")
    assert await bob.nextLines(2) == ["srv: just between us", "srv: ."]
    bob.send("clt: MSGPV alice", "clt: ok", "clt: .")
    assert await bob.line() == "srv: OKAY!"
    assert await alice.line() == "*private* <bob> ok"

    alice.send("/who")
    assert await alice.line() == "*** In lobby (2): alice, bob"

    alice.transport.abortConnection()  # type: ignore[union-attr]
    await alice.closed
    assert (await bob.line()).startswith("srv: LEAVE lobby alice ")

    carol = await talkLogin(talkPort, "carol")
    assert await carol.line() == "*** You joined lobby, with bob."
    assert (await bob.line()).startswith("srv: ENTER lobby carol ")
    bob.send("clt: LEAVE lobby")
    assert (await bob.line()) == "srv: OKAY!"
    while (line := await carol.line()) != "*** bob has left lobby":
        pass
    carol.send("/quit bye")
    assert await carol.line() == "*** Goodbye, carol!"
    await carol.closed
    await bob.close()
    await until(lambda: not service.users(), "everyone to be gone")


class RawClient(Protocol):
    """
    Keeps every byte received, undecoded.
    """

    def __init__(self) -> None:
        self.received = b""
        self.closed: Deferred[None] = Deferred()

    def dataReceived(self, data: bytes) -> None:
        self.received += data

    def connectionLost(self, reason: Failure | None = None) -> None:
        self.closed.callback(None)


@pytest_twisted.ensureDeferred
async def test_telnetNegotiationOverSocket(ports: tuple[int, int, ChatService]) -> None:
    """
    Option negotiation and CR NUL line ends over a real socket: the options
    are refused and the nickname arrives clean.
    """
    _, talkPort, service = ports
    d = connectProtocol(TCP4ClientEndpoint(reactor, "127.0.0.1", talkPort), RawClient())
    d.addTimeout(TIMEOUT, reactor)
    client: RawClient = await d
    client.transport.write(b"\xff\xfd\x05\xff\xfb\x1fdana\r\0")  # type: ignore[union-attr]
    await until(lambda: b"Welcome, dana!" in client.received, "the welcome")
    assert b"\xff\xfc\x05\xff\xfe\x1f" in client.received  # WONT STATUS, DONT NAWS
    assert [user.nick for user in service.users()] == ["dana"]
    client.transport.loseConnection()  # type: ignore[union-attr]
    await client.closed
    await until(lambda: not service.users(), "dana to be gone")


# The real telnet program, in a real terminal (tmux), against real twistd.

TELNET, TMUX = shutil.which("telnet"), shutil.which("tmux")


def telnet(tmp_path: Path, port: int) -> Terminal:
    """
    The real telnet on the loopback C{port}, in an 80x24 terminal.
    """
    return Terminal(tmp_path, f"{TELNET} 127.0.0.1 {port}", width=80, height=24, name="telnet")


async def shows(term: Terminal, text: str) -> str:
    """
    The screen once it shows C{text}.
    """
    await term.waitFor(text)
    return term.screen()


async def lineNotInGeneral(client: LineClient) -> str:
    """
    The next line that is neither a NOTICE nor about Général, the room a
    fresh data directory puts every newcomer in (issue #4).
    """
    while True:
        line = await client.line()
        if line.startswith("srv: NOTICE "):
            while await client.line() != "srv: .":
                pass
        elif "Général" not in line:
            return line


@pytest.mark.skipif(
    TELNET is None or TMUX is None,
    reason="needs the Debian telnet and tmux programs (apt-get install telnet tmux; CI has them)",
)
@pytest_twisted.ensureDeferred
async def test_realTelnet(tmp_path: Path) -> None:
    """
    What a person on C{telnet localhost PORT} sees: the greeting and prompt,
    a readable refusal for a taken name, the lobby and the help, chat from a
    TCHAT user, their own backspace-edited line reaching the room clean, no
    negotiation garbage anywhere, and a goodbye before telnet reports the
    connection closed.
    """
    assert TELNET is not None
    daemon = loopbackDaemon(tmp_path)
    async with Teardown(daemon) as ending:
        bob = ending.keep(await bobInLobby(daemon.ports["TchatFactory"]))

        term = ending.keep(telnet(tmp_path, daemon.ports["TalkFactory"]))
        await term.waitFor(NICK_PROMPT.rstrip())
        await term.keys("BOB", "Enter")
        await term.waitFor("*** Sorry, that nickname is taken: it looks like bob.")
        await term.keys("alice", "Enter")
        await term.waitFor("*** You joined lobby, with bob.")
        await term.waitFor("/quit [message]")
        assert (await lineNotInGeneral(bob)).startswith("srv: ENTER lobby alice ")

        bob.send("clt: SPEAK lobby", "clt: hi alice, welcome!", "clt: .")
        assert await lineNotInGeneral(bob) == "srv: OKAY!"
        await term.waitFor("[lobby] <bob> hi alice, welcome!")

        await term.keys("hello bbo", "BSpace", "BSpace", "ob", "Enter")
        head, body, end = await bob.nextLines(3)
        assert head.startswith("srv: SPEAK alice lobby ")
        assert (body, end) == ("srv: hello bob", "srv: .")

        await term.keys("/pm bob psst", "Enter")
        assert (await bob.line()).startswith("srv: MSGPV alice ")
        assert await bob.nextLines(2) == ["srv: psst", "srv: ."]

        await term.keys("/quit", "Enter")
        final = await shows(term, "Connection closed by foreign host.")
        assert "*** Goodbye, alice!" in final, final
        assert (await lineNotInGeneral(bob)).startswith("srv: LEAVE lobby alice ")
        for garbage in ("\ufffd", "\xff", "^[", "[0m"):
            assert garbage not in final, final
    assert "Traceback" not in daemon.logText(), daemon.logText()


@pytest.mark.skipif(
    TELNET is None or TMUX is None,
    reason="needs the Debian telnet and tmux programs (apt-get install telnet tmux; CI has them)",
)
@pytest_twisted.ensureDeferred
async def test_realTelnetPassword(tmp_path: Path) -> None:
    """
    A nickname registered over TCHAT asks the real C{telnet} user for its
    password, which never shows on the screen (the client stops echoing
    while it is typed); a wrong one is refused readably and the password
    asked again, still unseen; the right one typed then logs in, and the
    client echoes what is typed again afterwards.
    """
    assert TELNET is not None
    daemon = loopbackDaemon(tmp_path)
    async with Teardown(daemon) as ending:
        carol = await connectLines(reactor, daemon.ports["TchatFactory"])
        assert await carol.line() == "srv: TCHAT 1"
        carol.send("clt: LOGIN carol", "clt: REGIS hunter22")
        assert await carol.line() == "srv: OKAY!"
        assert await lineNotInGeneral(carol) == "srv: OKAY!"
        await carol.close()

        term = ending.keep(telnet(tmp_path, daemon.ports["TalkFactory"]))
        await term.waitFor(NICK_PROMPT.rstrip())
        await term.keys("carol", "Enter")
        await term.waitFor(PASSWORD_PROMPT.rstrip())
        await term.keys("guess99", "Enter")
        await term.waitFor("*** Sorry, wrong password: try again (2 tries left).")
        await term.waitFor("Password for carol (or just Enter to pick another nickname):")
        await term.keys("hunter22", "Enter")
        await term.waitFor("*** Welcome, carol!")
        await term.keys("/who", "Enter")
        final = await shows(term, "*** In lobby (1): carol")
        assert "\n/who\n" in final, final  # echoed by the client again
        for secret in ("guess99", "hunter22"):
            assert secret not in final, final
        for garbage in ("\ufffd", "\xff", "^["):
            assert garbage not in final, final
    assert "Traceback" not in daemon.logText(), daemon.logText()


class FreezableClient(portforward.ProxyClient):
    """
    The daemon's side of L{FreezableProxy}: drops what the daemon sends
    once the link is frozen.
    """

    def dataReceived(self, data: bytes) -> None:
        if not FreezableProxy.frozen:
            super().dataReceived(data)


class FreezableClientFactory(portforward.ProxyClientFactory):
    protocol = FreezableClient


class FreezableProxy(portforward.ProxyServer):
    """
    A TCP relay that can be frozen: both directions then drop everything
    while the connection stays open, as a link that died without a FIN.
    """

    clientProtocolFactory = FreezableClientFactory
    frozen = False

    def dataReceived(self, data: bytes) -> None:
        if not FreezableProxy.frozen:
            super().dataReceived(data)


@pytest.mark.skipif(
    TELNET is None or TMUX is None,
    reason="needs the Debian telnet and tmux programs (apt-get install telnet tmux; CI has them)",
)
@pytest_twisted.ensureDeferred
async def test_realTelnetAnswersProbes(tmp_path: Path) -> None:
    """
    With C{--talk-alive-after 1}, the real C{telnet} answers the TIMING-MARK
    probes unseen: a user reading silently for many probe periods stays in
    the room, and the screen shows no negotiation garbage.  Once the link
    dies silently (a relay that drops everything, the connection still
    open: a half-open connection) the session is closed and the name freed.
    """
    assert TELNET is not None
    daemon = loopbackDaemon(tmp_path, "--talk-alive-after", "1")
    relay = portforward.ProxyFactory("127.0.0.1", daemon.ports["TalkFactory"])
    relay.protocol = FreezableProxy
    FreezableProxy.frozen = False
    listening = reactor.listenTCP(0, relay, interface="127.0.0.1")  # type: ignore[arg-type]
    relayAddress = listening.getHost()
    assert isinstance(relayAddress, IPv4Address)
    try:
        async with Teardown(daemon) as ending:
            bob = ending.keep(await bobInLobby(daemon.ports["TchatFactory"]))
            term = ending.keep(telnet(tmp_path, relayAddress.port))
            await term.waitFor(NICK_PROMPT.rstrip())
            await term.keys("alice", "Enter")
            await term.waitFor("*** You joined lobby, with bob.")
            assert (await lineNotInGeneral(bob)).startswith("srv: ENTER lobby alice ")

            await deferLater(reactor, 5.0, lambda: None)  # five probe periods, silent
            bob.send("clt: LSMEM lobby")
            assert await bob.nextLines(4) == [
                "srv: LSMEM lobby 2",
                "srv: bob",
                "srv: alice",
                "srv: OKAY!",
            ]
            final = term.screen()
            for garbage in ("\ufffd", "\xff", "^["):
                assert garbage not in final, final

            FreezableProxy.frozen = True
            left = await lineNotInGeneral(bob)
            assert left.startswith("srv: LEAVE lobby alice "), left
    finally:
        FreezableProxy.frozen = False
        stopped = listening.stopListening()
        if stopped is not None:
            await stopped
    assert "Traceback" not in daemon.logText(), daemon.logText()
