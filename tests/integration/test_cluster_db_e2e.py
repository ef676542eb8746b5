"""
Cluster mode on one database: real C{twistd -n chatd --cluster redis://...
--db postgresql://...} nodes on a real C{redis-server} and a real PostgreSQL,
driven over TCHAT and the admin console.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import Deferred

from chatd.admin.credentials import setPassword
from tests.support.blockingclients import TelnetConsole, register
from tests.support.clusterlive import (
    CONSOLE_PASSWORD,
    ClusterClient,
    apartWhileRedisAway,
    connectLines,
    consoleCommand,
    ircUser,
    login,
    sleep,
    stopAll,
    waitForLine,
    waitForLog,
    waitForMembers,
)
from tests.support.daemon import Daemon, startDaemon
from tests.support.lineclient import LineClient
from tests.support.pgserver import createDatabase, postgresServer
from tests.support.redis_server import RedisServer, redisServer

__all__ = ["postgresServer", "redisServer"]


@pytest.fixture
def nodes(
    tmp_path: Path, redisServer: RedisServer, postgresServer: str
) -> Iterator[Callable[..., Daemon]]:
    """
    Start chatd nodes on the test's Redis and ONE PostgreSQL database; each
    is stopped after the test.  C{start(name)} may be called again with a
    new name to restart a node on the same database.
    """
    url = createDatabase(postgresServer)
    started: list[Daemon] = []

    def start(
        name: str, console: bool = False, flushInterval: str = "0.05", irc: bool = False
    ) -> Daemon:
        workdir = tmp_path / name
        workdir.mkdir()
        factories = ["TchatFactory"] + ["AdminTelnetFactory"] * console + ["IRCFactory"] * irc
        if console:
            setPassword(workdir / "chatd-data" / "admin-passwords", "root", CONSOLE_PASSWORD)
        daemon = startDaemon(
            workdir,
            "--admin",
            "tcp:0:interface=127.0.0.1" if console else "off",
            "--port",
            "tcp:0:interface=127.0.0.1",
            "--talk",
            "",
            "--web",
            "none",
            "--db",
            url,
            "--flush-interval",
            flushInterval,
            "--cluster",
            redisServer.url,
            *(["--irc", "tcp:0:interface=127.0.0.1", "--irc-join-history", "100"] * irc),
            factories=tuple(factories),
        )
        started.append(daemon)
        return daemon

    yield start
    stopAll(started)


async def command(client: LineClient, line: str) -> list[str]:
    """
    Send C{line}; the lines answered, up to and including OKAY! or ERROR.
    """
    client.send(line)
    lines = [await client.line()]
    while not lines[-1].startswith(("srv: OKAY!", "srv: ERROR ")):
        lines.append(await client.line())
    return lines


def spokenIn(answer: list[str]) -> list[str]:
    """
    The text of each one-line message a C{HISTO} C{answer} lists, in order.
    """
    return [
        answer[i + 1].removeprefix("srv: ")
        for i, line in enumerate(answer)
        if line.startswith("srv: SPEAK ")
    ]


async def connected(daemon: Daemon) -> LineClient:
    client = await connectLines(reactor, daemon.ports["TchatFactory"])
    assert await client.line() == "srv: TCHAT 1"
    return client


@pytest_twisted.ensureDeferred
async def test_registeredNameProtectedOnEveryNode(nodes: Callable[..., Daemon]) -> None:
    """
    A nickname registered on node A cannot be taken on node B without its
    password, and its password works there.
    """
    a, b = nodes("a"), nodes("b")
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    alice = await login(a, "alice")
    assert await command(alice, "clt: REGIS wonderland") == ["srv: OKAY!"]
    await alice.close()
    intruder = await connected(b)
    answer = await command(intruder, "clt: LOGIN alice")
    for _ in range(50):  # until node B has heard of the account (else a guest's name in use)
        if answer != ["srv: ERROR 23"]:
            break
        await sleep(0.1)
        answer = await command(intruder, "clt: LOGIN alice")
    assert answer == ["srv: ERROR 22"]
    assert await command(intruder, "clt: LOGIN alice wrong") == ["srv: ERROR 22"]
    answer = await command(intruder, "clt: LOGIN alice wonderland")
    for _ in range(50):  # until node B has seen alice leave node A: told why meanwhile
        if answer[-1] != "srv: ERROR 23":
            break
        assert "signed in on another server" in answer[1], answer
        await sleep(0.1)
        answer = await command(intruder, "clt: LOGIN alice wonderland")
    assert answer == ["srv: OKAY!"]
    await intruder.close()


@pytest_twisted.ensureDeferred
async def test_historyFromBothNodesSurvivesRestart(nodes: Callable[..., Daemon]) -> None:
    """
    Messages written on both nodes into one database are all there, each
    sender's in order, after both nodes restart.
    """
    a, b = nodes("a"), nodes("b")
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    x, y = await login(a, "xavier", "Blabla"), await login(b, "yvonne", "Blabla")
    await waitForMembers(x, "Blabla", ["xavier", "yvonne"])
    for i in range(20):  # both hear the other meanwhile: read up to each OKAY!
        x.send("clt: SPEAK Blabla", f"clt: x{i}", "clt: .")
        y.send("clt: SPEAK Blabla", f"clt: y{i}", "clt: .")
        for client in (x, y):
            while await client.line() != "srv: OKAY!":
                pass
    await x.close()
    await y.close()
    for daemon in (a, b):
        daemon.stop(signal.SIGTERM)  # a clean stop: what was queued is written
    a, b = nodes("a2"), nodes("b2")
    for n, daemon in enumerate((a, b)):
        reader = await login(daemon, f"reader{n}", "Blabla")
        # TCHAT replays nothing on entering: HISTO's default is the last 20
        # (--history-count) messages.
        latest = await command(reader, "clt: HISTO Blabla")
        replayed = spokenIn(latest)
        history = await command(reader, "clt: HISTO Blabla 100")
        assert history[-1] == "srv: OKAY!"
        spoken = spokenIn(history)
        assert sorted(spoken) == sorted([f"x{i}" for i in range(20)] + [f"y{i}" for i in range(20)])
        for sender in "xy":
            assert [s for s in spoken if s[0] == sender] == [f"{sender}{i}" for i in range(20)]
        assert replayed == spoken[-20:]
        await reader.close()


@pytest_twisted.ensureDeferred
async def test_historyHasWhatAnotherNodeStillQueues(nodes: Callable[..., Daemon]) -> None:
    """
    C{HISTO} on node B lists, in the order they were said, messages said
    on both nodes a moment ago, while node A's are still in its write
    queue (it writes every 2 s): B asks A to write them first.
    """
    a, b = nodes("a", flushInterval="2"), nodes("b")
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    x, y = await login(a, "xavier", "Blabla"), await login(b, "yvonne", "Blabla")
    await waitForMembers(x, "Blabla", ["xavier", "yvonne"])
    said = []
    for i in range(3):
        for client, name in ((x, "x"), (y, "y")):
            assert (await command(client, f"clt: SPEAK Blabla\nclt: {name}{i}\nclt: ."))[-1] == (
                "srv: OKAY!"
            )
            said.append(f"{name}{i}")
            await sleep(0.005)  # each in a millisecond of its own
    reader = await login(b, "reader", "Blabla")  # heard none of it live
    history = await command(reader, "clt: HISTO Blabla 100")
    assert history[-1] == "srv: OKAY!"
    spoken = spokenIn(history)
    assert spoken == said
    for client in (x, y, reader):
        await client.close()


@pytest_twisted.ensureDeferred
async def test_enteringReplaysEachMessageOnce(nodes: Callable[..., Daemon]) -> None:
    """
    An IRC user who joins a room on node B while a TCHAT user on node A
    talks without a pause (A writes every 0.5 s) gets every message once:
    the last 20 (C{--history-count}) said before the join in its replay,
    the others live.
    """
    a, b = nodes("a", flushInterval="0.5"), nodes("b", irc=True)
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    x = await login(a, "xavier", "Blabla")
    said = [0]
    talking = [True]

    async def talk() -> None:
        while talking[0]:
            answer = await command(x, f"clt: SPEAK Blabla\nclt: n{said[0]}\nclt: .")
            assert answer[-1] == "srv: OKAY!", answer
            said[0] += 1
            await sleep(0.005)

    talker = Deferred.fromCoroutine(talk())
    while said[0] < 30:
        await sleep(0.01)
    y = await ircUser(b, "yvonne")
    y.send("JOIN #Blabla")
    await sleep(0.5)
    talking[0] = False
    await talker
    heard: list[str] = []
    while f"n{said[0] - 1}" not in heard:
        line = await y.line()
        if " PRIVMSG #Blabla :" in line:
            heard.append(line.split(" PRIVMSG #Blabla :", 1)[1])
    numbers = sorted(int(text[1:]) for text in heard)
    assert numbers == list(range(said[0] - len(heard), said[0])), heard
    assert len(heard) > 20  # some live, and not only those
    for client in (x, y):
        await client.close()


@pytest_twisted.ensureDeferred
async def test_approvalAcceptedOnAnotherNode(nodes: Callable[..., Daemon]) -> None:
    """
    A request to enter an approval room made on node B is accepted on node
    A's admin console: the user on B is put in the room, and may enter it
    again later.
    """
    a, b = nodes("a", console=True), nodes("b")
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    carol = await login(b, "carol")
    assert await command(carol, "clt: ENTER Marketing") == ["srv: ERROR 37"]
    output = ""
    for _ in range(50):  # the request reaches node A through the bus
        output = consoleCommand(a.ports["AdminTelnetFactory"], "accept pending carol Marketing")
        if "accepted carol in Marketing" in output:
            break
        await sleep(0.1)
    assert "accepted carol in Marketing" in output, output
    for _ in range(50):  # node B hears of it and puts carol in
        answer = await command(carol, "clt: LSMEM Marketing")
        if answer[-1] == "srv: OKAY!":
            break
        assert answer == ["srv: ERROR 34"], answer
        await sleep(0.1)
    assert "srv: LSMEM Marketing 1" in answer and "srv: carol" in answer, answer
    assert await command(carol, "clt: LEAVE Marketing") == ["srv: OKAY!"]
    assert await command(carol, "clt: ENTER Marketing") == ["srv: OKAY!"]
    await carol.close()


@pytest_twisted.ensureDeferred
async def test_moderationInTheSharedDatabase(nodes: Callable[..., Daemon]) -> None:
    """
    A ban set on node A's console is in the shared database: a node started
    afterwards with a data directory of its own, never told over the bus,
    refuses the banned user, and A's audit trail is there too.
    """
    a = nodes("a", console=True)
    await waitForLog(a, "connected to Redis")
    output = consoleCommand(a.ports["AdminTelnetFactory"], "ban mallory spamming")
    assert "banned mallory" in output, output
    a.stop(signal.SIGTERM)
    b = nodes("b", console=True)
    await waitForLog(b, "moderation: 1 sanctions in force")
    assert not (b.log.parent / "chatd-data" / "moderation.sqlite").exists()
    client = await connected(b)
    client.send("clt: LOGIN mallory")
    assert await client.line() == "srv: ERROR 24"
    await client.close()
    audit = consoleCommand(b.ports["AdminTelnetFactory"], "audit")
    assert "ban mallory spamming" in audit, audit


@pytest_twisted.ensureDeferred
async def test_revokeEndsSessionsOnEveryNode(nodes: Callable[..., Daemon]) -> None:
    """
    An account flagged admin (in the shared database) has a console open on
    node B; revoking it from node A's console closes that session too.
    """
    a = nodes("a", console=True)
    b = nodes("b", console=True)
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    register(a.ports["TchatFactory"], "alice", "alicepw")
    granted = consoleCommand(a.ports["AdminTelnetFactory"], "admin grant alice")
    assert "alice is now an administrator" in granted, granted
    alice = TelnetConsole(b.ports["AdminTelnetFactory"], "alice", "alicepw")
    try:
        revoked = consoleCommand(a.ports["AdminTelnetFactory"], "admin revoke alice")
        assert "alice is no longer an administrator" in revoked, revoked
        assert "closed on this node (the other nodes end theirs)" in revoked, revoked
        assert alice.closed()
    finally:
        alice.close()
    await waitForLog(b, "1 session(s) of alice closed: revoked on another node")


@pytest_twisted.ensureDeferred
async def test_privateMessagesOutliveAKilledNode(nodes: Callable[..., Daemon]) -> None:
    """
    Private messages acknowledged (C{OKAY!}) to a registered user whose
    node was just killed with C{kill -9} are each delivered once, at their
    next login on the other node: none is lost in the dead node's inbox.
    """
    a, b = nodes("a"), nodes("b")
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    bob = await login(b, "bob")
    assert await command(bob, "clt: REGIS secret1") == ["srv: OKAY!"]
    alice = await login(a, "alice")
    assert await command(alice, "clt: MSGPV bob\nclt: before\nclt: .") == ["srv: OKAY!"]
    b.stop(signal.SIGKILL)
    acknowledged = []
    for i in range(8):  # until node A declares node B dead: ERROR 21
        answer = await command(alice, f"clt: MSGPV bob\nclt: after {i}\nclt: .")
        if answer == ["srv: OKAY!"]:
            acknowledged.append(f"after {i}")
        await sleep(0.2)
    assert acknowledged, "node A refused at once: nothing to check"
    await waitForLog(a, "stopped beating")
    back = await connected(a)
    assert await command(back, "clt: LOGIN bob secret1") == ["srv: OKAY!"]
    received: list[str] = []
    while len(received) < len(acknowledged):
        line = await back.line()
        if line.startswith("srv: after "):
            received.append(line.removeprefix("srv: "))
    assert received == acknowledged
    for client in (alice, back):
        await client.close()


@pytest_twisted.ensureDeferred
async def test_privateMessagesReachTheirRecipientBackOnAnotherNode(
    nodes: Callable[..., Daemon],
) -> None:
    """
    Node C is killed (C{kill -9}); carol, registered and signed in there,
    logs in on node B at once, and her login waits for C to be counted
    dead.  Meanwhile alice (on A) and bob (on B) are told C{OKAY!} for
    private messages to her (fewer than the 20 each an inbox takes from
    one sender): she gets each once, in each sender's order, while she
    stays signed in on B, not at a later login.
    """
    a, b, c = nodes("a"), nodes("b"), nodes("c")
    for node in (a, b, c):
        await waitForLog(node, "connected to Redis")
    carol = await login(c, "carol")
    assert await command(carol, "clt: REGIS secret1") == ["srv: OKAY!"]
    alice, bob = await login(a, "alice"), await login(b, "bob")
    await sleep(0.5)  # every node has heard of every login
    c.stop(signal.SIGKILL)
    back = await connected(b)
    back.send("clt: LOGIN carol secret1")
    acknowledged: dict[str, list[str]] = {"alice": [], "bob": []}
    for i in range(15):  # until her login is answered
        if "srv: OKAY!" in back.lines.pending:
            break
        for name, client in (("alice", alice), ("bob", bob)):
            answer = await command(client, f"clt: MSGPV carol\nclt: {name} {i}\nclt: .")
            if answer[-1] == "srv: OKAY!":
                acknowledged[name].append(f"{name} {i}")
        await sleep(0.5)
    assert await back.line() == "srv: OKAY!"
    assert acknowledged["alice"] and acknowledged["bob"], acknowledged
    received: dict[str, list[str]] = {"alice": [], "bob": []}
    while sum(map(len, received.values())) < sum(map(len, acknowledged.values())):
        line = (await back.line()).removeprefix("srv: ")
        if line.startswith(("alice ", "bob ")):
            received[line.split()[0]].append(line)
    await sleep(2)  # none comes twice
    assert not [line for line in back.lines.pending if line.startswith(("srv: alice", "srv: bob"))]
    assert received == acknowledged
    for each in (alice, bob, back):
        await each.close()


@pytest_twisted.ensureDeferred
async def test_roomMessagesOfANodeKilledWhileRedisIsAwayReadBack(
    nodes: Callable[..., Daemon], redisServer: RedisServer
) -> None:
    """
    Node B killed (C{kill -9}) while Redis is away, after bob's room
    messages were acknowledged (C{OKAY!}) and queued there: once Redis is
    back and node A counts B dead, alice gets them from the shared history,
    once, in order, after a notice that they come late.
    """
    a, b = nodes("a"), nodes("b")
    alice, bob = await apartWhileRedisAway(a, b, redisServer)
    for i in range(3):
        assert await command(bob, f"clt: SPEAK lobby\nclt: during {i}\nclt: .") == ["srv: OKAY!"]
    await sleep(0.5)  # its store wrote them (every 0.05 s here)
    b.stop(signal.SIGKILL)
    redisServer.start()
    await waitForLog(a, "stopped beating", timeout=30)
    notice = " ".join(await alice.notice())
    assert notice.startswith("3 messages said in lobby from "), notice
    assert notice.endswith(" follow late: that server stopped before it passed them on"), notice
    heard = []
    for _ in range(3):
        await waitForLine(alice, lambda line: line.startswith("srv: SPEAK bob lobby "))
        text, end = await alice.nextLines(2)
        assert end == "srv: ."
        heard.append(text.removeprefix("srv: "))
    assert heard == [f"during {i}" for i in range(3)]
    await sleep(1)  # a second copy would have come by now
    assert not [line for line in await command(alice, "clt: LSMEM lobby") if "SPEAK" in line]
    assert "3 room messages of node" in a.logText()
    await alice.close()


async def lastThreeUnwritten(
    nodes: Callable[..., Daemon],
) -> tuple[Daemon, Daemon, ClusterClient, ClusterClient]:
    """
    Node A (writing every 2 s) and node B, alice on A and bob on B in
    Blabla, and alice's three room messages acknowledged, still in A's batch.
    """
    a, b = nodes("a", flushInterval="2"), nodes("b")
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    alice, bob = await login(a, "alice", "Blabla"), await login(b, "bob", "Blabla")
    await waitForMembers(alice, "Blabla", ["alice", "bob"])
    for i in range(3):
        assert (await command(alice, f"clt: SPEAK Blabla\nclt: last {i}\nclt: ."))[-1] == (
            "srv: OKAY!"
        )
    return a, b, alice, bob


@pytest_twisted.ensureDeferred
async def test_killedNodesLastBatchWrittenByTheOther(nodes: Callable[..., Daemon]) -> None:
    """
    Node A (writing every 2 s) killed (C{kill -9}) a moment after alice's
    three room messages and a private message to bob on node B were
    acknowledged, before its batch: once B counts A dead, B writes them,
    and B's C{HISTO} lists the room messages once each, in order.
    """
    a, b, alice, bob = await lastThreeUnwritten(nodes)
    assert await command(alice, "clt: MSGPV bob\nclt: psst\nclt: .") == ["srv: OKAY!"]
    await waitForLine(bob, lambda line: line == "srv: psst")  # B received them all
    a.stop(signal.SIGKILL)
    await waitForLog(b, "stopped beating", timeout=30)
    await waitForLog(b, "was lost before it stored")
    assert "was lost before it stored 4 of the 4 messages" in b.logText()
    reader = await login(b, "reader", "Blabla")
    history = await command(reader, "clt: HISTO Blabla 100")
    assert spokenIn(history) == [f"last {i}" for i in range(3)], history
    for client in (bob, reader):
        await client.close()


@pytest_twisted.ensureDeferred
async def test_stalledNodesLastBatchStoredOnce(nodes: Callable[..., Daemon]) -> None:
    """
    Node A (writing every 2 s) stalled (C{kill -STOP}) a moment after
    alice's three room messages were acknowledged, before its batch: B
    counts A dead and writes them; A, running again (C{kill -CONT}), writes
    its batch, which skips them, and B's C{HISTO} lists each once.
    """
    a, b, alice, bob = await lastThreeUnwritten(nodes)
    await waitForLine(bob, lambda line: line == "srv: last 2")  # B received them all
    a.process.send_signal(signal.SIGSTOP)
    try:
        await waitForLog(b, "stopped beating", timeout=30)
        await waitForLog(b, "was lost before it stored 3 of the 3 messages")
    finally:
        a.process.send_signal(signal.SIGCONT)
    await waitForLog(a, "3 of a batch of 3 messages were stored already")
    reader = await login(b, "reader", "Blabla")
    history = await command(reader, "clt: HISTO Blabla 100")
    assert spokenIn(history) == [f"last {i}" for i in range(3)], history
    for client in (alice, bob, reader):
        await client.close()


@pytest_twisted.ensureDeferred
async def test_privateMessageKeptWhileStalledArrives(nodes: Callable[..., Daemon]) -> None:
    """
    A private message to alice, registered and connected to node B, sent
    while node A counts B dead (B stalled: C{kill -STOP}), is kept
    (C{OKAY!}); once B runs again, alice gets it there, once, not at her
    next login.
    """
    a, b = nodes("a"), nodes("b")
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    alice = await login(b, "alice")
    assert await command(alice, "clt: REGIS wonderland") == ["srv: OKAY!"]
    bob = await login(a, "bob")
    b.process.send_signal(signal.SIGSTOP)
    try:
        await waitForLog(a, "stopped beating")
        assert await command(bob, "clt: MSGPV alice\nclt: meanwhile\nclt: .") == ["srv: OKAY!"]
    finally:
        b.process.send_signal(signal.SIGCONT)
    assert (await waitForLine(alice, lambda line: "MSGPV" in line)).startswith("srv: MSGPV bob ")
    assert await alice.line() == "srv: meanwhile"
    assert await alice.line() == "srv: ."
    await sleep(1)  # a second copy would have come by now
    assert not [line for line in await command(alice, "clt: LSMEM lobby") if "MSGPV" in line]
    await alice.close()
    back = await connected(b)
    assert await command(back, "clt: LOGIN alice wonderland") == ["srv: OKAY!"]
    await sleep(1)  # what waits for a login comes after its answer
    assert not [line for line in await command(back, "clt: LSMEM lobby") if "MSGPV" in line]
    for client in (bob, back):
        await client.close()


@pytest_twisted.ensureDeferred
async def test_guestsMessageReadByStalledNodeToldLate(nodes: Callable[..., Daemon]) -> None:
    """
    A private message from bob (registered, on node A) to gus (a guest on
    node B) sent as B stalls (C{kill -STOP}) is acknowledged; once A counts
    B dead, bob is told it was not delivered; B runs again and gus gets it:
    bob is told it reached them after all, and his C{HISTP} lists it once.
    """
    a, b = nodes("a"), nodes("b")
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    bob = await login(a, "bob", "Blabla")
    assert await command(bob, "clt: REGIS builder") == ["srv: OKAY!"]
    gus = await login(b, "gus", "Blabla")
    await waitForMembers(bob, "Blabla", ["bob", "gus"])  # A knows gus is on B
    b.process.send_signal(signal.SIGSTOP)
    try:
        assert await command(bob, "clt: MSGPV gus\nclt: late one\nclt: .") == ["srv: OKAY!"]
        [told] = await bob.notice()  # once A counts B dead
        assert told.startswith('gus\'s server went away before your private message ("late one", ')
        assert told.endswith(" reached them: not delivered"), told
    finally:
        b.process.send_signal(signal.SIGCONT)
    assert (await waitForLine(gus, lambda line: "MSGPV" in line)).startswith("srv: MSGPV bob ")
    assert await gus.line() == "srv: late one"
    [late] = await bob.notice()
    assert late.startswith('your private message ("late one", sent at '), late
    assert late.endswith(
        " to gus reached them after all, late (you were told it was not"
        " delivered: no need to send it again)"
    ), late
    history = await command(bob, "clt: HISTP gus")
    assert history.count("srv: late one") == 1, history
    for client in (bob, gus):
        await client.close()


async def owlAlwaysOnGone(nodes: Callable[..., Daemon]) -> tuple[Daemon, Daemon]:
    """
    Nodes C{a} and C{b}; the account owl, registered on C{a}, went always
    on in Blabla over IRC there and quit.
    """
    a, b = nodes("a", irc=True), nodes("b")
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    registering = await login(a, "owl")
    assert await command(registering, "clt: REGIS hoot-hoot") == ["srv: OKAY!"]
    await registering.close()
    owl = await ircUser(a, "owl", "hoot-hoot")
    owl.send("JOIN #Blabla", "ALWAYSON ON")
    await waitForLine(owl, lambda line: "NOTE ALWAYSON ON" in line)
    owl.send("QUIT :bye")
    await owl.close()
    return a, b


@pytest_twisted.ensureDeferred
async def test_alwaysOnBackAfterTheWholeClusterRestarts(nodes: Callable[..., Daemon]) -> None:
    """
    An always-on account (IRC's C{ALWAYSON ON}) with no connection open is
    back in its rooms after every node restarted: both nodes list it in
    the room, and one of them put it back.
    """
    a, b = await owlAlwaysOnGone(nodes)
    watcher = await login(b, "watcher", "Blabla")
    await waitForMembers(watcher, "Blabla", ["owl", "watcher"])  # stays, always on
    await watcher.close()
    for daemon in (a, b):
        daemon.stop(signal.SIGTERM)
    a, b = nodes("a2"), nodes("b2")
    await waitForLog(a, "connected to Redis")
    await waitForLog(b, "connected to Redis")
    readers = [await login(daemon, f"reader{n}", "Blabla") for n, daemon in enumerate((a, b))]
    for reader in readers:
        await waitForMembers(reader, "Blabla", ["owl", "reader0", "reader1"])
    back = [d.logText().count("owl is back in their rooms, always on") for d in (a, b)]
    assert sorted(back) == [0, 1], back  # one node puts it back
    assert not [d for d in (a, b) if "owl logged in from  over" in d.logText()]  # (no address)
    for reader in readers:
        await reader.close()


@pytest_twisted.ensureDeferred
async def test_alwaysOnBackOnAnotherNodeToldWhatItMissed(nodes: Callable[..., Daemon]) -> None:
    """
    An always-on account that quit on node C{a} and signs in again on node
    C{b} is told, after its groups, how many messages came in while it was
    away, as it would be on C{a}.
    """
    a, b = await owlAlwaysOnGone(nodes)
    talker = await login(b, "talker", "Blabla")
    await waitForMembers(talker, "Blabla", ["owl", "talker"])  # stays, always on
    for n in range(3):
        assert await command(talker, f"clt: SPEAK Blabla\nclt: line {n}\nclt: .") == ["srv: OKAY!"]
    back = await connectLines(reactor, b.ports["TchatFactory"])
    assert await back.line() == "srv: TCHAT 1"
    back.send("clt: LOGIN owl hoot-hoot")
    assert await back.line() == "srv: OKAY!"
    [rooms], [missed] = await back.notice(), await back.notice()
    assert rooms.startswith("you are in ") and "Blabla" in rooms, rooms
    assert missed == "while you were away: 3 in Blabla new since you last read"
    for client in (talker, back):
        await client.close()
