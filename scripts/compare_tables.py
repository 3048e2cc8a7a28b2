#!/usr/bin/env python3
"""Checks with boto3 that two tables hold exactly the same items and prints a short summary.

Both tables are scanned with the low-level client (numbers as DynamoDB returned them, binary as
bytes) and compared item by item. Exits 1 when they differ.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import ddbdata


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoint-url", default=os.environ.get("DDB_ENDPOINT"))
    p.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    p.add_argument("--source", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--seconds", type=float, help="how long the copy took, for the summary")
    p.add_argument("--segments", type=int, default=4, help="parallel scan segments per table")
    p.add_argument("--processes", type=int, default=2, help="scanning processes")
    args = p.parse_args()
    if not args.endpoint_url:
        p.error("--endpoint-url (or $DDB_ENDPOINT) is required")

    client_kwargs = {"endpoint_url": args.endpoint_url, "region": args.region,
                     "access_key": os.environ.get("AWS_ACCESS_KEY_ID", "demo"),
                     "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY", "demo")}
    started = time.monotonic()
    result = ddbdata.compare_tables_parallel(client_kwargs, args.source, args.target,
                                             processes=args.processes, segments=args.segments)
    checked_in = time.monotonic() - started

    print("summary:")
    print(f"  items:   {result.source_count} in {args.source}, {result.target_count} in {args.target}")
    if args.seconds is not None:
        rate = result.target_count / args.seconds if args.seconds > 0 else 0
        print(f"  seconds: {args.seconds:.2f}")
        print(f"  items/s: {rate:,.0f}")
    print(f"  equal:   {'yes' if result.equal else 'no'} (checked with boto3 in {checked_in:.1f} s)")
    if not result.equal:
        print("  " + result.describe().replace("\n", "\n  "))
    return 0 if result.equal else 1


if __name__ == "__main__":
    sys.exit(main())
