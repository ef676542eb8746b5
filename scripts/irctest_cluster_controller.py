"""
chatd's controller for irctest, run against a cluster: two real
C{twistd -n chatd --cluster} nodes on a throw-away C{redis-server}, behind a
real HAProxy that deals irctest's clients to the nodes in turn (round
robin) and tells each node the client's address (the PROXY protocol).  So
most tests that involve two clients have them on different nodes, and
check that the cluster behaves as one server.  Use
C{scripts/run-irctest --cluster}.

The nodes share one PostgreSQL database, a fresh one per test, on a
throw-away server started for the run (Debian's C{postgresql}), as a
cluster in production does: accounts, history and deletions are the same on
both nodes, so the tests marked C{services} apply too.  Without PostgreSQL
each node keeps its own SQLite store, and those tests do not apply.
"""

from __future__ import annotations

import atexit
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from irctest.runner import NotImplementedByController
from irctest_controller import ChatdController, freePort

#: How long the nodes have to connect to Redis and listen.
START_TIMEOUT = 30.0


def postgresTool(name: str) -> str | None:
    found = shutil.which(name)
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found or (candidates[-1] if candidates else None)


class SharedDatabase:
    """
    One throw-away PostgreSQL server for the whole run (stopped at exit),
    and a fresh database on it for each test.
    """

    port: int | None = None
    base: str | None = None
    tests = itertools.count()

    @classmethod
    def newDatabase(cls) -> str | None:
        """
        The URL of a new, empty database, or C{None} without PostgreSQL.
        """
        initdb, pgctl = postgresTool("initdb"), postgresTool("pg_ctl")
        if initdb is None or pgctl is None:
            return None
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if cls.port is None:
            cls.base = tempfile.mkdtemp(prefix="chatd-irctest-pg-")
            if prefix:
                account = pwd.getpwnam("postgres")
                os.chown(cls.base, account.pw_uid, account.pw_gid)
            data = os.path.join(cls.base, "data")
            subprocess.run(
                [*prefix, initdb, "-D", data, "-U", "chatd", "--auth=trust", "--no-sync"]
                + ["-E", "UTF8", "--locale=C"],
                check=True,
                capture_output=True,
            )
            port = freePort()
            options = f"-c listen_addresses=127.0.0.1 -p {port} -k {cls.base} -c fsync=off"
            start = [*prefix, pgctl, "-D", data, "-l", os.path.join(cls.base, "log"), "-w"]
            subprocess.run([*start, "-o", options, "start"], check=True, capture_output=True)
            cls.port = port
            atexit.register(cls.stop, [*prefix, pgctl, "-D", data, "-m", "immediate", "stop"])
        name = f"irctest_{os.getpid()}_{next(cls.tests)}"
        server = ["-h", "127.0.0.1", "-p", str(cls.port), "-U", "chatd"]
        subprocess.run(
            [
                postgresTool("psql") or "psql",
                *server,
                "-d",
                "postgres",
                "-c",
                f"CREATE DATABASE {name}",
            ],
            check=True,
            capture_output=True,
        )
        return f"postgresql://chatd@127.0.0.1:{cls.port}/{name}"

    @classmethod
    def stop(cls, command: list[str]) -> None:
        subprocess.run(command, capture_output=True)
        if cls.base is not None:
            shutil.rmtree(cls.base, ignore_errors=True)


HAPROXY = """\
global
    maxconn 4096
defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h
frontend irc
    bind {hostname}:{port}
    default_backend nodes
backend nodes
    balance roundrobin
    server a 127.0.0.1:{a} send-proxy
    server b 127.0.0.1:{b} send-proxy
"""


class ChatdClusterController(ChatdController):  # type: ignore[misc]
    """
    Runs two chatd nodes, Redis and HAProxy for irctest; C{self.proc} is
    HAProxy, and the others are stopped with it.
    """

    software_name = "chatd (two cluster nodes behind HAProxy)"

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: str | None,
        ssl: bool,
        run_services: bool,
        faketime: str | None,
        websocket_hostname: str | None,
        websocket_port: int | None,
    ) -> None:
        if ssl:
            raise NotImplementedByController("TLS (the cluster controller runs plain TCP)")
        self.prepare(hostname, port, websocket_hostname, websocket_port)
        assert self.directory is not None
        redisPort = freePort(port)
        self.started.append(
            subprocess.Popen(
                ["redis-server", "--port", str(redisPort), "--bind", "127.0.0.1"]
                + ["--save", "", "--appendonly", "no", "--dir", str(self.directory)],
                stdout=subprocess.DEVNULL,
            )
        )
        database = SharedDatabase.newDatabase()
        shared = ["--db", database] if database is not None else []
        taken = [port, redisPort]
        for _ in range(2):
            taken.append(freePort(*taken))
        nodePorts = taken[2:]
        logs = []
        for name, nodePort in zip("ab", nodePorts, strict=True):
            log = self.directory / f"chatd-{name}.log"
            logs.append(log)
            self.tchatPort = freePort(*taken)
            taken.append(self.tchatPort)
            node = self.command(
                log,
                f"haproxy:tcp:{nodePort}:interface=127.0.0.1",
                password,
                "--data-dir",
                str(self.directory / f"data-{name}"),
                "--cluster",
                f"redis://127.0.0.1:{redisPort}/0",
                *shared,
            )
            self.started.append(subprocess.Popen(node, env=self.environment, cwd=self.directory))
        waitForLogs(logs, "connected to Redis")
        waitForLogs(logs, "reachable at")
        config = self.directory / "haproxy.cfg"
        config.write_text(
            HAPROXY.format(hostname=hostname, port=port, a=nodePorts[0], b=nodePorts[1])
        )
        self.proc = self.execute(["haproxy", "-f", str(config), "-db"], cwd=self.directory)
        self.started.append(self.proc)

    def kill_proc(self) -> None:
        super().kill_proc()
        self.stopLeftovers()


def waitForLogs(logs: list[Path], text: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not all(log.exists() and text in log.read_text() for log in logs):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the nodes did not log {text!r} in time")
        time.sleep(0.05)


def get_irctest_controller_class() -> type[ChatdClusterController]:
    return ChatdClusterController
