"""
Real load balancers (Debian packages) in front of a daemon's listeners, as an
operator would put one before a cluster's nodes: HAProxy in TCP mode, and
nginx's C{stream} module terminating TLS; both send the PROXY protocol.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.pagehelpers import freePorts

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NGINX_STREAM = Path("/usr/lib/nginx/modules/ngx_stream_module.so")


def whyNoHAProxy() -> str | None:
    if Path(HAPROXY).exists():
        return None
    return "haproxy is not installed (Debian package haproxy)"


def whyNoNginxHTTP() -> str | None:
    return None if Path(NGINX).exists() else "nginx is not installed (nginx-light)"


def whyNoNginx() -> str | None:
    if Path(NGINX).exists() and NGINX_STREAM.exists():
        return None
    return "nginx with its stream module is not installed (nginx-light, libnginx-mod-stream)"


def haproxyConfiguration(routes: list[tuple[int, int, str]], check: str = "") -> str:
    """
    Each route's front port forwards to its back port on 127.0.0.1, with
    the PROXY header C{send-proxy} (version 1) or C{send-proxy-v2}, and
    C{check} (health checks, C{check inter 1s}) after it.
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
            f"    server chatd 127.0.0.1:{back} {header} {check}".rstrip(),
        ]
    return "\n".join(lines) + "\n"


def nginxConfiguration(
    workdir: Path, routes: list[tuple[int, int, str]], tls: tuple[Path, Path]
) -> str:
    """
    nginx's C{stream} module: each route's front port takes TLS (with
    C{tls}: key, certificate) and forwards the plain bytes to its back port,
    with a version 1 PROXY header.
    """
    key, cert = tls
    servers = [
        f"""    server {{
        listen 127.0.0.1:{front} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        proxy_pass 127.0.0.1:{back};
        proxy_protocol on;
    }}"""
        for front, back, _ in routes
    ]
    return "\n".join(
        [
            f"load_module {NGINX_STREAM};",
            "daemon off;",
            f"pid {workdir / 'nginx.pid'};",
            f"error_log {workdir / 'nginx-error.log'};",
            "events {}",
            "stream {",
            *servers,
            "}",
            "",
        ]
    )


#: The C{location} docs/WEB.md gives operators, as nginx runs it here.
NGINX_LOCATION = """\
        location / {
            proxy_pass http://127.0.0.1:%(back)d;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
        }"""


def nginxHTTPConfiguration(
    workdir: Path, front: int, back: int, tls: tuple[Path, Path] | None = None
) -> str:
    """
    nginx as an HTTP reverse proxy (the web page and its WebSockets) on
    C{front}, forwarding to C{back} with C{X-Forwarded-For} and
    C{X-Forwarded-Proto}; with C{tls} (key, certificate), C{front} takes
    https.
    """
    temp = "\n".join(
        f"    {kind}_temp_path {workdir / ('nginx-' + kind)};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    listen = ""
    if tls is not None:
        listen = f" ssl;\n        ssl_certificate {tls[1]};\n        ssl_certificate_key {tls[0]}"
    return f"""daemon off;
pid {workdir / "nginx.pid"};
error_log {workdir / "nginx-error.log"};
events {{}}
http {{
    access_log off;
{temp}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        '' close;
    }}
    server {{
        listen 127.0.0.1:{front}{listen};
{NGINX_LOCATION % {"back": back}}
    }}
}}
"""


@contextmanager
def nginxHTTP(workdir: Path, back: int, tls: tuple[Path, Path] | None = None) -> Iterator[int]:
    """
    Run nginx as an HTTP reverse proxy before C{back} (over https with
    C{tls}: key, certificate); yields its port.
    """
    [front] = freePorts(1)
    config = workdir / "nginx.conf"
    config.write_text(nginxHTTPConfiguration(workdir, front, back, tls))
    with running([NGINX, "-c", str(config)], workdir / "nginx.log", {back: front}):
        yield front


@contextmanager
def haproxy(workdir: Path, headers: dict[int, str], check: str = "") -> Iterator[dict[int, int]]:
    """
    Run HAProxy before each back port of C{headers}, sending it that PROXY
    header (and health checks as C{check} says); yields each back port's
    front port once HAProxy accepts connections on all of them.
    """
    fronts = dict(zip(headers, freePorts(len(headers)), strict=True))
    config = workdir / "haproxy.cfg"
    config.write_text(
        haproxyConfiguration(
            [(front, back, headers[back]) for back, front in fronts.items()], check
        )
    )
    with running([HAPROXY, "-f", str(config), "-db"], workdir / "haproxy.log", fronts):
        yield fronts


@contextmanager
def nginxStream(
    workdir: Path, backs: list[int], tls: tuple[Path, Path]
) -> Iterator[dict[int, int]]:
    """
    Run nginx terminating TLS before each of C{backs}; yields each back
    port's front port once nginx accepts connections on all of them.
    """
    fronts = dict(zip(backs, freePorts(len(backs)), strict=True))
    config = workdir / "nginx.conf"
    config.write_text(
        nginxConfiguration(workdir, [(front, back, "") for back, front in fronts.items()], tls)
    )
    with running([NGINX, "-c", str(config)], workdir / "nginx.log", fronts):
        yield fronts


@contextmanager
def running(command: list[str], log: Path, fronts: dict[int, int]) -> Iterator[None]:
    """
    Run C{command} until the block ends, once it accepts connections on
    every front port of C{fronts}.
    """
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
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
                                f"{command[0]} did not start: {log.read_text()}"
                            ) from None
                        time.sleep(0.05)
            yield
        finally:
            process.terminate()
            process.wait(10)
