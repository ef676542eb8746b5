# -*- test-case-name: tests.unit.cluster.test_cluster_sentinel -*-
"""
The C{--cluster} URL and the one error of the Redis link, defined without
importing any Redis client (txredisapi imports the global reactor), so that
option checking, the bus and presence stay light.

Two forms: C{redis://[:password@]host[:port][/db]} names one Redis;
C{redis+sentinel://[:password@]host[:port][,host[:port]...]/master[/db]}
names the Sentinels that know which Redis is the master called C{master}.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

#: The port of a Sentinel named without one.
SENTINEL_PORT = 26379


class RedisAddress:
    """
    Where Redis is, parsed from C{redis://[:password@]host[:port][/db]}.
    """

    def __init__(self, host: str, port: int, db: int, password: str | None) -> None:
        self.host, self.port, self.db, self.password = host, port, db, password

    @classmethod
    def fromURL(cls, url: str) -> RedisAddress:
        """
        @raise ValueError: C{url} is not a C{redis://} URL.
        """
        parts = urlsplit(url)
        if parts.scheme != "redis" or not parts.hostname:
            raise ValueError(f"not a redis://host:port/db URL: {url!r}")
        path = parts.path.strip("/")
        db = int(path) if path else 0
        password = unquote(parts.password) if parts.password else None
        return cls(parts.hostname, parts.port or 6379, db, password)

    def __repr__(self) -> str:
        return f"redis://{self.host}:{self.port}/{self.db}"


class SentinelAddress:
    """
    Where the Sentinels are and which master they watch, parsed from
    C{redis+sentinel://[:password@]host[:port],.../master[/db]}.  The
    password is the master's (the Sentinels are asked without one).

    @ivar sentinels: (host, port) of each Sentinel, in the URL's order.
    """

    def __init__(
        self, sentinels: list[tuple[str, int]], master: str, db: int, password: str | None
    ) -> None:
        self.sentinels, self.master = sentinels, master
        self.db, self.password = db, password

    @classmethod
    def fromURL(cls, url: str) -> SentinelAddress:
        """
        @raise ValueError: C{url} is not a C{redis+sentinel://} URL with at
            least one Sentinel and a master name.
        """
        usage = f"not a redis+sentinel://host:port,host:port/master/db URL: {url!r}"
        scheme, _, rest = url.partition("://")
        if scheme != "redis+sentinel" or not rest:
            raise ValueError(usage)
        netloc, _, path = rest.partition("/")
        credentials, at, hosts = netloc.rpartition("@")
        password = (unquote(credentials.partition(":")[2]) or None) if at else None
        sentinels = [_hostPort(each, usage) for each in hosts.split(",")]
        names = path.strip("/").split("/") if path.strip("/") else []
        if not names or len(names) > 2 or not names[0]:
            raise ValueError(usage)
        db = int(names[1]) if len(names) == 2 else 0
        return cls(sentinels, unquote(names[0]), db, password)

    def __repr__(self) -> str:
        hosts = ",".join(f"{host}:{port}" for host, port in self.sentinels)
        return f"redis+sentinel://{hosts}/{self.master}/{self.db}"


def _hostPort(text: str, usage: str) -> tuple[str, int]:
    host, colon, port = text.rpartition(":")
    if not colon:
        host, port = text, str(SENTINEL_PORT)
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(usage)
    return host, int(port)


#: What C{--cluster} names.
ClusterAddress = RedisAddress | SentinelAddress


def parseAddress(url: str) -> ClusterAddress:
    """
    The address a C{--cluster} URL names, in either form.

    @raise ValueError: C{url} is neither form.
    """
    if url.startswith("redis+sentinel:"):
        return SentinelAddress.fromURL(url)
    return RedisAddress.fromURL(url)


class RedisUnavailable(Exception):
    """
    The link to Redis is down right now; the caller should degrade.
    """
