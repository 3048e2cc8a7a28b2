#!/usr/bin/env python3
"""Replicate benchmark: how fast `ddbmigrate replicate` applies a stream backlog, and how far
behind the source it stays under a steady write load, on DynamoDB Local.

1. Backlog: a source table with a NEW_AND_OLD_IMAGES stream receives --records inserts and then
   updates of a fifth of them (boto3, untimed). `ddbmigrate replicate --until-caught-up` applies
   the whole stream to an empty target, timed as a process (wall, client CPU, peak RSS), beside
   bench/replay_per_record.py, the one-write-per-record replay users write today, in the same run.
   Each target is then counted with boto3.
2. Steady load: `ddbmigrate replicate --from latest` follows the stream while a boto3 writer puts
   --steady-rate new items per second for --steady-seconds. Every 10th item is a marker: a
   second boto3 thread polls the target for it and records the lag, from the source write's
   acknowledgement to the item being readable in the target.

Results go between the markers in docs/replicate-benchmark.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import queue
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import copy_bench as cb  # noqa: E402  (seeding, server, machine facts, report markers)
from copy_bench import harness, log  # noqa: E402

REPO_ROOT = cb.REPO_ROOT
STREAM = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
PREAMBLE = """# Replicate benchmark

`bench/replicate_bench.py` measures `ddbmigrate replicate` on DynamoDB Local in two ways:

- **Backlog**: a stream holding inserts and updates is applied to an empty target with
  `replicate --until-caught-up`, beside `bench/replay_per_record.py` (one PutItem or DeleteItem
  per record, the approach of a typical replay function) in the same run. Records/s counts stream
  records per second of process wall time; client CPU is user + system time of the process; each
  target is counted with boto3 afterwards.
- **Steady load**: `replicate --from latest` runs while boto3 writes new items at a fixed rate;
  every 10th item is a marker whose arrival in the target is polled with boto3 GetItem. Lag is the
  time from the source write's acknowledgement to the marker being readable in the target.

DynamoDB Local keeps one stream shard and serves GetRecords pages of at most 1,000 records, so a
backlog is read one page at a time; ddbmigrate writes each page's changes in parallel batches of
25 and reads the next page once they are acknowledged (so that changes to one key stay in order).
An empty page means the shard's tip; the replay then polls again after 0.5 s, which bounds the lag
from below.

