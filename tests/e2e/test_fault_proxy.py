"""Tests of the fault-injecting proxy itself (fault_proxy.py), in front of DynamoDB Local: each
fault happens as configured, and requests no rule picks pass through unchanged.

boto3 clients here have retries off (total_max_attempts 1; botocore's `max_attempts` counts
retries, so max_attempts=1 would still allow one retry), so every injected fault is seen as it is.
Faults that break the connection or the body are checked with raw http.client requests.
"""

import http.client
import json
import signal
import subprocess
import sys
import time
import unittest
import zlib
from pathlib import Path

import botocore.exceptions

import harness
from fault_proxy import FaultProxy, Rule
from harness import ServiceTestCase

HERE = Path(__file__).resolve().parent
TARGET_PREFIX = "DynamoDB_20120810."

# DynamoDB Local does not check signatures, but picks the database from the access key and
# region in the Authorization header.
_AUTH = (f"AWS4-HMAC-SHA256 Credential={harness.ACCESS_KEY}/20260101/{harness.REGION}/dynamodb/"
         "aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=00")


def raw_request(conn, operation, payload):
    """Sends one DynamoDB JSON request on an http.client connection; returns the response (not
    yet read)."""
    body = json.dumps(payload).encode()
    conn.request("POST", "/", body=body, headers={
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": TARGET_PREFIX + operation,
        "X-Amz-Date": "20260101T000000Z",
        "Authorization": _AUTH,
    })
    return conn.getresponse()


def put_request(item):
    return {"PutRequest": {"Item": item}}


