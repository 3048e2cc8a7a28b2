"""End-to-end tests of `ddbmigrate copy` against DynamoDB Local (and moto's STS for the
cross-account cases). boto3's low-level client is the judge: it keeps numbers as the strings
DynamoDB answers with and binary values as bytes, so a copy is compared value for value.

Every copy here is run with --output json and an explicit --dead-letter file in a temporary
directory, so a failing run never leaves files in the working directory.
"""

from __future__ import annotations

import base64
import http.client
import http.server
import json
import os
import random
import tempfile
import textwrap
import threading
import time
import unittest
from pathlib import Path

import harness
from harness import SECRET_KEY, ServiceTestCase, ddbdata

# ---------------------------------------------------------------------------------------------
# Exact comparison (no numeric canonicalisation: the strings DynamoDB answers with must match)


def exact(value):
    """A hashable, exact form of one attribute value. Sets are unordered in DynamoDB, so their
    members are sorted; everything else (number spellings included) is kept as it is."""
    (kind, v), = value.items()
    if kind in ("SS", "NS", "BS"):
        return (kind, tuple(sorted(v)))
    if kind == "M":
        return (kind, tuple(sorted((k, exact(x)) for k, x in v.items())))
    if kind == "L":
        return (kind, tuple(exact(x) for x in v))
    return (kind, v)


def exact_item(item):
    return tuple(sorted((k, exact(v)) for k, v in item.items()))


def short(obj, limit=300):
    text = repr(obj)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def key_names(client, table):
    return [name for name, _, _ in ddbdata.key_schema(client, table)]


def index_by_key(items, keys):
    out = {}
    for item in items:
        k = tuple(exact(item[n]) for n in keys)
        if k in out:
            raise AssertionError(f"duplicate key {short(k)}")
        out[k] = item
    return out


def diff_items(expected, actual, keys):
    """A description of how two item lists differ (empty when they hold the same items, exactly)."""
    a, b = index_by_key(expected, keys), index_by_key(actual, keys)
    missing = [k for k in a if k not in b]
    extra = [k for k in b if k not in a]
    different = [k for k in a if k in b and exact_item(a[k]) != exact_item(b[k])]
    lines = []
    if missing:
        lines.append(f"{len(missing)} missing, e.g. {short(missing[0])}")
    if extra:
        lines.append(f"{len(extra)} extra, e.g. {short(extra[0])}")
    for k in different[:3]:
        ea, eb = dict(exact_item(a[k])), dict(exact_item(b[k]))
        names = sorted(set(ea) | set(eb), key=repr)
        bad = [n for n in names if ea.get(n) != eb.get(n)]
        lines.append(f"item {short(k)} differs in {short(bad)}: expected "
                     f"{short({n: ea.get(n) for n in bad[:2]})}, got "
                     f"{short({n: eb.get(n) for n in bad[:2]})}")
    if len(different) > 3:
        lines.append(f"... {len(different)} differing items in all")
    if lines:
        lines.insert(0, f"expected {len(expected)} items, got {len(actual)}")
    return "\n".join(lines)


def count_items(client, table):
    kwargs, total = {"TableName": table, "Select": "COUNT", "ConsistentRead": True}, 0
    while True:
        page = client.scan(**kwargs)
        total += page["Count"]
        if "LastEvaluatedKey" not in page:
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def summary_of(stdout):
    """The --output json summary: the last stdout line that is a JSON object."""
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None


# ---------------------------------------------------------------------------------------------
# Fidelity data

# Numbers at DynamoDB's limits: 38 significant digits, exponents from -130 to +125, and
# spellings DynamoDB normalises ("1.50", "-0", "1e2").
EXTREME_NUMBERS = [
    "0", "-0", "1", "-1", "1.50", "1e2", "0.1",
    "9.9999999999999999999999999999999999999E+125",
    "-9.9999999999999999999999999999999999999E+125",
    "1E-130", "-1E-130", "1E+125",
    "0.000000000000000000000000000000000000001",
    "12345678901234567890123456789012345678",
    "-12345678901234567890123456789012345678",
    "0.12345678901234567890123456789012345678",
    "1.2345678901234567890123456789012345678E-93",
    "-3.1415926535897932384626433832795028841E+77",
    "99999999999999999999999999999999999999",
    "1.0000000000000000000000000000000000001",
]

UNICODE_TEXT = [
    "emoji \U0001F600\U0001F680\U0001F9D1\u200d\U0001F4BB\U0001F3F3\ufe0f\u200d\U0001F308",
    "RTL \u05e2\u05d1\u05e8\u05d9\u05ea \u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "bidi \u202eoverride\u202c \u200fmark\u200e",
    "combining e\u0301\u0302\u0303 a\u0308\u0304",
    "conjunct \u0915\u094d\u0937",
    "CJK \u65e5\u672c\u8a9e \ud55c\uad6d\uc5b4 \u4e2d\u6587",
    "controls \u0000 \u0001 \u001f \u007f \u0085",
    "json \" \\ / \b \f \n \r \t </script>",
    "zero\u200bwidth\u200c\u200d joiner \ufeffbom \u2028\u2029",
    "astral \U00010348 \U0001D11E \U0010FFFD",
    "",
]

UNICODE_NAMES = [
    "\u540d\u524d", "\U0001F511key", "\u05e9\u05dd", "e\u0301\u0302", "with space",
    "dot.ted", "#hash", ":colon", "[0]", "\u0000nul", "a\"quote", "back\\slash",
    "\u202eRTL-override", "x" * 255,
]

ALL_BYTES = bytes(range(256))


def depth_value(depth, leaf):
    """Maps and lists alternately nested `depth` times around leaf."""
    v = leaf
    for i in range(depth):
        v = {"M": {f"m{i}\u00e9": v, "side": {"N": str(i)}}} if i % 2 else {"L": [v, {"S": str(i)}]}
    return v


# The most containers DynamoDB accepts around a scalar: with the top-level attribute that makes
# the 32 levels of nesting it documents.
MAX_CONTAINERS = 31


def every_type(rng):
    """One attribute of every type, with edge values."""
    return {
        "s": {"S": "plain"},
        "s_empty": {"S": ""},
        "n": {"N": "42"},
        "b": {"B": ALL_BYTES},
        "b_empty": {"B": b""},
        "ss": {"SS": sorted(set(UNICODE_TEXT))},
        "ns": {"NS": sorted({ddbdata.canonical_number(n): n for n in EXTREME_NUMBERS}.values())},
        "bs": {"BS": [bytes([i]) for i in range(256)] + [ALL_BYTES, ALL_BYTES[::-1], b"\x00\x00"]},
        "m": {"M": {"s": {"S": "\u00e9"}, "n": {"N": "-1E-130"}, "b": {"B": b"\x00\xff"},
                    "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": [b"\x01"]},
                    "bool": {"BOOL": False}, "null": {"NULL": True}, "empty_s": {"S": ""},
                    "empty_b": {"B": b""}, "empty_m": {"M": {}}, "empty_l": {"L": []},
                    "l": {"L": [{"N": "1"}, {"S": ""}, {"NULL": True}]}}},
        "l": {"L": [{"S": "x"}, {"N": "9.9999999999999999999999999999999999999E+125"},
                    {"B": rng.randbytes(33)}, {"SS": ["\U0001F600"]}, {"NS": ["-0.5"]},
                    {"BS": [b"\x7f"]}, {"BOOL": True}, {"NULL": True},
                    {"M": {}}, {"L": []}, {"M": {"\u00e9": {"L": [{"L": [{"S": ""}]}]}}}]},
        "bool_t": {"BOOL": True},
        "bool_f": {"BOOL": False},
        "null": {"NULL": True},
        "empty_m": {"M": {}},
        "empty_l": {"L": []},
    }


