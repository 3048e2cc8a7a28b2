"""DynamoDB data helpers shared by the demo scripts and the end-to-end tests.

Everything here uses boto3's low-level client, which keeps numbers as strings and binary values as
bytes, so that what is read back can be compared exactly with what was written.
"""

from __future__ import annotations

import base64
import decimal
import json
import os
import queue
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import boto3
import botocore.config
import botocore.session
from botocore.configprovider import ConstantProvider

BATCH_SIZE = 25


# ---------------------------------------------------------------------------------------------
# Clients


def make_client(endpoint_url, service="dynamodb", region="us-east-1", access_key="demo",
                secret_key="demo", max_pool_connections=32, **config):
    """A boto3 low-level client with explicit credentials, region and endpoint that reads nothing
    from ~/.aws and ignores AWS_PROFILE. Extra keyword arguments go to botocore's Config."""
    core = botocore.session.Session()
    store = core.get_component("config_store")
    store.set_config_provider("profile", ConstantProvider(None))
    store.set_config_provider("config_file", ConstantProvider(os.devnull))
    store.set_config_provider("credentials_file", ConstantProvider(os.devnull))
    session = boto3.session.Session(botocore_session=core, aws_access_key_id=access_key,
                                    aws_secret_access_key=secret_key, region_name=region)
    options = {"retries": {"max_attempts": 10, "mode": "standard"}, "connect_timeout": 5,
               "read_timeout": 120, "max_pool_connections": max_pool_connections}
    options.update(config)
    return session.client(service, endpoint_url=endpoint_url,
                          config=botocore.config.Config(**options))


# ---------------------------------------------------------------------------------------------
# Attribute values


def from_wire(value):
    """Converts an attribute value in DynamoDB's wire JSON (binary as base64 text) to the form the
    low-level client takes (binary as bytes)."""
    (kind, v), = value.items()
    if kind == "B":
        return {"B": base64.b64decode(v)}
    if kind == "BS":
        return {"BS": [base64.b64decode(x) for x in v]}
    if kind == "M":
        return {"M": {k: from_wire(x) for k, x in v.items()}}
    if kind == "L":
        return {"L": [from_wire(x) for x in v]}
    return {kind: v}


def item_from_wire(item):
    return {k: from_wire(v) for k, v in item.items()}


def to_wire(value):
    """The inverse of from_wire: binary as base64 text, so the result is plain JSON."""
    (kind, v), = value.items()
    if kind == "B":
        return {"B": base64.b64encode(v).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(x).decode() for x in v]}
    if kind == "M":
        return {"M": {k: to_wire(x) for k, x in v.items()}}
    if kind == "L":
        return {"L": [to_wire(x) for x in v]}
    return {kind: v}


def item_to_wire(item):
    return {k: to_wire(v) for k, v in item.items()}


# Wide enough for any DynamoDB number (38 significant digits, exponents -130..+125) to be exact.
_DECIMAL = decimal.Context(prec=200, Emin=-999999, Emax=999999)


def canonical_number(text):
    """One spelling per numeric value: DynamoDB stores numbers by value ("1.50", "1.5" and
    "15E-1" are the same number, and it answers in its own spelling)."""
    d = _DECIMAL.create_decimal(text)
    if d.is_zero():
        return "0"
    return str(_DECIMAL.normalize(d))


def _canonical_value(value):
    (kind, v), = value.items()
    if kind == "N":
        return {kind: canonical_number(v)}
    if kind == "NS":
        return {kind: sorted(canonical_number(x) for x in v)}
    if kind == "SS":
        return {kind: sorted(v)}
    if kind == "BS":
        return {kind: sorted(base64.b64encode(x).decode() for x in v)}
    if kind == "B":
        return {kind: base64.b64encode(v).decode()}
    if kind == "M":
        return {kind: {k: _canonical_value(x) for k, x in v.items()}}
    if kind == "L":
        return {kind: [_canonical_value(x) for x in v]}
    return {kind: v}


