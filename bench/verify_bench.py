#!/usr/bin/env python3
"""Verify benchmark: ddbmigrate verify (and checksum) beside ddbmigrate copy, on DynamoDB Local.

For each table size: seed a source with boto3, copy it with ddbmigrate (timed), then verify the
two tables (timed) and checksum the source (timed). Reports items/s, client CPU per item and peak
memory of each, so that verify's speed sits beside copy's and its memory can be seen staying flat
as the table grows. Every process is timed with /usr/bin/time; one fresh DynamoDB Local serves
the whole run. Results go between the markers in docs/verify-benchmark.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import copy_bench as cb  # noqa: E402  (seeding, server, machine facts, report markers)
from copy_bench import harness, log  # noqa: E402

REPO_ROOT = cb.REPO_ROOT
PREAMBLE = """# Verify benchmark

`bench/verify_bench.py` seeds a table on DynamoDB Local, copies it with `ddbmigrate copy`, then
times `ddbmigrate verify` on the two tables and `ddbmigrate checksum` on the source, at each table
size. verify reads both tables at once, so its items/s counts the items of one table per second
(each was read once). Client CPU is user + system time of the ddbmigrate process; peak memory is
its maximum resident set size. The tables are identical, so verify does a single pass.

<!-- results:begin -->
<!-- results:end -->
"""


def timed(argv, env):
    with tempfile.TemporaryDirectory(prefix="verify-bench-") as tmp:
        timing = Path(tmp) / "time.txt"
        p = subprocess.run([cb.TIME_BIN, "-o", str(timing), "-f", "%e %U %S %M", *argv], env=env,
                           cwd=tmp, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=3600)
        wall, user, system, rss = timing.read_text().split()[-4:]
    return {"code": p.returncode, "wall": float(wall), "cpu": float(user) + float(system),
            "rss_mb": int(rss) / 1024, "stdout": p.stdout, "stderr": p.stderr}


def row(label, items, m):
    rate = items / m["wall"] if m["wall"] else 0
    return (f"| {label} | {items:,} | {m['wall']:.1f} | {rate:,.0f} | "
            f"{m['cpu'] / items * 1e6:.1f} | {m['rss_mb']:.1f} | {'ok' if m['ok'] else 'FAILED'} |")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10000,100000")
    p.add_argument("--item-bytes", type=int, default=1000)
    p.add_argument("--segments", type=int, default=8)
    p.add_argument("--page-size", type=int, default=1000)
    p.add_argument("--out", default="docs/verify-benchmark.md")
    p.add_argument("--binary", default=str(REPO_ROOT / "build" / "ddbmigrate"))
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    command = "python3 bench/verify_bench.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    snapshot = Path(tempfile.mkdtemp(prefix="verify-bench-bin-")) / "ddbmigrate"
    shutil.copy2(args.binary, snapshot)
    env = harness.isolated_env()
    started = time.monotonic()
    rows = []
    with harness.DynamoDBLocal(shared_db=True, log_prefix="verify-bench-") as ddb:
        ep = ddb.endpoint
        common = ["--endpoint-url", ep, "--segments", str(args.segments), "--page-size",
                  str(args.page_size), "--output", "json"]
        cb.seed(ep, "warmup", 5000, args.item_bytes, "pk-sk")
        timed([str(snapshot), "copy", "--source-table", "warmup", "--target-table", "warmup_dst",
               "--create-target", *common], env)
        for size in sizes:
            src, dst = f"src_{size}", f"dst_{size}"
            log(f"seeding {size:,} items ...")
            cb.seed(ep, src, size, args.item_bytes, "pk-sk")
            cb.wait_for_quiet(60)
            copy = timed([str(snapshot), "copy", "--source-table", src, "--target-table", dst,
                          "--create-target", *common], env)
            copy["ok"] = copy["code"] == 0
            cb.wait_for_quiet(60)
            verify = timed([str(snapshot), "verify", "--source-table", src, "--target-table", dst,
                            *common], env)
            summary = json.loads(verify["stdout"].strip().splitlines()[-1]) if verify["stdout"] else {}
            verify["ok"] = verify["code"] == 0 and summary.get("Match") is True and \
                summary.get("SourceItems") == size
            cb.wait_for_quiet(60)
            checksum = timed([str(snapshot), "checksum", "--table", src, *common[:-2],
                              "--output", "json"], env)
            checksum["ok"] = checksum["code"] == 0 and \
                json.loads(checksum["stdout"] or "{}").get("Items") == size
            for label, m in (("copy", copy), ("verify", verify), ("checksum", checksum)):
                log(f"  {size:,} {label}: {m['wall']:.1f} s, {m['cpu'] / size * 1e6:.1f} us CPU/item, "
                    f"{m['rss_mb']:.1f} MB; {'ok' if m['ok'] else 'FAILED: ' + m['stderr'][-300:]}")
                rows.append(row(f"{label}", size, m))
            cb.delete_table(ep, dst)
            cb.delete_table(ep, src)
    info = cb.versions(argparse.Namespace(binary=snapshot, binary_shown="build/ddbmigrate"))
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"## Results of {when}", "", "Written by `bench/verify_bench.py`; run with:", "",
             "```", command, "```", ""]
    lines += [f"- {k}: {v}" for k, v in info.items()]
    lines += [f"- Whole benchmark: {(time.monotonic() - started) / 60:.1f} minutes", "",
              "| command | items per table | wall s | items/s | client CPU µs/item | peak RSS MB | result |",
              "|---|---:|---:|---:|---:|---:|---|", *rows, ""]
    section = "\n".join(lines)
    print(section)
    if args.out != "-":
        out = REPO_ROOT / args.out
        if not out.exists():
            out.write_text(PREAMBLE)
        cb.write_report(out, section)
    shutil.rmtree(snapshot.parent, ignore_errors=True)
    return 0 if all("FAILED" not in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
