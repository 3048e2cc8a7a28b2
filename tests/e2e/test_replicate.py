"""End-to-end tests of `ddbmigrate replicate` (apply a table's DynamoDB Stream to another table)
and `ddbmigrate migrate --live` (copy, then replay the stream from the copy's start), run against
the real binary and DynamoDB Local. boto3 makes the changes and judges the result: the source
table (read with boto3) is the truth the target must match exactly, and the stream itself (read
with boto3's dynamodbstreams client) says how many records a run had to read and where it has
to have got to.

What DynamoDB Local does differently from DynamoDB, and what these tests rely on:
  * a stream has one shard, which never closes;
  * ApproximateCreationDateTime is rounded down to the minute, so the replay's lag looks larger
    than it is, and is close to 0 only in the first seconds of a minute. Runs with
    --until-caught-up therefore pass --max-lag 0: with the default (10 s) "caught up" may be
    declared by a lag under 10 s, i.e. before the last records are applied, which is what
    --max-lag means, but makes a comparison of the tables right after the run depend on the
    second of the minute;
  * writing an item identical to the stored one emits no record.

Every run is given --checkpoint and --dead-letter paths in a temporary directory, so a failing
run never leaves files in the working directory (the repository).
"""

from __future__ import annotations

import collections
import json
import random
import signal
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

import harness
from fault_proxy import FaultProxy
from harness import ServiceTestCase, ddbdata

EXIT_INTERRUPTED = 130  # kExitInterrupted in src/main.cc
RUN_TIMEOUT = 180
KEYS = harness.DEFAULT_KEYS  # pk (S, HASH), sk (N, RANGE)


def stream_spec(view_type="NEW_AND_OLD_IMAGES"):
    return {"StreamEnabled": True, "StreamViewType": view_type}


def key_of(item):
    return {name: item[name] for name, _, _ in KEYS}


def json_objects(stdout):
    """Every stdout line that is a JSON object (migrate --live prints the copy's summary, then
    the replay's)."""
    out = []
    for line in stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                out.append(value)
    return out


def summary_of(stdout):
    objects = json_objects(stdout)
    return objects[-1] if objects else None


