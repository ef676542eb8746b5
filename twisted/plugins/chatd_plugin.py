"""
The twistd drop-in: C{twistd -n chatd --port 12345}.

Kept import-light, since twistd imports every drop-in just to list them.
"""

from twisted.application.service import ServiceMaker

chatd = ServiceMaker(
    "chatd",
    "chatd.tap",
    "Multi-protocol chat daemon (TCHAT, telnet talk mode, IRC, WebSocket).",
    "chatd",
)
