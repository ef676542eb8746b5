"""
The real Debian WeeChat (C{weechat-headless}, driven through its FIFO
plugin, read through its own log files) against a real C{twistd -n chatd}:
it signs in to a registered account with SASL, joins a room, exchanges
UTF-8 text, actions and private messages with a TCHAT user, and its
C{/quit} ends its session at once.

WeeChat negotiates other capabilities than irssi (C{message-tags},
C{server-time}, C{userhost-in-names}, SASL) and logs each buffer to a
file, which makes what it showed its user exact to check.

Skipped only when C{weechat-headless} or its FIFO plugin is not installed
(CI installs C{weechat-headless} and C{weechat-plugins}: see C{.ci/run}).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.task import deferLater

from tests.support.daemon import Daemon, loopbackDaemon
from tests.support.teardown import Teardown
from tests.support.terminal import expect, tchatUser

pytestmark = pytest.mark.skipif(
    shutil.which("weechat-headless") is None
    or not list(Path("/usr/lib").glob("*/weechat/plugins/fifo.so")),
    reason="needs WeeChat with its FIFO plugin (apt-get install weechat-headless weechat-plugins)",
)


class WeeChat:
    """
    C{weechat-headless} in its own home directory: commands go in through
    its FIFO, what it shows each buffer is read back from its logs.
    """

    def __init__(self, workdir: Path, port: int, account: str, password: str) -> None:
        self.home = workdir / "weechat"
        self.home.mkdir()
        setup = ";".join(
            [
                "/set logger.file.flush_delay 0",
                f"/server add chatd 127.0.0.1/{port} -notls",
                f"/set irc.server.chatd.nicks {account}",
                "/set irc.server.chatd.sasl_mechanism plain",
                f"/set irc.server.chatd.sasl_username {account}",
                f"/set irc.server.chatd.sasl_password {password}",
                "/set irc.server.chatd.sasl_fail disconnect",
                "/set irc.server.chatd.autojoin #lobby",
                "/connect chatd",
            ]
        )
        self.output = (workdir / "weechat.out").open("wb")
        self.process = subprocess.Popen(
            ["weechat-headless", "--stdout", "--dir", str(self.home), "-r", setup],
            stdin=subprocess.DEVNULL,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="dumb"),
        )

    async def command(self, buffer: str, text: str) -> None:
        """
        Type C{text} in WeeChat's buffer C{buffer} (C{irc.chatd.#lobby},
        C{irc.server.chatd}), as its user would.
        """
        fifo = await self._fifo()
        with fifo.open("w", encoding="utf-8") as pipe:
            pipe.write(f"{buffer} *{text}\n")

    async def _fifo(self) -> Path:
        for _ in range(100):
            found = list(self.home.glob("weechat_fifo_*"))
            if found:
                return found[0]
            await deferLater(reactor, 0.1)
        raise AssertionError("WeeChat never opened its FIFO")

    def log(self, buffer: str) -> list[tuple[str, str]]:
        """
        What WeeChat showed in C{buffer}, as (prefix, text) pairs.
        """
        path = self.home / "logs" / f"{buffer}.weechatlog"
        if not path.exists():
            return []
        shown = []
        for line in path.read_text("utf-8").splitlines():
            _, prefix, text = line.split("\t", 2)
            shown.append((prefix.strip(), text))
        return shown

    async def waitFor(self, buffer: str, wanted: tuple[str, str], timeout: float = 15.0) -> None:
        for _ in range(int(timeout / 0.1)):
            if wanted in self.log(buffer):
                return
            await deferLater(reactor, 0.1)
        raise AssertionError(f"{wanted!r} never shown in {buffer}: {self.log(buffer)!r}")

    async def waitForText(self, buffer: str, part: str, timeout: float = 15.0) -> None:
        for _ in range(int(timeout / 0.1)):
            if any(part in text for _, text in self.log(buffer)):
                return
            await deferLater(reactor, 0.1)
        raise AssertionError(f"{part!r} never shown in {buffer}: {self.log(buffer)!r}")

    def report(self) -> str:
        """
        What WeeChat showed in the server's buffer and in C{#lobby}.
        """
        return "\n".join(
            "\n  ".join([f"WeeChat's {buffer}:", *map(str, self.log(buffer))])
            for buffer in ("irc.server.chatd", "irc.chatd.#lobby")
        )

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()


async def registerWee(daemon: Daemon) -> None:
    """
    Register the account C{wee} (password C{sesame-wee}) over TCHAT.
    """
    owner = await tchatUser(daemon.ports["TchatFactory"], "LOGIN wee", "REGIS sesame-wee")
    await owner.close()


@pytest_twisted.ensureDeferred
async def test_weechat(tmp_path: Path) -> None:
    """
    WeeChat signs in to the account C{wee} with SASL and chats with the
    TCHAT user C{bob} in C{#lobby} and in private: every text arrives
    intact both ways (Cyrillic, Greek, curly quotes, an emoji with a skin
    tone), an action is an action on both sides, and C{/quit} makes bob see
    wee leave at once.
    """
    daemon = loopbackDaemon(tmp_path, "--rooms", "lobby")
    async with Teardown(daemon) as ending:
        await registerWee(daemon)
        bob = ending.keep(await tchatUser(daemon.ports["TchatFactory"], "LOGIN bob", "ENTER lobby"))

        weechat = ending.keep(WeeChat(tmp_path, daemon.ports["IRCFactory"], "wee", "sesame-wee"))
        await weechat.waitForText("irc.server.chatd", "SASL authentication successful")
        await expect(bob, "srv: ENTER lobby wee ")
        await weechat.waitForText("irc.chatd.#lobby", "Channel #lobby: 2 nicks")

        text = "Привет, σοφία, “quotes” 👍🏽"
        await weechat.command("irc.chatd.#lobby", text)
        await expect(bob, "srv: SPEAK wee lobby ")
        assert await bob.nextLines(2) == [f"srv: {text}", "srv: ."]

        await weechat.command("irc.chatd.#lobby", "/me waves")
        await expect(bob, "srv: SPEAK wee lobby ")
        assert await bob.nextLines(2) == ["srv: * wee waves", "srv: ."]
        await weechat.waitFor("irc.chatd.#lobby", ("*", "wee waves"))

        bob.send("clt: SPEAK lobby", "clt: Grüße, 日本語 ok", "clt: .")
        await expect(bob, "srv: OKAY!")
        await weechat.waitFor("irc.chatd.#lobby", ("bob", "Grüße, 日本語 ok"))

        bob.send("clt: SPEAK lobby", "clt: \x01ACTION nods\x01", "clt: .")
        await expect(bob, "srv: OKAY!")
        await weechat.waitFor("irc.chatd.#lobby", ("*", "bob nods"))

        bob.send("clt: MSGPV wee", "clt: psst, wee", "clt: .")
        await expect(bob, "srv: OKAY!")
        await weechat.waitFor("irc.chatd.bob", ("bob", "psst, wee"))
        await weechat.command("irc.chatd.bob", "right back, bob")
        await expect(bob, "srv: MSGPV wee ")
        assert await bob.nextLines(2) == ["srv: right back, bob", "srv: ."]

        await weechat.command("irc.server.chatd", "/quit bye now")
        await expect(bob, "srv: LEAVE lobby wee ")


@pytest_twisted.ensureDeferred
async def test_weechatRefusalInChannel(tmp_path: Path) -> None:
    """
    A message the server refuses (here for a control character) is
    answered with C{404} naming the channel, which WeeChat shows in the
    channel's buffer, where it showed the message as sent (it does not ask
    for C{echo-message}): not in the server's buffer, where it would show a
    C{FAIL} or a C{263}.  (WeeChat 4.1 and later show a C{404} naming a
    nickname in that query's buffer the same way; the 3.8 of Debian 12, in
    the server's buffer, naming the nickname.)
    """
    daemon = loopbackDaemon(tmp_path, "--rooms", "lobby")
    async with Teardown(daemon) as ending:
        await registerWee(daemon)
        weechat = ending.keep(WeeChat(tmp_path, daemon.ports["IRCFactory"], "wee", "sesame-wee"))
        await weechat.waitForText("irc.chatd.#lobby", "Channel #lobby: 1 nick")
        await weechat.command("irc.chatd.#lobby", "ring \x07 ring")
        await weechat.waitForText(
            "irc.chatd.#lobby", '#lobby: "ring  ring" not delivered: the message holds U+0007'
        )
