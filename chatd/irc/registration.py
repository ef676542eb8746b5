# -*- test-case-name: tests.test_irc_protocol -*-
"""
Connection registration: C{PASS}, C{NICK}, C{USER}, C{CAP}, SASL
C{AUTHENTICATE}, the welcome burst, and the connection-level commands
C{PING}, C{PONG} and C{QUIT}.

Registration completes when the client has given a nickname and C{USER}
and is not negotiating capabilities; only then does the service log it in
(checking the C{PASS} password of a registered nickname), unless SASL has
already logged it in.  A listener with a password of its own
(C{--irc-password}, a private server) takes C{PASS} as that password, and
refuses to register a client without it; its accounts log in with SASL.
"""

from __future__ import annotations

import binascii
import hmac
from base64 import b64decode
from typing import Any

from twisted.internet.defer import maybeDeferred
from twisted.python.failure import Failure

from chatd.core.errors import ChatError
from chatd.core.names import MAX_NAME_LENGTH, isValidName, normalize
from chatd.irc import numerics as N
from chatd.irc.connection import IRCConnection
from chatd.irc.isupport import VERSION, isupportTokens
from chatd.irc.message import Message

#: SASL payloads arrive base64-encoded in chunks of this many characters.
SASL_CHUNK = 400
#: A PLAIN payload longer than this is refused (C{905 ERR_SASLTOOLONG}).
SASL_MAX = 4 * SASL_CHUNK


