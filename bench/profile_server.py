#!/usr/bin/env python3
"""Where DynamoDB Local spends its CPU while ddbmigrate copies a table.

Starts a fresh in-memory DynamoDB Local, seeds a source table with the copy benchmark's items,
copies it once untimed (so the server's JIT is warm), then for each variant (a label and extra
`ddbmigrate copy` flags) copies the source into a fresh target while Java Flight Recorder samples
the server, and reports the share of the server's samples under each request type and under
the consumed-capacity computation of Scan and of BatchWriteItem.

Needs the JDK's `jcmd` and `jfr` (Debian's openjdk-17-jdk). Example:

    python3 bench/profile_server.py --items 100000 \
        --variant 'default=' --variant 'none=--consumed-capacity none'

The shares are of sampled Java stacks, not of wall time: they say which server code a client's
requests make expensive, not how fast a copy runs (bench/copy_bench.py measures that).

With --jobs the recording also logs every wait of a request thread for a job on the server's
one SQLite thread, and the report counts those jobs per item copied, by the server method that
submitted them. Logging every wait slows the server down, so the copy's duration is then not
comparable with the other runs.
"""
import argparse
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
import copy_bench  # noqa: E402
import harness  # noqa: E402

# (label, predicate over a sample's frames, outermost last)
BUCKETS = [
    ("Scan", lambda fr: any("ScanFunction.apply" in f for f in fr)),
    ("Scan: consumed capacity",
     lambda fr: any("ScanFunction" in f for f in fr) and any("computeConsumedCapacity" in f for f in fr)),
    ("BatchWriteItem", lambda fr: any("BatchWriteItemFunction" in f for f in fr)),
    ("BatchWriteItem: consumed capacity",
     lambda fr: any("BatchWriteItemFunction" in f for f in fr) and any("ConsumedCapacity" in f for f in fr)),
    ("item size (getItemSizeBytes)", lambda fr: any("getItemSizeBytes" in f for f in fr)),
    ("number encoding (encodeBigDecimal)", lambda fr: any("encodeBigDecimal" in f for f in fr)),
    ("JSON (Jackson)", lambda fr: any("com.fasterxml.jackson" in f for f in fr)),
    ("on the SQLite thread", lambda fr: any("SQLiteQueue.runQueue" in f for f in fr)),
    # A Scan job renders every row it reads as text for a debug log line, whatever the log level.
    ("SQLite thread: item as debug text", lambda fr: any("SQLiteQueue.runQueue" in f for f in fr)
     and any("AbstractMap.toString" in f for f in fr)),
    # Every job reads the table's description back from SQLite and parses its JSON.
    ("SQLite thread: table description parsed", lambda fr: any("SQLiteQueue.runQueue" in f for f in fr)
     and any("getTableSchemaInfo" in f for f in fr)),
]


def samples(jfr_file):
    text = subprocess.run(["jfr", "print", "--stack-depth", "128", "--events", "jdk.ExecutionSample",
                           str(jfr_file)], capture_output=True, text=True, check=True).stdout
    return [re.findall(r"^\s+([\w.$<>]+)\(.*?line:", e, re.M) for e in text.split("jdk.ExecutionSample")[1:]]


def sqlite_jobs(jfr_file):
    """Counts the waits of request threads for SQLite jobs, by the SQLiteDBAccess method that
    submitted each job (getRecord, putRecord, queryRecords, ...)."""
    text = subprocess.run(["jfr", "print", "--stack-depth", "8", "--events", "jdk.JavaMonitorWait",
                           str(jfr_file)], capture_output=True, text=True, check=True).stdout
    jobs = Counter()
    for event in text.split("jdk.JavaMonitorWait")[1:]:
        if "SQLiteJob.get" not in event:
            continue
        submitter = re.search(r"SQLiteDBAccess\.(\w+)\(", event)
        jobs[submitter.group(1) if submitter else "other"] += 1
    return jobs


