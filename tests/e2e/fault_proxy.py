#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 reverse proxy for DynamoDB-compatible servers.

DynamoDB Local never throttles and never answers with UnprocessedItems, so the retry, backoff and
resend paths of a client cannot be exercised against it directly. Put this proxy between the client
and the server and it forwards requests, keep-alive on both sides, while a list of scripted rules
injects the faults a real service produces.

In-process use::

    from fault_proxy import FaultProxy

    with FaultProxy("http://127.0.0.1:8000", [
            {"fault": "throttle", "probability": 0.2, "operations": ["BatchWriteItem"]},
            {"fault": "unprocessed", "every": 3, "fraction": 0.5},
            {"fault": "reset", "when": "after", "max_count": 5},
    ], seed=7) as proxy:
        ...                         # point the client at proxy.endpoint
        proxy.stats                 # a snapshot of the counters (see FaultProxy.stats)
        proxy.fault_count("throttle", "BatchWriteItem")

As a script (for shell tests and benchmarks)::

    python3 fault_proxy.py --upstream http://127.0.0.1:8000 --port 8001 \\
        --rules '[{"fault": "throttle", "probability": 0.2}]' [--seed 7]

It prints one line ``fault_proxy: listening on http://127.0.0.1:PORT`` when it is ready (use
``--port 0`` for a free port) and, on SIGTERM or SIGINT, its counters as one line of JSON.
``--rules`` takes JSON text or ``@FILE``.

Rules
-----
Each rule is a dict (or a Rule). Common keys:

``fault``        one of throttle, unprocessed, error500, error503, denied, reset, slow,
                 truncate, corrupt_crc, ttl_remove, rewrite (required).
