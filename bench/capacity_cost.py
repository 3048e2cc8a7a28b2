#!/usr/bin/env python3
"""What ReturnConsumedCapacity costs DynamoDB Local per item written.

Starts a fresh in-memory DynamoDB Local, seeds a source table with the copy benchmark's items,
reads them back once as raw JSON, and builds every BatchWriteItem body (25 items each) in
advance. Then, alternating, it sends those bodies to a fresh table from a few raw HTTP
connections, once with "ReturnConsumedCapacity": "TOTAL" and once without, and reports the
server's CPU per item written (from /proc) and the items/s for each pass. The client does no
work per request beyond sending the prepared bytes, so the difference is the server's.

    python3 bench/capacity_cost.py --items 40000 --rounds 4

DynamoDB Local does not check signatures, so requests carry a fixed, well-formed Authorization
header.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests" / "e2e"))
sys.path.insert(0, str(REPO_ROOT / "bench"))
import copy_bench  # noqa: E402  (items, seeding, process CPU)
import harness  # noqa: E402

HEADERS = {
    "Content-Type": "application/x-amz-json-1.0",
    "X-Amz-Date": "20260101T000000Z",
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/dynamodb/"
                     "aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
}


def connect(endpoint):
    url = urllib.parse.urlparse(endpoint)
    return http.client.HTTPConnection(url.hostname, url.port)


def call(conn, operation, body):
    conn.request("POST", "/", body=body,
                 headers={**HEADERS, "X-Amz-Target": "DynamoDB_20120810." + operation})
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        raise SystemExit(f"capacity_cost: {operation} failed: {response.status} {data[:200]!r}")
    return data


def scan_all(endpoint, table):
    conn, items, key = connect(endpoint), [], None
    while True:
        request = {"TableName": table, "Limit": 1000}
        if key:
            request["ExclusiveStartKey"] = key
        page = json.loads(call(conn, "Scan", json.dumps(request)))
        items += page["Items"]
        key = page.get("LastEvaluatedKey")
        if not key:
            return items


def write_pass(endpoint, server_pid, table, items, capacity, connections):
    copy_bench.client(endpoint).create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"}])
    bodies = []
    for i in range(0, len(items), 25):
        body = {"RequestItems": {table: [{"PutRequest": {"Item": it}} for it in items[i:i + 25]]}}
        if capacity:
            body["ReturnConsumedCapacity"] = "TOTAL"
        bodies.append(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())
    next_body, lock = [0], threading.Lock()

    def sender():
        conn = connect(endpoint)
        while True:
            with lock:
                if next_body[0] >= len(bodies):
                    return
                body = bodies[next_body[0]]
                next_body[0] += 1
            call(conn, "BatchWriteItem", body)

    time.sleep(2)  # let the table creation settle out of the measurement
    cpu0, t0 = copy_bench.process_cpu_seconds(server_pid), time.monotonic()
    threads = [threading.Thread(target=sender) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    cpu = copy_bench.process_cpu_seconds(server_pid) - cpu0
    copy_bench.delete_table(endpoint, table)
    return len(items) / wall, cpu / len(items) * 1e6


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=40_000)
    p.add_argument("--item-bytes", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=4, help="passes with and without, alternating")
    p.add_argument("--connections", type=int, default=4)
    args = p.parse_args()
    results = {True: [], False: []}
    with harness.DynamoDBLocal(shared_db=True, log_prefix="capacity-cost-") as ddb:
        copy_bench.seed(ddb.endpoint, "src", args.items, args.item_bytes, "pk-sk")
        items = scan_all(ddb.endpoint, "src")
        # One untimed pass first, so that the server's JIT has compiled the write path.
        write_pass(ddb.endpoint, ddb.process.pid, "warmup", items, True, args.connections)
        for r in range(args.rounds):
            for capacity in (True, False):
                rate, server_us = write_pass(ddb.endpoint, ddb.process.pid, f"dst_{r}_{capacity}",
                                             items, capacity, args.connections)
                results[capacity].append((rate, server_us))
                print(f"round {r + 1}, ReturnConsumedCapacity {'TOTAL' if capacity else 'NONE '}: "
                      f"{rate:,.0f} items/s, server CPU {server_us:.0f} µs/item", flush=True)
    for capacity in (True, False):
        rates = [x for x, _ in results[capacity]]
        costs = [y for _, y in results[capacity]]
        print(f"ReturnConsumedCapacity {'TOTAL' if capacity else 'NONE '}: median "
              f"{statistics.median(rates):,.0f} items/s, server CPU {min(costs):.0f} to "
              f"{max(costs):.0f} µs/item (median {statistics.median(costs):.0f})")


if __name__ == "__main__":
    main()
