# -*- test-case-name: tests.unit.web.test_web_site -*-
"""
C{/metrics} (Prometheus text format) and C{/healthz} for the whole daemon.

Nothing here is on the chat's hot path: L{ChatCollector} reads the service's
state and its L{chatd.core.metrics.ChatStats} totals when Prometheus scrapes, so
every front-end is covered whether or not it knows about metrics.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.process_collector import ProcessCollector
from twisted.web import http
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request, Site

from chatd.core.interfaces import IChatService, IParticipant
from chatd.core.metrics import STORE_LATENCY_BUCKETS

#: Protocols always exported (as 0 when nobody uses them), so dashboards and
#: alerts see a series from the start.
KNOWN_PROTOCOLS = ("tchat", "talk", "irc", "web")


class ChatCollector:
    """
    A custom Prometheus collector over one L{IChatService}.
    """

    def __init__(self, service: IChatService) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
        service, stats = self.service, self.service.stats

        connections = countByProtocol(p.protocolName for p in service.connections())
        gauge = GaugeMetricFamily(
            "chatd_connections", "Open connections, by protocol.", labels=["protocol"]
        )
        for protocol, count in sorted(connections.items()):
            gauge.add_metric([protocol], count)
        yield gauge

        users = countByProtocol(servedBy(p) for p in service.users())
        gauge = GaugeMetricFamily(
            "chatd_users", "Logged-in users, by protocol.", labels=["protocol"]
        )
        for protocol, count in sorted(users.items()):
            gauge.add_metric([protocol], count)
        yield gauge

        yield GaugeMetricFamily("chatd_rooms", "Rooms that exist.", value=len(service.rooms()))

        admission = service.admission
        yield GaugeMetricFamily(
            "chatd_admitted_connections",
            "Chat connections the admission policy counts, every listener (web: WebSockets).",
            value=admission.count,
        )
        counter = CounterMetricFamily(
            "chatd_refused_connections",
            "New connections refused: server full, too many from one address, or too"
            " many new ones from one address.",
            labels=["reason"],
        )
        for reason in ("full", "address", "rate"):
            counter.add_metric([reason], admission.refused[reason])
        yield counter

        counter = CounterMetricFamily(
            "chatd_messages_in",
            "Messages accepted by the service, by the sender's protocol and kind.",
            labels=["protocol", "kind"],
        )
        for (protocol, kind), count in sorted(stats.messagesIn.items()):
            counter.add_metric([protocol, kind], count)
        yield counter

        counter = CounterMetricFamily(
            "chatd_deliveries",
            "Fan-out: events handed to recipients (a room message to N others counts N).",
            labels=["kind"],
        )
        for kind in ("room", "private"):
            counter.add_metric([kind], stats.deliveries[kind])
        yield counter

        counter = CounterMetricFamily(
            "chatd_messages_out",
            "Frames or lines written to clients, by protocol (front-ends that count them).",
            labels=["protocol"],
        )
        for protocol in sorted(set(KNOWN_PROTOCOLS) | set(stats.framesOut)):
            counter.add_metric([protocol], stats.framesOut[protocol])
        yield counter

        counter = CounterMetricFamily(
            "chatd_disconnects",
            "Closed connections, by protocol and reason.",
            labels=["protocol", "reason"],
        )
        for (protocol, reason), count in sorted(stats.disconnects.items()):
            counter.add_metric([protocol, reason], count)
        yield counter

        buckets: list[tuple[str, float]] = []
        total = 0
        for bound, count in zip(
            [*map(str, STORE_LATENCY_BUCKETS), "+Inf"], stats.storeWriteBuckets, strict=True
        ):
            total += count
            buckets.append((bound, total))
        yield HistogramMetricFamily(
            "chatd_store_write_seconds",
            "Time the message store took per write.",
            buckets=buckets,
            sum_value=stats.storeWriteSum,
        )

        health = stats.storeHealth
        if health is not None:
            yield GaugeMetricFamily(
                "chatd_store_up",
                "1 while the chat database answers, 0 while it fails (see /healthz for why).",
                value=int(health.problem is None and stats.loadProblem is None),
            )
            yield CounterMetricFamily(
                "chatd_store_rows_refused",
                "Messages the database refused (a value it cannot store); each was logged"
                " and skipped.",
                value=health.refused,
            )
            yield CounterMetricFamily(
                "chatd_store_errors",
                "Failed attempts to reach or write the chat database (outages).",
                value=health.failures,
            )

        yield GaugeMetricFamily(
            "chatd_sanctions_loaded",
            "1 once the stored sanctions are loaded, 0 while they are not (logins are"
            " refused meanwhile; see /healthz for why).",
            value=int(stats.sanctionsProblem is None),
        )

        if stats.clusterUp is not None:
            yield GaugeMetricFamily(
                "chatd_cluster_up",
                "1 while the other cluster nodes can be reached (Redis answers), 0 while"
                " chatting goes on on this node only.",
                value=int(stats.clusterUp()),
            )

        if stats.storeQueueDepth is not None:
            yield GaugeMetricFamily(
                "chatd_store_queue_depth",
                "Writes queued in the message store.",
                value=stats.storeQueueDepth(),
            )


def servedBy(user: IParticipant) -> str:
    """
    The C{protocol} label of a logged-in user: their protocol, or
    C{remote} for one another cluster node serves (relayed from there), so
    that summing the other labels over the nodes counts everyone once.
    """
    return "remote" if getattr(user, "relay", None) is not None else user.protocolName


def countByProtocol(protocols: Iterable[str]) -> Counter[str]:
    """
    Count C{protocols}, with every known protocol present.
    """
    counts: Counter[str] = Counter({protocol: 0 for protocol in KNOWN_PROTOCOLS})
    counts.update(protocols)
    return counts


class MetricsResource(Resource):
    """
    C{GET /metrics}: the chat's metrics plus the process's own (CPU, memory,
    open files), in whichever exposition format the scraper asks for.
    """

    isLeaf = True

    def __init__(self, service: IChatService) -> None:
        super().__init__()
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(ChatCollector(service))
        ProcessCollector(registry=self.registry)

    def render_GET(self, request: Request) -> bytes:
        accept = request.getHeader(b"accept")
        encoder, contentType = choose_encoder(accept.decode("latin-1") if accept else "")
        request.setHeader(b"content-type", contentType.encode("ascii"))
        request.setHeader(b"cache-control", b"no-store")
        return encoder(self.registry)


#: What C{/healthz} says of the cluster while Redis does not answer: the
#: node still serves its own users (so the status stays C{ok}).
UNREACHABLE = "unreachable: chatting goes on on this node only"


#: What the public C{/healthz} says of a part that is down: plain words for a
#: load balancer, never the driver's error (a host, a port, a path).
STORE_DOWN, SANCTIONS_DOWN = "unavailable", "not loaded"


class HealthResource(Resource):
    """
    C{GET /healthz}: 200 and a small JSON summary while the daemon serves;
    503 with C{"status": "unavailable"} and C{"store"} while its database
    fails (each request tries it, and is answered within a second:
    L{chatd.storage.database.Database.check}), or C{"sanctions"} while the
    stored sanctions are not loaded (logins are refused).  A cluster node
    also says whether the other nodes can be reached (C{"cluster"}).

    @ivar detail: whether C{"store"} and C{"sanctions"} give the reason (the
        driver's error), as the local metrics listener does for operators;
        otherwise (the public web listener) they only say L{STORE_DOWN} or
        L{SANCTIONS_DOWN}, and the log has the reason.
    """

    isLeaf = True

    def __init__(self, service: IChatService, detail: bool = False) -> None:
        super().__init__()
        self.service = service
        self.detail = detail

    def render_GET(self, request: Request) -> bytes | int:
        request.setHeader(b"content-type", b"application/json")
        request.setHeader(b"cache-control", b"no-store")
        check = self.service.stats.storeCheck
        if check is None:
            return self.summary(request, None)
        finished: list[object] = []
        request.notifyFinish().addBoth(finished.append)

        def answer(problem: str | None) -> None:
            if not finished:  # the client may have gone
                body = self.summary(request, problem)
                request.setHeader(b"content-length", b"%d" % len(body))
                request.write(body)
                request.finish()

        check().addCallback(answer)
        return NOT_DONE_YET

    def summary(self, request: Request, problem: str | None) -> bytes:
        """
        The JSON answer, with the status code set on C{request}.
        """
        sanctions = self.service.stats.sanctionsProblem
        problem = problem or self.service.stats.loadProblem
        fields: dict[str, object] = {"status": "ok"}
        if problem is not None or sanctions is not None:
            request.setResponseCode(503)
            fields["status"] = "unavailable"
        if problem is not None:
            fields["store"] = problem if self.detail else STORE_DOWN
        if sanctions is not None:
            fields["sanctions"] = sanctions if self.detail else SANCTIONS_DOWN
        if self.service.stats.clusterUp is not None:
            fields["cluster"] = "up" if self.service.stats.clusterUp() else UNREACHABLE
        fields.update(
            connections=len(self.service.connections()),
            users=len(self.service.users()),
            rooms=len(self.service.rooms()),
        )
        return json.dumps(fields).encode("ascii") + b"\n"


class MetricsSite(Site):
    """
    The C{/metrics} listener (with C{/healthz}, which gives the reasons
    here), apart from the public web page so that it can stay local;
    named so its log line says what it is.
    Scrapes are not logged: Prometheus asks every few seconds.
    """

    def log(self, request: http.Request) -> None:
        pass


def makeMetricsSite(service: IChatService) -> MetricsSite:
    root = Resource()
    root.putChild(b"metrics", MetricsResource(service))
    root.putChild(b"healthz", HealthResource(service, detail=True))
    site = MetricsSite(root)
    site.displayTracebacks = False
    return site
