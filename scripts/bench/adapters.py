"""
Wire adapters for the load generator (C{loadgen.py}): what one wire
format sends, and the markers the generator counts in what it reads.

The generator never parses replies.  Line protocols (TCHAT, IRC) are counted
over the complete lines of each read; WebSocket frames are not lines, so
their markers are counted over the whole read and the last C{len(marker) - 1}
bytes (of the longest marker) carried over to the next read, which counts a
marker split between two reads once; a shorter marker lying wholly inside the
carried bytes was counted with the previous read and is subtracted, so it is
not counted twice.
"""

from __future__ import annotations

import base64
import json
import os
import struct


class WireAdapter:
    """
    What the generator needs to know about one wire format.

    A marker is counted as a substring, so the bodies the generator sends
    must not contain marker text (they are C{x} repeated).

    @ivar acks: markers of the server's answer to one command (login, enter,
        message); each occurrence is one ack.
    @ivar delivery: the marker of one delivered message line.
    @ivar errors: markers of error replies.
    @ivar ping: the marker of the server's keepalive probe (empty: none), and
        C{pong} what answers it: silent receivers must answer or be dropped.
    @ivar lineFramed: whether replies are C{\\n}-terminated lines.
    @ivar greets: whether the server speaks first once connected (the
        readiness probe waits for it); else a successful connect is enough.
    @ivar pipelined: whether C{enter} may follow C{login} before its ack.
    """

    name = ""
    acks: tuple[bytes, ...] = ()
    delivery = b""
    errors: tuple[bytes, ...] = ()
    ping = b""
    pong = b""
    lineFramed = True
    greets = True
    pipelined = True

    def daemonOptions(self, listen: str) -> list[str]:
        """
        The C{twistd chatd} options that make this front-end listen on C{listen}.
        """
        raise NotImplementedError()

    def handshake(self) -> bytes:
        """
        Bytes to send on connect, answered before C{login} may follow (empty:
        none).
        """
        return b""

    def login(self, nick: str) -> bytes:
        raise NotImplementedError()

    def enter(self, room: str) -> bytes:
        raise NotImplementedError()

    def message(self, room: str, lines: list[str]) -> bytes:
        raise NotImplementedError()

    def probe(self, nick: str) -> bytes:
        """
        The cheapest request with one ack that a logged-in client C{nick}
        may send: is the connection still answered, and how fast?
        """
        raise NotImplementedError()

    def deliveriesPerMessage(self, lines: int) -> int:
        """
        Deliveries one message of C{lines} body lines makes per recipient.
        """
        return 1

    @property
    def overlap(self) -> int:
        """
        Bytes of one read kept for the next when replies are not lines.
        """
        markers = (*self.acks, self.delivery, *self.errors, self.ping)
        return max(len(marker) for marker in markers) - 1


class TchatAdapter(WireAdapter):
    """
    TCHAT 1: every command ends with C{srv: OKAY!}; a message ends with C{srv: .}.
    """

    name = "tchat"
    acks = (b"srv: OKAY!\n",)
    delivery = b"srv: .\n"
    errors = (b"srv: ERROR",)

    def daemonOptions(self, listen: str) -> list[str]:
        return ["--port", listen]

    def login(self, nick: str) -> bytes:
        return f"clt: LOGIN {nick}\n".encode()

    def enter(self, room: str) -> bytes:
        return f"clt: ENTER {room}\n".encode()

    def message(self, room: str, lines: list[str]) -> bytes:
        body = "".join(f"clt: {line}\n" for line in lines)
        return f"clt: SPEAK {room}\n{body}clt: .\n".encode()

    def probe(self, nick: str) -> bytes:
        return f"clt: MSGPV {nick}\nclt: p\nclt: .\n".encode()  # to oneself: no room