<!-- results:begin -->
<!-- results:end -->
"""


def timed(argv, env, cwd):
    timing = Path(cwd) / "time.txt"
    p = subprocess.run([cb.TIME_BIN, "-o", str(timing), "-f", "%e %U %S %M", *argv], env=env,
                       cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=3600)
    wall, user, system, rss = timing.read_text().split()[-4:]
    return {"code": p.returncode, "wall": float(wall), "cpu": float(user) + float(system),
            "rss_mb": int(rss) / 1024, "stdout": p.stdout, "stderr": p.stderr}


def make_backlog(ep, table, records, item_bytes):
    """Inserts records * 5/6 items, then updates every fifth of them: `records` stream records."""
    inserts = records * 5 // 6
    cb.seed(ep, table, inserts, item_bytes, "pk-sk", **STREAM)
    c = cb.client(ep)
    updates = records - inserts
    for start in range(0, updates, 1000):
        items = [cb.make_item(i * 5, item_bytes, "pk-sk", seed=2)
                 for i in range(start, min(updates, start + 1000))]
        cb.ddbdata.write_items(c, table, items, threads=8)
    return inserts


def backlog_run(label, argv, env, ep, target, expected_items, records, tmp):
    cb.ddbdata.create_table(cb.client(ep), target, cb.KEY_SCHEMAS["pk-sk"])
    cb.wait_for_quiet(60)
    m = timed(argv, env, tmp)
    count = cb.count_items(ep, target)
    m["ok"] = m["code"] == 0 and count == expected_items
    m["records"] = records
    log(f"  {label}: {m['wall']:.1f} s, {records / m['wall']:,.0f} records/s, "
        f"{m['cpu'] / records * 1e6:.1f} us CPU/record, {m['rss_mb']:.1f} MB, target {count:,} "
        f"items; {'ok' if m['ok'] else 'FAILED: ' + m['stderr'][-400:]}")
    cb.delete_table(ep, target)
    return m


def steady_run(binary, env, ep, source, target, rate, seconds, item_bytes, tmp):
    cb.ddbdata.create_table(cb.client(ep), target, cb.KEY_SCHEMAS["pk-sk"])
    cb.wait_for_quiet(60)
    stderr_path = Path(tmp) / "steady.stderr"
    with open(stderr_path, "w") as err:
        proc = subprocess.Popen(
            [str(binary), "replicate", "--source-table", source, "--target-table", target,
             "--from", "latest", "--checkpoint", str(Path(tmp) / "steady.json"), "--dead-letter",
             str(Path(tmp) / "steady-dead.jsonl"), "--endpoint-url", ep, "--output", "json"],
            env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=err, text=True)
    deadline = time.monotonic() + 30
    while "replaying" not in stderr_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)  # the first GetShardIterator LATEST happens after the banner
    cpu_before = cb.process_cpu_seconds(proc.pid)

    markers: queue.Queue = queue.Queue()
    lags: list = []
    writer_client, checker_client = cb.client(ep), cb.client(ep)

    def writer():
        total = int(rate * seconds)
        start = time.monotonic()
        for i in range(total):
            wait = start + i / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            item = cb.make_item(10_000_000 + i, item_bytes, "pk-sk", seed=3)
            writer_client.put_item(TableName=source, Item=item)
            if i % 10 == 0:
                markers.put((item["pk"], item["sk"], time.monotonic()))
        markers.put(None)

    def checker():
        while (m := markers.get()) is not None:
            pk, sk, written = m
            give_up = written + 120
            while time.monotonic() < give_up:
                got = checker_client.get_item(TableName=target, Key={"pk": pk, "sk": sk},
                                              ConsistentRead=True, ProjectionExpression="pk")
                if "Item" in got:
                    lags.append(time.monotonic() - written)
                    break
                time.sleep(0.05)
            else:
                lags.append(float("inf"))

    threads = [threading.Thread(target=writer), threading.Thread(target=checker)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cpu = cb.process_cpu_seconds(proc.pid) - cpu_before
    try:
        rss_mb = int(next(line.split()[1] for line in
                          Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                          if line.startswith("VmHWM"))) / 1024
    except (OSError, StopIteration):
        rss_mb = 0.0
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    summary = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    cb.delete_table(ep, target)
    lags.sort()
    written = int(rate * seconds)
    result = {
        "rate": rate, "seconds": seconds, "written": written, "markers": len(lags),
        "p50": statistics.median(lags) if lags else float("inf"),
        "p95": lags[int(len(lags) * 0.95) - 1] if lags else float("inf"),
        "max": lags[-1] if lags else float("inf"),
        "cpu_us": cpu / written * 1e6 if written else 0, "rss_mb": rss_mb,
        "applied": summary.get("RecordsApplied", 0),
        "ok": bool(lags) and lags[-1] != float("inf") and summary.get("RecordsApplied") == written,
    }
    log(f"  steady {rate}/s for {seconds} s: lag p50 {result['p50']:.2f} s, p95 "
        f"{result['p95']:.2f} s, max {result['max']:.2f} s; {result['cpu_us']:.1f} us CPU/record; "
        f"applied {result['applied']:,} of {written:,}")
    return result


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--records", type=int, default=60000, help="stream records in the backlog")
    p.add_argument("--item-bytes", type=int, default=1000)
    p.add_argument("--steady-rate", type=float, default=200, help="writes per second")
    p.add_argument("--steady-seconds", type=int, default=60)
    p.add_argument("--out", default="docs/replicate-benchmark.md")
    p.add_argument("--binary", default=str(REPO_ROOT / "build" / "ddbmigrate"))
    args = p.parse_args(argv)
    command = "python3 bench/replicate_bench.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    tmp = tempfile.mkdtemp(prefix="replicate-bench-")
    binary = Path(tmp) / "ddbmigrate"
    shutil.copy2(args.binary, binary)
    env = harness.isolated_env()
    started = time.monotonic()
    rows = []
    with harness.DynamoDBLocal(shared_db=True, log_prefix="replicate-bench-") as ddb:
        ep = ddb.endpoint
        log("warm-up ...")
        warm = make_backlog(ep, "warmup", 3000, args.item_bytes)
        ck = Path(tmp) / "warm.json"
        backlog_run("warm-up", [str(binary), "replicate", "--source-table", "warmup",
                                "--target-table", "warmup_dst", "--until-caught-up",
                                "--checkpoint", str(ck), "--endpoint-url", ep], env, ep,
                    "warmup_dst", warm, 3000, tmp)
        log(f"backlog of {args.records:,} records ...")
        items = make_backlog(ep, "src", args.records, args.item_bytes)
        ours = backlog_run(
            "ddbmigrate replicate",
            [str(binary), "replicate", "--source-table", "src", "--target-table", "dst_ours",
             "--until-caught-up", "--checkpoint", str(Path(tmp) / "backlog.json"),
             "--dead-letter", str(Path(tmp) / "dead.jsonl"), "--endpoint-url", ep, "--output",
             "json"], env, ep, "dst_ours", items, args.records, tmp)
        rows.append(("ddbmigrate replicate --until-caught-up", ours))
        script_env = dict(env, DDB_EP=ep, SRC="src", DST="dst_script")
        script = backlog_run(
            "per-record replay (boto3)",
            ["python3", str(REPO_ROOT / "bench" / "replay_per_record.py")], script_env, ep,
            "dst_script", items, args.records, tmp)
        rows.append(("per-record replay script (replay_per_record.py)", script))
        log(f"steady load of {args.steady_rate:.0f} writes/s for {args.steady_seconds} s ...")
        steady = steady_run(binary, env, ep, "src", "dst_steady", args.steady_rate,
                            args.steady_seconds, args.item_bytes, tmp)

    info = cb.versions(argparse.Namespace(binary=binary, binary_shown="build/ddbmigrate"))
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"## Results of {when}", "", "Written by `bench/replicate_bench.py`; run with:", "",
             "```", command, "```", ""]
    lines += [f"- {k}: {v}" for k, v in info.items() if k != "Node"]
    lines += [f"- Data: items of about {args.item_bytes:,} bytes (DynamoDB's size rules), key "
              f"schema pk S + sk N",
              f"- Whole benchmark: {(time.monotonic() - started) / 60:.1f} minutes", "",
              f"### Backlog of {args.records:,} stream records ({items:,} inserts, "
              f"{args.records - items:,} updates)", "",
              "| tool | records | wall s | records/s | client CPU µs/record | peak RSS MB | result |",
              "|---|---:|---:|---:|---:|---:|---|"]
    for label, m in rows:
        lines.append(f"| {label} | {m['records']:,} | {m['wall']:.1f} | "
                     f"{m['records'] / m['wall']:,.0f} | {m['cpu'] / m['records'] * 1e6:.1f} | "
                     f"{m['rss_mb']:.1f} | {'ok' if m['ok'] else 'FAILED'} |")
    lines += ["", f"### Lag under a steady load of {steady['rate']:.0f} writes/s for "
              f"{steady['seconds']} s", "",
              "| writes | markers | lag p50 s | lag p95 s | lag max s | client CPU µs/record | "
              "peak RSS MB | result |", "|---:|---:|---:|---:|---:|---:|---:|---|",
              f"| {steady['written']:,} | {steady['markers']:,} | {steady['p50']:.2f} | "
              f"{steady['p95']:.2f} | {steady['max']:.2f} | {steady['cpu_us']:.1f} | "
              f"{steady['rss_mb']:.1f} | {'ok' if steady['ok'] else 'FAILED'} |", ""]
    section = "\n".join(lines)
    print(section)
    if args.out != "-":
        out = REPO_ROOT / args.out
        if not out.exists():
            out.write_text(PREAMBLE)
        cb.write_report(out, section)
    shutil.rmtree(tmp, ignore_errors=True)
    ok = all(m["ok"] for _, m in rows) and steady["ok"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
