"""
Helpers for the browser tests of the page's features: a daemon with every
front-end the tests speak to, a blocking IRC client, a TCHAT user entering
rooms and speaking, the browser changing rooms, and axe-core (from npm) for
the accessibility check.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from selenium.webdriver.remote.webelement import WebElement

from tests.support.browser import TIMEOUT, Browser, TchatClient
from tests.support.daemon import Daemon, startDaemon

ROOT = Path(__file__).resolve().parents[2]
FACTORIES = ("TchatFactory", "GuardedSite", "IRCFactory")
AXE_DIR = ROOT / ".venv" / "axe"
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"


def startChat(workdir: Path, *args: str) -> Daemon:
    """
    The real daemon with TCHAT, web and IRC on free 127.0.0.1 ports, keeping
    messages in C{workdir} (so history is replayed and can be fetched).
    """
    if "--web" not in args:
        args = (*args, "--web", "tcp:0:interface=127.0.0.1")
    if "--data-dir" not in args:
        args = (*args, "--data-dir", str(workdir / "data"))
    return startDaemon(
        workdir,
        "--port",
        "tcp:0:interface=127.0.0.1",
        "--flush-interval",
        "0.02",
        "--flood-burst",
        "0",
        *args,
        factories=FACTORIES,
    )


def pageURL(daemon: Daemon) -> str:
    return f"http://127.0.0.1:{daemon.ports['GuardedSite']}/"


def freePort() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def freePorts(count: int) -> list[int]:
    """
    C{count} different free ports: each probe stays bound until all are
    chosen (one after the other, the kernel may give the same port twice).
    """
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


class IrcClient:
    """
    A blocking IRC client, registered as C{nick}.
    """

    def __init__(self, port: int, nick: str, password: str | None = None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.file = self.sock.makefile("rb")
        if password is not None:
            self.send(f"PASS {password}")
        self.send(f"NICK {nick}", f"USER {nick} 0 * :{nick}")
        self.expect(" 001 ")

    def send(self, *lines: str) -> None:
        self.sock.sendall("".join(f"{line}\r\n" for line in lines).encode("utf-8"))

    def expect(self, part: str) -> str:
        """
        Read lines until one holds C{part}; return it (PINGs are answered).
        """
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            line = self.file.readline().decode("utf-8").rstrip("\r\n")
            if not line:
                raise AssertionError(f"connection closed before {part!r}")
            if line.startswith("PING "):
                self.send("PONG " + line[5:])
            if part in line:
                return line
        raise AssertionError(f"no line with {part!r}")

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def axeScript() -> str:
    """
    axe-core's browser script, installed from npm under .venv/axe once.
    """
    if not AXE.exists():
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR), "axe-core@4"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return AXE.read_text(encoding="utf-8")


def tchat(daemon: Daemon, nick: str, *rooms: str) -> TchatClient:
    client = TchatClient(daemon.ports["TchatFactory"])
    client.send(f"LOGIN {nick}")
    client.expect("srv: OKAY!")
    for room in rooms:
        client.send(f"CREAT {room}")  # or it exists already: ERROR 33
        while not client.line().startswith(("srv: OKAY!", "srv: ERROR 33")):
            pass
        client.send(f"ENTER {room}")
        client.expect("srv: OKAY!")
    return client


def register(daemon: Daemon, nick: str, password: str) -> None:
    """Register the account C{nick} over TCHAT, and go."""
    client = tchat(daemon, nick)
    client.send(f"REGIS {password}")
    client.expect("srv: OKAY!")
    client.close()


def logsIn(client: TchatClient, nick: str) -> bool:
    """Whether C{client}'s C{LOGIN nick} is answered C{OKAY!} (else an error)."""
    client.send(f"LOGIN {nick}")
    while not (line := client.line()).startswith(("srv: OKAY!", "srv: ERROR")):
        pass
    return line.startswith("srv: OKAY!")


def speak(client: TchatClient, room: str, *lines: str) -> None:
    client.send(f"SPEAK {room}", *lines, ".")
    client.expect("srv: OKAY!")


def enter(browser: Browser, room: str, create: bool = False) -> None:
    browser.say(f"/{'create' if create else 'join'} {room}")
    browser.wait(lambda: browser.find("#conv-title").text == f"#{room}")


def classes(element: WebElement) -> list[str]:
    return (element.get_attribute("class") or "").split()


#: Records the page's WebSocket traffic in C{window.wsSent} and
#: C{window.wsReceived} (parsed frames): requests of the open connection,
#: and both directions of the connections it opens from then on.
RECORD_FRAMES = """
window.wsSent = []; window.wsReceived = [];
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
  window.wsSent.push(JSON.parse(data));
  return send.call(this, data);
};
const Original = window.WebSocket;
window.WebSocket = class extends Original {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (event) => window.wsReceived.push(JSON.parse(event.data)));
  }
};
"""