def small_items(count, prefix="s"):
    """Small items (about 150 bytes) of several attribute types, quick to write."""
    items = []
    for i in range(count):
        items.append({
            "pk": {"S": f"{prefix}{i % 997:04d}" + ("" if i % 5 else " \u00fc\U0001F511")},
            "sk": {"N": str(i // 997) if i % 4 else f"{i // 997}.5"},
            "seq": {"N": str(i)},
            "text": {"S": f"caf\u00e9 {i} \u65e5\u672c"},
            "blob": {"B": i.to_bytes(4, "big") + b"\x00\xff"},
            "tags": {"SS": ["a", str(i % 13)]},
            "nested": {"M": {"n": {"N": f"-{i}E-{i % 50}"}, "empty": {"M": {}},
                             "l": {"L": [{"BOOL": i % 2 == 0}, {"NULL": True}]}}},
        })
    return items


class StreamTestCase(ServiceTestCase):
    """Helpers shared by the replicate and migrate tests."""

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="replicate-")
        self.addCleanup(tmp.cleanup)
        self.work = Path(tmp.name)
        self.dead_letter = self.work / "dead-letter.jsonl"

    # --- the stream, read with boto3 ---

    def stream_records(self, table, after=None):
        """The records of the table's stream in order (after sequence number `after`, if given)."""
        arn = self.dynamodb().describe_table(TableName=table)["Table"]["LatestStreamArn"]
        streams = self.client("dynamodbstreams")
        shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        self.assertEqual(len(shards), 1, f"DynamoDB Local streams have one shard: {shards}")
        kwargs = {"StreamArn": arn, "ShardId": shards[0]["ShardId"]}
        if after:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=after)
        else:
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        iterator, records = streams.get_shard_iterator(**kwargs)["ShardIterator"], []
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            if not page["Records"]:
                return records
            records.extend(page["Records"])
            iterator = page.get("NextShardIterator")
        return records

    def newest_sequence(self, table):
        records = self.stream_records(table)
        return records[-1]["dynamodb"]["SequenceNumber"] if records else None

    # --- checkpoints ---

    @staticmethod
    def load_checkpoint(path):
        try:
            return json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def saved_position(self, path):
        """Whether the checkpoint at `path` holds a shard with a saved sequence number."""
        cp = self.load_checkpoint(path)
        return bool(cp and any(s.get("SequenceNumber") for s in cp.get("Shards") or []))

    def checkpoint_sequence(self, path):
        """The one shard's checkpointed sequence number ('' when none)."""
        cp = self.load_checkpoint(path)
        self.assertIsNotNone(cp, f"no readable checkpoint at {path}")
        self.assertEqual(len(cp["Shards"]), 1, cp)
        return cp["Shards"][0]["SequenceNumber"]

    def wait_until_replayed(self, proc, checkpoint, source, err, timeout=90):
        """Waits until the checkpoint of the running process points at the newest record of the
        source's stream: every change made so far is then applied to the target."""
        newest = self.newest_sequence(source)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.fail(f"the process exited ({proc.returncode}) before replaying up to "
                          f"{newest}:\n{self.read_text(err)}")
            cp = self.load_checkpoint(checkpoint)
            if newest is None or (cp and any(
                    s["SequenceNumber"] and int(s["SequenceNumber"]) >= int(newest)
                    for s in cp.get("Shards", []))):
                return
            time.sleep(0.5)
        self.fail(f"the replay did not reach record {newest} within {timeout} s; checkpoint "
                  f"{self.load_checkpoint(checkpoint)}; stderr:\n{self.read_text(err)}")

    # --- processes ---

    def start(self, args, name):
        """Starts the binary on DynamoDB Local in the background (see start_cli)."""
        return self.start_cli([*args, "--endpoint-url", self.ddb_endpoint], name, self.work)

    def wait_for_text(self, proc, err, text, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.read_text(err):
                return
            if proc.poll() is not None:
                self.fail(f"exited ({proc.returncode}) before printing {text!r}:\n"
                          f"{self.read_text(err)}")
            time.sleep(0.05)
        self.fail(f"{text!r} not printed within {timeout} s:\n{self.read_text(err)}")

    def interrupt(self, proc, out, err, timeout=60):
        """SIGINT (Ctrl-C); returns (exit code, stdout, stderr)."""
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail(f"no exit within {timeout} s of SIGINT:\n{self.read_text(err)}")
        return code, self.read_text(out), self.read_text(err)

    @staticmethod
    def kill(proc):
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    # --- comparing ---

    def assert_items_equal(self, expected, table, what):
        """The table holds exactly `expected` (items as the low-level client returns them)."""
        result = ddbdata.compare_item_lists(expected, self.scan_all(table), KEYS)
        self.assertTrue(result.equal, f"{what}:\n{result.describe()}")

    def assert_no_dead_letters(self):
        self.assertFalse(self.dead_letter.exists(),
                         f"records were dead-lettered:\n{self.read_text(self.dead_letter)[:2000]}")


# ---------------------------------------------------------------------------------------------
# replicate


class ReplicateTest(StreamTestCase):

    def replicate(self, source, target, checkpoint, *extra, proxy=None):
        """Runs replicate against DynamoDB Local, or through `proxy` (a started FaultProxy)."""
        via = ("--endpoint-url", proxy.endpoint) if proxy else ()
        r = self.cli("replicate", "--source-table", source, "--target-table", target,
                     "--checkpoint", checkpoint, "--dead-letter", self.dead_letter,
                     "--output", "json", *extra, *via, timeout=RUN_TIMEOUT, endpoint=not proxy)
        return r, summary_of(r.stdout)

    def proxy(self):
        """A FaultProxy injecting nothing in front of DynamoDB Local, stopped at cleanup: it
        counts the requests, and those that ask for their consumed capacity."""
        proxy = FaultProxy(self.ddb_endpoint, []).start()
        self.addCleanup(proxy.stop)
        return proxy

    def make_changes(self, table, start, seed):
        """Changes to the table with boto3: puts of items of every attribute type, UpdateItem
        SET and REMOVE (incl. empty maps and lists, 38-digit numbers, binary), deletes,
        replacements, and runs of successive changes to the same keys (some ending in a
        delete). Uses the keys of generate_items indexes [start, start + 300)."""
        ddb = self.dynamodb()
        items = self.generate_items(300, seed=seed, start=start)
        keys = [key_of(i) for i in items]
        self.write_items(table, items[:250])

        def update(key, n):
            ddb.update_item(
                TableName=table, Key=key,
                UpdateExpression="SET #t = :t, #c = if_not_exists(#c, :zero) + :one, "
                                 "#em = :m, #el = :l, #h = :huge, #r = :raw, #p.#a = :n "
                                 "REMOVE #hist, #no",
                ExpressionAttributeNames={"#t": "text", "#c": "counter", "#em": "empty_map",
                                          "#el": "empty_list", "#h": "huge", "#r": "raw",
                                          "#p": "profile", "#a": "age", "#hist": "history",
                                          "#no": "nothing"},
                ExpressionAttributeValues={
                    ":t": {"S": f"updated {n} \u00e9\U0001F600"}, ":zero": {"N": "0"},
                    ":one": {"N": "1"}, ":m": {"M": {}}, ":l": {"L": []},
                    ":huge": {"N": "-99999999999999999999999999999999999999"},
                    ":raw": {"B": bytes([n % 256, 0, 255])}, ":n": {"N": str(n)}})

        for n, key in enumerate(keys[0:60]):
            update(key, n)
        for key in keys[60:100]:
            ddb.delete_item(TableName=table, Key=key)
        # Runs of changes to the same keys: five updates each, some then deleted, some deleted
        # and put back with other attributes.
        for round_ in range(5):
            for key in keys[100:130]:
                update(key, round_)
        for key in keys[120:130]:
            ddb.delete_item(TableName=table, Key=key)
        replacements = self.generate_items(20, seed=seed + 1, start=start + 130)
        for key, item in zip(keys[130:150], replacements):
            ddb.delete_item(TableName=table, Key=key)
            ddb.put_item(TableName=table, Item=item)
        # Whole-item replacement (attributes of the old item disappear).
        for item in self.generate_items(20, seed=seed + 2, start=start + 150):
            ddb.put_item(TableName=table, Item=item)
        # Keys that did not exist before: put, updated, and some deleted again.
        for n, item in enumerate(items[250:300]):
            ddb.put_item(TableName=table, Item=item)
            update(key_of(item), n)
            if n % 3 == 0:
                ddb.delete_item(TableName=table, Key=key_of(item))

    def check_summary(self, summary, stderr):
        self.assertIsNotNone(summary, f"no JSON summary; stderr:\n{stderr}")
        self.assertIs(summary["CaughtUp"], True, summary)
        self.assertIs(summary["Interrupted"], False, summary)
        self.assertEqual(summary["RecordsDeadLettered"], 0, summary)
        # Every record read is applied, superseded by a later one of its key, or skipped.
        self.assertEqual(summary["RecordsRead"], summary["RecordsApplied"] +
                         summary["RecordsCoalesced"] + summary["RecordsSkipped"], summary)

    def test_replicate_puts_updates_deletes_until_caught_up(self):
        src = self.create_table(self.unique_table("rsrc"), StreamSpecification=stream_spec())
        dst = self.create_table(self.unique_table("rdst"))
        self.make_changes(src, start=0, seed=1)
        records = self.stream_records(src)
        checkpoint = self.work / "replicate.json"

        r, summary = self.replicate(src, dst, checkpoint, "--until-caught-up", "--max-lag", "0")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertNotIn("error", r.stderr)
        self.assert_tables_equal(src, dst)
        self.check_summary(summary, r.stderr)
        self.assertEqual(summary["RecordsRead"], len(records), summary)
        self.assertGreater(summary["RecordsCoalesced"], 0, summary)
        self.assertEqual(summary["RecordsSkipped"], 0, summary)
        self.assertEqual(summary["Checkpoint"], str(checkpoint), summary)
        self.assertIn("caught up", r.stderr)
        self.assert_no_dead_letters()

        cp = self.load_checkpoint(checkpoint)
        self.assertIsNotNone(cp, "no checkpoint written")
        self.assertEqual((cp["Operation"], cp["Source"], cp["Target"]), ("replicate", src, dst), cp)
        self.assertEqual(len(cp["Shards"]), 1, cp)
        self.assertTrue(cp["Shards"][0]["SequenceNumber"], cp)
        self.assertEqual(cp["Shards"][0]["SequenceNumber"],
                         records[-1]["dynamodb"]["SequenceNumber"], cp)

    def test_resume_into_a_target_created_again_is_refused(self):
        """A target deleted and created again since the checkpoint lacks every change the
        checkpoint counts as applied: the resume is refused and writes nothing."""
        src = self.create_table(self.unique_table("rsrc"), StreamSpecification=stream_spec())
        dst = self.create_table(self.unique_table("rdst"))
        self.make_changes(src, start=0, seed=5)
        checkpoint = self.work / "replicate.json"
        r, _ = self.replicate(src, dst, checkpoint, "--until-caught-up", "--max-lag", "0")
        self.assertEqual(r.code, 0, r.stderr)
        cp = self.load_checkpoint(checkpoint)
        self.assertEqual(cp["SourceTable"]["TableArn"],
                         self.dynamodb().describe_table(TableName=src)["Table"]["TableArn"], cp)
        self.assertIn("TargetTable", cp)
        self.recreate_table(dst)
        r, _ = self.replicate(src, dst, checkpoint, "--resume", "--until-caught-up")
        self.assert_cli_error(r, f"target table {dst} is not the table checkpoint")
        self.assertEqual(self.dynamodb().scan(TableName=dst, Select="COUNT")["Count"], 0)

    def test_resume_reads_only_new_records(self):
        src = self.create_table(self.unique_table("rsrc"), StreamSpecification=stream_spec())
        dst = self.create_table(self.unique_table("rdst"))
        self.make_changes(src, start=0, seed=2)
        checkpoint = self.work / "replicate.json"
        proxy = self.proxy()
        r, first = self.replicate(src, dst, checkpoint, "--until-caught-up", "--max-lag", "0",
                                  proxy=proxy)
        self.assertEqual(r.code, 0, r.stderr)
        self.assert_tables_equal(src, dst)
        # Checked on the wire: with no write rate limit the writes ask for no consumed capacity.
        self.assertGreater(proxy.stats["requests"]["BatchWriteItem"], 0, proxy.stats)
        self.assertNotIn("BatchWriteItem", proxy.stats["capacity_requested"], proxy.stats)

        # More changes: to keys the first run replicated (updates, deletes, replacements) and
        # to new keys.
        ddb = self.dynamodb()
        replicated = self.scan_all(dst)
        self.assertGreater(len(replicated), 100)
        for item in replicated[:30]:
            ddb.delete_item(TableName=src, Key=key_of(item))
        for n, item in enumerate(replicated[30:60]):
            for round_ in range(3):
                ddb.update_item(TableName=src, Key=key_of(item),
                                UpdateExpression="SET #r = :v REMOVE #b",
                                ExpressionAttributeNames={"#r": "resumed", "#b": "blob"},
                                ExpressionAttributeValues={":v": {"N": f"{n}.{round_}"}})
        self.make_changes(src, start=150, seed=3)

        seen = self.checkpoint_sequence(checkpoint)
        new_records = self.stream_records(src, after=seen)
        total = len(self.stream_records(src))
        self.assertGreater(len(new_records), 0)

        # With `all` every write asks.
        proxy = self.proxy()
        r, second = self.replicate(src, dst, checkpoint, "--resume", "--until-caught-up",
                                   "--max-lag", "0", "--consumed-capacity", "all", proxy=proxy)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertGreater(proxy.stats["requests"]["BatchWriteItem"], 0, proxy.stats)
        self.assertEqual(proxy.stats["capacity_requested"].get("BatchWriteItem"),
                         proxy.stats["requests"]["BatchWriteItem"], proxy.stats)
        self.assertIn("resuming from", r.stderr)
        self.assert_tables_equal(src, dst)
        self.check_summary(second, r.stderr)
        self.assertEqual(second["RecordsRead"], len(new_records), second)
        self.assertLess(second["RecordsRead"], total, second)
        self.assertEqual(first["RecordsRead"] + second["RecordsRead"], total, (first, second))
        self.assertEqual(self.checkpoint_sequence(checkpoint),
                         new_records[-1]["dynamodb"]["SequenceNumber"])
        self.assert_no_dead_letters()

        # Resuming with nothing new reads nothing and changes nothing.
        r, third = self.replicate(src, dst, checkpoint, "--resume", "--until-caught-up",
                                  "--max-lag", "0")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(third["RecordsRead"], 0, third)
        self.assert_tables_equal(src, dst)

    def replay_with_one_dead_letter(self, prefix, seed, refused):
        """A stream-enabled source of 20 items, item `refused` of which the target refuses (its
        index key g is a number there), replayed once: returns the source, the target, the
        checkpoint and the JSON summary of that run, which dead-lettered the one record."""
        src = self.create_table(self.unique_table(prefix + "src"), StreamSpecification=stream_spec())
        dst = self.create_table_indexing_g_as_number(self.unique_table(prefix + "dst"))
        items = self.generate_items(20, seed=seed)
        items[refused]["g"] = {"S": "not a number"}
        self.write_items(src, items)
        checkpoint = self.work / "replicate.json"
        r, first = self.replicate(src, dst, checkpoint, "--until-caught-up", "--max-lag", "0")
        self.assertEqual(r.code, 3, r.stderr)
        self.assertEqual(first["RecordsDeadLettered"], 1, first)
        # Caught up with the stream, but not a complete target: the message says so.
        self.assertIn(f"caught up: {dst} is 0 s behind {src}, but it is not a complete copy: "
                      f"1 record could not be written (see the dead-letter file "
                      f"{self.dead_letter})", r.stderr)
        return src, dst, checkpoint, first

    def test_a_refused_write_is_named_by_side_and_in_the_json_summary(self):
        src = self.create_table(self.unique_table("dsrc"), StreamSpecification=stream_spec())
        dst = self.create_table(self.unique_table("ddst"))
        self.write_items(src, self.generate_items(20, seed=9))
        proxy = FaultProxy(self.ddb_endpoint, [
            {"fault": "denied", "operations": ["BatchWriteItem"]}]).start()
        self.addCleanup(proxy.stop)
        checkpoint = self.work / "denied.json"
        r, summary = self.replicate(src, dst, checkpoint, "--until-caught-up", proxy=proxy)
        self.assertEqual(r.code, 1, r.stderr)
        last = r.stderr.splitlines()[-1]
        self.assertTrue(last.startswith("ddbmigrate: error: "), r.stderr)
        self.assertIn(f"(the target table {dst}: the credentials used for it are not allowed "
                      "this", last)
        self.assertIn("not authorized to perform: dynamodb:BatchWriteItem", summary["Error"],
                      summary)
        self.assertIn(f"the target table {dst}", summary["Error"], summary)
        self.assertFalse(summary["CaughtUp"], summary)
        # The checkpoint was saved before the first write, and a resume finds it.
        self.assertTrue(checkpoint.exists())

    def test_a_resume_after_the_stream_was_turned_off_is_a_gap(self):
        """The stream the checkpoint follows turned off between runs: the resume is refused as
        a gap (a fresh snapshot is the way out), not told to enable a stream."""
        src = self.create_table(self.unique_table("osrc"), StreamSpecification=stream_spec())
        dst = self.create_table(self.unique_table("odst"))
        self.write_items(src, self.generate_items(10, seed=13))
        checkpoint = self.work / "off.json"
        r, _ = self.replicate(src, dst, checkpoint, "--until-caught-up", "--max-lag", "0")
        self.assertEqual(r.code, 0, r.stderr)
        self.dynamodb().update_table(TableName=src,
                                     StreamSpecification={"StreamEnabled": False})
        r, _ = self.replicate(src, dst, checkpoint, "--until-caught-up", "--resume")
        self.assert_cli_error(r, contains=f"gap in the stream: the stream of table {src} (")
        self.assertIn(f"was turned off since checkpoint {checkpoint} was written", r.stderr)

    def test_throttles_and_retries_of_the_stream_reads_are_counted(self):
        src = self.create_table(self.unique_table("tsrc"), StreamSpecification=stream_spec())
        dst = self.create_table(self.unique_table("tdst"))
        self.write_items(src, self.generate_items(30, seed=11))
        proxy = FaultProxy(self.ddb_endpoint, [
            {"fault": "throttle", "every": 2, "operations": ["GetRecords"], "max_count": 3},
            {"fault": "error500", "operations": ["DescribeStream"], "max_count": 2}]).start()
        self.addCleanup(proxy.stop)
        r, summary = self.replicate(src, dst, self.work / "throttled.json", "--until-caught-up",
                                    "--max-lag", "0", proxy=proxy)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(proxy.fault_count("throttle"), 3, proxy.stats)
        self.assertEqual(proxy.fault_count("error500"), 2, proxy.stats)
        self.assertEqual(summary["Throttles"], 3, summary)
        self.assertEqual(summary["Retries"], 5, summary)

    def test_resume_counts_the_dead_letters_of_earlier_runs(self):
        """A record the target refuses is dead-lettered and the replay exits 3; a resume that
        meets no new refusal still exits 3, reporting the earlier runs' dead letters, as copy
        and import do: the target is still missing that change."""
        src, dst, checkpoint, first = self.replay_with_one_dead_letter("r", seed=5, refused=7)
        self.assertEqual(first["RecordsDeadLetteredByEarlierRuns"], 0, first)
        self.assertEqual(self.load_checkpoint(checkpoint)["DeadLettered"], 1)
        self.assertEqual(self.read_text(self.dead_letter).count("\n"), 1)

        self.dynamodb().put_item(TableName=src, Item=self.generate_items(1, seed=6, start=100)[0])
        r, second = self.replicate(src, dst, checkpoint, "--resume", "--until-caught-up",
                                   "--max-lag", "0")
        self.assertEqual(r.code, 3, r.stderr)
        self.assertEqual(second["RecordsRead"], 1, second)
        self.assertEqual(second["RecordsDeadLettered"], 0, second)
        self.assertEqual(second["RecordsDeadLetteredByEarlierRuns"], 1, second)
        self.assertEqual(second["DeadLetterFile"], str(self.dead_letter), second)
        self.assertEqual(self.load_checkpoint(checkpoint)["DeadLettered"], 1)
        self.assertEqual(self.read_text(self.dead_letter).count("\n"), 1)
        self.assertEqual(len(self.scan_all(dst)), 20)

    def test_resume_keeps_the_dead_letter_file_of_the_checkpoint(self):
        """The checkpoint records the dead-letter file: a resume without --dead-letter appends
        to it (not to the default file), and a resume naming another file is refused."""
        src, dst, checkpoint, _ = self.replay_with_one_dead_letter("f", seed=7, refused=4)
        self.assertEqual(self.load_checkpoint(checkpoint)["DeadLetterFile"], str(self.dead_letter))

        other = self.work / "other-dead.jsonl"
        saved = checkpoint.read_text(encoding="utf-8")
        r = self.cli("replicate", "--source-table", src, "--target-table", dst, "--checkpoint",
                     checkpoint, "--resume", "--dead-letter", other, "--until-caught-up",
                     "--max-lag", "0", timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 1, f"stderr:\n{r.stderr}\nstdout:\n{r.stdout}")
        self.assertEqual(r.stderr.splitlines(), [
            f"ddbmigrate: error: checkpoint {checkpoint} continues runs whose dead-letter file is "
            f"{self.dead_letter}, not {other}; resume with --dead-letter {self.dead_letter} (or "
            f"without --dead-letter)"])
        self.assertFalse(other.exists())
        self.assertEqual(checkpoint.read_text(encoding="utf-8"), saved)

        refused = self.generate_items(1, seed=8, start=100)[0]
        refused["g"] = {"S": "not a number either"}
        self.dynamodb().put_item(TableName=src, Item=refused)
        run_dir = self.work / "elsewhere"
        run_dir.mkdir()
        r = self.cli("replicate", "--source-table", src, "--target-table", dst, "--checkpoint",
                     checkpoint, "--resume", "--until-caught-up", "--max-lag", "0",
                     timeout=RUN_TIMEOUT, cwd=run_dir)
        self.assertEqual(r.code, 3, f"stderr:\n{r.stderr}\nstdout:\n{r.stdout}")
        self.assertIn(f"1 record could not be applied; see the dead-letter file {self.dead_letter}",
                      r.stdout)
        self.assertIn("the earlier runs could not apply 1 record; see the dead-letter file "
                      f"{self.dead_letter}", r.stdout)
        self.assertEqual(list(run_dir.iterdir()), [])  # no default dead-letter file
        lines = [json.loads(line) for line in self.read_text(self.dead_letter).split("\n") if line]
        self.assertEqual([line["Item"]["g"] for line in lines],
                         [{"S": "not a number"}, {"S": "not a number either"}], lines)
        saved = self.load_checkpoint(checkpoint)
        self.assertEqual(saved["DeadLetterFile"], str(self.dead_letter))
        self.assertEqual(saved["DeadLettered"], 2)
        self.assertEqual(len(self.scan_all(dst)), 19)
        # The same file by another name (a symbolic link to it) is that file, not another.
        link = self.work / "link-to-dead.jsonl"
        link.symlink_to(self.dead_letter)
        r = self.cli("replicate", "--source-table", src, "--target-table", dst, "--checkpoint",
                     checkpoint, "--resume", "--dead-letter", link, "--until-caught-up",
                     "--max-lag", "0", timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 3, f"stderr:\n{r.stderr}\nstdout:\n{r.stdout}")
        self.assertNotIn("continues runs whose dead-letter file", r.stderr)
        # The checkpoint keeps the file's own name, not the link's.
        self.assertEqual(self.load_checkpoint(checkpoint)["DeadLetterFile"], str(self.dead_letter))

    def test_streams_without_new_images_read_the_source(self):
        for view_type in ("KEYS_ONLY", "OLD_IMAGE"):
            with self.subTest(view_type):
                src = self.create_table(self.unique_table("ksrc"),
                                        StreamSpecification=stream_spec(view_type))
                dst = self.create_table(self.unique_table("kdst"))
                self.make_changes(src, start=0, seed=4)
                records = self.stream_records(src)
                r, summary = self.replicate(src, dst, self.work / f"{view_type}.json",
                                            "--until-caught-up", "--max-lag", "0")
                self.assertEqual(r.code, 0, r.stderr)
                self.assert_tables_equal(src, dst)
                warnings = [line for line in r.stderr.splitlines()
                            if line.startswith("ddbmigrate: warning:")]
                self.assertEqual(len(warnings), 1, r.stderr)
                self.assertIn(view_type, warnings[0])
                self.assertIn(src, warnings[0])
                self.check_summary(summary, r.stderr)
                self.assertEqual(summary["RecordsRead"], len(records), summary)
                self.assertGreater(summary["ItemsLookedUp"], 0, summary)
                self.assert_no_dead_letters()

    def test_skipped_ttl_deletions_keep_the_item_with_streams_without_new_images(self):
        """--skip-ttl-deletes with a stream whose records carry no new image: an item changed,
        then deleted by TTL, is not deleted through the lookup of its change (the source no
        longer has it); with KEYS_ONLY the target keeps it as it was, with OLD_IMAGE it gets the
        item as it expired, from the TTL record's old image. A user's delete is applied.
        (DynamoDB Local writes no TTL records: the proxy marks the REMOVE records of "ttl" keys
        as TTL's.)"""
        proxy = FaultProxy(self.ddb_endpoint, [{"fault": "ttl_remove",
                                                "key_prefix": "ttl"}]).start()
        self.addCleanup(proxy.stop)
        ddb = self.dynamodb()
        for view_type in ("KEYS_ONLY", "OLD_IMAGE"):
            with self.subTest(view_type):
                src = self.create_table(self.unique_table("tsrc"),
                                        StreamSpecification=stream_spec(view_type))
                dst = self.create_table(self.unique_table("tdst"))

                def item(pk, v):
                    return {"pk": {"S": pk}, "sk": {"N": "1"}, "v": {"S": v}}
                for pk in ("ttl-a", "user-b", "kept-c"):
                    ddb.put_item(TableName=dst, Item=item(pk, "copied"))
                for pk in ("ttl-a", "user-b", "kept-c"):
                    ddb.put_item(TableName=src, Item=item(pk, "changed"))
                for pk in ("ttl-a", "user-b"):
                    ddb.delete_item(TableName=src, Key={"pk": {"S": pk}, "sk": {"N": "1"}})
                r, summary = self.replicate(src, dst, self.work / f"t-{view_type}.json",
                                            "--until-caught-up", "--max-lag", "0",
                                            "--skip-ttl-deletes", proxy=proxy)
                self.assertEqual(r.code, 0, r.stderr)
                target = {i["pk"]["S"]: i["v"]["S"] for i in self.scan_all(dst)}
                self.assertEqual(summary["TtlDeletes"], 1, summary)
                if view_type == "OLD_IMAGE":
                    self.assertEqual(target, {"ttl-a": "changed", "kept-c": "changed"})
                    self.assertEqual(summary["RecordsSkipped"], 0, summary)
                    # Also the put of ttl-a as it expired, which its change coalesced into.
                    self.assertEqual(summary["RecordsApplied"], 3, summary)
                    self.assertEqual(summary["RecordsGoneFromSource"], 0, summary)
                    continue
                self.assertEqual(target, {"ttl-a": "copied", "kept-c": "changed"})
                self.assertEqual(summary["RecordsSkipped"], 1, summary)
                # The put of kept-c and the delete of user-b; ttl-a's change is not written.
                self.assertEqual(summary["RecordsApplied"], 2, summary)
                self.assertEqual(summary["RecordsGoneFromSource"], 1, summary)

    def test_a_number_key_spelt_two_ways_is_one_key(self):
        """DynamoDB Local's record of an UpdateItem that creates an item keeps its number key as
        sent ("1E+3"), while the table and later records say "1000": the lookup of a KEYS_ONLY
        stream must still find the item, and a change and a delete of it in one page must
        coalesce to the delete."""
        for view_type in ("KEYS_ONLY", "NEW_AND_OLD_IMAGES"):
            with self.subTest(view_type):
                src = self.create_table(self.unique_table("nsrc"),
                                        StreamSpecification=stream_spec(view_type))
                dst = self.create_table(self.unique_table("ndst"))
                ddb = self.dynamodb()
                for i in range(40):
                    ddb.update_item(TableName=src, Key={"pk": {"S": f"k{i}"}, "sk": {"N": "1E+3"}},
                                    UpdateExpression="SET v = :v",
                                    ExpressionAttributeValues={":v": {"S": "x"}})
                    if i % 2:
                        ddb.delete_item(TableName=src,
                                        Key={"pk": {"S": f"k{i}"}, "sk": {"N": "1000"}})
                r, summary = self.replicate(src, dst, self.work / f"n-{view_type}.json",
                                            "--until-caught-up", "--max-lag", "0")
                self.assertEqual(r.code, 0, r.stderr)
                self.assertEqual(len(self.scan_all(src)), 20)
                self.assert_tables_equal(src, dst)
                self.assertEqual(summary["RecordsCoalesced"], 20, summary)

    def test_from_latest_applies_only_new_changes(self):
        src = self.create_table(self.unique_table("lsrc"), StreamSpecification=stream_spec())
        dst = self.create_table(self.unique_table("ldst"))
        ddb = self.dynamodb()
        before = self.generate_items(200, seed=5)
        self.write_items(src, before)
        for item in before[:20]:
            ddb.update_item(TableName=src, Key=key_of(item), UpdateExpression="SET early = :v",
                            ExpressionAttributeValues={":v": {"BOOL": True}})
        newest_before = self.newest_sequence(src)
        checkpoint = self.work / "latest.json"
        proxy = self.proxy()
        proc, out, err = self.start_cli(
            ["replicate", "--source-table", src, "--target-table", dst, "--from", "latest",
             "--checkpoint", checkpoint, "--dead-letter", self.dead_letter, "--output", "json",
             "--endpoint-url", proxy.endpoint], "latest", self.work)
        self.wait_for_text(proc, err, "replaying")
        # The changes below must come after the LATEST iterator is taken (the banner is printed
        # before): a GetRecords shows the run holds its iterator.
        deadline = time.monotonic() + 60
        while proxy.stats["requests"].get("GetRecords", 0) == 0:
            self.assertIsNone(proc.poll(), self.read_text(err))
            self.assertLess(time.monotonic(), deadline, f"no GetRecords within 60 s; proxy "
                            f"{proxy.stats}:\n{self.read_text(err)}")
            time.sleep(0.05)
        self.assertIsNone(proc.poll(), self.read_text(err))

        # New changes: new keys (some updated repeatedly, some deleted again), updates of keys
        # written before the start, and deletes of keys written before the start.
        touched = set()
        new_items = self.generate_items(60, seed=6, start=1000)
        for n, item in enumerate(new_items):
            ddb.put_item(TableName=src, Item=item)
            touched.add(ddbdata.item_key(item, KEYS))
            for round_ in range(n % 3):
                ddb.update_item(TableName=src, Key=key_of(item),
                                UpdateExpression="SET #r = :r, #m = :m",
                                ExpressionAttributeNames={"#r": "rounds", "#m": "m"},
                                ExpressionAttributeValues={":r": {"N": str(round_ + 1)},
                                                           ":m": {"M": {}}})
            if n % 10 == 9:
                ddb.delete_item(TableName=src, Key=key_of(item))
        for item in before[10:40]:
            ddb.update_item(TableName=src, Key=key_of(item),
                            UpdateExpression="SET late = :v REMOVE history",
                            ExpressionAttributeValues={":v": {"N": "1" * 38}})
            touched.add(ddbdata.item_key(item, KEYS))
        for item in before[40:50]:
            ddb.delete_item(TableName=src, Key=key_of(item))
            touched.add(ddbdata.item_key(item, KEYS))
        new_records = self.stream_records(src, after=newest_before)

        # The target ends up with exactly the items these changes left in the source.
        expected = [i for i in self.scan_all(src) if ddbdata.item_key(i, KEYS) in touched]
        self.assertEqual(len(expected), 60 - 6 + 30)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if ddbdata.compare_item_lists(expected, self.scan_all(dst), KEYS).equal:
                break
            time.sleep(0.5)
        self.wait_until_replayed(proc, checkpoint, src, err, timeout=30)

        code, stdout, stderr = self.interrupt(proc, out, err)
        self.assertEqual(code, EXIT_INTERRUPTED, f"stderr:\n{stderr}\nstdout:\n{stdout}")
        summary = summary_of(stdout)
        self.assertIsNotNone(summary, f"no summary after SIGINT:\n{stdout}\n{stderr}")
        self.assertIs(summary["Interrupted"], True, summary)
        self.assertIs(summary["CaughtUp"], False, summary)
        self.assertEqual(summary["RecordsRead"], len(new_records), summary)
        self.assertEqual(summary["RecordsDeadLettered"], 0, summary)
        self.assertFalse(any(line.startswith("ddbmigrate: error:")
                             for line in stderr.splitlines()), stderr)
        self.assert_items_equal(expected, dst, "the target after replicate --from latest")
        self.assertEqual(self.checkpoint_sequence(checkpoint),
                         new_records[-1]["dynamodb"]["SequenceNumber"])
        self.assert_no_dead_letters()

        # A resume picks up where the checkpoint stopped, still without the earlier changes.
        for item in before[50:55]:
            ddb.update_item(TableName=src, Key=key_of(item), UpdateExpression="SET later = :v",
                            ExpressionAttributeValues={":v": {"S": "after the stop"}})
            touched.add(ddbdata.item_key(item, KEYS))
        expected = [i for i in self.scan_all(src) if ddbdata.item_key(i, KEYS) in touched]
        r = self.cli("replicate", "--source-table", src, "--target-table", dst, "--from", "latest",
                     "--checkpoint", checkpoint, "--dead-letter", self.dead_letter, "--resume",
                     "--until-caught-up", "--max-lag", "0", "--output", "json")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(summary_of(r.stdout)["RecordsRead"], 5, r.stdout)
        self.assert_items_equal(expected, dst, "the target after the resume")


# ---------------------------------------------------------------------------------------------
# migrate --live


class ChangeWriter(threading.Thread):
    """Keeps changing a table with boto3 until stopped: puts, updates and deletes, about half of
    them on a few hot keys, the rest on the seeded keys and on new keys. One thread, so the
    changes to each key happen in a known order."""

    HOT_KEYS = 12

    def __init__(self, client, table, seeded_keys, seed):
        super().__init__(daemon=True)
        self.client, self.table = client, table
        self.seeded = list(seeded_keys)
        self.rng = random.Random(seed)
        self.halt = threading.Event()
        self.counts = collections.Counter()
        self.error = None
        self.new_keys = 0

    def hot_key(self):
        return {"pk": {"S": "hot \u00fc"}, "sk": {"N": str(self.rng.randrange(self.HOT_KEYS))}}

    def value_item(self, key):
        rng = self.rng
        return dict(key, **{
            "v": {"N": str(rng.randrange(10 ** 6))},
            "payload": {"S": "\u00e9" * rng.randint(20, 300)},
            "bin": {"B": rng.randbytes(rng.randint(1, 32))},
            "big": {"N": str(rng.randrange(10 ** 37, 10 ** 38))},
            "empty_map": {"M": {}}, "empty_list": {"L": []},
            "set": {"SS": sorted({str(rng.randrange(100)) for _ in range(3)})},
            "doc": {"M": {"l": {"L": [{"N": "1.5"}, {"NULL": True}, {"M": {}}]},
                          "flag": {"BOOL": rng.random() < 0.5}}},
        })

    def step(self):
        rng, c, table = self.rng, self.client, self.table
        r = rng.random()
        if r < 0.5:
            key, op = self.hot_key(), rng.random()
            if op < 0.4:
                c.put_item(TableName=table, Item=self.value_item(key))
                self.counts["hot put"] += 1
            elif op < 0.8:
                c.update_item(
                    TableName=table, Key=key,
                    UpdateExpression="SET #v = if_not_exists(#v, :zero) + :one, "
                                     "#h = list_append(if_not_exists(#h, :empty), :h) "
                                     "REMOVE #p",
                    ExpressionAttributeNames={"#v": "v", "#h": "hist", "#p": "payload"},
                    ExpressionAttributeValues={":zero": {"N": "0"}, ":one": {"N": "1"},
                                               ":empty": {"L": []},
                                               ":h": {"L": [{"N": str(rng.randrange(1000))}]}})
                self.counts["hot update"] += 1
            else:
                c.delete_item(TableName=table, Key=key)
                self.counts["hot delete"] += 1
        elif r < 0.7:
            key = rng.choice(self.seeded)
            c.update_item(TableName=table, Key=key,
                          UpdateExpression="SET #t = if_not_exists(#t, :zero) + :one, "
                                           "#n = :s REMOVE #b",
                          ExpressionAttributeNames={"#t": "touched", "#n": "note", "#b": "blob"},
                          ExpressionAttributeValues={":zero": {"N": "0"}, ":one": {"N": "1"},
                                                     ":s": {"S": f"w{rng.randrange(10**6)}"}})
            self.counts["update"] += 1
        elif r < 0.8:
            c.delete_item(TableName=table, Key=rng.choice(self.seeded))
            self.counts["delete"] += 1
        else:
            self.new_keys += 1
            key = {"pk": {"S": f"new {self.new_keys % 400}"}, "sk": {"N": str(self.new_keys)}}
            c.put_item(TableName=table, Item=self.value_item(key))
            self.counts["new put"] += 1

    @property
    def ops(self):
        return sum(self.counts.values())

    def run(self):
        try:
            while not self.halt.is_set():
                self.step()
                time.sleep(0.003)
        except Exception as e:  # noqa: BLE001 -- reported by stop()
            self.error = e

    def stop(self):
        self.halt.set()
        self.join(60)
        if self.is_alive():
            raise RuntimeError("the writer thread did not stop")
        if self.error is not None:
            raise RuntimeError(f"the writer thread failed: {self.error!r}") from self.error
        return self.counts


class MigrateLiveCase(StreamTestCase):
    """Helpers of the migrate --live tests. Each test has a class, and so a DynamoDB Local, of its
    own: DynamoDB Local writes to stream-enabled tables more slowly the more stream records the
    server holds (over all tables, deleted ones included), and these tests write thousands."""

    def setUp(self):
        super().setUp()
        self.state = self.work / "migrate.json"
        self.copy_state = Path(str(self.state) + ".copy")

    def live_args(self, src, dst, *extra):
        return ["migrate", "--live", "--source-table", src, "--target-table", dst,
                "--create-target", "--checkpoint", self.state, "--dead-letter", self.dead_letter,
                "--output", "json", *extra]

    def seed_source(self, items, stream_at_creation):
        """A source table holding `items`. With stream_at_creation false the stream is enabled
        after the items are written (quicker: the seed is then not in the stream)."""
        name = self.unique_table("msrc")
        if stream_at_creation:
            self.create_table(name, StreamSpecification=stream_spec())
            self.write_items(name, items)
        else:
            self.create_table(name)
            self.write_items(name, items)
            self.dynamodb().update_table(TableName=name, StreamSpecification=stream_spec())
        self.assertTrue(self.dynamodb().describe_table(TableName=name)["Table"]
                        .get("LatestStreamArn"))
        return name

    def start_writer(self, src, items, seed):
        writer = ChangeWriter(self.dynamodb(), src, [key_of(i) for i in items], seed)
        self.addCleanup(writer.halt.set)
        writer.start()
        return writer

    def resume_until_caught_up(self, src, dst, *extra):
        r = self.cli(*self.live_args(src, dst, *extra), "--resume", "--until-caught-up",
                     "--max-lag", "0", timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 0, f"stderr:\n{r.stderr}\nstdout:\n{r.stdout}")
        summary = summary_of(r.stdout)
        self.assertIsNotNone(summary, r.stdout)
        self.assertIs(summary["CaughtUp"], True, summary)
        self.assertEqual(summary["RecordsDeadLettered"], 0, summary)
        self.assertIn("caught up", r.stderr)
        self.assert_tables_equal(src, dst)
        self.assert_no_dead_letters()
        return r


class LiveMigrationTest(MigrateLiveCase):

    def test_live_migration_with_concurrent_writes(self):
        items = self.generate_items(3000, seed=7)
        src = self.seed_source(items, stream_at_creation=True)
        dst = self.unique_table("mdst")
        writer = self.start_writer(src, items, seed=8)
        proc, out, err = self.start(self.live_args(src, dst, "--segments", "2", "--page-size",
                                                   "100", "--writers", "2"), "live")
        self.wait_for_text(proc, err, "noted stream")
        ops_at_start = writer.ops
        self.wait_for_text(proc, err, "copy phase done", timeout=120)
        ops_at_copy_done = writer.ops
        # Changes during the replay: waited for by count, not by time.
        deadline = time.monotonic() + 60
        while writer.ops < ops_at_copy_done + 100 and time.monotonic() < deadline and \
                writer.is_alive():
            time.sleep(0.05)
        counts = writer.stop()
        self.assertGreater(ops_at_copy_done, ops_at_start, "no writes during the copy")
        self.assertGreater(writer.ops, ops_at_copy_done, "no writes during the replay")
        self.assertTrue(self.state.exists())
        self.assertTrue(self.copy_state.exists())

        self.wait_until_replayed(proc, self.state, src, err)
        # Said once every shard has been found at its tip (three empty pages in a row).
        self.wait_for_text(proc, err, "ready for cut-over")
        code, stdout, stderr = self.interrupt(proc, out, err)
        self.assertEqual(code, EXIT_INTERRUPTED, f"stderr:\n{stderr}\nstdout:\n{stdout}")
        self.assert_tables_equal(src, dst)
        self.assertIn("ready for cut-over", stderr)
        self.assertFalse(any(line.startswith("ddbmigrate: error:")
                             for line in stderr.splitlines()), stderr)
        copy_summary, replay_summary = json_objects(stdout)
        self.assertIs(copy_summary["Interrupted"], False, copy_summary)
        self.assertEqual(copy_summary["ItemsDeadLettered"], 0, copy_summary)
        self.assertIs(replay_summary["Interrupted"], True, replay_summary)
        self.assertEqual(replay_summary["RecordsDeadLettered"], 0, replay_summary)
        self.assertGreater(replay_summary["RecordsApplied"], 0, replay_summary)
        # The replay read the stream from its start (the state held no position yet).
        self.assertEqual(replay_summary["RecordsRead"], len(self.stream_records(src)),
                         replay_summary)
        self.assert_no_dead_letters()
        state = self.load_checkpoint(self.state)
        self.assertEqual((state["Operation"], state["Source"], state["Target"]),
                         ("migrate", src, dst), state)

        # The target was created like the source, with its own stream.
        desc = self.dynamodb().describe_table(TableName=dst)["Table"]
        self.assertEqual(ddbdata.key_schema(self.dynamodb(), dst), KEYS)
        self.assertNotEqual(desc.get("LatestStreamArn"), self.dynamodb().describe_table(
            TableName=src)["Table"]["LatestStreamArn"])

        # Resuming after the stop: the copy is not redone, the replay catches up and ends.
        r = self.resume_until_caught_up(src, dst, "--segments", "2", "--page-size", "100",
                                        "--writers", "2")
        self.assertIn("already finished", r.stderr)
        # The copy's summary says all of it was done by the first run; then the replay's.
        resumed_copy, _ = json_objects(r.stdout)
        self.assertEqual(resumed_copy["ItemsRead"], 0, resumed_copy)
        self.assertEqual(resumed_copy["ItemsFromEarlierRuns"], copy_summary["ItemsWritten"],
                         resumed_copy)
        self.assertTrue(counts["hot delete"] and counts["delete"] and counts["new put"], counts)


class LiveMigrationIdentityTest(MigrateLiveCase):

    def test_resume_into_a_target_created_again_is_refused_before_copying(self):
        """The migration's state names its tables: a resume whose target was deleted and created
        again is refused before its copy phase (here the copy's own checkpoint is gone, as after
        a kill before its first save, so the copy would otherwise run in full first)."""
        src = self.seed_source(self.generate_items(200, seed=9), stream_at_creation=True)
        dst = self.unique_table("mdst")
        r = self.cli(*self.live_args(src, dst, "--until-caught-up", "--max-lag", "0"),
                     timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 0, r.stderr)
        state = json.loads(self.state.read_text(encoding="utf-8"))
        self.assertIn("TargetTable", state)
        self.copy_state.unlink()
        self.recreate_table(dst)
        r = self.cli(*self.live_args(src, dst, "--resume", "--until-caught-up"),
                     timeout=RUN_TIMEOUT)
        self.assert_cli_error(r, f"target table {dst} is not the table checkpoint {self.state}")
        self.assertIn("copy the table again and replicate from the time that copy started",
                      r.stderr)
        self.assertEqual(self.dynamodb().scan(TableName=dst, Select="COUNT")["Count"], 0)


class LiveMigrationReplayStartTest(MigrateLiveCase):

    def test_resume_after_the_stream_dropped_the_replays_start_is_refused_before_copying(self):
        """A resume whose replay would start longer ago than the stream keeps records (24 hours)
        is refused at once, with replicate's gap error, before its copy phase runs in vain."""
        src = self.seed_source(self.generate_items(40, seed=31), stream_at_creation=False)
        dst = self.unique_table("mdst")
        r = self.cli(*self.live_args(src, dst, "--until-caught-up", "--max-lag", "0"),
                     timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 0, r.stderr)
        # As if the copy phase had begun 25 hours ago and been stopped: no replay position yet,
        # and no copy checkpoint either (a resume would copy everything again).
        state = json.loads(self.state.read_text(encoding="utf-8"))
        day_ago = int(time.time()) - 25 * 3600
        state["StartTime"], state["SkipBefore"], state["Shards"] = day_ago, day_ago - 360, []
        self.state.write_text(json.dumps(state), encoding="utf-8")
        self.copy_state.unlink()
        self.write_items(src, self.generate_items(5, seed=32, start=1000))
        r = self.cli(*self.live_args(src, dst, "--resume", "--until-caught-up"),
                     timeout=RUN_TIMEOUT)
        self.assert_cli_error(r, contains="gap in the stream")
        self.assertIn("longer ago than the stream keeps records", r.stderr)
        self.assertIn("run migrate --live again", r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertEqual(self.dynamodb().scan(TableName=dst, Select="COUNT")["Count"], 40)
        self.assertFalse(self.copy_state.exists())

    def test_a_copy_past_the_streams_retention_is_told_to_start_again(self):
        """Once the copy runs past the time the stream starts trimming the replay's records, the
        warning says to start again, not to go faster (nothing can end the copy in time)."""
        src = self.seed_source(small_items(200), stream_at_creation=False)
        dst = self.unique_table("mdst")
        r = self.cli(*self.live_args(src, dst, "--until-caught-up", "--max-lag", "0"),
                     timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 0, r.stderr)
        # The replay must start 2 s short of 24 hours ago: the resume may begin, and the copy
        # (all of it again, slowly) passes the deadline before its first progress report.
        state = json.loads(self.state.read_text(encoding="utf-8"))
        start = int(time.time()) - 24 * 3600 + 2
        state["StartTime"], state["SkipBefore"], state["Shards"] = start + 360, start, []
        self.state.write_text(json.dumps(state), encoding="utf-8")
        self.copy_state.unlink()
        proc, out, err = self.start(self.live_args(src, dst, "--resume", "--until-caught-up",
                                                   "--segments", "1", "--writers", "1",
                                                   "--write-rate", "10"), "late")
        self.wait_for_text(proc, err, "ddbmigrate: warning: the copy has not ended by", timeout=40)
        self.kill(proc)
        stderr = self.read_text(err)
        self.assertIn("start again without --resume", stderr)
        self.assertNotIn("raise --segments", stderr)

    def test_a_stream_replaced_during_the_copy_is_named_so(self):
        """A stream disabled and a new one enabled while the copy runs: the replay says so (the
        changes in between are lost), not that the stream is turned off and must be enabled."""
        src = self.seed_source(self.generate_items(150, seed=33), stream_at_creation=False)
        dst = self.unique_table("mdst")
        old_arn = self.dynamodb().describe_table(TableName=src)["Table"]["LatestStreamArn"]
        proc, out, err = self.start(self.live_args(src, dst, "--until-caught-up", "--segments",
                                                   "1", "--writers", "1", "--write-rate", "30"),
                                    "replaced")
        self.wait_for_text(proc, err, "noted stream")
        self.dynamodb().update_table(TableName=src, StreamSpecification={"StreamEnabled": False})
        self.dynamodb().update_table(TableName=src, StreamSpecification=stream_spec())
        new_arn = self.dynamodb().describe_table(TableName=src)["Table"]["LatestStreamArn"]
        self.assertNotEqual(new_arn, old_arn)
        self.assertNotIn("copy phase done", self.read_text(err), "the copy ended too soon")
        proc.wait(timeout=RUN_TIMEOUT)
        stderr = self.read_text(err)
        self.assertEqual(proc.returncode, 1, stderr)
        self.assertIn("the stream was disabled and enabled again", stderr)
        self.assertIn(new_arn, stderr)
        self.assertNotIn("turned off", stderr)
        # A resume is refused at once, before its copy phase looks at anything.
        r = self.cli(*self.live_args(src, dst, "--resume", "--until-caught-up"),
                     timeout=RUN_TIMEOUT)
        self.assert_cli_error(r, contains="the stream was disabled and enabled again")
        self.assertEqual(r.stdout, "")

    def test_the_cut_over_advice_of_the_final_run_is_not_to_run_it_again(self):
        src = self.seed_source(self.generate_items(20, seed=34), stream_at_creation=False)
        dst = self.unique_table("mdst")
        r = self.cli(*self.live_args(src, dst, "--until-caught-up"), timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("run this command again with --resume --max-lag 0", r.stderr)
        r = self.cli(*self.live_args(src, dst, "--resume", "--until-caught-up", "--max-lag", "0"),
                     timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn(f"caught up: {dst} is 0 s behind {src}, every change in the stream "
                      f"applied: if writes to the source are stopped, {dst} is ready for "
                      f"cut-over; point the application at {dst}", r.stderr)
        self.assertNotIn("run this command again", r.stderr)
        # Two JSON objects on stdout: the copy's summary, then the replay's (see README).
        copy_summary, replay_summary = json_objects(r.stdout)
        self.assertIn("ItemsWritten", copy_summary)
        self.assertIs(replay_summary["CaughtUp"], True)


class LiveMigrationIncompleteTest(MigrateLiveCase):

    def test_items_the_copy_could_not_write_are_no_cut_over(self):
        """Caught up with the stream is not ready for cut-over while items of the copy are in
        the dead-letter file: the message says so, and the run exits 3."""
        items = self.generate_items(60, seed=12)
        items[5]["g"] = {"S": "not a number"}
        src = self.seed_source(items, stream_at_creation=False)
        dst = self.create_table_indexing_g_as_number(self.unique_table("mdst"))
        args = [a for a in self.live_args(src, dst, "--until-caught-up", "--max-lag", "0")
                if a != "--create-target"]
        r = self.cli(*args, timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 3, r.stderr)
        self.assertNotIn("ready for cut-over", r.stderr)
        self.assertIn(f"caught up: {dst} is 0 s behind {src}, but it is not a complete copy: "
                      f"items of the copy could not be written (see the dead-letter file "
                      f"{self.dead_letter})", r.stderr)
        self.assertEqual(self.dynamodb().scan(TableName=dst, Select="COUNT")["Count"], 59)


class LiveMigrationCopyKillTest(MigrateLiveCase):

    def test_sigkill_during_copy_then_resume(self):
        items = small_items(8000)
        src = self.seed_source(items, stream_at_creation=False)
        dst = self.unique_table("kdst")
        writer = self.start_writer(src, items, seed=9)
        flags = ("--segments", "2", "--page-size", "50", "--writers", "1", "--write-rate", "500")
        proc, out, err = self.start(self.live_args(src, dst, *flags), "killed")
        # Killed once the copy checkpoint acknowledges some items, well before the copy ends.
        deadline, acknowledged = time.monotonic() + 60, 0
        while acknowledged < 1000 and time.monotonic() < deadline:
            self.assertIsNone(proc.poll(), self.read_text(err))
            copy_cp = self.load_checkpoint(self.copy_state)
            acknowledged = sum(s["Items"] for s in copy_cp["Segments"]) if copy_cp else 0
            time.sleep(0.05)
        self.assertGreaterEqual(acknowledged, 1000, f"the copy made no progress:\n"
                                                    f"{self.read_text(err)}")
        self.assertNotIn("copy phase done", self.read_text(err),
                         "the copy finished before it could be killed")
        self.kill(proc)
        copy_cp = self.load_checkpoint(self.copy_state)
        self.assertFalse(all(s["Done"] for s in copy_cp["Segments"]), copy_cp)
        time.sleep(2)  # the source keeps changing while nothing replicates
        writer.stop()

        r = self.resume_until_caught_up(src, dst, *flags)
        copy_summary, replay_summary = json_objects(r.stdout)
        self.assertGreater(copy_summary["ItemsFromEarlierRuns"], 0, copy_summary)
        self.assertIn("copy phase done", r.stderr)
        # The killed run never got to the replay: this one read the whole stream.
        self.assertEqual(replay_summary["RecordsRead"], len(self.stream_records(src)),
                         replay_summary)


class LiveMigrationReplayKillTest(MigrateLiveCase):

    def test_sigkill_during_replay_then_resume(self):
        items = small_items(4000)
        src = self.seed_source(items, stream_at_creation=False)
        dst = self.unique_table("rdst")
        writer = self.start_writer(src, items, seed=10)
        flags = ("--segments", "2", "--page-size", "100", "--writers", "2")
        proc, out, err = self.start(self.live_args(src, dst, *flags), "replay-killed")
        self.wait_for_text(proc, err, "copy phase done", timeout=120)
        # Killed once the replay has saved a stream position (not after a fixed time, which a
        # slow machine may spend before the first save).
        deadline = time.monotonic() + 60
        while not self.saved_position(self.state):
            self.assertIsNone(proc.poll(), self.read_text(err))
            self.assertLess(time.monotonic(), deadline,
                            f"the replay saved no position within 60 s; checkpoint "
                            f"{self.load_checkpoint(self.state)}; stderr:\n{self.read_text(err)}")
            time.sleep(0.05)
        self.kill(proc)
        # The source keeps changing while nothing replicates: these changes are surely after the
        # saved position (the writer runs until stopped; waited for by count, not by time).
        ops_at_kill = writer.ops
        deadline = time.monotonic() + 60
        while writer.ops < ops_at_kill + 50 and time.monotonic() < deadline and writer.is_alive():
            time.sleep(0.05)
        writer.stop()
        self.assertGreaterEqual(writer.ops, ops_at_kill + 50)
        copy_cp = self.load_checkpoint(self.copy_state)
        self.assertTrue(all(s["Done"] for s in copy_cp["Segments"]), copy_cp)
        position = self.checkpoint_sequence(self.state)
        self.assertTrue(position, "the replay saved no position before the kill")
        unread = self.stream_records(src, after=position)
        self.assertGreater(len(unread), 0)

        r = self.resume_until_caught_up(src, dst, *flags)
        self.assertIn("already finished", r.stderr)
        self.assertIn(f"from the state in {self.state}", r.stderr)
        # The replay went on from the saved position.
        self.assertEqual(summary_of(r.stdout)["RecordsRead"], len(unread), r.stdout)


# ---------------------------------------------------------------------------------------------
# Errors


class StreamErrorTest(StreamTestCase):

    # The table's ARN, region and (not being AWS's) endpoint are named, so that the command
    # pasted as is changes this table and no other of the same name.
    NO_STREAM_FIX = ("aws dynamodb update-table --table-name {} --region us-east-1 "
                     "--endpoint-url {} --stream-specification "
                     "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES")

    def no_stream_fix(self, table):
        arn = self.dynamodb().describe_table(TableName=table)["Table"]["TableArn"]
        return self.NO_STREAM_FIX.format(arn, self.ddb_endpoint)

    def replicate(self, source, target, *extra, checkpoint=None):
        checkpoint = checkpoint or self.work / "replicate.json"
        return self.cli("replicate", "--source-table", source, "--target-table", target,
                        "--checkpoint", checkpoint, "--dead-letter", self.dead_letter, *extra)

    def assert_nothing_written(self, *tables):
        for table in tables:
            self.assertEqual(self.dynamodb().scan(TableName=table, Select="COUNT")["Count"], 0,
                             table)
        self.assertEqual(sorted(p.name for p in self.work.iterdir()), [])

    def test_source_without_stream(self):
        src = self.create_table(self.unique_table("nsrc"))
        dst = self.create_table(self.unique_table("ndst"))
        self.write_items(src, self.generate_items(5))
        r = self.replicate(src, dst, "--until-caught-up")
        self.assert_cli_error(r, contains=self.no_stream_fix(src))
        self.assert_nothing_written(dst)

        new_target = self.unique_table("ndst")
        r = self.cli("migrate", "--live", "--source-table", src, "--target-table", new_target,
                     "--create-target", "--checkpoint", self.work / "migrate.json",
                     "--dead-letter", self.dead_letter)
        self.assert_cli_error(r, contains=self.no_stream_fix(src))
        self.assertNotIn(new_target, self.dynamodb().list_tables()["TableNames"])
        self.assert_nothing_written()

    def test_consumed_capacity_none_with_a_write_rate(self):
        src = self.create_table(self.unique_table("csrc"), StreamSpecification=stream_spec())
        dst = self.create_table(self.unique_table("cdst"))
        self.write_items(src, self.generate_items(5))
        r = self.replicate(src, dst, "--consumed-capacity", "none", "--write-rate", "10",
                           "--until-caught-up")
        self.assert_cli_error(r, contains="--consumed-capacity none cannot go with")
        self.assert_nothing_written(dst)

    def test_bad_from(self):
        src = self.create_table(self.unique_table("fsrc"), StreamSpecification=stream_spec())
        dst = self.create_table(self.unique_table("fdst"))
        # (Times after 2262-04-11T23:47:16Z do not fit a nanosecond time_point.)
        for value, expected in (("yesterday", "--from yesterday"),
                                ("2026-13-01T00:00:00Z", "--from 2026-13-01T00:00:00Z"),
                                ("2100-01-01T00:00:00Z", "in the future"),
                                ("4102444800", "in the future"),
                                ("2999-01-01T00:00:00Z", "in the future")):
            with self.subTest(value):
                r = self.replicate(src, dst, "--from", value, "--until-caught-up")
                self.assert_cli_error(r, contains=expected)
                self.assert_nothing_written(dst)

    def test_from_older_than_the_stream_keeps_records(self):
        """A start the stream can no longer serve (it keeps records for 24 hours) is refused
        up front, like one in the future, whichever way the time is written."""
        src = self.create_table(self.unique_table("osrc"), StreamSpecification=stream_spec())
        self.write_items(src, self.generate_items(5))
        day_ago = str(int(time.time()) - 25 * 3600)
        for n, value in enumerate(("2020-01-01T00:00:00Z", day_ago, "1900-01-01T00:00:00Z",
                                   "0")):
            with self.subTest(value):
                dst = self.create_table(self.unique_table("odst"))
                r = self.replicate(src, dst, "--from", value, "--until-caught-up",
                                   checkpoint=self.work / f"old{n}.json")
                self.assert_cli_error(r, contains="24 hours")
                self.assert_nothing_written(dst)

        # A resume continues from its checkpoint whatever --from says: the first run's command,
        # repeated more than a day later, names a time the stream no longer holds.
        dst = self.create_table(self.unique_table("odst"))
        checkpoint = self.work / "recent.json"
        r = self.replicate(src, dst, "--from", str(int(time.time()) - 600), "--until-caught-up",
                           "--max-lag", "0", checkpoint=checkpoint)
        self.assertEqual(r.code, 0, r.stderr)
        self.write_items(src, self.generate_items(3, seed=41, start=100))
        r = self.replicate(src, dst, "--from", day_ago, "--resume", "--until-caught-up",
                           "--max-lag", "0", checkpoint=checkpoint)
        self.assertEqual(r.code, 0, r.stderr)
        self.assert_tables_equal(src, dst)

    def test_key_schema_mismatch(self):
        src = self.create_table(self.unique_table("ksrc"), StreamSpecification=stream_spec())
        dst = self.create_table(self.unique_table("kdst"), [("id", "HASH", "S")])
        self.write_items(src, self.generate_items(5))
        r = self.replicate(src, dst, "--until-caught-up")
        self.assert_cli_error(r, contains="key schemas differ")
        self.assertIn(dst, r.stderr)
        self.assert_nothing_written(dst)

    def test_same_table(self):
        src = self.create_table(self.unique_table("ssrc"), StreamSpecification=stream_spec())
        r = self.replicate(src, src, "--until-caught-up")
        self.assert_cli_error(r, contains="same table")
        self.assert_nothing_written()

    def test_checkpoint_rules(self):
        src = self.create_table(self.unique_table("csrc"), StreamSpecification=stream_spec())
        dst = self.create_table(self.unique_table("cdst"))
        checkpoint = self.work / "cp.json"

        r = self.replicate(src, dst, "--resume", "--until-caught-up", checkpoint=checkpoint)
        self.assert_cli_error(r, contains=f"no checkpoint at {checkpoint}")
        self.assertFalse(checkpoint.exists())

        self.write_items(src, self.generate_items(20, seed=11))
        r = self.replicate(src, dst, "--until-caught-up", "--max-lag", "0",
                           checkpoint=checkpoint)
        self.assertEqual(r.code, 0, r.stderr)
        self.assert_tables_equal(src, dst)
        saved = checkpoint.read_bytes()

        # A fresh run must not overwrite the checkpoint (nor replay anything).
        self.write_items(src, self.generate_items(5, seed=12, start=100))
        r = self.replicate(src, dst, "--until-caught-up", checkpoint=checkpoint)
        self.assert_cli_error(r, contains="already exists")
        self.assertIn("--resume", r.stderr)
        self.assertEqual(checkpoint.read_bytes(), saved)
        self.assertEqual(self.dynamodb().scan(TableName=dst, Select="COUNT")["Count"], 20)

        # A replicate checkpoint is not a migrate state file.
        r = self.cli("migrate", "--live", "--source-table", src, "--target-table", dst,
                     "--checkpoint", checkpoint, "--resume", "--dead-letter", self.dead_letter)
        self.assert_cli_error(r, contains=str(checkpoint))
        self.assertEqual(checkpoint.read_bytes(), saved)

    def test_migrate_needs_live(self):
        src = self.create_table(self.unique_table("lsrc"), StreamSpecification=stream_spec())
        dst = self.create_table(self.unique_table("ldst"))
        self.write_items(src, self.generate_items(5))
        r = self.cli("migrate", "--source-table", src, "--target-table", dst,
                     "--checkpoint", self.work / "migrate.json", "--dead-letter", self.dead_letter)
        self.assert_cli_error(r, contains="--live")
        self.assert_nothing_written(dst)

    def test_migrate_dry_run_plans_and_writes_nothing(self):
        src = self.create_table(self.unique_table("dsrc"), StreamSpecification=stream_spec())
        self.write_items(src, self.generate_items(20))
        dst = self.unique_table("ddst")
        state = self.work / "dry.json"
        for output in ("table", "json"):
            with self.subTest(output):
                r = self.cli("migrate", "--live", "--source-table", src, "--target-table", dst,
                             "--create-target", "--checkpoint", state, "--dead-letter",
                             self.dead_letter, "--dry-run", "--output", output)
                self.assertEqual(r.code, 0, r.stderr)
                self.assertIn("plan: migrate --live", r.stdout if output == "table" else r.stderr)
                if output == "json":
                    plan = json.loads(r.stdout)  # the copy's plan alone, one object
                    self.assertEqual(plan["SourceTable"], src, plan)
        self.assertNotIn(dst, self.dynamodb().list_tables()["TableNames"])
        self.assertFalse(state.exists())
        self.assertFalse(Path(str(state) + ".copy").exists())

    def test_migrate_into_a_target_holding_items_warns(self):
        src = self.create_table(self.unique_table("wsrc"), StreamSpecification=stream_spec())
        self.write_items(src, self.generate_items(10))
        dst = self.create_table(self.unique_table("wdst"))
        self.write_items(dst, self.generate_items(2, start=500))
        state = self.work / "warn.json"
        # The plan says so too, with advice for a run that has written nothing yet.
        r = self.cli("migrate", "--live", "--source-table", src, "--target-table", dst,
                     "--checkpoint", state, "--dead-letter", self.dead_letter, "--dry-run")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn(f"warning: {dst} already holds items: those the source lacks stay in it, "
                      "so it will not be an exact copy; add --truncate-target if that is not "
                      "meant", r.stderr)
        self.assertFalse(state.exists())
        r = self.cli("migrate", "--live", "--source-table", src, "--target-table", dst,
                     "--checkpoint", state, "--dead-letter", self.dead_letter,
                     "--until-caught-up", "--max-lag", "0", timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn(f"warning: {dst} already holds items: those the source lacks stay in it",
                      r.stderr)
        self.assertIn("--truncate-target", r.stderr)
        # Caught up, it is not called ready for cut-over.
        self.assertIn(f"caught up: {dst} is 0 s behind {src}, but it is not an exact copy: it "
                      "held items before the copy", r.stderr)
        self.assertNotIn("ready for cut-over", r.stderr)
        # So does a resume (the cut-over's --resume --max-lag 0), from the state file.
        r = self.cli("migrate", "--live", "--source-table", src, "--target-table", dst,
                     "--checkpoint", state, "--dead-letter", self.dead_letter, "--resume",
                     "--until-caught-up", "--max-lag", "0", timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("but it is not an exact copy: it held items before the copy", r.stderr)
        self.assertNotIn("ready for cut-over", r.stderr)
        self.assertEqual(len(self.scan_all(dst)), 12)

    def test_migrate_checks_the_target_before_writing_state(self):
        """A target that cannot be used is reported before the state file is written: a state
        file left by a failed start would make the corrected command fail ("already exists;
        pass --resume")."""
        src = self.create_table(self.unique_table("tsrc"), StreamSpecification=stream_spec())
        self.write_items(src, self.generate_items(5))
        other_keys = self.create_table(self.unique_table("tkeys"), [("id", "HASH", "S")])
        existing = self.create_table(self.unique_table("texists"))
        missing = self.unique_table("tmissing")
        for contains, target, extra in (("key schemas differ", other_keys, ()),
                                        ("--create-target", missing, ()),
                                        ("already exists", existing, ("--create-target",))):
            with self.subTest(contains):
                state = self.work / f"{target}.json"
                r = self.cli("migrate", "--live", "--source-table", src, "--target-table",
                             target, "--checkpoint", state, "--dead-letter", self.dead_letter,
                             "--until-caught-up", *extra)
                self.assert_cli_error(r, contains=contains)
                self.assertNotIn("--transform", r.stderr)  # not a flag of migrate
                if state.exists():
                    self.fail(f"{state} was written: {state.read_text()}")
        for table in (other_keys, existing):
            self.assertEqual(self.dynamodb().scan(TableName=table, Select="COUNT")["Count"], 0)
        self.assertNotIn(missing, self.dynamodb().list_tables()["TableNames"])
        # --truncate-target asks before the state file is written: with no terminal to ask on,
        # the run is refused with nothing left behind, and the command with --yes then runs.
        self.write_items(existing, self.generate_items(3, seed=5))
        state = self.work / "truncate.json"
        args = ["migrate", "--live", "--source-table", src, "--target-table", existing,
                "--checkpoint", state, "--dead-letter", self.dead_letter, "--until-caught-up",
                "--max-lag", "0", "--truncate-target"]
        r = self.cli(*args)
        self.assert_cli_error(r, contains="pass --yes")
        self.assertFalse(state.exists(), "the state file was written before the confirmation")
        self.assertEqual(self.dynamodb().scan(TableName=existing, Select="COUNT")["Count"], 3)
        r = self.cli(*args, "--yes")
        self.assertEqual(r.code, 0, r.stderr)
        self.assert_tables_equal(src, existing)

    def test_default_file_names_of_the_longest_table_names(self):
        """Table names may be 255 bytes: the default state, checkpoint and dead-letter files
        built from them are cut to a legal file name, and a resume finds them again."""
        src = self.create_table(self.unique_table("long_src").ljust(255, "s"),
                                StreamSpecification=stream_spec())
        dst = self.unique_table("long-dst.").ljust(255, "d")
        self.write_items(src, self.generate_items(30, seed=21))
        work = Path(tempfile.mkdtemp(prefix="longnames-", dir=self.work))

        def run_in_work(*args):
            return harness.run(*args, "--endpoint-url", self.ddb_endpoint, env=self.env(),
                               cwd=work, timeout=RUN_TIMEOUT)

        live = ("migrate", "--live", "--source-table", src, "--target-table", dst,
                "--create-target", "--until-caught-up", "--max-lag", "0")
        r = run_in_work(*live)
        self.assertEqual(r.code, 0, r.stderr)
        self.assert_tables_equal(src, dst)
        files = sorted(f.name for f in work.iterdir())
        self.assertTrue(files, "no state file was written")
        for name in files:
            self.assertTrue(name.startswith("ddbmigrate-long-dst."), name)
            self.assertLessEqual(len(name.encode()), 255, name)
        self.assertTrue(any(f.endswith("-migrate.json") for f in files), files)
        self.assertTrue(any(f.endswith("-migrate.json.copy") for f in files), files)

        self.write_items(src, self.generate_items(5, seed=22, start=100))
        r = run_in_work(*live, "--resume")
        self.assertEqual(r.code, 0, r.stderr)
        self.assert_tables_equal(src, dst)
        self.assertEqual(sorted(f.name for f in work.iterdir()), files)

        r = run_in_work("replicate", "--source-table", src, "--target-table", dst,
                        "--until-caught-up", "--max-lag", "0")
        self.assertEqual(r.code, 0, r.stderr)
        made = [f.name for f in work.iterdir() if f.name not in files]
        self.assertEqual(len(made), 1, made)
        self.assertTrue(made[0].endswith("-replicate.json"), made)
        self.assertLessEqual(len(made[0].encode()), 255, made)

    def test_migrate_resume_without_state(self):
        src = self.create_table(self.unique_table("msrc"), StreamSpecification=stream_spec())
        dst = self.create_table(self.unique_table("mdst"))
        self.write_items(src, self.generate_items(5))
        state = self.work / "migrate.json"
        r = self.cli("migrate", "--live", "--source-table", src, "--target-table", dst,
                     "--checkpoint", state, "--resume", "--dead-letter", self.dead_letter)
        self.assert_cli_error(r, contains=f"no checkpoint at {state}")
        self.assert_nothing_written(dst)


if __name__ == "__main__":
    unittest.main()
