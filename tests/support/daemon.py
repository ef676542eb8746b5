"""
Start the real C{twistd -n chatd} as a child process, for end-to-end tests.

Listeners are given port 0 and the test reads the ports the daemon chose
from its log ("TchatFactory starting on 43121"), so there is no race for a
free port.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TWISTD = Path(sys.executable).with_name("twistd")
#: What an HTTP listener is asked, to see the reactor answer.
HTTP_GET = b"GET / HTTP/1.0\r\n\r\n"
_STARTED = re.compile(r"(\w+) (?:\((?:TLS|PROXY)\) )*starting on (\d+)")


class Daemon:
    """
    A running chatd process, its listening ports by factory class name, and
    its log file.
    """

    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log
        self.ports: dict[str, int] = {}
        #: Whether the reactor was seen running (L{waitServing}).
        self.serving = False

    def logText(self) -> str:
        return self.log.read_text(errors="replace")

    def waitFor(self, factories: tuple[str, ...], timeout: float = 30.0) -> None:
        """
        Block until every factory in C{factories} is listening.
        """
        deadline = time.monotonic() + timeout
        while True:
            self.ports = {m[1]: int(m[2]) for m in _STARTED.finditer(self.logText())}
            if all(name in self.ports for name in factories):
                return
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"chatd did not start; log:\n{self.logText()}")
            time.sleep(0.05)

    def waitServing(self, timeout: float = 30.0, greeted: bool = False) -> None:
        """
        Block until the reactor answers: an HTTP listener (metrics or web)
        answers a request, or (C{greeted}) TCHAT sends its greeting, a
        connection some tests would count, so only when stopping.

        Listeners listen before twistd runs the reactor, and the reactor
        installs its signal handlers only when it runs: a C{SIGTERM} sent in
        between kills the process without its shutdown (nor its store
        opened), which a loaded machine once made a test see.  Any byte
        back proves the loop runs.
        """
        deadline = time.monotonic() + timeout
        asked = [("MetricsSite", HTTP_GET), ("GuardedSite", HTTP_GET)]
        for name, ask in asked + [("TchatFactory", b"")] * greeted:
            if name not in self.ports or time.monotonic() > deadline:
                continue
            try:
                with socket.create_connection(
                    ("127.0.0.1", self.ports[name]), deadline - time.monotonic()
                ) as sock:
                    sock.sendall(ask)
                    if sock.recv(1):
                        self.serving = True
                        return
            except OSError:
                continue

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """
        Signal the daemon and wait for it to exit; return its exit status.
        """
        if self.process.poll() is None and not self.serving and sig == signal.SIGTERM:
            self.waitServing(10.0, greeted=True)  # a SIGTERM before the reactor runs is a kill
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def startDaemon(
    workdir: Path,
    *args: str,
    factories: tuple[str, ...] = ("TchatFactory",),
    twistd: tuple[str, ...] = (),
) -> Daemon:
    """
    Run C{twistd -n chatd ARGS} in C{workdir} with this checkout first on the
    path, and wait until C{factories} listen.  Unless C{ARGS} say otherwise,
    the web, IRC, talk, admin and metrics listeners listen on free loopback
    ports (waited for too), not their defaults, and loopback addresses are
    exempt from the per-address connection limits.  C{twistd} are twistd's own
    options (C{--logger ...}), before the C{chatd} subcommand.
    """
    # Every listener a test does not set listens on a free loopback port
    # (never a shared default: tests run side by side), and the daemon is
    # ready once those listen too, so a test may use any of their ports.
    defaults = {
        "--web": "GuardedSite",
        "--irc": "IRCFactory",
        "--talk": "TalkFactory",
        "--admin": "AdminTelnetFactory",
        "--metrics": "MetricsSite",
    }
    for option, factory in defaults.items():
        if option not in args:
            args = (*args, option, "tcp:0:interface=127.0.0.1")
            factories = (*factories, factory)
    if "--limit-exempt" not in args:  # tests connect from 127.0.0.1 in bulk
        args += ("--limit-exempt", "127.0.0.0/8")
    log = workdir / "chatd.log"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [str(TWISTD), "-n", "--pidfile=", *twistd, "chatd", *args]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    daemon = Daemon(process, log)
    daemon.waitFor(factories)
    daemon.waitServing()
    return daemon


def loopbackDaemon(workdir: Path, *args: str) -> Daemon:
    """
    L{startDaemon} with its TCHAT listener on a free loopback port too:
    unless C{ARGS} say otherwise, every front-end listens there, and the
    daemon is ready once each does (their ports are in C{ports}).
    """
    return startDaemon(workdir, "--port", "tcp:0:interface=127.0.0.1", *args)


def runDaemon(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """
    Run C{twistd -n chatd} expecting it to stop at once.
    """
    listeners = ["--port", "tcp:0:interface=127.0.0.1", "--web", "off", "--irc", "off"]
    listeners += ["--talk", "off", "--admin", "off"]
    return subprocess.run(
        [str(TWISTD), "-n", "--pidfile=", "chatd", *listeners, *args],
        cwd=workdir,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
