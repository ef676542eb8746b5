# -*- test-case-name: tests.integration.test_cluster_redis -*-
"""
The C{--cluster} URL and the one error of the Redis link, defined without
importing any Redis client (txredisapi imports the global reactor), so that
option checking, the bus and presence stay light.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


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


class RedisUnavailable(Exception):
    """
    The link to Redis is down right now; the caller should degrade.
    """