def canonical_item(item):
    """A string that is equal for two items exactly when they hold the same attributes and values
    (in the low-level client's form). Set order does not matter, and numbers compare by exact
    decimal value, as DynamoDB itself stores them; everything else compares exactly."""
    return json.dumps({k: _canonical_value(v) for k, v in item.items()}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------------------------------------
# Tables


def key_schema(client, table):
    """[(name, 'HASH'|'RANGE', 'S'|'N'|'B'), ...] of a table, hash key first."""
    desc = client.describe_table(TableName=table)["Table"]
    types = {a["AttributeName"]: a["AttributeType"] for a in desc["AttributeDefinitions"]}
    keys = sorted(desc["KeySchema"], key=lambda k: k["KeyType"] != "HASH")
    return [(k["AttributeName"], k["KeyType"], types[k["AttributeName"]]) for k in keys]


def create_table(client, table, keys, wait=True, indexes=(), **extra):
    """Creates an on-demand table. keys: [(name, 'HASH'|'RANGE', 'S'|'N'|'B'), ...].
    indexes: GSIs keyed on one attribute, [(index name, attribute, its type, projection type)]."""
    definitions = {n: a for n, _, a in keys}
    definitions.update({attribute: kind for _, attribute, kind, _ in indexes})
    if indexes:
        extra["GlobalSecondaryIndexes"] = [
            {"IndexName": index, "KeySchema": [{"AttributeName": attribute, "KeyType": "HASH"}],
             "Projection": {"ProjectionType": projection}}
            for index, attribute, _, projection in indexes]
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": n, "KeyType": t} for n, t, _ in keys],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": a}
                              for n, a in definitions.items()],
        BillingMode=extra.pop("BillingMode", "PAY_PER_REQUEST"),
        **extra)
    if wait:
        client.get_waiter("table_exists").wait(TableName=table,
                                               WaiterConfig={"Delay": 1, "MaxAttempts": 60})


def create_table_like(client, source, target, wait=True):
    """Creates target with the same key schema as source (on-demand, no indexes)."""
    create_table(client, target, key_schema(client, source), wait=wait)


def item_key(item, keys):
    return tuple(canonical_item({n: item[n]}) for n, _, _ in keys)


# ---------------------------------------------------------------------------------------------
# Reading and writing