def jobs_settings(directory):
    """The JDK's profile settings with every Java monitor wait recorded, however short."""
    jdk_home = Path(subprocess.run(["java", "-XshowSettings:properties", "-version"], capture_output=True,
                                   text=True).stderr.split("java.home = ")[1].split()[0])
    text = (jdk_home / "lib" / "jfr" / "profile.jfc").read_text()
    block = re.search(r'<event name="jdk.JavaMonitorWait">.*?</event>', text, re.S).group(0)
    wanted = re.sub(r'<setting name="threshold"[^>]*>[^<]*</setting>',
                    '<setting name="threshold">0 ms</setting>', block)
    path = Path(directory) / "jobs.jfc"
    path.write_text(text.replace(block, wanted))
    return path


def copy(endpoint, target, flags):
    env = harness.isolated_env()
    cmd = [str(ROOT / "build" / "ddbmigrate"), "copy", "--source-table", "src", "--target-table", target,
           "--create-target", "--endpoint-url", endpoint, "--region", "us-east-1", *flags]
    started = time.monotonic()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=100000)
    p.add_argument("--item-bytes", type=int, default=1000)
    p.add_argument("--variant", action="append", default=[],
                   help="LABEL=FLAGS: extra ddbmigrate copy flags (repeatable; default: 'default=')")
    p.add_argument("--java-opts", default="-Xmx4g")
    p.add_argument("--jobs", action="store_true",
                   help="also count the SQLite jobs per item copied (slows the server down)")
    args = p.parse_args(argv)
    variants = [(v.split("=", 1)[0], v.split("=", 1)[1].split()) for v in args.variant or ["default="]]

    ddb = harness.DynamoDBLocal(shared_db=True, java_options=args.java_opts.split())
    ddb.start()
    try:
        endpoint = ddb.endpoint
        copy_bench.seed(endpoint, "src", args.items, args.item_bytes, "pk-sk")
        copy(endpoint, "warmup", [])
        copy_bench.delete_table(endpoint, "warmup")
        pid = str(ddb.process.pid)
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            settings = jobs_settings(tmp) if args.jobs else "profile"
            for i, (label, flags) in enumerate(variants):
                subprocess.run(["jcmd", pid, "JFR.start", f"name=v{i}", f"settings={settings}"],
                               check=True, stdout=subprocess.DEVNULL)
                seconds = copy(endpoint, f"dst{i}", flags)
                jfr_file = Path(tmp) / f"v{i}.jfr"
                subprocess.run(["jcmd", pid, "JFR.stop", f"name=v{i}", f"filename={jfr_file}"],
                               check=True, stdout=subprocess.DEVNULL)
                copy_bench.delete_table(endpoint, f"dst{i}")
                frames = samples(jfr_file)
                counts = Counter({name: sum(1 for fr in frames if pred(fr)) for name, pred in BUCKETS})
                jobs = sqlite_jobs(jfr_file) if args.jobs else Counter()
                rows.append((label, " ".join(flags) or "(none)", seconds, len(frames), counts, jobs))
    finally:
        ddb.stop()

    print(f"Server samples while ddbmigrate copied {args.items:,} items of {args.item_bytes} bytes:\n")
    print("| variant | flags | copy s | samples | " + " | ".join(n for n, _ in BUCKETS) + " |")
    print("|---|---|---:|---:|" + "---:|" * len(BUCKETS))
    for label, flags, seconds, n, counts, _ in rows:
        shares = " | ".join(f"{counts[name] * 100 / max(n, 1):.1f}%" for name, _ in BUCKETS)
        print(f"| {label} | `{flags}` | {seconds:.1f} | {n:,} | {shares} |")
    if args.jobs:
        print("\nSQLite jobs per item copied, by the server method that submitted them:\n")
        for label, _, _, _, _, jobs in rows:
            parts = ", ".join(f"{name} {count / args.items:.2f}" for name, count in jobs.most_common())
            print(f"- {label}: {sum(jobs.values()) / args.items:.2f} ({parts})")


if __name__ == "__main__":
    main(sys.argv[1:])
