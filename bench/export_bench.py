#!/usr/bin/env python3
"""Export and import benchmark on DynamoDB Local (and moto's S3), in one run.

Starts a fresh in-memory DynamoDB Local (and, with --s3, moto's server) on free loopback ports,
seeds a table with N generated items of about --item-bytes each (written with boto3, as in
bench/copy_bench.py), then times, each as a whole process under /usr/bin/time (wall seconds,
user+sys CPU seconds, peak RSS):

  * export to a directory        build/ddbmigrate export --table T --to DIR
  * import from that directory   build/ddbmigrate import --from DIR --table T2 --create-target
  * the same two through S3      (--s3: moto's server, s3://bench/prefix)
  * with --one-file, an export to a directory in one segment (one data file of the whole
    table) and its import: import's peak memory with a data file far larger than the 8 MiB it
    holds at once

Every imported table is compared item by item with the source by boto3 (scripts/ddbdata.py);
a difference fails the run. Throughput is given
in items/s and in MB/s of exported JSON (the uncompressed data lines) and of gzip data.

    python3 bench/export_bench.py --items 100000 --s3 --out docs/export-benchmark.md

Needs what bench/copy_bench.py needs (build/ddbmigrate, DynamoDB Local in tools/), plus moto for
--s3.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "bench"))
import copy_bench  # noqa: E402  (seeding, counting, server helpers)
from copy_bench import harness  # noqa: E402

TIME_BIN = "/usr/bin/time"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def timed(argv, env):
    """Runs argv under /usr/bin/time; returns (exit code, wall, cpu, peak MB, stdout, stderr)."""
    with tempfile.TemporaryDirectory(prefix="export-bench-") as tmp:
        timing = Path(tmp) / "time.txt"
        proc = subprocess.run([TIME_BIN, "-o", str(timing), "-f", "%e %U %S %M", *argv], env=env,
                              capture_output=True, text=True)
        wall, user, system, rss = timing.read_text().split()[-4:]
    return (proc.returncode, float(wall), float(user) + float(system), int(rss) / 1024,
            proc.stdout, proc.stderr)


def run_pair(binary, env, ddb_endpoint, table, items, location, extra, tag, export_extra=(),
             suffix=None):
    """Exports `table` to `location`, imports it into a new table (named with `suffix`, else
    `tag`); returns two result rows. `extra` goes to both commands, `export_extra` to the
    export only."""
    rows = []
    argv = [str(binary), "export", "--table", table, "--to", location, "--page-size", "1000",
            "--endpoint-url", ddb_endpoint, "--output", "json", *extra, *export_extra]
    log(f"export to {location} ...")
    code, wall, cpu, rss, out, err = timed(argv, env)
    if code != 0:
        raise SystemExit(f"export failed ({code}): {err.strip()[-400:]}")
    summary = json.loads(out.strip().splitlines()[-1])
    rows.append(dict(step=f"export to {tag}", items=summary["ItemCount"], wall=wall, cpu=cpu,
                     rss=rss, files=summary["DataFiles"], json_bytes=summary["UncompressedBytes"],
                     gzip_bytes=summary["CompressedBytes"],
                     command=" ".join(argv[1:]).replace(ddb_endpoint, "$DDB")))
    target = f"{table}_from_{suffix or tag}"
    argv = [str(binary), "import", "--from", location, "--table", target, "--create-target",
            "--endpoint-url", ddb_endpoint, "--output", "json", *extra]
    log(f"import from {location} into {target} ...")
    code, wall, cpu, rss, out, err = timed(argv, env)
    if code != 0:
        raise SystemExit(f"import failed ({code}): {err.strip()[-400:]}")
    log(f"comparing {table} and {target} with boto3 ...")
    compared = copy_bench.ddbdata.compare_tables_parallel(
        dict(endpoint_url=ddb_endpoint, region=harness.REGION, access_key=harness.ACCESS_KEY,
             secret_key=harness.SECRET_KEY), table, target)
    if not compared.equal:
        raise SystemExit(f"import into {target} differs from {table}: {compared.describe()}")
    count = compared.target_count
    rows.append(dict(step=f"import from {tag}", items=count, wall=wall, cpu=cpu, rss=rss,
                     files=rows[0]["files"],
                     json_bytes=rows[0]["json_bytes"], gzip_bytes=rows[0]["gzip_bytes"],
                     command=" ".join(argv[1:]).replace(ddb_endpoint, "$DDB")))
    copy_bench.delete_table(ddb_endpoint, target)
    return rows


def render(rows, args, started, seconds):
    lines = [
        f"Run on {started:%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
        f"{args.items:,} items of about {args.item_bytes} bytes, in {seconds:.0f} s:",
        "",
        "```",
        "python3 bench/export_bench.py " + " ".join(sys.argv[1:]),
        "```",
        "",
        "| step | items | data files | wall s | items/s | JSON MB/s | gzip MB/s "
        "| client CPU µs/item | peak MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        rate = r["items"] / r["wall"] if r["wall"] else 0
        lines.append(
            f"| {r['step']} | {r['items']:,} | {r['files']:,} | {r['wall']:.1f} | {rate:,.0f} | "
            f"{r['json_bytes'] / 1e6 / r['wall']:.1f} | {r['gzip_bytes'] / 1e6 / r['wall']:.1f} | "
            f"{r['cpu'] * 1e6 / max(1, r['items']):.1f} | {r['rss']:.0f} |")
    lines += ["", "Commands (`$DDB` is DynamoDB Local's endpoint):", ""]
    lines += [f"- `ddbmigrate {r['command']}`" for r in rows]
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=100000)
    p.add_argument("--item-bytes", type=int, default=1024)
    p.add_argument("--s3", action="store_true", help="also export to and import from moto's S3")
    p.add_argument("--one-file", action="store_true",
                   help="also export in one segment (one data file) and import that")
    p.add_argument("--binary", default=str(REPO_ROOT / "build" / "ddbmigrate"))
    p.add_argument("--out", help="markdown file to write the results into")
    args = p.parse_args(argv)
    started, t0 = datetime.datetime.utcnow(), time.monotonic()
    env = harness.isolated_env()
    rows = []
    with harness.DynamoDBLocal(log_prefix="export-bench-") as ddb:
        log(f"seeding {args.items:,} items ...")
        copy_bench.seed(ddb.endpoint, "bench_src", args.items, args.item_bytes, "pk-sk")
        with tempfile.TemporaryDirectory(prefix="export-bench-dir-") as tmp:
            rows += run_pair(args.binary, env, ddb.endpoint, "bench_src", args.items, tmp, [],
                             "directory")
        if args.one_file:
            with tempfile.TemporaryDirectory(prefix="export-bench-one-") as tmp:
                rows += run_pair(args.binary, env, ddb.endpoint, "bench_src", args.items, tmp, [],
                                 "directory, one segment", export_extra=["--segments", "1"],
                                 suffix="one_segment")
        if args.s3:
            with harness.MotoServer(log_prefix="export-bench-") as moto:
                s3 = harness.client("s3", moto.endpoint)
                s3.create_bucket(Bucket="bench")
                rows += run_pair(args.binary, env, ddb.endpoint, "bench_src", args.items,
                                 "s3://bench/exports", ["--s3-endpoint-url", moto.endpoint], "S3")
    section = render(rows, args, started, time.monotonic() - t0)
    print(section)
    if args.out:
        path = Path(args.out)
        text = path.read_text() if path.exists() else f"# Export and import benchmark\n\n{BEGIN}\n{END}\n"
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        path.write_text(f"{head}{BEGIN}\n{section}{END}{tail}")


if __name__ == "__main__":
    main()
