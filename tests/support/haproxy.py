"""
A real HAProxy (the Debian package) in TCP mode in front of a daemon's
listeners, as an operator would put one before a cluster's nodes.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.pagehelpers import freePort

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"


def whyNoHAProxy() -> str | None:
    if shutil.which("haproxy") or Path(HAPROXY).exists():
        return None
    return "haproxy is not installed (Debian package haproxy)"


def configuration(routes: list[tuple[int, int, str]]) -> str:
    """
    HAProxy's configuration: each route's front port forwards to its back
    port on 127.0.0.1, with the PROXY header C{send-proxy} (version 1) or
    C{send-proxy-v2}.
    """
    lines = [
        "global",
        "    maxconn 200",
        "defaults",
        "    mode tcp",
        "    timeout connect 5s",
        "    timeout client 60s",
        "    timeout server 60s",
    ]
    for front, back, header in routes:
        lines += [
            f"listen route{front}",
            f"    bind 127.0.0.1:{front}",
            f"    server chatd 127.0.0.1:{back} {header}",
        ]
    return "\n".join(lines) + "\n"


@contextmanager
def haproxy(workdir: Path, headers: dict[int, str]) -> Iterator[dict[int, int]]:
    """
    Run HAProxy before each back port of C{headers}, sending it that PROXY
    header (see L{configuration}); yields each back port's front port once
    HAProxy accepts connections on all of them.
    """
    fronts = {back: freePort() for back in headers}
    config = workdir / "haproxy.cfg"
    config.write_text(
        configuration([(front, back, headers[back]) for back, front in fronts.items()])
    )
    log = (workdir / "haproxy.log").open("wb")
    process = subprocess.Popen(
        [HAPROXY, "-f", str(config), "-db"], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 10
        for front in fronts.values():
            while True:
                try:
                    socket.create_connection(("127.0.0.1", front), 1).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            f"haproxy did not start: {(workdir / 'haproxy.log').read_text()}"
                        ) from None
                    time.sleep(0.05)
        yield fronts
    finally:
        process.terminate()
        process.wait(10)
        log.close()
