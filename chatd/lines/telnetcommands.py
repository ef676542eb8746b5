# -*- test-case-name: tests.unit.lines.test_telnetcommands -*-
"""
Telnet commands in a line protocol's input, for people who try it with
C{telnet}.

A telnet client mixes commands into what it sends (RFC 854): each starts with
the byte C{IAC} (0xFF), which never occurs in UTF-8 text, so a line protocol
whose lines are UTF-8 can tell them apart without asking the client anything.
When its user presses Ctrl-C, a telnet client sends C{IAC IP IAC DO
TIMING-MARK} and then discards everything it receives until the server
answers the C{DO TIMING-MARK} (RFC 860): a server that never answers leaves
the session mute for good.

L{TelnetCommands} removes every command from the stream and answers the
requests as a server that wants no option does: C{DO x} with C{WONT x},
C{WILL x} with C{DONT x}, except C{DO TIMING-MARK}, which it answers with
C{WILL TIMING-MARK} (RFC 860's "the mark is here", as BSD telnetd answers
it, without turning anything on).  C{WONT} and C{DONT} need no answer: every
option is off already (RFC 1143), so nothing loops.  Everything else (C{IP},
C{AYT}, C{NOP}, a subnegotiation...) is dropped without touching the line
being typed.  A client that sends no C{IAC} is never sent one.

Bytes that are no telnet command stay data, so a client that sends Latin-1
(where 0xFF is C{ÿ}) has its line refused as not UTF-8, as before: an C{IAC}
followed by a byte that names no command is kept with it, and a line end
ends whatever command it interrupts (a subnegotiation, which chatd never
asks for, or a request without its option).  So every line end sent is one
line, and no stray byte makes the server swallow the commands after it.
"""

from __future__ import annotations

from twisted.conch import telnet

# Twisted's names for the command bytes (RFC 854), as numbers.
IAC, DONT, DO, WONT, WILL, SB, SE = (
    ord(byte)
    for byte in (telnet.IAC, telnet.DONT, telnet.DO, telnet.WONT, telnet.WILL, telnet.SB, telnet.SE)
)
#: RFC 860's option: C{IAC DO TIMING-MARK} asks for C{IAC WILL TIMING-MARK}
#: once everything sent before it was handled.
TIMING_MARK = 0x06

#: The lowest command byte after C{IAC}: C{EOF} (RFC 1184).
_FIRST_COMMAND = 0xEC
_IAC_BYTE = telnet.IAC
_LF = 0x0A

# Parser states.
_DATA, _COMMAND, _OPTION, _SUB, _SUB_IAC = range(5)


class TelnetCommands:
    """
    Separates a telnet client's commands from its data, one connection's
    stream at a time (a command may be split between reads).
    """

    __slots__ = ("_state", "_verb")

    def __init__(self) -> None:
        self._state = _DATA
        self._verb = 0

    def feed(self, data: bytes) -> tuple[bytes, bytes]:
        """
        Take the next bytes received.

        @return: the data in them, commands removed (C{IAC IAC} is one
            0xFF data byte, as RFC 854 has it), and what to send back (the
            answers to option requests; C{b""} if none).
        """
        kept: list[bytes] = []
        answers = bytearray()
        start, end = 0, len(data)
        while start < end:
            state = self._state
            if state == _DATA:
                at = data.find(_IAC_BYTE, start)
                if at < 0:
                    kept.append(data[start:])
                    break
                kept.append(data[start:at])
                self._state = _COMMAND
                start = at + 1
                continue
            byte = data[start]
            if byte == _LF and state != _COMMAND:
                self._state = _DATA  # a line end is data, and ends the command
                continue
            start += 1
            if state == _COMMAND:
                self._state = _DATA
                if byte == IAC:
                    kept.append(_IAC_BYTE)
                elif byte in (DO, DONT, WILL, WONT):
                    self._verb, self._state = byte, _OPTION
                elif byte == SB:
                    self._state = _SUB
                elif byte < _FIRST_COMMAND:  # no command: data (not UTF-8)
                    kept.append(bytes((IAC, byte)))
                # else IP, AYT, NOP, BRK, EC, EL, GA...: dropped
            elif state == _OPTION:
                self._state = _DATA
                answers += _answer(self._verb, byte)
            elif state == _SUB:
                if byte == IAC:
                    self._state = _SUB_IAC
            else:  # _SUB_IAC: IAC SE ends it, IAC IAC is a 0xFF inside it
                self._state = _DATA if byte == SE else _SUB
        return b"".join(kept), bytes(answers)


def _answer(verb: int, option: int) -> bytes:
    """
    What a server that wants no option answers to C{IAC verb option}.
    """
    if verb == DO:
        return bytes((IAC, WILL if option == TIMING_MARK else WONT, option))
    if verb == WILL:
        return bytes((IAC, DONT, option))
    return b""  # WONT, DONT: off already
