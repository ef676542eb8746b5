"""
The daemon under test for the benchmark (C{scripts/bench}): a real C{twistd -n chatd}
process, pinned, optionally profiled, and what the bench reads about it and
about the machine (CPU time, RSS, file limits).
"""

from __future__ import annotations

import os
import re
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

from .loadgen import WireAdapter

# Runs twistd under pyinstrument, sampling only between SIGUSR1 and SIGUSR2
# (a measured window); each window's text report is appended to argv[1].  twistd re-raises
# SIGTERM on itself after shutdown, so pyinstrument's own CLI never gets to
# write its report.
#: The CPUs this process may use before the generator pins itself (C{__main__}).
CPUS = frozenset(os.sched_getaffinity(0))


def unpinned() -> None:
    """
    For a child (C{preexec_fn}) that is not pinned: every CPU again, not the
    generator's one, which a child would otherwise inherit.
    """
    os.sched_setaffinity(0, CPUS)


PROFILED_TWISTD = """
import signal, sys
from pyinstrument import Profiler
out = sys.argv.pop(1)
profiler = Profiler(interval=0.0005, async_mode="disabled")
def start(*ignored):
    profiler.start()
def stop(*ignored):
    if profiler.is_running:
        profiler.stop()
        with open(out, "a") as f:
            f.write(profiler.output_text(show_all=True))
signal.signal(signal.SIGUSR1, start)
signal.signal(signal.SIGUSR2, stop)
from twisted.scripts.twistd import run
run()
"""


# Runs twistd with room messages not stored (the bench's --history-cost
# baseline): the store's writer drops them as they are queued, so the daemon
# does everything else it does with history on, private messages included.
UNSTORED_TWISTD = """
from chatd.storage.writer import MessageWriter
add = MessageWriter.add
def unstored(self, room, *args, **kwargs):
    if room is None:
        add(self, room, *args, **kwargs)
MessageWriter.add = unstored
from twisted.scripts.twistd import run
run()
"""


def busyCores() -> float:
    """
    CPU seconds all processes on this machine have used so far (from
    C{/proc/stat}): over a window, minus the daemon's and the generator's
    share, it shows how much other work competed for the cores.
    """
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def procCpuSeconds(pid: int, thread: int | None = None) -> float:
    """
    User + system CPU seconds process C{pid} has used so far, all its
    threads; or only its thread C{thread} (C{pid} itself: the main thread,
    chatd's reactor).
    """
    where = f"/proc/{pid}" if thread is None else f"/proc/{pid}/task/{thread}"
    fields = Path(f"{where}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def freePort() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def raiseFileLimit(wanted: int) -> int:
    """
    Raise this process's open-file limit (children inherit it) towards
    C{wanted}, the hard limit too where allowed (as root); return what it is
    now, which the hard limit may cap.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, wanted))
            soft, hard = wanted, wanted
        except (ValueError, OSError):  # not privileged: the hard limit stands
            pass
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return int(soft)


class Daemon:
    """
    A real C{twistd -n chatd} process on 127.0.0.1, optionally pinned to a CPU
    and run under pyinstrument, or with room messages not stored.
    """

    def __init__(
        self,
        root: Path,
        adapter: WireAdapter,
        options: list[str],
        workdir: Path,
        cpu: int | None,
        profile: Path | None = None,
        nice: int = 0,
        unstored: bool = False,
    ) -> None:
        self.port = freePort()
        self.logfile = workdir / f"chatd-{self.port}.log"
        listen = f"tcp:{self.port}:interface=127.0.0.1:backlog=1024"
        command = [twistd()]
        if profile is not None:
            command = [sys.executable, "-c", PROFILED_TWISTD, str(profile)]
        elif unstored:
            command = [sys.executable, "-c", UNSTORED_TWISTD]
        command += ["-n", "--pidfile=", "--logfile", str(self.logfile), "chatd"]
        command += adapter.daemonOptions(listen) + options
        if cpu is not None:
            command = ["taskset", "-c", str(cpu)] + command
        if nice:
            command = ["nice", "-n", str(nice)] + command
        self.command = command
        self.profilePath = profile
        self.greets = adapter.greets
        env = dict(os.environ, PYTHONPATH=str(root))
        self.process = subprocess.Popen(
            command, env=env, cwd=workdir, preexec_fn=unpinned if cpu is None else None
        )
        self.pid = self.process.pid
        self._waitReady()

    def _waitReady(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daemon exited: see {self.logfile}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    # IRC and HTTP servers wait for the client: accepting is enough.
                    if not self.greets or probe.recv(64):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("daemon did not start listening within 20 s")

    def profile(self, start: bool, label: str = "") -> None:
        """
        Start (after a C{label} heading) or stop (and append) the profile,
        when running under pyinstrument.
        """
        if self.profilePath is not None:
            if start:
                with self.profilePath.open("a") as f:
                    f.write(f"\n==== {label} ====\n")
            self.process.send_signal(signal.SIGUSR1 if start else signal.SIGUSR2)

    def cpuSeconds(self) -> float:
        """
        User + system CPU time the daemon has used so far.
        """
        return procCpuSeconds(self.pid)

    def mainThreadSeconds(self) -> float:
        """
        The part of L{cpuSeconds} that the reactor thread used; the rest is
        the pool threads' (the history writer's, mostly).
        """
        return procCpuSeconds(self.pid, self.pid)

    def rss(self) -> int:
        """
        Resident memory in bytes, from C{/proc/PID/status}.
        """
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def twistd() -> str:
    """
    The C{twistd} next to this Python, where the project's venv has it.
    """
    return str(Path(sys.executable).parent / "twistd")


@cache
def supportedOptions(root: Path) -> frozenset[str]:
    """
    The long options C{twistd chatd --help} lists for the checkout at
    C{root}, so one bench can drive older and newer versions (C{--compare}).
    """
    env = dict(os.environ, PYTHONPATH=str(root))
    result = subprocess.run(
        [twistd(), "chatd", "--help"], env=env, capture_output=True, text=True, timeout=60
    )
    return frozenset(re.findall(r"--([a-z][a-z-]+)", result.stdout))


def withoutAutojoin(dataDir: Path) -> None:
    """
    Clear the autojoin flag of every room in the SQLite databases under
    C{dataDir} (a fresh one is seeded with an autojoin room, C{Général}).
    """
    for path in dataDir.glob("*.sqlite3"):
        with sqlite3.connect(path) as db:
            db.execute("UPDATE rooms SET autojoin = 0")
        db.close()
