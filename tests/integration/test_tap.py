"""
Tests for L{chatd.options} and L{chatd.tap}: options and the service tree they build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol, wrapClientTLS
from twisted.internet.ssl import Certificate, optionsForClientTLS
from twisted.internet.testing import MemoryReactorClock
from twisted.python.usage import UsageError

from chatd.core.service import ChatService
from chatd.options import Options
from chatd.optionvalues import endpoint
from chatd.tap import makeService
from chatd.tchat import TchatFactory
from tests.support.daemon import startDaemon
from tests.support.lineclient import TIMEOUT, LineClient
from tests.support.tls import makeCertificate


def parse(*args: str) -> Options:
    options = Options()
    options.parseOptions(list(args))
    return options


def test_barePortGetsBacklog() -> None:
    """
    A bare port number becomes a TCP endpoint with a large listen backlog;
    so does an endpoint string of a listening type that does not give one.
    One that gives its own, or of another type, passes through untouched.
    """
    assert endpoint("12345") == "tcp:12345:backlog=1024"
    assert parse("--port", "4000")["port"] == "tcp:4000:backlog=1024"
    assert parse("--port", "ssl:4000:privateKey=k")["port"] == "ssl:4000:privateKey=k:backlog=1024"
    for option in ("--port", "--talk", "--irc", "--web", "--admin", "--admin-ssh", "--manhole"):
        assert parse(option, "tcp:4000:interface=127.0.0.1")[option[2:]] == (
            "tcp:4000:interface=127.0.0.1:backlog=1024"
        )
    assert parse("--admin-ssh", "2322")["admin-ssh"] == "tcp:2322:interface=127.0.0.1:backlog=1024"
    assert parse()["admin"] == "tcp:2300:interface=127.0.0.1:backlog=1024"  # the default too
    assert endpoint("tcp6:port=4000:interface=\\:\\:1") == (
        "tcp6:port=4000:interface=\\:\\:1:backlog=1024"
    )
    assert endpoint("unix:/run/chatd.sock") == "unix:/run/chatd.sock:backlog=1024"
    assert endpoint("tcp:4000:backlog=5") == "tcp:4000:backlog=5"
    assert endpoint("tcp:4000:127.0.0.1:5") == "tcp:4000:127.0.0.1:5"  # positional backlog
    assert endpoint("systemd:domain=INET:index=0") == "systemd:domain=INET:index=0"
    # Behind a load balancer, the endpoint the PROXY layer wraps gets it.
    assert endpoint("haproxy:tcp:4000") == "haproxy:tcp:4000:backlog=1024"
    assert endpoint("HAProxy:ssl:443:privateKey=k") == "HAProxy:ssl:443:privateKey=k:backlog=1024"
    assert endpoint("haproxy:tcp:4000:backlog=5") == "haproxy:tcp:4000:backlog=5"
    assert endpoint("haproxy:off") == ""


def test_badLimitsRefused() -> None:
    """
    Nonsensical limits are usage errors, not crashes at run time.
    """
    for args in (
        ["--max-line-length", "0"],
        ["--flood-rate", "-1"],
        ["--max-clients", "-2"],
        ["--turn-budget", "-1"],
    ):
        with pytest.raises((UsageError, ValueError)):
            parse(*args)


def test_refusalNamesTheOption() -> None:
    """
    Each value refused names its own option and why; a line too short for
    a login, an operator name nobody can register and an empty shutdown
    notice are refused too.
    """
    for args, text in [
        (["--history-count", "-5"], "--history-count must be 0 or more"),
        (["--flush-interval", "0"], "--flush-interval must be positive"),
        (["--max-line-length", "10"], "--max-line-length must be at least 128 (bytes)"),
        (
            ["--operators", "alice,Bad!"],
            "--operators: 'Bad!' is not a nickname anyone may register",
        ),
        (
            ["--operators", "NickServ"],
            "--operators: 'NickServ' is not a nickname anyone may register",
        ),
        (
            ["--operators", "alice,admin"],
            "--operators: admin is reserved for the server's services and administrators",
        ),
        (
            ["--operators", "R00T"],
            "--operators: R00T is reserved for the server's services and administrators"
            " (it reads as root)",
        ),
        (["--shutdown-notice", " "], "--shutdown-notice must say something"),
        (["--history-count", "abc"], "--history-count: 'abc' is not a whole number"),
        (["--flood-rate", "fast"], "--flood-rate: 'fast' is not a number"),
        (["--max-rooms", "-1"], "--max-rooms: must not be negative"),
        (["--irc-flood-rate", "0"], "--irc-flood-rate must be positive"),
        (["--irc-flood-burst", "-5"], "--irc-flood-burst: must not be negative"),
        (["--flood-rate", "nan"], "--flood-rate must be a finite number"),
        (["--http-header-timeout", "inf"], "--http-header-timeout must be a finite number"),
    ]:
        with pytest.raises(UsageError) as refused:
            parse(*args)
        assert str(refused.value) == text
    assert parse("--history-count", "0", "--max-line-length", "128")["history-count"] == 0


def test_makeServiceListens(tmp_path: Path) -> None:
    """
    makeService builds the chat service and a TCHAT listener with the
    options' limits.
    """
    memory = MemoryReactorClock()
    options = parse(
        "--port",
        "tcp:4321:interface=127.0.0.1",
        "--max-clients",
        "7",
        "--rooms",
        "a,b",
        "--irc",
        "none",
        "--data-dir",
        str(tmp_path / "data"),
        "--talk",
        "",  # TCHAT only here; the talk listener is tested in tests/unit/talk/test_talk.py
        "--admin",
        "off",
    )
    top = makeService(options, memory)
    top.startService()
    try:
        [(port, factory, backlog, interface)] = [
            server for server in memory.tcpServers if isinstance(server[1], TchatFactory)
        ]
        assert (port, backlog, interface) == (4321, 1024, "127.0.0.1")
        assert isinstance(factory, TchatFactory)
        service = factory.service
        assert isinstance(service, ChatService)
        assert service.admission.maxClients == 7
        assert service.rooms() == [("a", 0), ("b", 0)]
    finally:
        top.stopService()


@pytest_twisted.ensureDeferred
async def test_tlsListener(tmp_path: Path) -> None:
    """
    An C{ssl:} endpoint string gives TCHAT over TLS with no code of ours.
    """
    keyPath, certPath = makeCertificate(tmp_path)
    daemon = startDaemon(
        tmp_path,
        "--port",
        f"ssl:0:interface=127.0.0.1:privateKey={keyPath}:certKey={certPath}",
    )
    try:
        trust = Certificate.loadPEM(certPath.read_bytes())
        tls = wrapClientTLS(
            optionsForClientTLS("localhost", trustRoot=trust),
            TCP4ClientEndpoint(reactor, "127.0.0.1", daemon.ports["TchatFactory"]),
        )
        d = connectProtocol(tls, LineClient(reactor))
        d.addTimeout(TIMEOUT, reactor)
        client = await d
        assert await client.line() == "srv: TCHAT 1"
        client.send("clt: LOGIN secure")
        assert await client.line() == "srv: OKAY!"
        await client.close()
    finally:
        daemon.stop()


def test_ircListener() -> None:
    """
    C{--irc} adds an IRC listener (default port 6667) on the same chat
    service, with its own flood limits and server name (the service's
    too); C{--irc none} turns it off.
    """
    from chatd.core.service import ChatService
    from chatd.irc.factory import IRCFactory

    assert parse()["irc"] == "tcp:6667:backlog=1024"
    memory = MemoryReactorClock()
    options = parse(
        "--irc",
        "tcp:6697:interface=127.0.0.1",
        "--irc-flood-burst",
        "9",
        "--irc-server-name",
        "irc.example",
    )
    top = makeService(options, memory)
    top.startService()
    try:
        byFactory = {type(f): (port, f, interface) for port, f, _, interface in memory.tcpServers}
        port, irc, interface = byFactory[IRCFactory]
        tchat = byFactory[TchatFactory][1]
        assert isinstance(tchat, TchatFactory)
        assert (port, interface) == (6697, "127.0.0.1")
        assert isinstance(irc, IRCFactory)
        assert irc.service is tchat.service
        assert (irc.floodBurst, irc.serverName) == (9, "irc.example")
        assert isinstance(irc.service, ChatService)
        assert irc.service.serverName == "irc.example"  # which no new user may take
    finally:
        top.stopService()


def test_bodyLines(tmp_path: Path) -> None:
    """
    C{--max-body-lines} reaches the service's body rule, which every
    front-end's messages go through, and the TCHAT and IRC readers that
    stop reading a body beyond it.
    """
    from chatd.irc.factory import IRCFactory

    memory = MemoryReactorClock()
    top = makeService(
        parse("--irc", "6697", "--max-body-lines", "7", "--data-dir", str(tmp_path)), memory
    )
    top.startService()
    try:
        factories: dict[type, Any] = {type(f): f for _, f, _, _ in memory.tcpServers}
        chat = factories[TchatFactory].service
        assert isinstance(chat, ChatService)
        assert chat.messages.body.maxLines == 7
        assert factories[TchatFactory].maxBodyLines == factories[IRCFactory].maxBodyLines == 7
    finally:
        top.stopService()


def test_turnBudget(tmp_path: Path) -> None:
    """
    C{--turn-budget} gives the TCHAT, talk and IRC listeners one
    L{TurnBudget}, which their flushers share: 20 ms by default, none
    with C{0}.
    """
    from chatd.irc.factory import IRCFactory
    from chatd.lines.turnbudget import TurnBudget
    from chatd.talk.protocol import TalkFactory

    for args, limit in (
        ((), 0.02),
        (("--turn-budget", "0"), None),
        (("--turn-budget", "25"), 0.025),
    ):
        memory = MemoryReactorClock()
        top = makeService(
            parse("--irc", "6697", "--talk", "2323", "--data-dir", str(tmp_path), *args), memory
        )
        top.startService()
        try:
            factories: dict[type, Any] = {type(f): f for _, f, _, _ in memory.tcpServers}
            listeners = [factories[kind] for kind in (TchatFactory, IRCFactory, TalkFactory)]
            turns = {id(f.turns) for f in listeners} | {id(f.flusher.turns) for f in listeners}
            assert len(turns) == 1
            budget = listeners[0].turns
            if limit is None:
                assert budget is None
            else:
                assert isinstance(budget, TurnBudget)
                assert budget.limit == limit
        finally:
            top.stopService()


def test_storeOptions(tmp_path: Path) -> None:
    """
    The data directory's lock comes first in the service tree, then the
    store (so it stops last, after the chat service, and flushes what was
    acknowledged); --data-dir is not touched before they run;
    --history-count reaches the service; nonsense is refused.
    """
    from chatd.storage.datalock import DataDirectoryLock
    from chatd.storage.sql import SQLChatStore

    memory = MemoryReactorClock()
    data = tmp_path / "data"
    options = parse("--data-dir", str(data), "--history-count", "5", "--flush-interval", "0.05")
    top = makeService(options, memory)
    lock, store, chat = list(top)[:3]  # type: ignore[call-overload]
    assert isinstance(lock, DataDirectoryLock) and lock.dataDir == data
    assert isinstance(store, SQLChatStore) and store.flushInterval == 0.05
    assert isinstance(chat, ChatService) and chat.historyCount == 5
    assert not data.exists()  # created when the store first opens it
    store.pool.close()
    for args in (["--history-count", "-1"], ["--flush-interval", "0"]):
        with pytest.raises(UsageError):
            parse(*args)


def test_listenersOffWithTheSameWords() -> None:
    """
    Every listener is switched off by C{off}, C{none} or an empty value,
    and then nothing listens for it.
    """
    for word in ("off", "none", "OFF", ""):
        options = parse(
            "--data-dir",
            "unused",
            "--port",
            word,
            "--talk",
            word,
            "--irc",
            word,
            "--web",
            word,
            "--admin",
            word,
        )
        assert [options[name] for name in ("port", "talk", "irc", "web", "admin")] == [""] * 5
