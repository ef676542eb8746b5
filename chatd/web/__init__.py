"""
The web front-end: a chat page served by the daemon, a JSON-over-WebSocket
participant for it, and the daemon's C{/metrics} and C{/healthz}.

L{chatd.web.site.makeSite} builds the whole thing as one protocol factory.
"""
