"""
The real C{twistd -n chatd} process: it starts from the plugin, chats, and
stops cleanly on SIGTERM.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest_twisted
from twisted.application.service import IServiceMaker
from twisted.internet import reactor
from twisted.plugin import IPlugin, getPlugins

from tests.support.daemon import startDaemon
from tests.support.lineclient import connectLines


def test_pluginIsListed() -> None:
    """
    twistd finds the chatd plugin.
    """
    makers = {maker.tapname for maker in getPlugins(IServiceMaker)}
    assert "chatd" in makers
    assert list(getPlugins(IPlugin))


@pytest_twisted.ensureDeferred
async def test_twistdChats(tmp_path: Path) -> None:
    """
    Two TCHAT clients chat through a real twistd process, which then shuts
    down cleanly on SIGTERM (twistd re-raises the signal, so the exit status
    says "terminated by SIGTERM", as service managers expect).
    """
    daemon = startDaemon(tmp_path, "--port", "tcp:0:interface=127.0.0.1", "--rooms", "lobby")
    try:
        port = daemon.ports["TchatFactory"]
        alice = await connectLines(reactor, port)
        bob = await connectLines(reactor, port)
        for client, nick in ((alice, "alice"), (bob, "bob")):
            assert await client.line() == "srv: TCHAT 1"
            client.send(f"clt: LOGIN {nick}", "clt: ENTER lobby")
            # A guest's login joins no room: LOGIN and ENTER get OKAY! alone.
            assert await client.nextLines(2) == ["srv: OKAY!", "srv: OKAY!"]
        assert (await alice.line()).startswith("srv: ENTER lobby bob ")
        alice.send("clt: SPEAK lobby", "clt: bonjour", "clt: .")
        assert await alice.line() == "srv: OKAY!"
        assert (await bob.line()).startswith("srv: SPEAK alice lobby ")
        assert await bob.nextLines(2) == ["srv: bonjour", "srv: ."]
        await alice.close()
        await bob.close()
    finally:
        status = daemon.stop(signal.SIGTERM)
    assert status in (0, -signal.SIGTERM), daemon.logText()
    assert "Traceback" not in daemon.logText()
    assert "Server Shut Down" in daemon.logText()