def scan_all(client, table, segments=4, page_size=1000, consistent=True):
    """Every item of a table, read with a parallel scan. A page size keeps DynamoDB Local fast
    (without a Limit each page costs time proportional to the whole segment there)."""

    def scan_segment(segment):
        items, kwargs = [], {"TableName": table, "Segment": segment, "TotalSegments": segments,
                             "Limit": page_size, "ConsistentRead": consistent}
        while True:
            page = client.scan(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    with ThreadPoolExecutor(max_workers=segments) as pool:
        return [item for part in pool.map(scan_segment, range(segments)) for item in part]


def write_items(client, table, items, threads=8, batch_size=BATCH_SIZE):
    """Puts all items with BatchWriteItem from several threads, retrying UnprocessedItems with
    backoff. Returns the number of items written. Items must have distinct keys."""
    batches = queue.Queue()
    batch = []
    for item in items:
        batch.append({"PutRequest": {"Item": item}})
        if len(batch) == batch_size:
            batches.put(batch)
            batch = []
    if batch:
        batches.put(batch)
    errors = []

    def worker():
        while not errors:
            try:
                requests = batches.get_nowait()
            except queue.Empty:
                return
            delay = 0.05
            try:
                while requests:
                    out = client.batch_write_item(RequestItems={table: requests})
                    requests = out.get("UnprocessedItems", {}).get(table, [])
                    if requests:
                        time.sleep(delay * random.uniform(0.5, 1.5))
                        delay = min(delay * 2, 2.0)
            except Exception as e:  # noqa: BLE001 -- reported to the caller below
                errors.append(e)

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise errors[0]
    return len(items)


# ---------------------------------------------------------------------------------------------
# Comparing


@dataclass
class Comparison:
    source_count: int
    target_count: int
    missing: list = field(default_factory=list)    # keys in source only
    extra: list = field(default_factory=list)      # keys in target only
    different: list = field(default_factory=list)  # keys in both, values differ
    duplicates: int = 0                            # repeated keys within one side

    @property
    def equal(self):
        return not (self.missing or self.extra or self.different or self.duplicates)

    def describe(self, limit=3):
        lines = [f"source items: {self.source_count}, target items: {self.target_count}"]
        for name in ("missing", "extra", "different"):
            keys = getattr(self, name)
            if keys:
                shown = ", ".join(str(k) for k in keys[:limit])
                lines.append(f"{name}: {len(keys)} (e.g. {shown})")
        if self.duplicates:
            lines.append(f"duplicate keys: {self.duplicates}")
        return "\n".join(lines)


def compare_item_lists(source_items, target_items, keys):
    """Compares two item lists exactly; keys is a key schema as returned by key_schema()."""

    def index(items):
        by_key, dups = {}, 0
        for item in items:
            k = item_key(item, keys)
            dups += k in by_key
            by_key[k] = canonical_item(item)
        return by_key, dups

    src, d1 = index(source_items)
    dst, d2 = index(target_items)
    return Comparison(
        source_count=len(source_items), target_count=len(target_items),
        missing=sorted(k for k in src if k not in dst),
        extra=sorted(k for k in dst if k not in src),
        different=sorted(k for k in src if k in dst and src[k] != dst[k]),
        duplicates=d1 + d2)


def compare_tables(client, source, target, target_client=None, segments=4):
    """Scans both tables and compares their items exactly (by the source's key schema)."""
    keys = key_schema(client, source)
    with ThreadPoolExecutor(max_workers=2) as pool:
        src = pool.submit(scan_all, client, source, segments)
        dst = pool.submit(scan_all, target_client or client, target, segments)
        return compare_item_lists(src.result(), dst.result(), keys)


def _scan_segment_canonical(client_kwargs, table, keys, segment, segments, page_size):
    client = make_client(**client_kwargs)
    out, kwargs = [], {"TableName": table, "Segment": segment, "TotalSegments": segments,
                       "Limit": page_size, "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        out.extend((item_key(item, keys), canonical_item(item)) for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return out
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def compare_tables_parallel(client_kwargs, source, target, processes=3, segments=4,
                            page_size=1000):
    """compare_tables() for large tables: the scans run in worker processes, since parsing and
    canonicalising items is CPU work that one Python process cannot spread over cores.
    client_kwargs are make_client() arguments (endpoint_url, region, access_key, ...)."""
    from concurrent.futures import ProcessPoolExecutor

    keys = key_schema(make_client(**client_kwargs), source)
    with ProcessPoolExecutor(max_workers=processes) as pool:
        jobs = {t: [pool.submit(_scan_segment_canonical, client_kwargs, t, keys, s, segments,
                                page_size) for s in range(segments)] for t in (source, target)}
        sides = {}
        for table, futures in jobs.items():
            by_key, dups, count = {}, 0, 0
            for f in futures:
                for k, c in f.result():
                    count += 1
                    dups += k in by_key
                    by_key[k] = c
            sides[table] = (by_key, dups, count)
    (src, d1, n1), (dst, d2, n2) = sides[source], sides[target]
    return Comparison(
        source_count=n1, target_count=n2,
        missing=sorted(k for k in src if k not in dst),
        extra=sorted(k for k in dst if k not in src),
        different=sorted(k for k in src if k in dst and src[k] != dst[k]),
        duplicates=d1 + d2)


# ---------------------------------------------------------------------------------------------
# Generated data

# Text that tends to break JSON and UTF-8 handling: escapes, astral planes (surrogate pairs in
# JSON), combining marks, right-to-left scripts, zero-width characters.
_TEXT_PIECES = [
    "plain ascii", "quote \" and backslash \\ and slash /", "tab\tnewline\ncr\r", "\u0001\u001f",
    "caf\u00e9 na\u00efve", "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac",
    "\u0420\u0443\u0441\u0441\u043a\u0438\u0439", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
    "\ud55c\uad6d\uc5b4", "\u05e2\u05d1\u05e8\u05d9\u05ea", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "\U0001F600\U0001F680\U0001F9D1\u200d\U0001F4BB", "e\u0301\u0302 combining", "zero\u200bwidth",
    "\U00010348 gothic", "\ufeffbom", "<html>&amp;</html>", "{\"not\": \"json\"}", "\u2028\u2029",
]

_NUMBERS = [
    "0", "1", "-1", "12345678901234567890123456789012345678", "-12345678901234567890123456789012345678",
    "9.9999999999999999999999999999999999999E+125", "-9.9999999999999999999999999999999999999E+125",
    "1E-130", "-1E-130", "0.1", "3.14159265358979323846264338327950288", "1.5e10",
    "123456789012345678901234567890.12345678",
]


def _text(rng, max_pieces=3):
    return " ".join(rng.choice(_TEXT_PIECES) for _ in range(rng.randint(1, max_pieces)))


def _number(rng):
    r = rng.random()
    if r < 0.4:
        return rng.choice(_NUMBERS)
    if r < 0.7:
        digits = rng.randint(1, 38)
        n = str(rng.randrange(10 ** (digits - 1), 10 ** digits))
        return ("-" if rng.random() < 0.3 else "") + n
    whole = str(rng.randrange(0, 10 ** rng.randint(1, 19)))
    frac = str(rng.randrange(1, 10 ** rng.randint(1, 38 - len(whole)))).rjust(1, "0")
    return ("-" if rng.random() < 0.3 else "") + whole + "." + frac


def _number_set(rng, count):
    # Numerically equal spellings ("1.5e10", "15000000000") would be duplicates in a set.
    by_value = {}
    for _ in range(count):
        n = _number(rng)
        by_value.setdefault(canonical_number(n), n)
    return sorted(by_value.values())


def _value(rng, depth=0):
    kinds = ["S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS"]
    if depth < 3:
        kinds += ["M", "L"]
    kind = rng.choice(kinds)
    if kind == "S":
        return {"S": _text(rng) if rng.random() < 0.95 else ""}
    if kind == "N":
        return {"N": _number(rng)}
    if kind == "B":
        return {"B": rng.randbytes(rng.randint(0, 48))}
    if kind == "BOOL":
        return {"BOOL": rng.random() < 0.5}
    if kind == "NULL":
        return {"NULL": True}
    if kind == "SS":
        return {"SS": sorted({_text(rng, 2) + str(i) for i in range(rng.randint(1, 5))})}
    if kind == "NS":
        return {"NS": sorted({str(rng.randrange(-10**20, 10**20)) for _ in range(rng.randint(1, 5))})}
    if kind == "BS":
        return {"BS": sorted({rng.randbytes(rng.randint(1, 16)) for _ in range(rng.randint(1, 4))})}
    if kind == "M":
        return {"M": {f"k{i}_{_text(rng, 1)[:8]}": _value(rng, depth + 1)
                      for i in range(rng.randint(0, 4))}}
    return {"L": [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]}


def generate_item(index, seed=0, partitions=5000, hash_key="pk", range_key="sk"):
    """Item number `index` of a deterministic data set: hash key S, range key N, and attributes of
    every DynamoDB type. The same (index, seed) always gives the same item; distinct indexes give
    distinct keys. About 1 item in 500 carries a ~30 KB attribute."""
    rng = random.Random(seed * 1_000_003 + index)
    part, row = index % partitions, index // partitions
    pk = f"p{part:05d}" + ("" if part % 7 else "-\u00fc\u6f22\U0001F511")
    sk = str(row) if part % 3 else f"{row - 5}.{part % 10}25"
    item = {
        hash_key: {"S": pk},
        range_key: {"N": sk},
        "seq": {"N": str(index)},
        "big_number": {"N": _number(rng)},
        "text": {"S": _text(rng)},
        "blob": {"B": rng.randbytes(rng.randint(1, 64))},
        "flags": {"SS": sorted({rng.choice(["a", "b", "c", "\u00e9", "\U0001F600", "d e"])
                                for _ in range(3)})},
        "scores": {"NS": _number_set(rng, rng.randint(1, 4))},
        "chunks": {"BS": sorted({rng.randbytes(rng.randint(1, 8)) for _ in range(2)})},
        "active": {"BOOL": rng.random() < 0.5},
        "nothing": {"NULL": True},
        "profile": {"M": {"name": {"S": _text(rng, 1)}, "age": {"N": str(rng.randint(0, 120))},
                          "tags": {"L": [_value(rng, 2) for _ in range(rng.randint(0, 3))]},
                          "nested": _value(rng, 1)}},
        "history": {"L": [_value(rng, 1) for _ in range(rng.randint(0, 5))]},
    }
    for i in range(rng.randint(0, 4)):
        item["extra_%d_%s" % (i, rng.choice(["x", "\u00df", "\u03bb"]))] = _value(rng)
    if rng.random() < 0.002:
        item["payload"] = {"S": "\u00e9\u6f22" + base64.b64encode(rng.randbytes(22500)).decode()}
    return item


def generate_items(count, seed=0, start=0, **kwargs):
    return [generate_item(i, seed, **kwargs) for i in range(start, start + count)]