``probability``  fire with this probability (a seeded generator per rule), or
``every``        fire on every Nth request the rule sees (N, 2N, ...). With neither, every request.
``operations``   operation names (``BatchWriteItem``) or full targets
                 (``DynamoDB_20120810.BatchWriteItem``) the rule applies to; default all
                 DynamoDB requests. Requests without X-Amz-Target (S3's) are matched only by a
                 rule that lists ``"S3"``, and only error500, error503, reset and slow apply.
``table``        only requests naming this ``TableName`` (default: any).
``max_count``    fire at most this many times, then let requests pass.
``after``        let the first N requests the rule sees pass before it may fire (default 0);
                 ``every`` and ``probability`` then count from the request after them.
``for_ms``       an outage: once past ``after``, fire on every request for this many
                 milliseconds from the first one, then never again (not with ``probability``
                 or ``every``).
``name``         label for the per-rule counter (default: the fault, ``reset_after`` for resets
                 after forwarding; repeated labels get ``#index`` appended).

Fault-specific keys:

``throttle``     400 without forwarding. ``code``: ProvisionedThroughputExceededException
                 (default), ThrottlingException or RequestLimitExceeded.
``unprocessed``  BatchWriteItem only: forwards a random subset of the writes and answers 200 with
                 the others in UnprocessedItems, as the same JSON objects the client sent.
                 ``fraction`` (default 0.5) of the writes are held back, at least one, and at least
                 one is forwarded unless fraction is 1 or the batch has a single write (then
                 nothing is forwarded and every write comes back).
``error500``     500 ``{"__type":"com.amazon.coral.service#InternalFailure"}``, not forwarded.
``denied``       400 AccessDeniedException naming the operation, as IAM answers a caller whose
                 policy does not allow it (a read-only role), not forwarded.
``error503``     503 ServiceUnavailable, not forwarded; ``retry_after`` seconds (default 1; None
                 omits the Retry-After header).
``reset``        closes the client connection with a TCP RST (SO_LINGER 0) and no answer.
                 ``when``: "before" (default; nothing is forwarded) or "after" (the upstream has
                 executed the request, the client never hears of it).
``slow``         delays the answer by ``delay_ms`` (default 500). Slow rules combine with the
                 others: every slow rule that fires adds its delay.
``truncate``     forwards, then sends the headers (Content-Length of the full body) and only half
                 of the body, and closes the connection.
``corrupt_crc``  forwards, then answers with a wrong ``x-amz-crc32`` header.
``ttl_remove``   GetRecords only: forwards, then marks the REMOVE records whose key has a string
                 value starting with ``key_prefix`` (default "ttl") as deletions by DynamoDB's TTL
                 (the ``userIdentity`` the service adds; DynamoDB Local never writes one).
``rewrite``      Scan and Query only: forwards, then, in the answer's items that hold every
                 attribute of ``match`` (DynamoDB JSON, ``{"pk": {"S": "a"}}``; default: every
                 item) with the same value, sets the attributes of ``set_attributes`` (DynamoDB
                 JSON, required), as a table read while it is written might answer; with
                 ``table``, only that table's answers change. Reads by key see the stored items.

Rules are evaluated in order for each request carrying an ``X-Amz-Target`` header (requests
without one always pass through). The first non-slow rule that fires decides the fault; the
non-slow rules after it do not see the request (their ``every`` counters and random draws do not
advance). A rule's draws depend only on the seed, its position and how many requests it has seen,
so a sequential client gets the same faults on every run.
"""

from __future__ import annotations

import argparse
import copy
import http.client
import http.server
import json
import random
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
import zlib
from dataclasses import dataclass, field, fields

FAULTS = ("throttle", "unprocessed", "error500", "error503", "denied", "reset", "slow",
          "truncate", "corrupt_crc", "ttl_remove", "rewrite")

THROTTLE_ERRORS = {
    "ProvisionedThroughputExceededException": (
        "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded. Consider "
        "increasing your provisioning level with the UpdateTable API."),
    "ThrottlingException": (
        "com.amazon.coral.availability#ThrottlingException",
        "Rate of requests exceeds the allowed throughput."),
    "RequestLimitExceeded": (
        "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded",
        "Throughput exceeds the current throughput limit for your account. Please contact AWS "
        "Support at https://aws.amazon.com/support request a limit increase"),
}

# Faults answered by the proxy itself, before anything reaches the upstream.
_LOCAL_FAULTS = ("throttle", "error500", "error503", "denied")

# Hop-by-hop headers (RFC 9110 section 7.6.1) and those the proxy recomputes.
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
               "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "expect"}


@dataclass
class Rule:
    """One scripted fault; see the module docstring for the meaning of each field."""

    fault: str
    probability: float | None = None
    every: int | None = None
    operations: tuple | None = None
    max_count: int | None = None
    name: str | None = None
    code: str = "ProvisionedThroughputExceededException"
    fraction: float = 0.5
    retry_after: int | None = 1
    when: str = "before"
    delay_ms: int = 500
    after: int = 0
    for_ms: int | None = None
    key_prefix: str = "ttl"
    table: str | None = None
    match: dict | None = None
    set_attributes: dict | None = None

    # Runtime state (not configuration).
    seen: int = field(default=0, init=False, repr=False)
    fired: int = field(default=0, init=False, repr=False)
    rng: random.Random | None = field(default=None, init=False, repr=False)
    outage_began: float | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_dict(cls, d: dict) -> "Rule":
        allowed = {f.name for f in fields(cls) if f.init}
        unknown = set(d) - allowed
        if unknown:
            raise ValueError(f"unknown rule keys {sorted(unknown)} in {d!r}; "
                             f"allowed: {sorted(allowed)}")
        if "fault" not in d:
            raise ValueError(f"rule without 'fault': {d!r}")
        return cls(**d)

    def __post_init__(self):
        if self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}; one of {', '.join(FAULTS)}")
        if self.probability is not None and self.every is not None:
            raise ValueError("give a rule either probability or every, not both")
        if self.probability is not None and not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability must be within [0, 1], got {self.probability}")
        if self.every is not None and (not isinstance(self.every, int) or self.every < 1):
            raise ValueError(f"every must be a positive integer, got {self.every!r}")
        if self.max_count is not None and self.max_count < 0:
            raise ValueError(f"max_count must not be negative, got {self.max_count}")
        if isinstance(self.operations, str):
            self.operations = (self.operations,)
        elif self.operations is not None:
            self.operations = tuple(self.operations)
        if self.fault == "throttle" and self.code not in THROTTLE_ERRORS:
            raise ValueError(f"unknown throttle code {self.code!r}; one of "
                             f"{', '.join(THROTTLE_ERRORS)}")
        if not 0.0 < self.fraction <= 1.0:
            raise ValueError(f"fraction must be within (0, 1], got {self.fraction}")
        if self.when not in ("before", "after"):
            raise ValueError(f"when must be 'before' or 'after', got {self.when!r}")
        if self.delay_ms < 0:
            raise ValueError(f"delay_ms must not be negative, got {self.delay_ms}")
        if not isinstance(self.after, int) or self.after < 0:
            raise ValueError(f"after must be a non-negative integer, got {self.after!r}")
        if self.for_ms is not None:
            if not isinstance(self.for_ms, int) or self.for_ms <= 0:
                raise ValueError(f"for_ms must be a positive integer, got {self.for_ms!r}")
            if self.probability is not None or self.every is not None:
                raise ValueError("an outage (for_ms) fires on every request; give it no "
                                 "probability or every")
        if self.fault == "rewrite" and not isinstance(self.set_attributes, dict):
            raise ValueError("a rewrite rule needs set_attributes: the attributes to set, as "
                             "DynamoDB JSON")
        if self.match is not None and not isinstance(self.match, dict):
            raise ValueError(f"match must be a dict of attributes, got {self.match!r}")

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.fault == "reset":
            return f"reset_{self.when}"
        return self.fault

    def applies_to(self, operation: str | None, target: str | None,
                   table: str | None = None) -> bool:
        if operation is None:
            return self.operations is not None and "S3" in self.operations and \
                self.fault in ("error500", "error503", "reset", "slow") and \
                (self.max_count is None or self.fired < self.max_count)
        if self.table is not None and table != self.table:
            return False
        if self.fault == "rewrite" and operation not in ("Scan", "Query"):
            return False
        if self.fault == "unprocessed" and operation != "BatchWriteItem":
            return False
        if self.fault == "ttl_remove" and operation != "GetRecords":
            return False
        if self.max_count is not None and self.fired >= self.max_count:
            return False
        return self.operations is None or operation in self.operations or \
            target in self.operations

    def draw(self) -> bool:
        """Advances this rule's schedule by one request; True when the fault fires."""
        self.seen += 1
        if self.seen <= self.after:
            return False
        if self.for_ms is not None:
            now = time.monotonic()
            if self.outage_began is None:
                self.outage_began = now
            return (now - self.outage_began) * 1000 < self.for_ms
        if self.every is not None:
            return (self.seen - self.after) % self.every == 0
        p = 1.0 if self.probability is None else self.probability
        return self.rng.random() < p


def crc32_text(body: bytes) -> str:
    return str(zlib.crc32(body) & 0xFFFFFFFF)


def _mark_ttl_removes(body: bytes, key_prefix: str) -> bytes:
    """A GetRecords answer whose REMOVE records of keys starting with `key_prefix` carry the
    userIdentity of a deletion by DynamoDB's TTL."""
    page = json.loads(body)
    for record in page.get("Records", []):
        keys = record.get("dynamodb", {}).get("Keys", {})
        if record.get("eventName") == "REMOVE" and any(
                str(v.get("S", "")).startswith(key_prefix) for v in keys.values()):
            record["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    return _dump_json(page)


def _rewrite_items(body: bytes, match: dict | None, set_attributes: dict) -> bytes:
    """A Scan or Query answer whose items holding every attribute of `match` carry
    `set_attributes`."""
    page = json.loads(body)
    for item in page.get("Items", []):
        if all(item.get(name) == value for name, value in (match or {}).items()):
            item.update(copy.deepcopy(set_attributes))
    return _dump_json(page)


def _dump_json(obj) -> bytes:
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: keep them as \\u escapes
        return json.dumps(obj, separators=(",", ":")).encode("ascii")


def _set_header(headers: list, name: str, value: str) -> list:
    """headers with every `name` header replaced by one with `value`, at the first one's place."""
    out, placed = [], False
    for k, v in headers:
        if k.lower() == name.lower():
            if not placed:
                out.append((k, value))
                placed = True
        else:
            out.append((k, v))
    if not placed:
        out.append((name, value))
    return out


class _Response:
    __slots__ = ("status", "reason", "headers", "body")

    def __init__(self, status, reason, headers, body):
        self.status, self.reason, self.headers, self.body = status, reason, list(headers), body

    def set_body(self, body: bytes, crc=True):
        self.body = body
        self.headers = _set_header(self.headers, "Content-Length", str(len(body)))
        if crc:
            self.headers = _set_header(self.headers, "x-amz-crc32", crc32_text(body))


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault_proxy"

    # --- connection bookkeeping ---

    def setup(self):
        super().setup()
        self.proxy: FaultProxy = self.server.fault_proxy
        self.upstream: http.client.HTTPConnection | None = None
        self.proxy._client_opened(self)

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        finally:
            if self.upstream is not None:
                self.upstream.close()
                self.upstream = None
            self.proxy._client_closed(self)

    def log_message(self, format, *args):  # noqa: A002 -- the base class's signature
        pass

    # --- every method goes through one path ---

    def do_POST(self):
        self._handle()

    do_GET = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_POST

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self):
        body = self._read_body()
        target = self.headers.get("X-Amz-Target")
        operation = target.rpartition(".")[2] if target else None
        table = self.proxy._count_capacity_request(operation, body)
        delay_ms, rule = self.proxy._decide(operation, target, table)
        fault = rule.fault if rule else None

        if fault in _LOCAL_FAULTS or (fault == "reset" and rule.when == "before"):
            self._sleep(delay_ms)
            if fault == "reset":
                self._reset()
            else:
                self._send(self.proxy._error_response(rule, operation))
            return

        held = None
        if fault == "unprocessed":
            body, held = self.proxy._split_batch(rule, body)

        if body is None:  # every write held back: nothing to forward
            response = _Response(200, "OK", [("Content-Type", "application/x-amz-json-1.0"),
                                             ("x-amzn-RequestId", self.proxy._request_id())], b"")
            response.set_body(_dump_json({"UnprocessedItems": held}))
        else:
            response = self._forward(body, operation)
            if response is None:
                return
            if held and response.status == 200:
                self._merge_unprocessed(response, held)

        self._sleep(delay_ms)
        if fault == "reset":
            self._reset()
        elif fault == "truncate":
            self._send(response, truncate=True)
        elif fault == "ttl_remove":
            if response.status == 200:
                response.set_body(_mark_ttl_removes(response.body, rule.key_prefix))
            self._send(response)
        elif fault == "rewrite":
            if response.status == 200:
                response.set_body(_rewrite_items(response.body, rule.match,
                                                 rule.set_attributes))
            self._send(response)
        elif fault == "corrupt_crc":
            good = zlib.crc32(response.body) & 0xFFFFFFFF
            response.headers = _set_header(response.headers, "x-amz-crc32",
                                           str(good ^ 0x00010001))
            self._send(response)
        else:
            self._send(response)

    @staticmethod
    def _sleep(delay_ms):
        if delay_ms:
            time.sleep(delay_ms / 1000.0)

    # --- upstream ---

    def _upstream_headers(self, body: bytes) -> list:
        out, has_length = [], False
        for k, v in self.headers.items():
            lk = k.lower()
            if lk in _HOP_BY_HOP:
                continue
            if lk == "host":
                v = self.proxy.upstream_authority
            elif lk == "content-length":
                v, has_length = str(len(body)), True
            out.append((k, v))
        if not has_length and (body or self.command in ("POST", "PUT", "PATCH")):
            out.append(("Content-Length", str(len(body))))
        if not any(k.lower() == "host" for k, _ in out):
            out.insert(0, ("Host", self.proxy.upstream_authority))
        return out

    def _forward(self, body: bytes, operation: str | None) -> _Response | None:
        headers = self._upstream_headers(body)
        path = self.proxy.upstream_path_prefix + self.path
        for attempt in range(2):
            reused = self.upstream is not None
            if not reused:
                self.upstream = http.client.HTTPConnection(
                    self.proxy.upstream_host, self.proxy.upstream_port,
                    timeout=self.proxy.upstream_timeout)
            conn = self.upstream
            try:
                conn.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
                for k, v in headers:
                    conn.putheader(k, v)
                conn.endheaders(body or None)
                upstream = conn.getresponse()
                data = upstream.read()
                response = _Response(upstream.status, upstream.reason, upstream.getheaders(),
                                     data)
                if upstream.will_close:
                    conn.close()
                    self.upstream = None
                self.proxy._count_forwarded(operation)
                return response
            except (http.client.HTTPException, OSError) as e:
                conn.close()
                self.upstream = None
                # A kept-alive upstream connection may have been closed while idle: retry once
                # on a fresh one. A fresh connection failing is reported to the client.
                if reused and attempt == 0:
                    continue
                self.proxy._count_upstream_error()
                detail = f"fault_proxy: upstream {self.proxy.upstream_url} failed: {e!r}"
                error = _Response(502, "Bad Gateway",
                                  [("Content-Type", "application/x-amz-json-1.0")], b"")
                error.set_body(_dump_json({"__type": "FaultProxyUpstreamError",
                                           "message": detail}), crc=False)
                self._send(error)
                return None
        return None

    @staticmethod
    def _merge_unprocessed(response: _Response, held: dict):
        try:
            answer = json.loads(response.body)
        except ValueError:
            return
        unprocessed = answer.get("UnprocessedItems") or {}
        for table, requests in held.items():
            unprocessed.setdefault(table, []).extend(requests)
        answer["UnprocessedItems"] = unprocessed
        response.set_body(_dump_json(answer))

    # --- to the client ---

    def _send(self, response: _Response, truncate=False):
        head = [f"HTTP/1.1 {response.status} {response.reason}"]
        body = response.body
        headers = [(k, v) for k, v in response.headers if k.lower() not in _HOP_BY_HOP]
        if self.command == "HEAD":
            body = b""
        else:
            declared = len(body)
            if truncate:
                if declared == 0:
                    declared = 1
                body = body[:len(body) // 2]
                self.close_connection = True
            headers = _set_header(headers, "Content-Length", str(declared))
        if self.close_connection:
            headers.append(("Connection", "close"))
        head += [f"{k}: {v}" for k, v in headers]
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        try:
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def _reset(self):
        """Drops the connection with a TCP RST and no answer."""
        self.close_connection = True
        sock = self.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        # The socket closes for real only once the file object reading it is closed too (the
        # writer is a plain wrapper without a reference of its own).
        try:
            self.rfile.close()
        except OSError:
            pass
        sock.close()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class FaultProxy:
    """The proxy. FaultProxy(upstream_url, rules, seed=0, host='127.0.0.1', port=0).

    rules: Rule objects or dicts (see the module docstring). start() binds and serves from a
    background thread; stop() closes the listener and every client connection. Usable as a
    context manager. `endpoint` is the URL to give the client; `stats` a snapshot of the
    counters.
    """

    def __init__(self, upstream_url: str, rules=(), seed: int = 0, host: str = "127.0.0.1",
                 port: int = 0, upstream_timeout: float = 120.0):
        url = urllib.parse.urlsplit(upstream_url)
        if url.scheme != "http" or not url.hostname:
            raise ValueError(f"upstream must be an http:// URL, got {upstream_url!r}")
        self.upstream_url = upstream_url
        self.upstream_host = url.hostname
        self.upstream_port = url.port or 80
        self.upstream_authority = url.netloc
        self.upstream_path_prefix = url.path.rstrip("/")
        self.upstream_timeout = upstream_timeout
        self.host, self.port = host, port
        self.seed = seed
        self.rules = [r if isinstance(r, Rule) else Rule.from_dict(dict(r)) for r in rules]
        labels = {}
        for i, rule in enumerate(self.rules):
            rule.rng = random.Random(f"{seed}/{i}/{rule.fault}")
            label = rule.label
            if label in labels:
                label = f"{label}#{i}"
            labels[label] = i
        self._labels = list(labels)
        self._lock = threading.Lock()
        self._stats = self._empty_stats()
        self._clients: set = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._request_ids = 0

    def _empty_stats(self):
        return {"connections": 0, "requests": {}, "forwarded": {}, "faults": {},
                "rules": {label: 0 for label in self._labels}, "unprocessed_writes": 0,
                "upstream_errors": 0, "capacity_requested": {}, "scans_by_table": {}}

    # --- lifecycle ---

    def start(self) -> "FaultProxy":
        if self._server is not None:
            return self
        self._server = _Server((self.host, self.port), _Handler)
        self._server.fault_proxy = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name=f"fault-proxy-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stops serving and drops every open client connection. Safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self._lock:
            handlers = list(self._clients)
        for handler in handlers:
            try:
                handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with self._lock:
                if not self._clients:
                    break
            time.sleep(0.02)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("the proxy is not running")
        return f"http://{self.host}:{self.port}"

    # --- counters ---

    @property
    def stats(self) -> dict:
        """A snapshot: {"connections": client connections accepted,
        "requests": {operation: requests received}, "forwarded": {operation: sent upstream},
        "faults": {fault: {operation: times injected}}, "rules": {label: times fired},
        "unprocessed_writes": writes returned in UnprocessedItems,
        "upstream_errors": requests answered 502 because the upstream failed,
        "capacity_requested": {operation: requests whose ReturnConsumedCapacity is not NONE},
        "scans_by_table": {table: {"requests": Scans of it, "capacity_requested": those asking}}}.
        Requests without X-Amz-Target are counted under the operation "-"."""
        with self._lock:
            return copy.deepcopy(self._stats)

    def fault_count(self, fault: str | None = None, operation: str | None = None) -> int:
        """Faults injected, optionally only of one kind and/or for one operation."""
        with self._lock:
            return sum(n for kind, per_op in self._stats["faults"].items()
                       if fault is None or kind == fault
                       for op, n in per_op.items() if operation is None or op == operation)

    def reset_stats(self):
        with self._lock:
            self._stats = self._empty_stats()

    def _client_opened(self, handler):
        with self._lock:
            self._clients.add(handler)
            self._stats["connections"] += 1

    def _client_closed(self, handler):
        with self._lock:
            self._clients.discard(handler)

    def _count_forwarded(self, operation):
        with self._lock:
            forwarded = self._stats["forwarded"]
            forwarded[operation or "-"] = forwarded.get(operation or "-", 0) + 1

    def _count_upstream_error(self):
        with self._lock:
            self._stats["upstream_errors"] += 1

    def _request_id(self) -> str:
        with self._lock:
            self._request_ids += 1
            n = self._request_ids
        return f"FAULTPROXY{self.port:05d}{n:010d}"

    # --- decisions ---

    def _count_capacity_request(self, operation, body: bytes):
        """Counts a request that asks for ConsumedCapacity in its answer, and Scans by table;
        returns the TableName it names, or None."""
        try:
            request = json.loads(body or b"{}")
            asked = request.get("ReturnConsumedCapacity", "NONE") != "NONE"
            table = request.get("TableName")
        except (ValueError, AttributeError):
            return None
        with self._lock:
            if asked:
                counts = self._stats["capacity_requested"]
                counts[operation or "-"] = counts.get(operation or "-", 0) + 1
            if operation == "Scan":
                counts = self._stats["scans_by_table"].setdefault(
                    request.get("TableName", "-"), {"requests": 0, "capacity_requested": 0})
                counts["requests"] += 1
                counts["capacity_requested"] += int(asked)
        return table if isinstance(table, str) else None

    def _decide(self, operation, target, table=None):
        """(delay in ms, the rule whose fault to inject or None) for one request."""
        delay_ms, action = 0, None
        with self._lock:
            requests = self._stats["requests"]
            requests[operation or "-"] = requests.get(operation or "-", 0) + 1
            for i, rule in enumerate(self.rules):
                if (action is not None and rule.fault != "slow") or \
                        not rule.applies_to(operation, target, table):
                    continue
                if not rule.draw():
                    continue
                rule.fired += 1
                self._stats["rules"][self._labels[i]] += 1
                per_op = self._stats["faults"].setdefault(rule.fault, {})
                per_op[operation or "-"] = per_op.get(operation or "-", 0) + 1
                if rule.fault == "slow":
                    delay_ms += rule.delay_ms
                else:
                    action = rule
        return delay_ms, action

    def _error_response(self, rule: Rule, operation: str | None) -> _Response:
        headers = [("x-amzn-RequestId", self._request_id()),
                   ("Content-Type", "application/x-amz-json-1.0")]
        if rule.fault == "throttle":
            kind, message = THROTTLE_ERRORS[rule.code]
            status, reason, body = 400, "Bad Request", {"__type": kind, "message": message}
        elif rule.fault == "denied":
            status, reason = 400, "Bad Request"
            body = {"__type": "com.amazon.coral.service#AccessDeniedException",
                    "Message": f"User: arn:aws:iam::000000000000:user/fault-proxy is not "
                               f"authorized to perform: dynamodb:{operation} because no "
                               f"identity-based policy allows the dynamodb:{operation} action "
                               f"(injected by fault_proxy)"}
        elif rule.fault == "error500":
            status, reason = 500, "Internal Server Error"
            body = {"__type": "com.amazon.coral.service#InternalFailure"}
        else:
            status, reason = 503, "Service Unavailable"
            body = {"__type": "com.amazon.coral.availability#ServiceUnavailableException",
                    "message": "Service unavailable (injected by fault_proxy)"}
            if rule.retry_after is not None:
                headers.append(("Retry-After", str(rule.retry_after)))
        response = _Response(status, reason, headers, b"")
        response.set_body(_dump_json(body))
        return response

    def _split_batch(self, rule: Rule, body: bytes):
        """(body to forward or None when nothing is left, {table: held-back write requests})."""
        try:
            request = json.loads(body)
            tables = request["RequestItems"]
            writes = [(table, w) for table, ws in tables.items() for w in ws]
        except (ValueError, KeyError, TypeError, AttributeError):
            return body, None  # not a batch we understand: forward it as it is
        total = len(writes)
        if total == 0:
            return body, None
        hold = min(total, max(1, round(total * rule.fraction)))
        if rule.fraction < 1.0 and total > 1:
            hold = min(hold, total - 1)
        with self._lock:
            held_indexes = set(rule.rng.sample(range(total), hold))
            self._stats["unprocessed_writes"] += hold
        kept, held = {}, {}
        for i, (table, w) in enumerate(writes):
            (held if i in held_indexes else kept).setdefault(table, []).append(w)
        if not kept:
            return None, held
        forward = dict(request)
        forward["RequestItems"] = kept
        return _dump_json(forward), held


# ---------------------------------------------------------------------------------------------
# Command line


def _parse_rules(text: str):
    if text.startswith("@"):
        with open(text[1:], encoding="utf-8") as f:
            text = f.read()
    rules = json.loads(text)
    if not isinstance(rules, list):
        raise ValueError("--rules must be a JSON list of rule objects")
    return rules


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Fault-injecting proxy for DynamoDB endpoints.")
    parser.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--rules", default="[]", help="JSON list of rules, or @FILE")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        proxy = FaultProxy(args.upstream, _parse_rules(args.rules), seed=args.seed,
                           host=args.host, port=args.port)
    except (ValueError, OSError) as e:
        print(f"fault_proxy: error: {e}", file=sys.stderr)
        return 2
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    proxy.start()
    print(f"fault_proxy: listening on {proxy.endpoint}", flush=True)
    while not done.wait(0.5):
        pass
    proxy.stop()
    print(json.dumps(proxy.stats, sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