class RegistrationCommands(IRCConnection):
    """
    The commands that get a client registered and keep it connected.
    """

    _sasl: str | None = None  # base64 collected so far, once PLAIN is chosen
    _serverPasswordGiven = False

    def irc_PASS(self, message: Message) -> None:
        if self.registered:
            self.numeric(N.ERR_ALREADYREGISTRED, "You may not reregister")
        elif self.needParams(message, 1):
            expected = self.factory.password
            if expected is None:
                self.password = message.params[0]
            else:
                self._serverPasswordGiven = hmac.compare_digest(
                    message.params[0].encode("utf-8"), expected.encode("utf-8")
                )

    def irc_USER(self, message: Message) -> Any:
        if self.registered or self.ident is not None:
            self.numeric(N.ERR_ALREADYREGISTRED, "You may not reregister")
            return None
        if not self.needParams(message, 4):
            return None
        ident = "".join(ch for ch in message.params[0] if ch.isalnum() or ch in "-_.")
        self.ident = (ident or "user")[:MAX_NAME_LENGTH]
        self.realName = message.params[3]
        return self.tryRegister()

    def irc_NICK(self, message: Message) -> Any:
        if not message.params or not message.params[0]:
            self.numeric(N.ERR_NONICKNAMEGIVEN, "No nickname given")
            return None
        nick = normalize(message.params[0])
        if not isValidName(nick):
            self.numeric(N.ERR_ERRONEUSNICKNAME, nick, "Erroneous nickname")
            return None
        if self.registered:
            if nick == self.nick:
                return None
            return self.call(self.service.rename, self.participant, nick, subject=nick)
        holder = self.service.find(nick)
        if holder is not None and holder is not self.participant:
            self.numeric(N.ERR_NICKNAMEINUSE, nick, "Nickname is already in use")
            return None
        self.pendingNick = nick
        return self.tryRegister()

    def tryRegister(self) -> Any:
        """
        Complete registration if the client has sent everything it must.
        """
        if self.registered or self.ident is None or self.caps.negotiating:
            return None
        if self.factory.password is not None and not self._serverPasswordGiven:
            if self.pendingNick is None and self.nick is None:
                return None  # the error waits for a nickname, as registration does
            self.numeric(N.ERR_PASSWDMISMATCH, "Password incorrect")
            self.closeLink("Bad password: this server needs its password (PASS)")
            return None
        if self.nick is not None:  # logged in through SASL already
            wanted = self.pendingNick
            if wanted is None or wanted == self.nick:
                return self.welcome()
            # The nickname asked for differs from the account: take it if
            # the service allows, else stay on the account's name.
            d = maybeDeferred(self.service.rename, self.participant, wanted)
            d.addErrback(lambda failure: failure.trap(ChatError) and None)
            return d.addCallback(lambda _: self.welcome())
        if self.pendingNick is None:
            return None
        nick = self.pendingNick
        return self.call(
            self.service.login,
            self.participant,
            nick,
            self.password,
            subject=nick,
            onSuccess=lambda nick: self.welcome(),
        )

    def welcome(self) -> None:
        """
        Send the welcome burst (001-005, LUSERS, MOTD).
        """
        self.registered = True
        self.pendingNick = None
        factory = self.factory
        me = self.me()
        self.numeric(
            N.RPL_WELCOME, f"Welcome to the {factory.networkName} IRC network, {self.hostmask()}"
        )
        self.numeric(N.RPL_YOURHOST, f"Your host is {self.server}, running version {VERSION}")
        self.numeric(N.RPL_CREATED, f"This server was created {factory.created}")
        self.sendMessage(N.RPL_MYINFO, me, self.server, VERSION, "iow", "Ibeiklmnostv")
        tokens = isupportTokens(factory)
        for start in range(0, len(tokens), 12):
            self.numeric(
                N.RPL_ISUPPORT, *tokens[start : start + 12], "are supported by this server"
            )
        self.irc_LUSERS(Message("LUSERS"))
        self.irc_MOTD(Message("MOTD"))
        self.syncChannels()

    def irc_LUSERS(self, message: Message) -> None:
        service = self.service
        users = service.users()
        operators = sum(1 for user in users if service.isOperator(user))
        rooms = len(service.rooms())
        self.numeric(
            N.RPL_LUSERCLIENT, f"There are {len(users)} users and 0 invisible on 1 servers"
        )
        self.numeric(N.RPL_LUSEROP, str(operators), "operator(s) online")
        self.numeric(N.RPL_LUSERCHANNELS, str(rooms), "channels formed")
        self.numeric(N.RPL_LUSERME, f"I have {len(users)} clients and 0 servers")
        peak = self.factory.peakUsers = max(self.factory.peakUsers, len(users))
        count, most = str(len(users)), str(peak)
        self.numeric(N.RPL_LOCALUSERS, count, most, f"Current local users {count}, max {most}")
        self.numeric(N.RPL_GLOBALUSERS, count, most, f"Current global users {count}, max {most}")

    def irc_MOTD(self, message: Message) -> None:
        motd = self.factory.motd
        if not motd:
            self.numeric(N.ERR_NOMOTD, "MOTD File is missing")
            return
        self.numeric(N.RPL_MOTDSTART, f"- {self.server} Message of the day - ")
        for line in motd:
            self.numeric(N.RPL_MOTD, f"- {line}")
        self.numeric(N.RPL_ENDOFMOTD, "End of /MOTD command.")

    # Capabilities

    def irc_CAP(self, message: Message) -> Any:
        if not self.needParams(message, 1):
            return None
        sub = message.params[0].upper()
        caps = self.caps
        if sub == "LS":
            if not self.registered:
                caps.negotiating = True
            lines = caps.ls(message.params[1] if len(message.params) > 1 else None)
            for line in lines[:-1]:
                self.numericCap("LS", "*", line)
            self.numericCap("LS", lines[-1])
        elif sub == "LIST":
            self.numericCap("LIST", caps.listEnabled())
        elif sub == "REQ":
            if not self.registered:
                caps.negotiating = True
            text = message.params[1] if len(message.params) > 1 else ""
            self.numericCap("ACK" if caps.request(text) else "NAK", text)
        elif sub == "END":
            if not self.registered:
                caps.negotiating = False
                return self.tryRegister()
        else:
            self.numeric(N.ERR_INVALIDCAPCMD, sub, "Invalid CAP command")
        return None

    def numericCap(self, sub: str, *params: str) -> None:
        self.sendMessage("CAP", self.me(), sub, *params[:-1], params[-1], trailing=True)

    # SASL

    def irc_AUTHENTICATE(self, message: Message) -> Any:
        if not self.needParams(message, 1):
            return None
        arg = message.params[0]
        if "sasl" not in self.caps or self.registered or self.nick is not None:
            if self.nick is not None:
                self.numeric(N.ERR_SASLALREADY, "You have already authenticated")
            else:
                self.numeric(N.ERR_SASLFAIL, "SASL authentication failed")
            return None
        if arg == "*":
            self._sasl = None
            self.numeric(N.ERR_SASLABORTED, "SASL authentication aborted")
            return None
        if self._sasl is None:
            if arg.upper() != "PLAIN":
                self.numeric(N.RPL_SASLMECHS, "PLAIN", "are available SASL mechanisms")
                self.numeric(N.ERR_SASLFAIL, "SASL authentication failed")
                return None
            self._sasl = ""
            self.sendMessage("AUTHENTICATE", "+", prefix="")
            return None
        if arg != "+":
            self._sasl += arg
        if len(self._sasl) > SASL_MAX:
            self._sasl = None
            self.numeric(N.ERR_SASLTOOLONG, "SASL message too long")
            return None
        if len(arg) == SASL_CHUNK:
            return None  # more chunks follow
        payload, self._sasl = self._sasl, None
        return self.saslPlain(payload)

    def saslPlain(self, payload: str) -> Any:
        """
        Check a PLAIN response (C{authzid NUL authcid NUL password}) by
        logging in to the service as C{authcid} with the password: the
        service checks the account.
        """
        try:
            fields = b64decode(payload, validate=True).decode("utf-8").split("\0")
        except (binascii.Error, UnicodeDecodeError):
            fields = []
        if len(fields) != 3 or not fields[1] or (fields[0] and fields[0] != fields[1]):
            self.numeric(N.ERR_SASLFAIL, "SASL authentication failed")
            return None
        account, password = normalize(fields[1]), fields[2]

        def loggedIn(nick: str) -> None:
            self.account = nick
            self.numeric(
                N.RPL_LOGGEDIN, self.wire.hostmask(nick), nick, f"You are now logged in as {nick}"
            )
            self.numeric(N.RPL_SASLSUCCESS, "SASL authentication successful")

        def failed(failure: Failure) -> None:
            failure.trap(ChatError)
            text = failure.value.text if isinstance(failure.value, ChatError) else ""
            self.numeric(N.ERR_SASLFAIL, f"SASL authentication failed: {text}")

        d = maybeDeferred(self.service.login, self.participant, account, password)
        return d.addCallbacks(loggedIn, failed)

    # Connection

    def irc_PING(self, message: Message) -> None:
        if not message.params:
            self.numeric(N.ERR_NOORIGIN, "No origin specified")
            return
        self.sendMessage("PONG", self.server, message.params[0], trailing=True)

    def irc_PONG(self, message: Message) -> None:
        """
        The answer to our keepalive C{PING}: hearing it is all that matters.
        """

    def irc_QUIT(self, message: Message) -> None:
        reason = message.params[0] if message.params else ""
        self.closeLink(f"Quit: {reason}" if reason else "Quit")
