"""
chatd's controller for irctest (https://github.com/progval/irctest), the
IRC server conformance suite.

irctest imports this module (C{--controller irctest_controller}) and asks it
to run a server on a given host and port; it runs the real
C{twistd -n chatd} from this checkout with only the IRC listener of
interest to the tests.  Use C{scripts/run-irctest}, which sets the
environment this module reads:

  - C{CHATD_ROOT}: the chatd checkout (put on the daemon's C{PYTHONPATH});
  - C{CHATD_TWISTD}: the C{twistd} of an environment with chatd's
    dependencies.

The shape follows irctest's own ngircd controller; no irctest code is kept
here.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from irctest.basecontrollers import BaseServerController, DirectoryBasedController
from irctest.runner import NotImplementedByController

ROOT = Path(os.environ.get("CHATD_ROOT", Path(__file__).resolve().parent.parent))
TWISTD = os.environ.get("CHATD_TWISTD", "twistd")


#: Run with chatd's interpreter: give OPER the administrator irctest uses.
PREPARE = """
import sys
from pathlib import Path
from chatd.admin.credentials import setPassword
setPassword(Path(sys.argv[1]), "operuser", "operpassword")
"""


class ChatdController(BaseServerController, DirectoryBasedController):  # type: ignore[misc]
    """
    Runs chatd's IRC front-end for irctest.

    chatd's accounts are its own and its NickServ is part of it, on the
    services server irctest expects (C{My.Little.Services}, for C{LINKS}):
    the tests marked as needing services run against chatd itself, and
    L{registerUser} registers an account the way a TCHAT user does
    (C{LOGIN}, C{REGIS}), for SASL (PLAIN, SCRAM-SHA-256).  OPER takes the administrator
    C{operuser}/C{operpassword}, written to an admin password file of its
    own; the daemon starts on a default, fresh data directory (C{chatd-data}),
    with the shortest password lowered to irctest's 3 characters.
    """

    software_name = "chatd"
    supported_sasl_mechanisms: set[str] = {"PLAIN", "SCRAM-SHA-256"}
    tchatPort = 0
    supports_sts = False
    #: Every daemon started, so that those of tests whose C{setUp} raised
    #: (irctest then skips C{tearDown}, which would kill them) are stopped
    #: when the next test starts, and all are stopped at exit.
    started: list[subprocess.Popen[bytes]] = []

    @classmethod
    def stopLeftovers(cls) -> None:
        for process in cls.started:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        cls.started.clear()

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
        self.prepare(hostname, port, websocket_hostname, websocket_port)
        assert self.directory is not None
        if ssl:
            self.gen_ssl()
            keys = f"privateKey={self.key_path}:certKey={self.pem_path}"
            listener = f"ssl:{port}:interface={hostname}:{keys}"
        else:
            listener = f"tcp:{port}:interface={hostname}"
        self.tchatPort = freePort(port)
        log = self.directory / "chatd.log"
        self.proc = self.execute(
            self.command(log, listener, password), env=self.environment, cwd=self.directory
        )
        self.started.append(self.proc)

    def prepare(
        self, hostname: str, port: int, websocketHost: str | None, websocketPort: int | None
    ) -> None:
        """
        Refuse what chatd's controllers do not run, stop what earlier tests
        left, and write the administrator C{OPER} takes.
        """
        if websocketHost is not None or websocketPort is not None:
            raise NotImplementedByController("Websocket")
        config = self.test_config
        if config.account_registration_before_connect:
            raise NotImplementedByController("REGISTER before the connection completes")
        if config.account_registration_requires_email:
            raise NotImplementedByController("REGISTER with an e-mail address")
        assert self.proc is None
        self.stopLeftovers()
        self.port, self.hostname = port, hostname
        self.create_config()
        assert self.directory is not None
        self.environment: dict[str, Any] = dict(os.environ, PYTHONPATH=str(ROOT))
        self.passwords = self.directory / "admin-passwords"
        self.writeOperator(self.passwords, self.environment)

    def command(self, log: Path, irc: str, password: str | None, *more: str) -> list[str]:
        """
        The C{twistd -n chatd} command line of a daemon logging to C{log},
        serving IRC on C{irc} and TCHAT (for L{registerUser}) on
        L{tchatPort}, with C{more} options.
        """
        return [
            TWISTD,
            "-n",
            "--pidfile=",
            "--logfile",
            str(log),
            "chatd",
            "--irc",
            irc,
            "--port",
            f"tcp:{self.tchatPort}:interface=127.0.0.1",
            "--talk",
            "",
            "--web",
            "none",
            "--admin",
            "off",
            "--metrics",  # its default port would clash with a chatd running here
            "off",
            "--admin-passwords",
            str(self.passwords),
            "--irc-server-name",
            "My.Little.Server",
            "--irc-server-info",
            "test server",
            "--irc-services-name",
            "My.Little.Services",
            "--max-clients",
            "0",
            "--limit-exempt",
            "127.0.0.0/8",
            "--password-min-length",  # irctest's accounts use "bar"
            "3",
            *(["--irc-password", password] if password is not None else []),
            *more,
        ]

    def wait_for_services(self) -> None:
        """
        chatd's accounts and NickServ are part of it: up when its port is.
        """

    def registerUser(self, case: Any, username: str, password: str | None = None) -> None:
        """
        Register C{username} with C{password} over TCHAT, as a user would,
        then leave C{Général}, which a new account is put in (the seeded
        room flagged autojoin): services' accounts start in no channel,
        as irctest expects, and a user may leave it for good.
        """
        assert password
        self.wait_for_port()
        with socket.create_connection(("127.0.0.1", self.tchatPort), timeout=10) as connection:
            lines = connection.makefile("rwb")
            lines.readline()  # srv: TCHAT 1
            for command in (f"LOGIN {username}", f"REGIS {password}", "LEAVE Général"):
                lines.write(f"clt: {command}\n".encode())
                lines.flush()
                while not (reply := lines.readline().decode()).startswith(
                    ("srv: OKAY!", "srv: ERR")
                ):
                    if not reply:
                        raise RuntimeError(f"chatd closed the connection at {command}")
                if not reply.startswith("srv: OKAY!"):
                    raise RuntimeError(f"{command}: {reply.strip()}")
        time.sleep(0.3)  # the TCHAT session's end frees the nickname
        # A login is answered once every cluster node has read what this
        # node published before it, the session's end included: after it,
        # the account is free on every node (at once on a lone daemon).
        with socket.create_connection(("127.0.0.1", self.tchatPort), timeout=10) as fence:
            lines = fence.makefile("rwb")
            lines.readline()  # srv: TCHAT 1
            lines.write(f"clt: LOGIN fence{abs(hash(username)) % 10000}\n".encode())
            lines.flush()
            lines.readline()

    @staticmethod
    def writeOperator(passwords: Path, environment: dict[str, Any]) -> None:
        """
        Write the administrator irctest's C{OPER} tests use; the daemon's
        data directory is left to the daemon, which makes it fresh.
        """
        subprocess.run(
            [str(Path(TWISTD).with_name("python")), "-c", PREPARE, str(passwords)],
            env=environment,
            check=True,
        )


def freePort(*taken: int) -> int:
    """
    A loopback port free now and not among C{taken} (ports chosen already
    and not yet bound, such as the one irctest chose for the server).
    """
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        if port not in taken:
            return port


atexit.register(ChatdController.stopLeftovers)


def get_irctest_controller_class() -> type[ChatdController]:
    return ChatdController