def attribute_size(name, value):
    """DynamoDB's size of one attribute, close enough to aim an item at a size."""
    (kind, v), = value.items()
    if kind == "S":
        body = len(v.encode())
    elif kind == "B":
        body = len(v)
    elif kind == "N":
        body = len(v.lstrip("-").replace(".", "")) // 2 + 2
    elif kind == "SS":
        body = sum(len(x.encode()) for x in v)
    elif kind == "BS":
        body = sum(len(x) for x in v)
    elif kind == "NS":
        body = sum(len(x) // 2 + 2 for x in v)
    elif kind == "M":
        body = 3 + sum(attribute_size(k, x) + 1 for k, x in v.items())
    elif kind == "L":
        body = 3 + sum(attribute_size("", x) + 1 for x in v)
    else:
        body = 1
    return len(name.encode()) + body


def big_item(key, kind, rng, target_bytes=399 * 1024):
    """An item of about target_bytes (DynamoDB's accounting), whose bulk is of the given kind."""
    item = dict(key)
    item["kind"] = {"S": kind}
    room = target_bytes - sum(attribute_size(k, v) for k, v in item.items()) - 64
    if kind == "ascii":
        item["payload"] = {"S": base64.b64encode(rng.randbytes(room))[:room].decode()}
    elif kind == "utf8":
        # Mixed 1-, 2-, 3- and 4-byte characters, RTL and combining marks; room is in bytes.
        pieces = ["a", "\u00e9", "\u6f22", "\U0001F600", "\u05d0", "e\u0301", "\u0627", "\n"]
        out, used = [], 0
        while True:
            p = rng.choice(pieces)
            size = len(p.encode())
            if used + size > room:
                break
            out.append(p)
            used += size
        item["payload \U0001F4E6"] = {"S": "".join(out)}
    elif kind == "binary":
        item["payload"] = {"B": ALL_BYTES + rng.randbytes(room - 256)}
    elif kind == "many":
        for i in range(room // 110):
            item[f"attr {i} \u00e9"] = {"S": f"{i:06d}" + "v" * 90}
    elif kind == "list":
        item["payload"] = {"L": [{"S": f"{i:08d}" + "w" * 32} for i in range(room // 42)]}
    elif kind == "bs":
        item["payload"] = {"BS": [i.to_bytes(4, "big") + rng.randbytes(96)
                                  for i in range(room // 100)]}
    return item


BIG_KINDS = ["ascii", "utf8", "binary", "many", "list", "bs"]


def unicode_attributes(rng):
    item = {}
    for i, name in enumerate(UNICODE_NAMES):
        text = UNICODE_TEXT[i % len(UNICODE_TEXT)]
        item[name] = {"S": text} if i % 3 else {"M": {name: {"S": text}, text or "e": {"N": "1"}}}
    item["all_text"] = {"L": [{"S": t} for t in UNICODE_TEXT]}
    return item


def source_items_string_keys(rng):
    """pk (S) + sk (N): every type, extreme numbers in values and in the sort key, deep nesting,
    empty values, unicode names and values, and items of about 399 KB."""
    items = []
    items.append({"pk": {"S": "types"}, "sk": {"N": "0"}, **every_type(rng)})
    for i, n in enumerate(EXTREME_NUMBERS):
        if n in ("-0", "1.50", "1e2"):
            continue  # equal to "0", "1.5"... as keys; kept in values below
        items.append({"pk": {"S": "numbers"}, "sk": {"N": n}, "value": {"N": n},
                      "as_list": {"L": [{"N": x} for x in EXTREME_NUMBERS]},
                      "as_map": {"M": {f"n{j}": {"N": x} for j, x in enumerate(EXTREME_NUMBERS)}}})
    items.append({"pk": {"S": "deep"}, "sk": {"N": "1"},
                  "deep_mixed": depth_value(MAX_CONTAINERS, {"S": "bottom \U0001F600"}),
                  "deep_maps": _deep_maps(MAX_CONTAINERS),
                  "deep_lists": _deep_lists(MAX_CONTAINERS)})
    items.append({"pk": {"S": "empty"}, "sk": {"N": "2"}, "s": {"S": ""}, "b": {"B": b""},
                  "m": {"M": {"s": {"S": ""}, "b": {"B": b""}, "m": {"M": {}}, "l": {"L": []}}},
                  "l": {"L": [{"S": ""}, {"B": b""}, {"M": {}}, {"L": []}]},
                  "ss": {"SS": [""]}, "bs": {"BS": [b""]}})
    for i, text in enumerate(t for t in UNICODE_TEXT if t):
        items.append({"pk": {"S": text}, "sk": {"N": str(i)}, **unicode_attributes(rng)})
    # The largest keys DynamoDB takes: a 2048-byte partition key.
    items.append({"pk": {"S": "\u00e9" * 1024}, "sk": {"N": "-1E-130"},
                  **unicode_attributes(rng)})
    for i in range(26):
        items.append(big_item({"pk": {"S": f"big \u00e9 {i:02d}"}, "sk": {"N": str(i)}},
                              BIG_KINDS[i % len(BIG_KINDS)], rng))
    for i in range(150):  # ordinary items around the edge cases
        item = ddbdata.generate_item(i, seed=7)
        items.append(item)
    return items


def _deep_maps(depth):
    v = {"N": "1E-130"}
    for i in range(depth):
        v = {"M": {"\u05e9" + str(i): v}}
    return v


def _deep_lists(depth):
    v = {"B": ALL_BYTES}
    for _ in range(depth):
        v = {"L": [v]}
    return v


def source_items_number_keys(rng):
    """pk (N): extreme numbers as partition keys."""
    items, seen = [], set()
    for i, n in enumerate(EXTREME_NUMBERS + [str(x) for x in range(-50, 50)]):
        c = ddbdata.canonical_number(n)
        if c in seen:
            continue
        seen.add(c)
        item = {"pk": {"N": n}, "spelling": {"S": n}, "value": {"N": n}}
        if i % 4 == 0:
            item.update(every_type(rng))
        elif i % 4 == 1:
            item.update(unicode_attributes(rng))
        items.append(item)
    return items


def source_items_binary_keys(rng):
    """pk (B) + sk (S): all byte values in keys, up to the key size limits."""
    pks = [b"\x00", b"\xff", b"\x00\x00", ALL_BYTES, ALL_BYTES[::-1], rng.randbytes(2047),
           "\U0001F511".encode(), b"\r\n\t\"\\"]
    sks = ["a", "\u00e9", "\U0001F600 emoji", "\u05e2\u05d1\u05e8\u05d9\u05ea",
           "e\u0301\u0302", "\u0000", "\u6f22" * 341 + "a", " "]
    items = []
    for i, pk in enumerate(pks):
        for j, sk in enumerate(sks):
            item = {"pk": {"B": pk}, "sk": {"S": sk}, "i": {"N": str(i * 100 + j)}}
            if (i + j) % 3 == 0:
                item.update(every_type(rng))
            elif (i + j) % 3 == 1:
                item["blob"] = {"B": ALL_BYTES}
                item["blobs"] = {"BS": sorted({ALL_BYTES, pk})}
            items.append(item)
    return items


# ---------------------------------------------------------------------------------------------
# A recording reverse proxy: which access key signed which operation


class RecordingProxy:
    """Forwards every request to an upstream DynamoDB endpoint and records, per request, the
    operation (X-Amz-Target) and the access key id of the SigV4 Authorization header."""

    def __init__(self, upstream):
        self.upstream = upstream.split("//", 1)[1]
        self.calls = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                auth = self.headers.get("Authorization", "")
                key = auth.split("Credential=", 1)[1].split("/", 1)[0] if "Credential=" in auth \
                    else None
                operation = (self.headers.get("X-Amz-Target") or "").rsplit(".", 1)[-1]
                with proxy.lock:
                    proxy.calls.append((operation, key))
                conn = http.client.HTTPConnection(proxy.upstream, timeout=60)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "expect")}
                conn.request("POST", self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status, resp.reason)
                for k, v in resp.getheaders():
                    if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def keys_for(self, operation):
        with self.lock:
            return {k for op, k in self.calls if op == operation}

    def operations(self):
        with self.lock:
            return {op for op, _ in self.calls}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------------------------


class CopyTestBase(ServiceTestCase):

    def setUp(self):
        self.work = Path(tempfile.mkdtemp(prefix="work-", dir=self.home))

    def copy(self, source, target, *extra, env=None, endpoint=True, timeout=240):
        """Runs copy with --output json and a dead-letter file under self.work; returns
        (result, summary or None)."""
        args = ["copy", "--source-table", source, "--target-table", target, "--output", "json",
                *extra]
        if "--dead-letter" not in extra:
            args += ["--dead-letter", self.work / f"{target.rsplit('/', 1)[-1]}-dead.jsonl"]
        r = self.cli(*args, env=env, endpoint=endpoint, timeout=timeout)
        return r, summary_of(r.stdout)

    def assert_copied(self, result, summary, expected_items):
        self.assertEqual(result.code, 0, f"stderr:\n{result.stderr}\nstdout:\n{result.stdout}")
        self.assertIsNotNone(summary, result.stdout)
        self.assertEqual(summary["ItemsRead"], expected_items, summary)
        self.assertEqual(summary["ItemsWritten"], expected_items, summary)
        self.assertEqual(summary["ItemsDeadLettered"], 0, summary)
        self.assertIs(summary["Interrupted"], False, summary)

    def assert_same_items(self, source, target, source_client=None, target_client=None):
        """Both tables hold exactly the same items, compared value for value."""
        sc, tc = source_client or self.dynamodb(), target_client or self.dynamodb()
        keys = key_names(sc, source)
        problem = diff_items(ddbdata.scan_all(sc, source), ddbdata.scan_all(tc, target), keys)
        self.assertEqual(problem, "", f"{target} differs from {source}:\n{problem}")

    def snapshot(self, table, client=None):
        return ddbdata.scan_all(client or self.dynamodb(), table)

    def assert_unchanged(self, table, before, client=None):
        problem = diff_items(before, self.snapshot(table, client),
                             key_names(client or self.dynamodb(), table))
        self.assertEqual(problem, "", f"{table} changed:\n{problem}")

    def seeded_pair(self, count=40, seed=3, target_items=0):
        """A source with `count` generated items and a target with the same key schema holding
        `target_items` other items."""
        src = self.create_table(self.unique_table("src"))
        dst = self.create_table(self.unique_table("dst"))
        self.write_items(src, self.generate_items(count, seed=seed))
        if target_items:
            self.write_items(dst, self.generate_items(target_items, seed=seed + 100,
                                                      start=count + 1))
        return src, dst


class CopyFidelityTest(CopyTestBase):
    """Every attribute type and edge value survives a copy, byte for byte."""

    def put_all(self, table, items):
        ddb = self.dynamodb()
        small = [i for i in items if sum(attribute_size(k, v) for k, v in i.items()) < 100_000]
        big = [i for i in items if i not in small]
        self.write_items(table, small)
        for item in big:  # one per request: 25 of them would exceed a request's size
            ddb.put_item(TableName=table, Item=item)

    def check_fidelity(self, keys, items, *copy_options):
        src = self.create_table(self.unique_table("fsrc"), keys=keys)
        dst = self.create_table(self.unique_table("fdst"), keys=keys)
        self.put_all(src, items)
        # The source holds what was written (up to DynamoDB's own number normalisation).
        ddb = self.dynamodb()
        read = ddbdata.scan_all(ddb, src)
        problem = ddbdata.compare_item_lists(items, read, keys)
        self.assertTrue(problem.equal, "seeding the source failed:\n" + problem.describe())
        r, summary = self.copy(src, dst, *copy_options)
        self.assert_copied(r, summary, len(items))
        self.assert_same_items(src, dst)
        return src, dst

    def test_string_and_number_keys_all_types(self):
        rng = random.Random(11)
        items = source_items_string_keys(rng)
        self.check_fidelity([("pk", "HASH", "S"), ("sk", "RANGE", "N")], items,
                            "--segments", "3")

    def test_number_partition_keys(self):
        rng = random.Random(12)
        items = source_items_number_keys(rng)
        self.check_fidelity([("pk", "HASH", "N")], items, "--segments", "2", "--page-size", "7")

    def test_binary_keys_all_byte_values(self):
        rng = random.Random(13)
        items = source_items_binary_keys(rng)
        self.check_fidelity([("pk", "HASH", "B"), ("sk", "RANGE", "S")], items,
                            "--segments", "5", "--page-size", "3", "--writers", "3")

    def test_big_items_in_full_pages(self):
        """Items of about 399 KB with DynamoDB choosing the page size (1 MB pages)."""
        rng = random.Random(14)
        keys = [("pk", "HASH", "S"), ("sk", "RANGE", "N")]
        items = [big_item({"pk": {"S": f"b{i}"}, "sk": {"N": str(i)}},
                          BIG_KINDS[i % len(BIG_KINDS)], rng) for i in range(12)]
        self.check_fidelity(keys, items, "--segments", "1", "--page-size", "0")


class CopyBehaviourTest(CopyTestBase):
    """--create-target, --truncate-target, --dry-run, dead letters, table ARNs, regions and the
    errors that must leave the target as it was."""

    # --- create-target ---

    def test_create_target_copies_keys_indexes_and_data(self):
        src, dst = self.unique_table("csrc"), self.unique_table("cdst")
        ddb = self.dynamodb()
        ddb.create_table(
            TableName=src, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"},
                                  {"AttributeName": "text", "AttributeType": "S"},
                                  {"AttributeName": "blob", "AttributeType": "B"}],
            GlobalSecondaryIndexes=[{
                "IndexName": "by_text",
                "KeySchema": [{"AttributeName": "text", "KeyType": "HASH"},
                              {"AttributeName": "sk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["seq"]}}],
            LocalSecondaryIndexes=[{
                "IndexName": "by_blob",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                              {"AttributeName": "blob", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}}])
        ddb.get_waiter("table_exists").wait(TableName=src)
        self.write_items(src, self.generate_items(300, seed=21))
        r, summary = self.copy(src, dst, "--create-target", "--segments", "2")
        self.assert_copied(r, summary, 300)

        s = ddb.describe_table(TableName=src)["Table"]
        t = ddb.describe_table(TableName=dst)["Table"]
        self.assertEqual(t["KeySchema"], s["KeySchema"])
        self.assertEqual(sorted(t["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
                         sorted(s["AttributeDefinitions"], key=lambda a: a["AttributeName"]))

        def indexes(desc, kind):
            return {i["IndexName"]: (i["KeySchema"], i["Projection"]["ProjectionType"],
                                     sorted(i["Projection"].get("NonKeyAttributes", [])))
                    for i in desc.get(kind, [])}

        self.assertEqual(indexes(t, "GlobalSecondaryIndexes"), indexes(s, "GlobalSecondaryIndexes"))
        self.assertEqual(indexes(t, "LocalSecondaryIndexes"), indexes(s, "LocalSecondaryIndexes"))
        self.assert_same_items(src, dst)
        # The index holds the copied items too.
        q = ddb.query(TableName=dst, IndexName="by_blob", KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": self.generate_items(1, seed=21)[0]["pk"]})
        self.assertGreater(q["Count"], 0)

    def test_create_target_refuses_an_existing_table(self):
        src, dst = self.seeded_pair(count=10, target_items=5)
        before = self.snapshot(dst)
        r, _ = self.copy(src, dst, "--create-target")
        self.assert_cli_error(r, contains=dst)
        self.assertIn("already exists", r.stderr)
        self.assert_unchanged(dst, before)

    # --- key schemas ---

    def test_mismatched_key_schemas_are_refused(self):
        src = self.create_table(self.unique_table("ksrc"))
        self.write_items(src, self.generate_items(20, seed=4))
        variants = {
            "other name": [("id", "HASH", "S"), ("sk", "RANGE", "N")],
            "other type": [("pk", "HASH", "S"), ("sk", "RANGE", "S")],
            "hash only": [("pk", "HASH", "S")],
            "swapped": [("sk", "HASH", "N"), ("pk", "RANGE", "S")],
        }
        for label, keys in variants.items():
            with self.subTest(label):
                dst = self.create_table(self.unique_table("kdst"), keys=keys)
                r, _ = self.copy(src, dst, "--truncate-target", "--yes")
                self.assert_cli_error(r, contains="key schemas differ")
                self.assertIn(src, r.stderr)
                self.assertIn(dst, r.stderr)
                self.assertEqual(count_items(self.dynamodb(), dst), 0)

    # --- errors that must not touch the target ---

    def test_missing_source_table(self):
        _, dst = self.seeded_pair(count=1, target_items=30)
        before = self.snapshot(dst)
        r, _ = self.copy("no_such_source", dst, "--truncate-target", "--yes")
        self.assert_cli_error(r, contains="no_such_source")
        self.assertIn("does not exist", r.stderr)
        self.assert_unchanged(dst, before)

    def test_missing_target_table(self):
        src = self.create_table(self.unique_table("msrc"))
        self.write_items(src, self.generate_items(10))
        r, _ = self.copy(src, "no_such_target")
        self.assert_cli_error(r, contains="no_such_target")
        self.assertIn("--create-target", r.stderr)
        ddb = self.dynamodb()
        with self.assertRaises(ddb.exceptions.ResourceNotFoundException):
            ddb.describe_table(TableName="no_such_target")

    def test_resume_without_a_checkpoint(self):
        src, dst = self.seeded_pair(count=20, target_items=15)
        before = self.snapshot(dst)
        with self.subTest("--resume without --checkpoint"):
            r, _ = self.copy(src, dst, "--resume", "--truncate-target", "--yes")
            self.assert_cli_error(r, contains="--checkpoint")
            self.assert_unchanged(dst, before)
        with self.subTest("--resume with a checkpoint file that does not exist"):
            missing = self.work / "never-written.json"
            r, _ = self.copy(src, dst, "--resume", "--checkpoint", missing,
                             "--truncate-target", "--yes")
            self.assert_cli_error(r, contains=str(missing))
            self.assertFalse(missing.exists())
            self.assert_unchanged(dst, before)

    def test_unwritable_checkpoint_paths(self):
        src, dst = self.seeded_pair(count=20, target_items=15)
        before = self.snapshot(dst)
        not_a_file = self.work / "a-directory"
        not_a_file.mkdir()
        cases = {
            "under a missing /proc entry": "/proc/x/cp.json",
            "in a directory that does not exist": str(self.work / "missing" / "cp.json"),
            "a path that is a directory": str(not_a_file),
            "under /proc/self (cannot create files there)": "/proc/self/cp.json",
        }
        for label, path in cases.items():
            with self.subTest(label):
                r, _ = self.copy(src, dst, "--checkpoint", path, "--truncate-target", "--yes",
                                 timeout=60)
                self.assert_cli_error(r)
                self.assertIn(path, r.stderr)
                if path == str(not_a_file):
                    self.assertIn("it is a directory", r.stderr)
                self.assert_unchanged(dst, before)

    def test_a_dead_letter_path_that_is_a_directory_is_refused_before_writing(self):
        src, dst = self.seeded_pair(count=20)
        directory = self.work / "dead-letters"
        directory.mkdir()
        r, _ = self.copy(src, dst, "--dead-letter", str(directory), timeout=60)
        self.assert_cli_error(r, contains="is a directory")
        self.assertIn(str(directory / "dead-letter.jsonl"), r.stderr)
        self.assertEqual(count_items(self.dynamodb(), dst), 0)

    def test_bad_table_arn(self):
        src, dst = self.seeded_pair(count=5)
        for bad in ("arn:aws:s3:::bucket", "arn:aws:dynamodb:us-east-1:000000000000:index/x",
                    "arn:aws:dynamodb::000000000000:table/" + src):
            with self.subTest(bad):
                r, _ = self.copy(bad, dst)
                self.assert_cli_error(r, contains=bad)
                self.assertEqual(count_items(self.dynamodb(), dst), 0)

    # --- dry run ---

    def test_dry_run_writes_nothing(self):
        src, dst = self.seeded_pair(count=50)
        checkpoint = self.work / "dry.json"
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--dry-run",
                     "--segments", "4", "--page-size", "123", "--checkpoint", checkpoint,
                     "--dead-letter", self.work / "dry-dead.jsonl", "--readers", "3")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("segments: 4 (3 scanned at once), page size: 123", r.stdout)
        scans = [json.loads(line.split("Scan ", 1)[1]) for line in r.stdout.splitlines()
                 if line.strip().startswith("Scan {")]
        self.assertTrue(scans, f"no Scan request printed:\n{r.stdout}")
        for i, scan in enumerate(scans):
            self.assertEqual(scan["TableName"], src)
            self.assertEqual(scan["Segment"], i)
            self.assertEqual(scan["TotalSegments"], 4)
            self.assertEqual(scan["Limit"], 123)
        writes = [line for line in r.stdout.splitlines()
                  if line.strip().startswith("BatchWriteItem {")]
        self.assertEqual(len(writes), 1, r.stdout)
        self.assertIn(f'{{"RequestItems":{{"{dst}":[{{"PutRequest":{{"Item":"..."}}}}]}}',
                      writes[0])
        # Without a rate limit nothing asks for its consumed capacity by default.
        self.assertFalse(any("ReturnConsumedCapacity" in scan for scan in scans), scans)
        self.assertNotIn("ReturnConsumedCapacity", writes[0])
        self.assertEqual(count_items(self.dynamodb(), dst), 0)
        self.assertFalse(checkpoint.exists(), "a dry run created the checkpoint")
        self.assertEqual(list(self.work.iterdir()), [])
        self.assertNotIn("would first delete", r.stdout)
        # The most destructive step is in the plan too, and still nothing is deleted.
        self.write_items(dst, self.generate_items(7, seed=8, start=500))
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--dry-run",
                     "--truncate-target", "--yes")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn(f"would first delete every item of {dst}", r.stdout)
        self.assertEqual(count_items(self.dynamodb(), dst), 7)
        # Fractional rates are shown as given.
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--dry-run",
                     "--read-rate", ".5", "--write-rate", "12.25")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("rates: read 0.5 RCU/s, write 12.25 WCU/s", r.stdout)

        # The same plan as one JSON object, the requests spliced in as JSON.
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--dry-run",
                     "--truncate-target", "--yes", "--segments", "4", "--page-size", "0123",
                     "--output", "json")
        self.assertEqual(r.code, 0, r.stderr)
        plan = json.loads(r.stdout)
        self.assertIs(plan["DryRun"], True)
        self.assertEqual((plan["SourceTable"], plan["TargetTable"]), (src, dst))
        # A leading zero is decimal still, not octal (0123 would be 83).
        self.assertEqual((plan["Segments"], plan["PageSize"]), (4, 123))
        self.assertEqual(plan["SourceItemCount"], 50)
        self.assertIs(plan["TruncateTargetFirst"], True)
        self.assertEqual(plan["TargetItemCount"], 7)
        operations = [request["Operation"] for request in plan["FirstRequests"]]
        self.assertEqual(operations, ["Scan", "Scan", "Scan", "BatchWriteItem"])
        self.assertEqual([request["Body"].get("Segment") for request in plan["FirstRequests"]],
                         [0, 1, 2, None])
        self.assertEqual(count_items(self.dynamodb(), dst), 7)

    def test_unreachable_side_is_named(self):
        src, dst = self.seeded_pair(count=5)
        r = self.cli("copy", "--source-table", src, "--target-table", dst,
                     "--target-endpoint-url", "http://127.0.0.1:1", "--max-attempts", "1")
        self.assert_cli_error(r, f"the target table {dst}")

    def test_dry_run_default_page_size_from_item_size(self):
        """Without --page-size, pages of about 256 KB by the table's average item size."""
        src, dst = self.seeded_pair(count=40)
        table = self.dynamodb().describe_table(TableName=src)["Table"]
        self.assertGreater(table["TableSizeBytes"], 0)
        expected = 262144 // (table["TableSizeBytes"] // table["ItemCount"])
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--dry-run")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn(f"page size: {expected} items", r.stdout)
        scans = [json.loads(line.split("Scan ", 1)[1]) for line in r.stdout.splitlines()
                 if line.strip().startswith("Scan {")]
        self.assertTrue(scans, r.stdout)
        self.assertTrue(all(scan["Limit"] == expected for scan in scans), r.stdout)
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--dry-run",
                     "--page-size", "0")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("page size: 1 MB pages", r.stdout)
        self.assertNotIn('"Limit"', r.stdout)

    def test_dry_run_does_not_truncate_or_create(self):
        src, dst = self.seeded_pair(count=10, target_items=12)
        before = self.snapshot(dst)
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--dry-run",
                     "--truncate-target", "--yes")
        self.assertEqual(r.code, 0, r.stderr)
        self.assert_unchanged(dst, before)
        new = self.unique_table("drynew")
        r = self.cli("copy", "--source-table", src, "--target-table", new, "--dry-run",
                     "--create-target")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("CreateTable", r.stdout)
        ddb = self.dynamodb()
        with self.assertRaises(ddb.exceptions.ResourceNotFoundException):
            ddb.describe_table(TableName=new)

    # --- truncate-target ---

    def test_truncate_target_replaces_the_content(self):
        src = self.create_table(self.unique_table("tsrc"))
        dst = self.create_table(self.unique_table("tdst"))
        items = self.generate_items(400, seed=5)
        self.write_items(src, items)
        # The target holds extra items and older versions of some source items.
        stale = [dict(i, text={"S": "stale"}) for i in items[:100]]
        self.write_items(dst, stale + self.generate_items(700, seed=6, start=10_000))
        source_before = self.snapshot(src)
        r, summary = self.copy(src, dst, "--truncate-target", "--yes", "--segments", "3",
                               "--page-size", "100")
        self.assert_copied(r, summary, 400)
        self.assert_same_items(src, dst)
        self.assert_unchanged(src, source_before)

    def test_truncate_target_needs_confirmation(self):
        src, dst = self.seeded_pair(count=10, target_items=20)
        before = self.snapshot(dst)
        r, _ = self.copy(src, dst, "--truncate-target")  # stdin is not a terminal
        self.assert_cli_error(r, contains="--yes")
        self.assert_unchanged(dst, before)

    # --- dead letters ---

    def dead_letter_pair(self, count=500, seed=8):
        """A source of `count` items and a target that indexes attribute g as a number: source
        items holding g as another type are refused by the target (ValidationException).
        Returns (source, target, keys of the refused items)."""
        src = self.create_table(self.unique_table("dsrc"))
        dst = self.create_table_indexing_g_as_number(self.unique_table("ddst"))
        items = self.generate_items(count, seed=seed)
        bad_values = [{"S": "not a number"}, {"S": "12"}, {"B": b"\x01"}, {"S": "\U0001F600"},
                      {"BOOL": True}, {"S": ""}]
        bad_keys = set()
        for i, item in enumerate(items):
            if i % 17 == 3:
                item["g"] = bad_values[i % len(bad_values)]
                bad_keys.add(ddbdata.item_key(item, harness.DEFAULT_KEYS))
            elif i % 3 == 0:
                item["g"] = {"N": str(i)}
        self.write_items(src, items)
        return src, dst, bad_keys

    def assert_dead_letters(self, src, dst, bad_keys, dead):
        """The dead-letter file holds exactly the refused items (as the source holds them) and
        the target exactly the others."""
        ddb = self.dynamodb()
        source_items = self.snapshot(src)
        keys = key_names(ddb, src)
        bad = [i for i in source_items if ddbdata.item_key(i, harness.DEFAULT_KEYS) in bad_keys]
        good = [i for i in source_items
                if ddbdata.item_key(i, harness.DEFAULT_KEYS) not in bad_keys]
        self.assertEqual(len(bad), len(bad_keys))
        # Split on newlines only: str.splitlines() also splits at U+2028, which JSON may hold.
        lines = [line for line in dead.read_text(encoding="utf-8").split("\n") if line]
        records = [json.loads(line) for line in lines]
        self.assertEqual(len(records), len(bad_keys), "one line per refused item")
        for rec in records:
            self.assertEqual(set(rec) - {"Item", "Reason", "Code"}, set(), rec)
            self.assertEqual(rec.get("Code"), "ValidationException", rec)
            self.assertTrue(rec.get("Reason"), rec)
        dead_items = [ddbdata.item_from_wire(rec["Item"]) for rec in records]
        problem = diff_items(bad, dead_items, keys)
        self.assertEqual(problem, "",
                         f"dead-letter file differs from the rejected items:\n{problem}")
        problem = diff_items(good, self.snapshot(dst), keys)
        self.assertEqual(problem, "", f"target differs from the acceptable items:\n{problem}")

    def test_items_the_target_rejects_go_to_the_dead_letter_file(self):
        src, dst, bad_keys = self.dead_letter_pair()
        dead = self.work / "dead.jsonl"
        r, summary = self.copy(src, dst, "--dead-letter", dead, "--segments", "3",
                               "--page-size", "50")
        self.assertEqual(r.code, 3, f"stderr:\n{r.stderr}\nstdout:\n{r.stdout}")
        self.assertIsNotNone(summary, r.stdout)
        self.assertEqual(summary["ItemsRead"], 500)
        self.assertEqual(summary["ItemsDeadLettered"], len(bad_keys), summary)
        self.assertEqual(summary["ItemsWritten"], 500 - len(bad_keys), summary)
        self.assertEqual(summary.get("DeadLetterFile"), str(dead), summary)
        self.assert_dead_letters(src, dst, bad_keys, dead)

    def test_unwritable_dead_letter_file_is_refused_up_front(self):
        """An unwritable dead-letter path is reported before any work: nothing is written and
        no checkpoint is made; a run with a writable path then records every refused item."""
        src, dst, bad_keys = self.dead_letter_pair(count=200, seed=9)
        checkpoint = self.work / "dl.checkpoint.json"
        unwritable = self.work / "missing-dir" / "dead.jsonl"
        r, _ = self.copy(src, dst, "--dead-letter", unwritable, "--checkpoint", checkpoint,
                         "--segments", "2", "--page-size", "40")
        self.assert_cli_error(r, contains=str(unwritable))
        self.assertEqual(r.code, 1)
        self.assertEqual(count_items(self.dynamodb(), dst), 0)
        self.assertFalse(checkpoint.exists())

        dead = self.work / "dead.jsonl"
        r, summary = self.copy(src, dst, "--dead-letter", dead, "--checkpoint", checkpoint)
        self.assertEqual(r.code, 3, f"stderr:\n{r.stderr}\nstdout:\n{r.stdout}")
        self.assertEqual(summary["ItemsDeadLettered"], len(bad_keys), summary)
        self.assert_dead_letters(src, dst, bad_keys, dead)

    def test_resume_counts_dead_letters_of_earlier_runs_once(self):
        """Work a run had not acknowledged is done again by --resume, and so are its refused
        items: the dead-letter file must still hold each of them once, and the resumed run's
        exit code and summary must count those the earlier run acknowledged. Here segment 0 of
        the checkpoint is put back to where a run killed before its first save would have left
        it, and the killed run's last line is left half written."""
        src, dst, bad_keys = self.dead_letter_pair(count=300, seed=10)
        checkpoint = self.work / "dlr.checkpoint.json"
        dead = self.work / "dlr-dead.jsonl"
        r, summary = self.copy(src, dst, "--dead-letter", dead, "--checkpoint", checkpoint,
                               "--segments", "3", "--page-size", "40")
        self.assertEqual(r.code, 3, f"stderr:\n{r.stderr}\nstdout:\n{r.stdout}")
        self.assertEqual(summary["ItemsDeadLettered"], len(bad_keys), summary)
        # The finished copy, resumed, still says that items could not be written.
        r, _ = self.copy(src, dst, "--dead-letter", dead, "--checkpoint", checkpoint,
                         "--resume")
        self.assertEqual(r.code, 3, f"stderr:\n{r.stderr}\nstdout:\n{r.stdout}")
        self.assertIn(f"{len(bad_keys)} items could not be written", r.stderr)

        state = json.loads(checkpoint.read_text(encoding="utf-8"))
        self.assertEqual(state["DeadLetterFile"], os.path.abspath(dead), state)
        earlier = sum(s.get("DeadLettered", 0) for s in state["Segments"])
        self.assertEqual(earlier, len(bad_keys), state)
        redone = state["Segments"][0]
        earlier -= redone.get("DeadLettered", 0)
        earlier_items = 300 - redone["Items"]
        self.assertGreater(redone.get("DeadLettered", 0), 0, state)
        self.assertGreater(earlier, 0, state)
        state["Segments"][0] = {"Segment": 0, "Done": False, "Items": 0}
        checkpoint.write_text(json.dumps(state), encoding="utf-8")
        with dead.open("a", encoding="utf-8") as f:
            f.write('{"Item":{"pk":{"S":"torn')

        # Told another dead-letter file, the resume is refused: the earlier items are in `dead`.
        elsewhere = self.work / "dlr-elsewhere.jsonl"
        r, _ = self.copy(src, dst, "--dead-letter", elsewhere, "--checkpoint", checkpoint,
                         "--resume")
        self.assert_cli_error(r, f"resume with --dead-letter {os.path.abspath(dead)}")
        self.assertFalse(elsewhere.exists())
        # Without --dead-letter it appends to the checkpoint's.
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--output", "json",
                     "--checkpoint", checkpoint, "--resume")
        summary = summary_of(r.stdout)
        self.assertEqual(summary["DeadLetterFile"], os.path.abspath(dead), summary)
        self.assertEqual(r.code, 3, f"stderr:\n{r.stderr}\nstdout:\n{r.stdout}")
        self.assertEqual(summary["ItemsFromEarlierRuns"], earlier_items, summary)
        self.assertEqual(summary["ItemsDeadLetteredByEarlierRuns"], earlier, summary)
        self.assertEqual(summary["ItemsDeadLettered"], len(bad_keys) - earlier, summary)
        self.assertIn(f"{len(bad_keys)} items could not be written", r.stderr)
        self.assert_dead_letters(src, dst, bad_keys, dead)

    def test_a_resume_knows_refused_items_its_predecessor_wrote_in_another_spelling(self):
        """An item that came back in UnprocessedItems is dead-lettered in the service's encoding
        of it, not in the bytes the source gave: other string escapes, another member order.
        The earlier lines are put in such a spelling and segment 0 back to its start: the
        resumed run, which refuses those items again, must know them and append nothing."""
        src, dst, bad_keys = self.dead_letter_pair(count=300, seed=11)
        checkpoint = self.work / "dls.checkpoint.json"
        dead = self.work / "dls-dead.jsonl"
        r, summary = self.copy(src, dst, "--dead-letter", dead, "--checkpoint", checkpoint,
                               "--segments", "3", "--page-size", "40")
        self.assertEqual(r.code, 3, f"stderr:\n{r.stderr}\nstdout:\n{r.stdout}")
        self.assertEqual(summary["ItemsDeadLettered"], len(bad_keys), summary)

        def respelt(line):
            record = json.loads(line)
            item = {name: record["Item"][name] for name in reversed(list(record["Item"]))}
            return json.dumps({**record, "Item": item}, ensure_ascii=True,
                              separators=(",", ":"))

        lines = [line for line in dead.read_text(encoding="utf-8").split("\n") if line]
        escaped = [respelt(line) for line in lines]
        self.assertTrue(any("\\ud83d\\ude00" in line for line in escaped), escaped)
        dead.write_text("".join(line + "\n" for line in escaped), encoding="utf-8")
        state = json.loads(checkpoint.read_text(encoding="utf-8"))
        redone = state["Segments"][0]
        self.assertGreater(redone.get("DeadLettered", 0), 0, state)
        state["Segments"][0] = {"Segment": 0, "Done": False, "Items": 0}
        checkpoint.write_text(json.dumps(state), encoding="utf-8")

        r, summary = self.copy(src, dst, "--dead-letter", dead, "--checkpoint", checkpoint,
                               "--resume")
        self.assertEqual(r.code, 3, f"stderr:\n{r.stderr}\nstdout:\n{r.stdout}")
        self.assertEqual(summary["ItemsDeadLettered"] + summary["ItemsDeadLetteredByEarlierRuns"],
                         len(bad_keys), summary)
        self.assertEqual(dead.read_text(encoding="utf-8").split("\n")[:-1], escaped,
                         "the resumed run appended items the file already held")
        self.assert_dead_letters(src, dst, bad_keys, dead)

    # --- the same table on both sides ---

    def test_copy_onto_itself_loses_nothing(self):
        """The same table as source and target (by name, or by name and ARN) with
        --truncate-target: emptying the target would destroy the source, so the run must be
        refused and the table keep its items."""
        ddb = self.dynamodb()
        for label, arn in (("same name", False), ("name and ARN", True)):
            with self.subTest(label):
                table = self.create_table(self.unique_table("self"))
                self.write_items(table, self.generate_items(100, seed=12))
                before = self.snapshot(table)
                target = f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}" if arn else table
                r, summary = self.copy(table, target, "--truncate-target", "--yes")
                self.assertEqual(count_items(ddb, table), 100,
                                 f"exit {r.code}, stderr {r.stderr!r}, summary {summary}")
                self.assert_unchanged(table, before)
                self.assert_cli_error(r)

    # --- shapes of source ---

    def test_empty_source(self):
        src, dst = self.seeded_pair(count=0)
        r, summary = self.copy(src, dst, "--segments", "3")
        self.assert_copied(r, summary, 0)
        self.assertEqual(count_items(self.dynamodb(), dst), 0)

    def test_more_segments_than_items_and_single_item_pages(self):
        src, dst = self.seeded_pair(count=30, seed=13)
        r, summary = self.copy(src, dst, "--segments", "64", "--page-size", "1", "--writers", "1")
        self.assert_copied(r, summary, 30)
        self.assert_same_items(src, dst)

    def test_many_segments_few_readers(self):
        """40 segments read 3 at a time, in pages of 7: every segment is read once, in full."""
        src, dst = self.seeded_pair(count=300, seed=19)
        r, summary = self.copy(src, dst, "--segments", "40", "--readers", "3", "--page-size", "7")
        self.assert_copied(r, summary, 300)
        self.assert_same_items(src, dst)

    def test_consumed_capacity_modes(self):
        src, dst = self.seeded_pair(count=60, seed=17)
        # By default, without rate limits, nothing is asked for.
        r, summary = self.copy(src, dst, "--segments", "2")
        self.assert_copied(r, summary, 60)
        self.assertNotIn("ReadCapacityUnits", summary)
        self.assertNotIn("WriteCapacityUnits", summary)
        # The text summary says how to see it.
        r = self.cli("copy", "--source-table", src, "--target-table", dst, "--segments", "2",
                     "--dead-letter", self.work / "text-dead.jsonl")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("consumed capacity not asked for (--consumed-capacity all shows it)",
                      r.stdout)
        # A read limit makes the Scans ask (its limiter is fed by the figure), not the writes.
        r, summary = self.copy(src, dst, "--segments", "2", "--read-rate", "1000")
        self.assert_copied(r, summary, 60)
        self.assertGreater(summary["ReadCapacityUnits"], 0)
        self.assertNotIn("WriteCapacityUnits", summary)
        # `reads` asks on the Scans without a limit.
        r, summary = self.copy(src, dst, "--consumed-capacity", "reads", "--segments", "2")
        self.assert_copied(r, summary, 60)
        self.assertGreater(summary["ReadCapacityUnits"], 0)
        self.assertNotIn("WriteCapacityUnits", summary)
        # `all` asks on writes too: at least one WCU per item of up to 1 KB.
        r, summary = self.copy(src, dst, "--consumed-capacity", "all", "--segments", "2")
        self.assert_copied(r, summary, 60)
        self.assertGreater(summary["ReadCapacityUnits"], 0)
        self.assertGreaterEqual(summary["WriteCapacityUnits"], 60)
        r, summary = self.copy(src, dst, "--consumed-capacity", "none", "--segments", "2")
        self.assert_copied(r, summary, 60)
        self.assert_same_items(src, dst)
        self.assertNotIn("ReadCapacityUnits", summary)
        self.assertNotIn("WriteCapacityUnits", summary)
        # Emptying the target first goes without the capacity figures too.
        self.write_items(dst, self.generate_items(5, seed=99, start=10_000))
        r, summary = self.copy(src, dst, "--consumed-capacity", "none", "--truncate-target",
                               "--yes")
        self.assert_copied(r, summary, 60)
        self.assertIn("deleted 65 items", r.stderr)
        self.assert_same_items(src, dst)
        # The rate limits are fed by the consumed capacity: the two do not go together.
        r, _ = self.copy(src, dst, "--consumed-capacity", "none", "--write-rate", "10")
        self.assertNotEqual(r.code, 0)
        self.assertIn("--consumed-capacity none cannot go with", r.stderr)
        r, _ = self.copy(src, dst, "--consumed-capacity", "some")
        self.assertNotEqual(r.code, 0)
        self.assertIn("--consumed-capacity", r.stderr)

    # --- rate limits (lower bounds on the duration: what a limit guarantees) ---

    def test_read_rate_paces_the_first_pages_too(self):
        """Every segment's first Scan page is paced by the table's description, not sent at once:
        on a table of a few pages per reader the whole scan used to go out in the first wave."""
        src, dst = self.seeded_pair(count=600, seed=31)  # about 50 RCU to scan
        rate = 10
        started = time.monotonic()
        r, summary = self.copy(src, dst, "--read-rate", str(rate))
        elapsed = time.monotonic() - started  # measured here, not taken from the tool
        self.assert_copied(r, summary, 600)
        self.assert_same_items(src, dst)
        units = summary["ReadCapacityUnits"]
        self.assertGreater(units, 3 * rate, summary)  # enough pages for the limit to show
        # One second of burst and one page beyond it may go at once; the rest waits for the rate.
        largest_page = units / 8 + 1
        self.assertGreaterEqual(elapsed, (units - rate - largest_page) / rate, summary)

    def test_write_rate_paces_the_truncation_of_the_target(self):
        src = self.create_table(self.unique_table("src"))
        dst = self.create_table(self.unique_table("dst"))
        self.write_items(dst, self.generate_items(150, seed=32))
        rate = 50
        started = time.monotonic()
        r, summary = self.copy(src, dst, "--truncate-target", "--yes", "--write-rate", str(rate))
        elapsed = time.monotonic() - started
        self.assert_copied(r, summary, 0)
        self.assertIn("deleted 150 items", r.stderr)
        # At least one WCU per delete; one second of burst may go at once.
        self.assertGreaterEqual(elapsed, (150 - rate) / rate, r.stderr)

    # --- table ARNs and regions ---

    def test_tables_named_by_arn(self):
        src, dst = self.seeded_pair(count=120, seed=9)
        r, summary = self.copy(f"arn:aws:dynamodb:us-east-1:000000000000:table/{src}",
                               f"arn:aws:dynamodb:us-east-1:000000000000:table/{dst}",
                               "--segments", "2")
        self.assert_copied(r, summary, 120)
        self.assert_same_items(src, dst)

    def test_a_target_named_in_another_account_is_not_created(self):
        """DynamoDB Local's tables are all in account 000000000000: a target named by an ARN of
        another account is refused before anything is created, as an existing one is."""
        src, _ = self.seeded_pair(count=20, seed=11)
        missing = self.unique_table("elsewhere")
        arn = f"arn:aws:dynamodb:us-east-1:123456789012:table/{missing}"
        for extra in (("--create-target",), ("--create-target", "--dry-run")):
            with self.subTest(" ".join(extra)):
                r, _ = self.copy(src, arn, *extra)
                self.assert_cli_error(r, f"table {missing} is named in account 123456789012, but "
                                         "these settings reach account 000000000000")
                self.assertIn("nothing was created", r.stderr)
                self.assertNotIn(missing, self.dynamodb().list_tables()["TableNames"])

    def test_source_in_another_region(self):
        """DynamoDB Local keeps one database per region: the region must reach the right side,
        from an ARN or from --source-region."""
        west = self.dynamodb(region="us-west-2")
        for how in ("arn", "flag"):
            with self.subTest(how):
                src = self.unique_table("west")
                ddbdata.create_table(west, src, harness.DEFAULT_KEYS)
                ddbdata.write_items(west, src, self.generate_items(60, seed=10))
                dst = self.create_table(src)  # the same name in another region
                if how == "arn":
                    r, summary = self.copy(f"arn:aws:dynamodb:us-west-2:000000000000:table/{src}",
                                           dst)
                else:
                    r, summary = self.copy(src, dst, "--source-region", "us-west-2")
                self.assert_copied(r, summary, 60)
                self.assert_same_items(src, dst, source_client=west)
                self.assertEqual(count_items(west, src), 60)


    def test_a_region_flag_contradicting_the_arn_is_a_usage_error(self):
        """Refused before any request, whether or not the flag's region has a table of that
        name."""
        west = self.dynamodb(region="us-west-2")
        src, dst = self.unique_table("eusrc"), self.create_table(self.unique_table("dst"))
        arn = f"arn:aws:dynamodb:eu-west-1:000000000000:table/{src}"
        for exists in (False, True):
            with self.subTest(exists=exists):
                if exists:
                    ddbdata.create_table(west, src, harness.DEFAULT_KEYS)
                r, _ = self.copy(arn, dst, "--source-region", "us-west-2")
                self.assert_usage_error(
                    r, f"table {src} is named in region eu-west-1 (by its ARN), but "
                       "--source-region us-west-2 sends the requests to region us-west-2; drop "
                       "the region flag that contradicts the ARN")
        r, _ = self.copy(src, f"arn:aws:dynamodb:eu-west-1:000000000000:table/{dst}",
                         "--target-region", "us-east-1")
        self.assert_usage_error(r, "--target-region us-east-1 sends the requests")


class SameTableSharedDbTest(CopyTestBase):
    """With -sharedDb, DynamoDB Local serves one table whatever the region, and one server
    answers on 127.0.0.1 and on localhost: ways of naming the source again as the target that
    the endpoint and region flags do not reveal. With --truncate-target each would empty the
    source, so each must be refused with the table untouched."""

    SHARED_DB = True

    def test_same_table_through_other_spellings_is_refused(self):
        port = self.ddb_endpoint.rsplit(":", 1)[1]
        for label, extra in (
                ("localhost for 127.0.0.1", ("--target-endpoint-url", f"http://localhost:{port}")),
                ("another region", ("--target-region", "us-west-2"))):
            with self.subTest(label):
                table = self.create_table(self.unique_table("self"))
                self.write_items(table, self.generate_items(60, seed=21))
                before = self.snapshot(table)
                r, summary = self.copy(table, table, "--truncate-target", "--yes", *extra)
                self.assert_unchanged(table, before)
                self.assert_cli_error(r, "same table")

    def test_another_table_of_the_same_name_elsewhere_is_not_the_same(self):
        """Two servers, one table name each: a copy between them is not refused."""
        other = harness.DynamoDBLocal(shared_db=True)
        other.start()
        self.addCleanup(other.stop)
        table = self.create_table(self.unique_table("twin"))
        self.write_items(table, self.generate_items(30, seed=22))
        twin = harness.client("dynamodb", other.endpoint)
        ddbdata.create_table(twin, table, harness.DEFAULT_KEYS)
        r, summary = self.copy(table, table, "--target-endpoint-url", other.endpoint)
        self.assert_copied(r, summary, 30)
        self.assert_same_items(table, table, target_client=twin)


class CrossAccountCopyTest(CopyTestBase):
    """Source and target sides assume roles in two accounts through moto's STS. With -sharedDb
    DynamoDB Local serves the same tables to every access key; a recording proxy shows which
    credentials signed each request, and moto's GetCallerIdentity names their account."""

    MOTO = True
    SHARED_DB = True

    ROLE_A = "arn:aws:iam::111111111111:role/r1"
    ROLE_B = "arn:aws:iam::222222222222:role/r2"

    def proxy(self):
        p = RecordingProxy(self.ddb_endpoint)
        self.addCleanup(p.stop)
        return p

    def account_of(self, access_key):
        sts = harness.client("sts", self.moto_endpoint, access_key=access_key,
                             secret_key="unused")
        return sts.get_caller_identity()["Account"]

    def assert_sides(self, source_proxy, target_proxy, source_account, target_account):
        scan_keys = source_proxy.keys_for("Scan")
        write_keys = target_proxy.keys_for("BatchWriteItem")
        self.assertTrue(scan_keys and write_keys, (source_proxy.calls[:5], target_proxy.calls[:5]))
        self.assertEqual({self.account_of(k) for k in scan_keys}, {source_account})
        self.assertEqual({self.account_of(k) for k in write_keys}, {target_account})

    def role_env(self):
        env = self.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                       AWS_ENDPOINT_URL_STS=self.moto_endpoint)
        home = Path(env["HOME"])
        config = home / ".aws" / "config-roles"
        credentials = home / ".aws" / "credentials-roles"
        config.write_text(textwrap.dedent(f"""\
            [profile base]
            region = us-east-1

            [profile a]
            role_arn = {self.ROLE_A}
            source_profile = base
            role_session_name = side-a

            [profile b]
            role_arn = {self.ROLE_B}
            source_profile = base
            role_session_name = side-b
            """))
        credentials.write_text(f"[base]\naws_access_key_id = AKIDBASE\n"
                               f"aws_secret_access_key = {SECRET_KEY}\n")
        env["AWS_CONFIG_FILE"], env["AWS_SHARED_CREDENTIALS_FILE"] = str(config), str(credentials)
        return env

    def test_profiles_that_assume_roles_in_two_accounts(self):
        src, dst = self.seeded_pair(count=200, seed=31)
        p = self.proxy()
        r, summary = self.copy(src, dst, "--source-profile", "a", "--target-profile", "b",
                               "--segments", "2", "--endpoint-url", p.endpoint,
                               env=self.role_env(), endpoint=False)
        self.assert_copied(r, summary, 200)
        self.assert_same_items(src, dst)
        self.assert_sides(p, p, "111111111111", "222222222222")
        self.assertNotIn(SECRET_KEY, r.stdout + r.stderr)

    def test_role_arns_per_side_with_per_side_endpoints(self):
        src, dst = self.seeded_pair(count=150, seed=32)
        sp, tp = self.proxy(), self.proxy()
        r, summary = self.copy(src, dst, "--source-role-arn", self.ROLE_A,
                               "--target-role-arn", self.ROLE_B,
                               "--source-endpoint-url", sp.endpoint,
                               "--target-endpoint-url", tp.endpoint, "--segments", "2",
                               env=self.env(AWS_ENDPOINT_URL_STS=self.moto_endpoint),
                               endpoint=False)
        self.assert_copied(r, summary, 150)
        self.assert_same_items(src, dst)
        self.assertNotIn("BatchWriteItem", sp.operations())
        self.assertNotIn("Scan", tp.operations())
        self.assert_sides(sp, tp, "111111111111", "222222222222")

    def test_bad_role_arn(self):
        src, dst = self.seeded_pair(count=10, seed=33)
        for flag in ("--target-role-arn", "--source-role-arn"):
            with self.subTest(flag):
                r, _ = self.copy(src, dst, flag, "not-an-arn",
                                 env=self.env(AWS_ENDPOINT_URL_STS=self.moto_endpoint))
                self.assert_cli_error(r, contains="not-an-arn")
                self.assertNotIn(SECRET_KEY, r.stdout + r.stderr)
                self.assertEqual(count_items(self.dynamodb(), dst), 0)


if __name__ == "__main__":
    unittest.main()
