#!/usr/bin/env python3
"""Seeds a DynamoDB endpoint (normally DynamoDB Local) for the demo.

Creates and loads the four sample tables of the DynamoDB Developer Guide (ProductCatalog, Forum,
Thread, Reply; testdata/refdata/sampledata/) and a generated table (default demo_source: pk S +
sk N) holding items of every attribute type, written with BatchWriteItem from several processes
and threads. Optionally creates an empty target table with the same key schema.

Tables that already exist are deleted and created again, so the script can be run twice.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import ddbdata

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = REPO_ROOT / "testdata" / "refdata" / "sampledata" / "awsdocs-AppendixSampleTables"
SAMPLE_KEYS = {
    "ProductCatalog": [("Id", "HASH", "N")],
    "Forum": [("Name", "HASH", "S")],
    "Thread": [("ForumName", "HASH", "S"), ("Subject", "RANGE", "S")],
    "Reply": [("Id", "HASH", "S"), ("ReplyDateTime", "RANGE", "S")],
}
GENERATED_KEYS = [("pk", "HASH", "S"), ("sk", "RANGE", "N")]


def client_from(args):
    return ddbdata.make_client(args.endpoint_url, region=args.region,
                               access_key=os.environ.get("AWS_ACCESS_KEY_ID", "demo"),
                               secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "demo"))


def recreate_table(client, name, keys):
    try:
        client.delete_table(TableName=name)
        client.get_waiter("table_not_exists").wait(TableName=name,
                                                   WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    except client.exceptions.ResourceNotFoundException:
        pass
    ddbdata.create_table(client, name, keys)


def load_samples(client):
    counts = {}
    for table, keys in SAMPLE_KEYS.items():
        request = json.loads((SAMPLES / f"{table}.json").read_text())
        recreate_table(client, table, keys)
        items = [ddbdata.item_from_wire(r["PutRequest"]["Item"]) for r in request[table]]
        counts[table] = ddbdata.write_items(client, table, items, threads=1)
    return counts


def _write_slice(endpoint_url, region, table, seed, start, stop, threads):
    # Runs in a worker process: generating and serialising items is CPU work that one Python
    # process (one GIL) cannot spread over cores.
    client = ddbdata.make_client(endpoint_url, region=region,
                                 access_key=os.environ.get("AWS_ACCESS_KEY_ID", "demo"),
                                 secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "demo"))
    chunk = 2000
    written = 0
    for first in range(start, stop, chunk):
        items = ddbdata.generate_items(min(chunk, stop - first), seed=seed, start=first)
        written += ddbdata.write_items(client, table, items, threads=threads)
    return written


def load_generated(args, client):
    recreate_table(client, args.table, GENERATED_KEYS)
    processes = max(1, min(args.processes, args.items // 1000 or 1))
    bounds = [args.items * i // processes for i in range(processes + 1)]
    with ProcessPoolExecutor(max_workers=processes) as pool:
        futures = [pool.submit(_write_slice, args.endpoint_url, args.region, args.table, args.seed,
                               bounds[i], bounds[i + 1], args.threads)
                   for i in range(processes)]
        return sum(f.result() for f in futures)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoint-url", default=os.environ.get("DDB_ENDPOINT"),
                   help="DynamoDB endpoint (default: $DDB_ENDPOINT)")
    p.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    p.add_argument("--table", default="demo_source", help="generated table (default: %(default)s)")
    p.add_argument("--items", type=int, default=50_000, help="generated items (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1, help="data set seed (default: %(default)s)")
    p.add_argument("--processes", type=int, default=3, help="writer processes (default: %(default)s)")
    p.add_argument("--threads", type=int, default=6,
                   help="writer threads per process (default: %(default)s)")
    p.add_argument("--create-target", metavar="TABLE",
                   help="also (re)create this empty table with the generated table's key schema")
    p.add_argument("--no-samples", action="store_true", help="skip the Developer Guide tables")
    args = p.parse_args()
    if not args.endpoint_url:
        p.error("--endpoint-url (or $DDB_ENDPOINT) is required")

    client = client_from(args)
    started = time.monotonic()
    if not args.no_samples:
        counts = load_samples(client)
        print("seed: sample tables: " + ", ".join(f"{t} ({n} items)" for t, n in counts.items()))
    written = load_generated(args, client)
    seconds = time.monotonic() - started
    print(f"seed: {args.table}: {written} items in {seconds:.1f} s "
          f"({written / max(seconds, 1e-9):,.0f} items/s)")
    if args.create_target:
        recreate_table(client, args.create_target, ddbdata.key_schema(client, args.table))
        print(f"seed: created empty {args.create_target} with the key schema of {args.table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