class FaultProxyTest(ServiceTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.table = cls.unique_table("proxy")
        harness.ddbdata.create_table(cls.dynamodb(), cls.table, harness.DEFAULT_KEYS)

    # --- proxies, clients and checks ---

    def start_proxy(self, rules=(), seed=0) -> FaultProxy:
        proxy = FaultProxy(self.ddb_endpoint, rules, seed=seed).start()
        self.addCleanup(proxy.stop)
        return proxy

    def via(self, proxy):
        """A boto3 client through the proxy that never retries."""
        return self.client("dynamodb", endpoint=proxy.endpoint,
                           retries={"total_max_attempts": 1})

    def raw(self, proxy_or_endpoint):
        port = int(str(getattr(proxy_or_endpoint, "endpoint", proxy_or_endpoint)).rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.addCleanup(conn.close)
        return conn

    def item(self, n, tag="x"):
        return {"pk": {"S": f"{self.id()}-{tag}"}, "sk": {"N": str(n)},
                "v": {"S": f"value {n} caf\u00e9 \U0001F600"}}

    def stored(self, item):
        key = {"pk": item["pk"], "sk": item["sk"]}
        return self.dynamodb().get_item(TableName=self.table, Key=key,
                                        ConsistentRead=True).get("Item")

    @staticmethod
    def list_tables_outcomes(client, count, before=None):
        """`count` ListTables calls through `client`, as a string: "." for an answer, "F" for a
        fault. `before`, when given, is called before each one."""
        out = []
        for _ in range(count):
            if before is not None:
                before()
            try:
                client.list_tables()
                out.append(".")
            except botocore.exceptions.ClientError:
                out.append("F")
        return "".join(out)

    def assert_error(self, call, code, status):
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            call()
        error = ctx.exception.response
        self.assertEqual(error["Error"]["Code"], code)
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], status)
        return error

    # --- pass-through ---

    def test_clean_requests_pass_through_unchanged_on_one_kept_alive_connection(self):
        proxy = self.start_proxy()
        client = self.via(proxy)
        items = [self.item(i) for i in range(30)]
        for item in items[:5]:
            client.put_item(TableName=self.table, Item=item)
        client.batch_write_item(RequestItems={self.table: [put_request(i) for i in items[5:30]]})
        for item in items:
            self.assertEqual(self.stored(item), item)
            self.assertEqual(client.get_item(TableName=self.table, Key={
                "pk": item["pk"], "sk": item["sk"]}, ConsistentRead=True)["Item"], item)
        stats = proxy.stats
        self.assertEqual(stats["connections"], 1)  # boto3 reused one connection throughout
        self.assertEqual(stats["requests"], {"PutItem": 5, "BatchWriteItem": 1, "GetItem": 30})
        self.assertEqual(stats["forwarded"], stats["requests"])
        self.assertEqual(stats["faults"], {})
        self.assertEqual(stats["capacity_requested"], {})
        client.get_item(TableName=self.table, Key={"pk": items[0]["pk"], "sk": items[0]["sk"]},
                        ReturnConsumedCapacity="TOTAL")
        client.get_item(TableName=self.table, Key={"pk": items[0]["pk"], "sk": items[0]["sk"]},
                        ReturnConsumedCapacity="NONE")
        self.assertEqual(proxy.stats["capacity_requested"], {"GetItem": 1})
        self.assertEqual(proxy.stats["scans_by_table"], {})
        client.scan(TableName=self.table, Limit=5, ReturnConsumedCapacity="TOTAL")
        client.scan(TableName=self.table, Limit=5)
        self.assertEqual(proxy.stats["scans_by_table"],
                         {self.table: {"requests": 2, "capacity_requested": 1}})

        # The same request, direct and through the proxy: identical status, body and headers
        # (apart from those that differ per response).
        payload = {"TableName": self.table, "Key": {"pk": items[0]["pk"], "sk": items[0]["sk"]},
                   "ConsistentRead": True}
        answers = []
        for conn in (self.raw(self.ddb_endpoint), self.raw(proxy)):
            r = raw_request(conn, "GetItem", payload)
            answers.append((r.status, r.read(), {k.lower(): v for k, v in r.getheaders()
                                                 if k.lower() not in ("date", "x-amzn-requestid")}))
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(answers[1][2]["x-amz-crc32"], str(zlib.crc32(answers[1][1])))

    def test_requests_without_a_target_are_never_faulted(self):
        proxy = self.start_proxy([{"fault": "error500"}])
        conn = self.raw(proxy)
        conn.request("GET", "/")
        r = conn.getresponse()
        r.read()
        self.assertNotEqual(r.status, 500)
        self.assertEqual(proxy.stats["forwarded"], {"-": 1})
        self.assertEqual(proxy.fault_count(), 0)

    # --- answered by the proxy ---

    def test_throttle_variants_are_answered_without_forwarding(self):
        for code in ("ProvisionedThroughputExceededException", "ThrottlingException",
                     "RequestLimitExceeded"):
            with self.subTest(code=code):
                proxy = self.start_proxy([{"fault": "throttle", "code": code,
                                           "operations": ["PutItem"]}])
                client = self.via(proxy)
                item = self.item(1, code)
                error = self.assert_error(
                    lambda: client.put_item(TableName=self.table, Item=item), code, 400)
                self.assertTrue(error["Error"]["Message"])
                self.assertIsNone(self.stored(item))
                client.list_tables()  # other operations pass
                self.assertEqual(proxy.stats["forwarded"], {"ListTables": 1})
                self.assertEqual(proxy.stats["faults"], {"throttle": {"PutItem": 1}})
                self.assertEqual(proxy.stats["connections"], 1)  # the error kept the connection

    def test_error500_and_error503(self):
        proxy = self.start_proxy([{"fault": "error500", "operations": ["PutItem"]},
                                  {"fault": "error503", "operations": ["DeleteItem"]}])
        client = self.via(proxy)
        item = self.item(1)
        self.assert_error(lambda: client.put_item(TableName=self.table, Item=item),
                          "InternalFailure", 500)
        self.assertIsNone(self.stored(item))
        self.dynamodb().put_item(TableName=self.table, Item=item)
        key = {"pk": item["pk"], "sk": item["sk"]}
        error = self.assert_error(lambda: client.delete_item(TableName=self.table, Key=key),
                                  "ServiceUnavailableException", 503)
        self.assertEqual(error["ResponseMetadata"]["HTTPHeaders"]["retry-after"], "1")
        self.assertEqual(self.stored(item), item)
        self.assertEqual(proxy.stats["forwarded"], {})

        conn = self.raw(proxy)
        r = raw_request(conn, "PutItem", {"TableName": self.table, "Item": item})
        body = r.read()
        self.assertEqual((r.status, json.loads(body)),
                         (500, {"__type": "com.amazon.coral.service#InternalFailure"}))
        self.assertEqual(r.getheader("x-amz-crc32"), str(zlib.crc32(body)))

        quiet = self.start_proxy([{"fault": "error503", "retry_after": None}])
        r = raw_request(self.raw(quiet), "ListTables", {})
        r.read()
        self.assertEqual(r.status, 503)
        self.assertIsNone(r.getheader("Retry-After"))

    def test_denied_is_an_access_denied_exception_naming_the_operation(self):
        proxy = self.start_proxy([{"fault": "denied", "operations": ["PutItem"]}])
        client = self.via(proxy)
        item = self.item(1)
        error = self.assert_error(lambda: client.put_item(TableName=self.table, Item=item),
                                  "AccessDeniedException", 400)
        self.assertIn("not authorized to perform: dynamodb:PutItem", error["Error"]["Message"])
        self.assertIsNone(self.stored(item))
        client.list_tables()  # other operations pass
        self.assertEqual(proxy.stats["forwarded"], {"ListTables": 1})
        self.assertEqual(proxy.stats["faults"], {"denied": {"PutItem": 1}})

    # --- schedules ---

    def test_every_nth_max_count_and_operations(self):
        proxy = self.start_proxy([{"fault": "throttle", "every": 3, "max_count": 2,
                                   "operations": ["ListTables"]}])
        client = self.via(proxy)
        outcomes = self.list_tables_outcomes(  # DescribeTable is never faulted
            client, 12, before=lambda: client.describe_table(TableName=self.table))
        self.assertEqual(outcomes, "..F..F......")
        self.assertEqual(proxy.fault_count("throttle", "ListTables"), 2)
        self.assertEqual(proxy.fault_count(operation="DescribeTable"), 0)
        self.assertEqual(proxy.stats["rules"], {"throttle": 2})

    def test_an_outage_starts_after_some_requests_and_ends_after_its_time(self):
        # 3 s: the three calls of the outage fit in it even on a busy machine.
        proxy = self.start_proxy([{"fault": "error500", "after": 2, "for_ms": 3000,
                                   "operations": ["ListTables"]}])
        client = self.via(proxy)
        during = self.list_tables_outcomes(client, 5)
        time.sleep(3.1)  # the outage began before the last call returned: it is over now
        after = self.list_tables_outcomes(client, 3)
        self.assertEqual((during, after), ("..FFF", "..."))
        self.assertEqual(proxy.fault_count("error500", "ListTables"), 3)

    def test_after_delays_every(self):
        proxy = self.start_proxy([{"fault": "throttle", "after": 3, "every": 2, "max_count": 2,
                                   "operations": ["ListTables"]}])
        self.assertEqual(self.list_tables_outcomes(self.via(proxy), 10), "....F.F...")

    def test_operations_accept_full_targets(self):
        proxy = self.start_proxy([{"fault": "error500",
                                   "operations": TARGET_PREFIX + "ListTables"}])
        self.assert_error(self.via(proxy).list_tables, "InternalFailure", 500)

    def test_probability_is_seeded_and_reproducible(self):
        def pattern(seed):
            proxy = self.start_proxy([{"fault": "throttle", "probability": 0.3}], seed=seed)
            out = self.list_tables_outcomes(self.via(proxy), 60)
            proxy.stop()
            return out

        first, again, other = pattern(11), pattern(11), pattern(12)
        self.assertEqual(first, again)
        self.assertNotEqual(first, other)
        self.assertTrue(6 <= first.count("F") <= 30, first)

    def test_first_firing_rule_wins_and_slow_rules_add_up(self):
        proxy = self.start_proxy([
            {"fault": "slow", "delay_ms": 150, "name": "slow_a"},
            {"fault": "error500", "every": 2},
            {"fault": "throttle", "name": "always"},   # sees only what error500 let through
            {"fault": "slow", "delay_ms": 100, "operations": ["ListTables"]},
        ])
        client = self.via(proxy)
        for expected in ("ThrottlingException", "InternalFailure") * 2:
            code = "ProvisionedThroughputExceededException" if expected == "ThrottlingException" \
                else expected
            start = time.monotonic()
            with self.assertRaises(botocore.exceptions.ClientError) as ctx:
                client.list_tables()
            self.assertGreaterEqual(time.monotonic() - start, 0.25)
            self.assertEqual(ctx.exception.response["Error"]["Code"], code)
        self.assertEqual(proxy.stats["rules"],
                         {"slow_a": 4, "error500": 2, "always": 2, "slow": 4})

    # --- BatchWriteItem answered in part ---

    def test_unprocessed_holds_back_writes_exactly_as_sent(self):
        proxy = self.start_proxy([{"fault": "unprocessed", "fraction": 0.4}], seed=3)
        client = self.via(proxy)
        other = self.unique_table("proxy2")
        self.create_table(other)
        puts = [put_request(self.item(i)) for i in range(20)]
        victim = self.item(99, "deleted")
        self.dynamodb().put_item(TableName=self.table, Item=victim)
        deletes = [{"DeleteRequest": {"Key": {"pk": victim["pk"], "sk": victim["sk"]}}}]
        elsewhere = [put_request(self.item(i, "other")) for i in range(4)]
        sent = {self.table: puts + deletes, other: elsewhere}

        answer = client.batch_write_item(RequestItems=sent, ReturnConsumedCapacity="TOTAL")
        held = answer["UnprocessedItems"]
        held_count = sum(map(len, held.values()))
        self.assertEqual(held_count, round(25 * 0.4))
        self.assertEqual(proxy.stats["unprocessed_writes"], held_count)
        self.assertIn("ConsumedCapacity", answer)  # the upstream's answer, extended
        for table, requests in held.items():
            for r in requests:
                self.assertIn(r, sent[table])  # the very objects that were sent
        # Exactly the held-back writes are missing.
        for table, requests in sent.items():
            for r in requests:
                done = r not in held.get(table, [])
                if "PutRequest" in r:
                    item = r["PutRequest"]["Item"]
                    got = self.dynamodb().get_item(TableName=table, Key={
                        "pk": item["pk"], "sk": item["sk"]}, ConsistentRead=True).get("Item")
                    self.assertEqual(got, item if done else None)
                else:
                    self.assertEqual(self.stored(victim), None if done else victim)
        # Resending what came back completes the batch.
        self.dynamodb().batch_write_item(RequestItems=held)
        for r in puts:
            self.assertEqual(self.stored(r["PutRequest"]["Item"]), r["PutRequest"]["Item"])
        self.assertIsNone(self.stored(victim))

    def test_unprocessed_raw_answer_is_dynamodb_shaped(self):
        proxy = self.start_proxy([{"fault": "unprocessed"}], seed=1)
        items = self.generate_items(25, seed=5)  # every attribute type, awkward strings
        wire = [put_request(harness.ddbdata.item_to_wire(i)) for i in items]
        r = raw_request(self.raw(proxy), "BatchWriteItem", {"RequestItems": {self.table: wire}})
        body = r.read()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("x-amz-crc32"), str(zlib.crc32(body)))
        self.assertEqual(int(r.getheader("Content-Length")), len(body))
        held = json.loads(body)["UnprocessedItems"][self.table]
        self.assertEqual(len(held), round(25 * 0.5))
        for request in held:
            self.assertIn(request, wire)

    def test_unprocessed_with_fraction_one_forwards_nothing(self):
        proxy = self.start_proxy([{"fault": "unprocessed", "fraction": 1.0}])
        puts = [put_request(self.item(i)) for i in range(3)]
        answer = self.via(proxy).batch_write_item(RequestItems={self.table: puts})
        self.assertEqual(answer["UnprocessedItems"], {self.table: puts})
        self.assertEqual(proxy.stats["forwarded"], {})
        self.assertIsNone(self.stored(puts[0]["PutRequest"]["Item"]))

    def test_unprocessed_only_touches_batch_write_item(self):
        proxy = self.start_proxy([{"fault": "unprocessed"}])
        item = self.item(1)
        self.via(proxy).put_item(TableName=self.table, Item=item)
        self.assertEqual(self.stored(item), item)
        self.assertEqual(proxy.fault_count(), 0)

    # --- connection-level faults ---

    def test_reset_before_forwarding(self):
        proxy = self.start_proxy([{"fault": "reset", "max_count": 1}])
        item = self.item(1)
        conn = self.raw(proxy)
        with self.assertRaises(ConnectionResetError):
            raw_request(conn, "PutItem", {"TableName": self.table, "Item": item})
        self.assertIsNone(self.stored(item))
        self.assertEqual(proxy.stats["forwarded"], {})
        self.assertEqual(proxy.stats["rules"], {"reset_before": 1})
        # The next connection is served normally.
        self.via(proxy).put_item(TableName=self.table, Item=item)
        self.assertEqual(self.stored(item), item)

    def test_reset_after_forwarding(self):
        proxy = self.start_proxy([{"fault": "reset", "when": "after",
                                   "operations": ["PutItem"]}])
        item = self.item(1)
        with self.assertRaises(ConnectionResetError):
            raw_request(self.raw(proxy), "PutItem", {"TableName": self.table, "Item": item})
        self.assertEqual(self.stored(item), item)  # written, though the client never heard
        self.assertEqual(proxy.stats["forwarded"], {"PutItem": 1})
        self.assertEqual(proxy.fault_count("reset", "PutItem"), 1)
        with self.assertRaises(botocore.exceptions.HTTPClientError):  # connection closed
            self.via(proxy).put_item(TableName=self.table, Item=item)

    def test_slow(self):
        proxy = self.start_proxy([{"fault": "slow", "delay_ms": 2000, "every": 2}])
        client = self.via(proxy)
        times = []
        for _ in range(4):
            start = time.monotonic()
            client.list_tables()
            times.append(time.monotonic() - start)
        # A delayed call takes at least 2 s; the others are far quicker, but the bound for them
        # leaves room for a busy machine (a pause of a few hundred ms must not fail the test).
        self.assertLess(times[0], 1.5, times)
        self.assertGreaterEqual(times[1], 2.0, times)
        self.assertLess(times[2], 1.5, times)
        self.assertGreaterEqual(times[3], 2.0, times)
        self.assertEqual(proxy.fault_count("slow"), 2)

    def test_truncate(self):
        proxy = self.start_proxy([{"fault": "truncate", "operations": ["Scan", "PutItem"]}])
        item = self.item(1)
        self.dynamodb().put_item(TableName=self.table, Item=item)
        r = raw_request(self.raw(proxy), "Scan", {"TableName": self.table, "Limit": 50})
        self.assertEqual(r.status, 200)
        declared = int(r.getheader("Content-Length"))
        with self.assertRaises(http.client.IncompleteRead) as ctx:
            r.read()
        self.assertEqual(len(ctx.exception.partial), declared // 2)
        # A forwarded write did happen.
        other = self.item(2)
        r = raw_request(self.raw(proxy), "PutItem", {"TableName": self.table, "Item": other})
        with self.assertRaises(http.client.IncompleteRead):
            r.read()
        self.assertEqual(self.stored(other), other)

    def test_corrupt_crc(self):
        proxy = self.start_proxy([{"fault": "corrupt_crc", "every": 2}])
        conn = self.raw(proxy)
        seen = []
        for _ in range(4):
            r = raw_request(conn, "DescribeTable", {"TableName": self.table})
            body = r.read()
            self.assertEqual(r.status, 200)
            json.loads(body)  # the body itself is intact
            seen.append(r.getheader("x-amz-crc32") == str(zlib.crc32(body)))
        self.assertEqual(seen, [True, False, True, False])
        self.assertEqual(proxy.stats["connections"], 1)
        # boto3 checks the header too (in its legacy retry mode, which via() gets).
        client = self.via(proxy)
        client.list_tables()
        with self.assertRaises(botocore.exceptions.ChecksumError):
            client.list_tables()


    def test_rewrite_changes_matching_items_of_scans_and_queries_only(self):
        first, second = self.item(1, "rw"), self.item(2, "rw")
        for item in (first, second):
            self.dynamodb().put_item(TableName=self.table, Item=item)
        match = {"pk": first["pk"], "sk": first["sk"]}
        proxy = self.start_proxy([{"fault": "rewrite", "table": self.table, "match": match,
                                   "set_attributes": {"v": {"S": "rewritten"}}},
                                  {"fault": "rewrite", "table": "another-table",
                                   "set_attributes": {"v": {"S": "elsewhere"}}}])
        client = self.via(proxy)
        query = dict(TableName=self.table, KeyConditionExpression="pk = :pk",
                     ExpressionAttributeValues={":pk": first["pk"]}, ConsistentRead=True)
        items = client.query(**query)["Items"]
        self.assertEqual(items, [dict(first, v={"S": "rewritten"}), second])
        scanned = [i for i in client.scan(TableName=self.table, ConsistentRead=True)["Items"]
                   if i["pk"] == first["pk"]]
        self.assertEqual(sorted(i["v"]["S"] for i in scanned),
                         sorted(["rewritten", second["v"]["S"]]))
        # Reads by key, and the table itself, are untouched.
        got = client.get_item(TableName=self.table, Key=match, ConsistentRead=True)["Item"]
        self.assertEqual(got, first)
        self.assertEqual(self.stored(first), first)
        self.assertEqual(proxy.stats["rules"], {"rewrite": 2, "rewrite#1": 0})
        self.assertEqual(proxy.fault_count("rewrite"), 2)

    # --- fault_proxy.py run as a program, as a shell test or a benchmark would ---

    def test_command_line(self):
        rules = json.dumps([{"fault": "throttle", "every": 2, "operations": ["ListTables"]}])
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "fault_proxy.py"), "--upstream", self.ddb_endpoint,
             "--port", "0", "--rules", rules, "--seed", "5"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline().strip()
            self.assertTrue(line.startswith("fault_proxy: listening on http://127.0.0.1:"), line)
            endpoint = line.rsplit(" ", 1)[1]
            client = self.client("dynamodb", endpoint=endpoint,
                                 retries={"total_max_attempts": 1})
            client.list_tables()
            with self.assertRaises(botocore.exceptions.ClientError):
                client.list_tables()
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 0, err)
        stats = json.loads(out.strip().splitlines()[-1])
        self.assertEqual(stats["requests"], {"ListTables": 2})
        self.assertEqual(stats["faults"], {"throttle": {"ListTables": 1}})

    def test_bad_rules_are_reported(self):
        r = subprocess.run([sys.executable, str(HERE / "fault_proxy.py"), "--upstream",
                            "http://127.0.0.1:1", "--rules", '[{"fault": "explode"}]'],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown fault 'explode'", r.stderr)


class RuleTest(unittest.TestCase):

    def test_validation(self):
        for bad in ({"fault": "nope"}, {"probability": 0.5},
                    {"fault": "throttle", "probability": 0.5, "every": 2},
                    {"fault": "throttle", "probability": 1.5},
                    {"fault": "throttle", "every": 0},
                    {"fault": "throttle", "code": "Teapot"},
                    {"fault": "reset", "when": "during"},
                    {"fault": "unprocessed", "fraction": 0},
                    {"fault": "slow", "delay": 5},
                    {"fault": "reset", "after": -1},
                    {"fault": "reset", "for_ms": 0},
                    {"fault": "reset", "for_ms": 100, "every": 2},
                    {"fault": "rewrite"},  # nothing to set
                    {"fault": "rewrite", "set_attributes": {}, "match": "pk"}):
            with self.subTest(rule=bad), self.assertRaises(ValueError):
                Rule.from_dict(bad)

    def test_labels(self):
        proxy = FaultProxy("http://127.0.0.1:1", [
            {"fault": "reset"}, {"fault": "reset", "when": "after"}, {"fault": "throttle"},
            {"fault": "throttle"}, {"fault": "slow", "name": "lag"}])
        self.assertEqual(list(proxy.stats["rules"]),
                         ["reset_before", "reset_after", "throttle", "throttle#3", "lag"])

    def test_upstream_must_be_http(self):
        with self.assertRaises(ValueError):
            FaultProxy("https://dynamodb.us-east-1.amazonaws.com")


if __name__ == "__main__":
    unittest.main()
