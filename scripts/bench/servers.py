"""
Other IRC servers for C{--servers}: ngIRCd and InspIRCd
from their Debian packages (Debian's C{ergo} package is a quantum chemistry
program, not the Ergo IRC server), each run in the foreground with a
minimal configuration written to a scratch directory: a free 127.0.0.1 port,
no services, no DNS or ident look-ups, and connection and flood limits off
or as high as the server allows (what each could not switch off is in
docs/dev/BENCHMARKING.md).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Protocol

from .daemon import freePort, procCpuSeconds

NGIRCD = """\
[Global]
Name = bench.invalid
Info = chatd bench
Listen = 127.0.0.1
Ports = {port}
PidFile = {dir}/ngircd.pid
MotdPhrase = bench
[Limits]
MaxConnections = 0
MaxConnectionsIP = 0
MaxJoins = 0
MaxPenaltyTime = 0
MaxNickLength = 16
PingTimeout = 600
PongTimeout = 600
ConnectRetry = 600
[Options]
DNS = no
Ident = no
PAM = no
"""

INSPIRCD = """\
<server name="bench.invalid" description="chatd bench" network="Bench">
<admin name="bench" nick="bench" email="bench@bench.invalid">
<bind address="127.0.0.1" port="{port}" type="clients">
<connect allow="*" timeout="60" threshold="1000000" commandrate="1000000000"
         fakelag="no" pingfreq="600" hardsendq="67108864" softsendq="67108864"
         recvq="1048576" localmax="100000" globalmax="100000" maxconnwarn="off"
         resolvehostnames="no" useident="no" limit="100000">
<performance softlimit="100000" somaxconn="4096" clonesonconnect="no">
<channels users="100" opers="100">
<files motd="{dir}/motd">
<pid file="{dir}/inspircd.pid">
<dns timeout="1">
<options prefixquit="Quit: " syntaxhints="no">
<security hideserver="" userstats="Pu" maxtargets="20">
<limits maxnick="30" maxchan="64" maxmodes="20" maxident="11" maxquit="255"
        maxtopic="307" maxkick="255" maxreal="128" maxgecos="128" maxaway="200">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="{dir}/inspircd.log">
"""


class Server(Protocol):
    """
    What a phase reads about the server under test, chatd or another.
    """

    port: int
    pid: int

    def cpuSeconds(self) -> float: ...

    def mainThreadSeconds(self) -> float: ...

    def rss(self) -> int: ...

    def profile(self, start: bool, label: str = "") -> None: ...

    def stop(self) -> None: ...


SERVERS = ("chatd", "ngircd", "inspircd")


class ForeignServer:
    """
    An IRC server other than chatd, in the foreground, pinned like chatd.
    """

    def __init__(self, name: str, workdir: Path, cpu: int | None) -> None:
        self.name = name
        self.port = freePort()
        self.dir = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=workdir))
        self.logfile = self.dir / "output.log"
        command = self._prepare()
        if cpu is not None:
            command = ["taskset", "-c", str(cpu)] + command
        self.command = command
        with self.logfile.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT
            )
        self.pid = self.process.pid
        self._waitReady()

    def _prepare(self) -> list[str]:
        values = {"port": self.port, "dir": self.dir}
        if self.name == "ngircd":
            config = self.dir / "ngircd.conf"
            config.write_text(NGIRCD.format(**values))
            return ["ngircd", "--nodaemon", "--config", str(config)]
        if self.name == "inspircd":
            (self.dir / "motd").write_text("bench\n")
            config = self.dir / "inspircd.conf"
            config.write_text(INSPIRCD.format(**values))
            return ["inspircd", "--nofork", "--config", str(config)] + (
                ["--runasroot"] if os.geteuid() == 0 else []
            )
        raise ValueError(f"unknown server {self.name!r}")

    def _waitReady(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.logfile}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start listening within 20 s")

    def cpuSeconds(self) -> float:
        return procCpuSeconds(self.pid)

    def mainThreadSeconds(self) -> float:
        return procCpuSeconds(self.pid, self.pid)

    def rss(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")

    def profile(self, start: bool, label: str = "") -> None:
        """
        Only chatd runs under pyinstrument.
        """

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def startServer(name: str, workdir: Path, cpu: int | None) -> Server:
    return ForeignServer(name, workdir, cpu)
