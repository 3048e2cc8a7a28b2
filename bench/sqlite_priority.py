#!/usr/bin/env python3
"""How much of a copy's rate on DynamoDB Local is decided by the CPU share of its SQLite thread.

DynamoDB Local runs every Scan page and every item write of every table as a job on one thread
(`SQLiteQueue`), while its HTTP threads parse and answer requests in parallel. On a 2-core
machine the kernel shares the cores between that thread, the HTTP threads, the JVM's own threads
and the client, so that thread rarely gets a whole core, and the copy waits for it.

This driver starts a fresh in-memory DynamoDB Local, seeds the copy benchmark's items, copies the
source untimed with the Node script and with ddbmigrate (as bench/copy_bench.py does), and then
times alternating copies by ddbmigrate and by the Node script, each with the SQLite thread at its
normal priority and with it raised (`--nice`, a negative nice value given to that one thread with
setpriority(2)). Raising it changes nothing in what either client sends; it shows what each rate
would be if the server's serial thread were not competing for the cores. Run as root (a negative
nice value needs CAP_SYS_NICE). Prints the versions (ddbmigrate's commit and binary hash
included) and a table of medians.

    python3 bench/sqlite_priority.py --items 100000 --rounds 3

Uses bench/copy_bench.py's seeding, tools and timed copies; needs what it needs.
"""

import argparse
import os
import shlex
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import copy_bench  # noqa: E402
from copy_bench import harness  # noqa: E402


def sqlite_thread(pid):
    """The thread id of DynamoDB Local's SQLite job thread."""
    for tid, (name, _) in copy_bench.thread_cpu_seconds(pid).items():
        if name.startswith("SQLiteQueue"):
            return int(tid)
    raise SystemExit("sqlite_priority: no SQLiteQueue thread in the DynamoDB Local process")


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=100_000)
    p.add_argument("--item-bytes", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=3, help="copies per tool and priority")
    p.add_argument("--nice", type=int, default=-15, help="the raised thread's nice value")
    p.add_argument("--java-opts", default="-Xmx8g")
    args = p.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("sqlite_priority: run as root: a negative nice value needs CAP_SYS_NICE")

    bench_args = copy_bench.parse_args(["--items", str(args.items)])
    copy_bench.check_prerequisites(bench_args, ["ddbmigrate", "node"])
    ours, node = copy_bench.make_tools(bench_args, ["ddbmigrate", "node"])
    # Time a private copy of the binary, so that a rebuild during the run cannot change it.
    snapshot = Path(tempfile.mkdtemp(prefix="sqlite-priority-bin-")) / "ddbmigrate"
    shutil.copy2(bench_args.binary, snapshot)
    cfg = argparse.Namespace(binary=snapshot, binary_shown="build/ddbmigrate",
                             key_schema="pk-sk", items=args.items, quiet_wait=60,
                             env=harness.isolated_env(), floor_bodies={})
    try:
        run(args, cfg, ours, node)
    finally:
        shutil.rmtree(snapshot.parent, ignore_errors=True)


def run(args, cfg, ours, node):
    results = {}  # (tool label, nice) -> [Measurement]
    with harness.DynamoDBLocal(shared_db=True, log_prefix="sqlite-priority-",
                               java_options=shlex.split(args.java_opts)) as ddb:
        ep, copy_bench._server_pid = ddb.endpoint, ddb.process.pid
        copy_bench.seed(ep, "src", args.items, args.item_bytes, "pk-sk")
        for tool in (node, ours):
            copy_bench.copy_into_fresh_target(cfg, tool, ep, "src", args.items,
                                              f"settle_{tool.name}", 0, quiet=False)
        tid = sqlite_thread(ddb.process.pid)
        plan = [(tool, nice) for tool in (ours, node) for nice in (0, args.nice)]
        for r in range(args.rounds):
            for tool, nice in (plan if r % 2 == 0 else plan[::-1]):
                os.setpriority(os.PRIO_PROCESS, tid, nice)
                m = copy_bench.copy_into_fresh_target(cfg, tool, ep, "src", args.items,
                                                      f"{tool.name}_{-nice}_{r}", r + 1)
                if not m.ok:
                    raise SystemExit(f"sqlite_priority: {tool.label} failed: {m.error}")
                results.setdefault((tool.label, nice), []).append(m)
        os.setpriority(os.PRIO_PROCESS, tid, 0)

    def med(ms, f):
        return statistics.median(f(m) for m in ms)

    for key, value in copy_bench.versions(cfg).items():
        print(f"- {key}: {value}")
    print(f"\n{args.items:,} items of {args.item_bytes} bytes, {args.rounds} copies per row "
          f"(medians):\n")
    print("| tool | SQLite thread nice | items/s | vs the Node script at this nice | server CPU "
          "µs/item | SQLite thread µs/item | SQLite thread, cores |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for tool, nice in plan:
        ms = results[(tool.label, nice)]
        rate = med(ms, lambda m: m.rate)
        node_rate = med(results[(node.label, nice)], lambda m: m.rate)
        print(f"| {tool.label} | {nice} | {rate:,.0f} | {rate / node_rate:.2f}× | "
              f"{med(ms, lambda m: m.server_us_per_item):.0f} | "
              f"{med(ms, lambda m: m.busiest_us_per_item):.0f} | "
              f"{med(ms, lambda m: m.extra['busiest_seconds'] / m.wall):.2f} |")
    busiest = {m.extra["busiest_thread"] for ms in results.values() for m in ms}
    print(f"\n(The SQLite thread columns are of the server thread that worked most during each "
          f"copy: {', '.join(sorted(busiest))}.)")


if __name__ == "__main__":
    main(sys.argv[1:])