def maskedFrame(payload: bytes, opcode: int = 0x1, key: bytes | None = None) -> bytes:
    """
    One final client frame (RFC 6455 section 5.2): clients must mask.  The
    generator pre-encodes its messages, so the cost of masking is paid once.
    """
    key = os.urandom(4) if key is None else key
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
    mask = (key * (size // 4 + 1))[:size]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(mask, "big")).to_bytes(size, "big")
    return header + key + masked


def unmaskFrame(frame: bytes) -> tuple[int, bytes]:
    """
    The opcode and payload of one complete masked frame (for tests).
    """
    opcode, size = frame[0] & 0x0F, frame[1] & 0x7F
    offset = 2
    if size == 126:
        (size,) = struct.unpack("!H", frame[2:4])
        offset = 4
    elif size == 127:
        (size,) = struct.unpack("!Q", frame[2:10])
        offset = 10
    key, payload = frame[offset : offset + 4], frame[offset + 4 : offset + 4 + size]
    return opcode, bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class WebSocketAdapter(WireAdapter):
    """
    chatd's WebSocket JSON protocol (C{docs/WEB.md}) on C{/ws} of C{--web}.

    Every request carries the same C{id}, so every reply (and only a reply)
    contains C{"id":"k"}; a room message arrives as C{"type":"message"}.  The
    server's keepalive ping (C{ping(b"chatd")}, an unmasked frame) is
    answered with a masked pong.  No C{Origin} header: the daemon admits
    non-browser clients without one.
    """

    name = "websocket"
    acks = (b'"id":"k"',)
    delivery = b'"type":"message"'
    errors = (b'"type":"error"',)
    ping = b"\x89\x05chatd"
    pong = maskedFrame(b"chatd", opcode=0xA)
    lineFramed = False
    greets = False

    def daemonOptions(self, listen: str) -> list[str]:
        return ["--web", listen]

    def handshake(self) -> bytes:
        key = base64.b64encode(os.urandom(16)).decode()
        return (
            "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()

    def request(self, **fields: str) -> bytes:
        return maskedFrame(json.dumps({**fields, "id": "k"}).encode())

    def login(self, nick: str) -> bytes:
        return self.request(type="login", nick=nick)

    def enter(self, room: str) -> bytes:
        return self.request(type="join", room=room)

    def message(self, room: str, lines: list[str]) -> bytes:
        return self.request(type="say", room=room, text="\n".join(lines))

    def probe(self, nick: str) -> bytes:
        return self.request(type="ping")


class IrcAdapter(WireAdapter):
    """
    IRC (RFC 2812), for chatd and for other IRC servers alike.

    C{PRIVMSG} has no reply, so each message is followed by C{PING :k} and
    the C{PONG} counts as its ack; registration is acknowledged by C{001}
    and C{JOIN} by C{366} (end of C{NAMES}).  The server speaks only after
    C{NICK}/C{USER}, and C{JOIN} waits for C{001} (servers that look up the
    client's host name would refuse a C{JOIN} before registration ends).
    One delivery per C{PRIVMSG} line: one per body line.
    """

    name = "irc"
    acks = (b" 001 ", b" 366 ", b" PONG ")
    delivery = b" PRIVMSG #"
    # Only the fatal ERROR: numerics such as 404 also occur as numbers in
    # replies (LUSERS: "There are 404 users"); a refused message shows as lost.
    errors = (b"ERROR :",)
    ping = b"PING "
    pong = b"PONG :k\r\n"
    greets = False
    pipelined = False

    def daemonOptions(self, listen: str) -> list[str]:
        return ["--irc", listen, "--irc-flood-burst", "0"]

    def deliveriesPerMessage(self, lines: int) -> int:
        return lines

    def login(self, nick: str) -> bytes:
        return f"NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n".encode()

    def enter(self, room: str) -> bytes:
        return f"JOIN #{room}\r\n".encode()

    def message(self, room: str, lines: list[str]) -> bytes:
        body = "".join(f"PRIVMSG #{room} :{line}\r\n" for line in lines)
        return f"{body}PING :k\r\n".encode()

    def probe(self, nick: str) -> bytes:
        return b"PING :k\r\n"


ADAPTERS: dict[str, type[WireAdapter]] = {
    "tchat": TchatAdapter,
    "websocket": WebSocketAdapter,
    "irc": IrcAdapter,
}
