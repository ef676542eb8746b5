"""
The page's WebSockets, watched and silenced from a browser test: scripts run
before the page's own that keep its sockets, count its logins, make a socket
deaf or mute (a connection dead without a word), or hold back the messages
it sends (a train tunnel: they reach the server late, if at all).
"""

from __future__ import annotations

from typing import Any

from tests.support.browser import Browser
from tests.support.daemon import Daemon
from tests.support.pagehelpers import pageURL, register

#: Keeps the page's WebSockets in C{window.sockets}, from the page's start,
#: and counts the C{login} requests it sends in C{window.logins}.
KEEP_SOCKETS = """
window.sockets = []; window.logins = 0;
const Original = window.WebSocket;
window.WebSocket = class extends Original {
  constructor(...args) { super(...args); window.sockets.push(this); }
  send(data) {
    if (JSON.parse(data).type === "login") window.logins += 1;
    return super.send(data);
  }
};
"""


def scriptedPage(daemon: Daemon, script: str) -> Browser:
    """
    A browser on C{daemon}'s page that runs C{script} before the page's
    own (to watch or silence its WebSockets).
    """
    page = Browser(pageURL(daemon))
    page.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": script})
    page.driver.refresh()
    return page


#: Makes the page's sockets in C{window.deaf} hear nothing, and those in
#: C{window.mute} send nothing: both, a connection that died without a word
#: (the Wi-Fi gone); deaf only, one whose answers are lost while what it
#: sends still goes (the server does what it is asked).
SILENCEABLE_SOCKETS = """
window.deaf = new Set(); window.mute = new Set();
const Hearing = window.WebSocket;
window.WebSocket = class extends Hearing {
  addEventListener(kind, listener, ...rest) {
    const heard = (event) => { if (!window.deaf.has(this)) listener(event); };
    return super.addEventListener(kind, kind === "message" ? heard : listener, ...rest);
  }
  send(data) { if (!window.mute.has(this)) return super.send(data); }
};
"""
#: Silences the page's last socket: C{arguments[0]} is C{"deaf"} or C{"mute"}.
SILENCE = "window[arguments[0]].add(window.sockets.at(-1))"


#: Makes the page's sockets in C{window.holding} keep the C{say} and
#: C{tell} frames they are given in C{window.held} instead of sending them:
#: the test sends them later, from another connection of the account, as a
#: network that delivers the old connection's data late.
HOLDABLE_SOCKETS = """
window.holding = new Set(); window.held = [];
const Sending = window.WebSocket;
window.WebSocket = class extends Sending {
  send(data) {
    const kind = JSON.parse(data).type;
    if (window.holding.has(this) && (kind === "say" || kind === "tell")) {
      window.held.push(data);
      return;
    }
    return super.send(data);
  }
};
"""
#: Holds back what the page's last socket says (L{HOLDABLE_SOCKETS}).
HOLD = "window.holding.add(window.sockets.at(-1))"
#: Sends the held frames over a new connection logged in as C{arguments[0]}
#: with password C{arguments[1]}; their replies go to C{window.released}.
RELEASE = """
const [nick, password] = arguments;
window.released = [];
const scheme = location.protocol === "https:" ? "wss:" : "ws:";
const late = new WebSocket(scheme + "//" + location.host + "/ws");
late.addEventListener("message", (event) => {
  const frame = JSON.parse(event.data);
  if (frame.type === "login") window.held.splice(0).forEach((data) => late.send(data));
  else if (frame.id !== undefined && frame.id !== "login") window.released.push(frame);
});
const login = { type: "login", id: "login", nick, password };
late.addEventListener("open", () => late.send(JSON.stringify(login)));
"""

#: Signs in another connection of the account C{arguments[0]} (password
#: C{arguments[1]}), which then takes the nickname C{arguments[2]} if one is
#: given: a device of the account elsewhere.  C{window.elsewhere} counts
#: those signed in (and renamed), C{window.byes} the C{bye} frames they got.
ELSEWHERE = """
const [nick, password, rename] = arguments;
window.elsewhere = window.elsewhere || 0; window.byes = window.byes || [];
const scheme = location.protocol === "https:" ? "wss:" : "ws:";
const other = new WebSocket(scheme + "//" + location.host + "/ws");
other.addEventListener("message", (event) => {
  const frame = JSON.parse(event.data);
  if (frame.type === "bye") window.byes.push(frame);
  else if (frame.id === "login" && rename) {
    other.send(JSON.stringify({ type: "nick", id: "nick", nick: rename }));
  } else if (frame.id === "login" || frame.id === "nick") window.elsewhere += 1;
});
const login = { type: "login", id: "login", nick, password };
other.addEventListener("open", () => other.send(JSON.stringify(login)));
"""
#: Keeps the page's own socket (the last one) as C{window.mine}, before others open.
MINE = "window.mine = window.sockets.at(-1)"

#: What the page says, back after a connection dropped, of a message of its
#: box whose answer was lost and that the server did not get.
NOT_THROUGH = "Your message did not get through: it is still in the box, send it again."


def signedIn(daemon: Daemon, nick: str) -> Browser:
    """
    A page whose sockets can be kept, silenced and held (L{KEEP_SOCKETS},
    L{SILENCEABLE_SOCKETS}, L{HOLDABLE_SOCKETS}), signed in to the account
    C{nick} (password C{nick}-pw, registered now), in #Blabla.
    """
    register(daemon, nick, f"{nick}-pw")
    page = scriptedPage(daemon, KEEP_SOCKETS + SILENCEABLE_SOCKETS + HOLDABLE_SOCKETS)
    page.login(nick, f"{nick}-pw")
    page.say("/join Blabla")
    page.wait(lambda: page.find("#conv-title").text == "#Blabla")
    return page


def release(page: Browser, nick: str) -> dict[str, Any]:
    """
    The page's held message, sent late by another connection of the
    account C{nick} (L{signedIn}'s password); its reply.
    """
    page.driver.execute_script(RELEASE, nick, f"{nick}-pw")
    replies: list[dict[str, Any]] = page.wait(
        lambda: page.driver.execute_script("return window.released.length && window.released")
    )
    return replies[0]
