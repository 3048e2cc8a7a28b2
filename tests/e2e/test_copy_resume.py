"""End-to-end tests of resumable copies: `ddbmigrate copy --checkpoint F` killed with SIGKILL at
random moments and resumed until a run finishes, stopped with SIGINT (Ctrl-C) and resumed, a
resume that repeats the first command line, and checkpoints that must not be overwritten or
misused. boto3 judges the target; after every stop the checkpoint is held against what the target
really holds (it may lag behind the target, never run ahead of it).

RESUME_TESTS_VERBOSE=1 prints the kill history of the SIGKILL test."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import harness
from fault_proxy import FaultProxy
from harness import ServiceTestCase, ddbdata
from test_copy import count_items, diff_items, exact, summary_of

ITEMS = 30_000
SEGMENTS = 4
PAGE_SIZE = 200
KEYS = harness.DEFAULT_KEYS
RUN_TIMEOUT = 180
KILL_SEED = 12904  # kill delays 1.27, 0.91, 1.27, 3.12, 1.07, ... s
MIN_KILLS = 3  # kills after the first checkpoint was saved


def small_items(count):
    """Small deterministic items (pk S, sk N) with a few attribute types, quick to write."""
    texts = ["plain", "caf\u00e9", "\u65e5\u672c\u8a9e", "\U0001F600 emoji",
             "\u05e2\u05d1\u05e8\u05d9\u05ea", "e\u0301", "quote \" backslash \\", ""]
    items = []
    for i in range(count):
        part, row = i % 1500, i // 1500
        items.append({
            "pk": {"S": f"p{part:05d}" + ("" if part % 5 else " \u00fc\U0001F511")},
            "sk": {"N": str(row) if part % 4 else f"{row}.25"},
            "seq": {"N": str(i)},
            "text": {"S": texts[i % len(texts)] + f" {i}"},
            "blob": {"B": i.to_bytes(4, "big") + bytes([i % 256]) * 4},
            "tags": {"SS": [texts[i % 7] + "!", str(i % 11)]},
            "nested": {"M": {"n": {"N": f"-{i}E-{i % 100}"}, "l": {"L": [{"BOOL": i % 2 == 0},
                                                                       {"NULL": True}]}}},
        })
    return items


def key_of(item):
    return tuple(exact(item[name]) for name, _, _ in KEYS)


class ResumeTestBase(ServiceTestCase):
    """Seeds one source of ITEMS items for the class and records, per scan segment, the order in
    which a parallel scan of SEGMENTS segments returns its keys: the checkpoint's
    ExclusiveStartKey of a segment is a position in that order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ddb = cls.dynamodb()
        cls.source = cls.unique_table("rsrc")
        ddbdata.create_table(ddb, cls.source, KEYS)
        ddbdata.write_items(ddb, cls.source, small_items(ITEMS), threads=8)
        cls.segment_order = []
        for segment in range(SEGMENTS):
            order, kwargs = [], {"TableName": cls.source, "Segment": segment,
                                 "TotalSegments": SEGMENTS, "Limit": 1000,
                                 "ProjectionExpression": "pk, sk"}
            while True:
                page = ddb.scan(**kwargs)
                order.extend(key_of(i) for i in page["Items"])
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            cls.segment_order.append(order)
        total = sum(len(o) for o in cls.segment_order)
        if total != ITEMS:
            raise RuntimeError(f"seeding the source failed: {total} of {ITEMS} items")
        cls.position = [{k: i for i, k in enumerate(o)} for o in cls.segment_order]

    def setUp(self):
        self.work = Path(tempfile.mkdtemp(prefix="resume-", dir=self.home))

    def copy_args(self, target, checkpoint, *extra, segments=SEGMENTS, output="json"):
        """The command line of a copy of the source (the binary first)."""
        return [str(harness.binary_path()), "copy", "--source-table", self.source,
                "--target-table", target, "--page-size", str(PAGE_SIZE),
                "--segments", str(segments), "--checkpoint", str(checkpoint),
                "--dead-letter", str(self.work / "dead.jsonl"), "--output", output,
                "--endpoint-url", self.ddb_endpoint, *extra]

    def start(self, args, name):
        """Starts `args` (the binary first, as copy_args gives them) in the background; see
        start_cli."""
        return self.start_cli(args[1:], name, self.work)

    def wait_for_progress(self, proc, target, minimum=1000, at_least=1.0, timeout=60):
        """Waits at least `at_least` seconds and until the target holds `minimum` items. The
        target may not exist yet (a run with --create-target makes it): it is then waited for."""
        start = time.monotonic()
        time.sleep(at_least)
        ddb = self.dynamodb()
        while time.monotonic() - start < timeout and proc.poll() is None:
            try:
                if ddb.scan(TableName=target, Select="COUNT", Limit=minimum)["Count"] >= minimum:
                    return
            except ddb.exceptions.ResourceNotFoundException:
                pass
            time.sleep(0.1)
        self.fail(f"the copy ended (exit code {proc.poll()}) or wrote fewer than {minimum} "
                  f"items within {timeout} s")

    def target_keys(self, target):
        ddb, keys = self.dynamodb(), set()
        kwargs = {"TableName": target, "ProjectionExpression": "pk, sk", "Limit": 2000,
                  "ConsistentRead": True}
        while True:
            page = ddb.scan(**kwargs)
            keys.update(key_of(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return keys
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def check_checkpoint(self, checkpoint, target, when):
        """The checkpoint never claims more than the target holds: its item count is at most the
        target's, every finished segment is entirely in the target, and every item of a segment
        up to its ExclusiveStartKey is in the target. Returns the parsed checkpoint."""
        cp = json.loads(checkpoint.read_text(encoding="utf-8"))
        self.assertEqual((cp["Operation"], cp["Source"], cp["Target"], cp["TotalSegments"]),
                         ("copy", self.source, target, SEGMENTS), f"{when}: {cp}")
        self.assertEqual([s["Segment"] for s in cp["Segments"]], list(range(SEGMENTS)), when)
        in_target = self.target_keys(target)
        acknowledged = sum(s["Items"] for s in cp["Segments"])
        self.assertLessEqual(acknowledged, len(in_target),
                             f"{when}: the checkpoint counts {acknowledged} items, the target "
                             f"holds {len(in_target)}")
        for s in cp["Segments"]:
            order = self.segment_order[s["Segment"]]
            if s["Done"]:
                claimed = len(order)
            elif "ExclusiveStartKey" in s:
                esk = key_of(ddbdata.item_from_wire(s["ExclusiveStartKey"]))
                self.assertIn(esk, self.position[s["Segment"]],
                              f"{when}: segment {s['Segment']} resumes after a key the source "
                              f"does not hold: {s['ExclusiveStartKey']}")
                claimed = self.position[s["Segment"]][esk] + 1
            else:
                claimed = 0
            missing = [k for k in order[:claimed] if k not in in_target]
            self.assertEqual(missing, [], f"{when}: segment {s['Segment']} is checkpointed past "
                                          f"{len(missing)} items the target does not hold "
                                          f"(e.g. {missing[:2]}); checkpoint {s}")
            self.assertLessEqual(s["Items"], claimed,
                                 f"{when}: segment {s['Segment']} counts {s['Items']} items "
                                 f"but its position covers {claimed}: {s}")
        return cp

    def assert_target_equals_source(self, target):
        ddb = self.dynamodb()
        problem = diff_items(ddbdata.scan_all(ddb, self.source), ddbdata.scan_all(ddb, target),
                             [n for n, _, _ in KEYS])
        self.assertEqual(problem, "", f"{target} differs from {self.source}:\n{problem}")


class ResumeTest(ResumeTestBase):

    def kill_and_resume_until_done(self, target, checkpoint, rng):
        """Starts the copy, SIGKILLs it after a random 0.5-4 s, checks the checkpoint, and
        resumes (again with a kill) until a run finishes. Returns (kills after a checkpoint
        was saved, history, (summary, stderr, resumed) of the finishing run)."""
        kills, history = 0, []
        for run in range(30):
            resume = checkpoint.exists()
            # Two readers for four segments: kills also land while segments wait unstarted.
            args = self.copy_args(target, checkpoint, "--readers", "2",
                                  *(["--resume"] if resume else []))
            proc, out, err = self.start(args, f"{target}-run{run}")
            delay = rng.uniform(0.5, 4.0)
            try:
                code = proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                saved = checkpoint.exists()
                kills += saved
                history.append(f"run {run}: killed after {delay:.2f} s"
                               f"{' (resumed)' if resume else ''}"
                               f"{'' if saved else ' before any checkpoint was saved'}")
                if saved:
                    self.check_checkpoint(checkpoint, target, f"after kill in run {run}")
                continue
            history.append(f"run {run}: exited {code} within {delay:.2f} s")
            if code != 0:
                self.fail(f"run {run} failed with {code}:\n{self.read_text(err)}\n{self.read_text(out)}\n"
                          + "\n".join(history))
            return kills, history, (summary_of(self.read_text(out)), self.read_text(err), resume)
        self.fail("no run finished:\n" + "\n".join(history))

    def test_sigkill_at_random_points_then_resume(self):
        rng = random.Random(KILL_SEED)
        for attempt in range(3):
            # A fresh scenario when a copy outran the kills (a faster machine or binary).
            target = self.create_table(self.unique_table("kdst"))
            checkpoint = self.work / f"copy{attempt}.checkpoint.json"
            kills, history, final = self.kill_and_resume_until_done(target, checkpoint, rng)
            if os.environ.get("RESUME_TESTS_VERBOSE"):
                print(f"\nattempt {attempt}:\n" + "\n".join(history))
            # The last kill can land after the final checkpoint was saved: the copy had finished
            # and the resume only says so. Check the target, then take a fresh scenario, so that
            # the counts of a resume that does the last part of the work are checked.
            finished_when_killed = "already finished" in final[1]
            if finished_when_killed:
                self.assert_target_equals_source(target)
            if kills >= MIN_KILLS and not finished_when_killed:
                break
        self.assertGreaterEqual(kills, MIN_KILLS, "the copy always finished before enough "
                                "kills:\n" + "\n".join(history))
        summary, stderr, resumed = final
        self.assertTrue(resumed, "\n".join(history))
        self.assertIsNotNone(summary, stderr)
        self.assertEqual(summary["ItemsDeadLettered"], 0, summary)
        self.assertGreater(summary["ItemsFromEarlierRuns"], 0, summary)
        # Every item is either acknowledged by an earlier run or read by this one, once.
        self.assertEqual(summary["ItemsFromEarlierRuns"] + summary["ItemsRead"], ITEMS, summary)
        self.assert_target_equals_source(target)
        cp = json.loads(checkpoint.read_text(encoding="utf-8"))
        self.assertTrue(all(s["Done"] for s in cp["Segments"]), cp)

        # Resuming a finished copy does nothing.
        r = harness.run(*self.copy_args(target, checkpoint, "--resume")[1:], env=self.env(),
                        timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("already finished", r.stderr)
        self.assertEqual(count_items(self.dynamodb(), target), ITEMS)
        summary = summary_of(r.stdout)
        self.assertIsNotNone(summary, r.stdout)
        self.assertEqual((summary["ItemsRead"], summary["ItemsWritten"]), (0, 0), summary)
        self.assertEqual(summary["ItemsFromEarlierRuns"], ITEMS, summary)
        self.assertEqual(summary["Checkpoint"], str(checkpoint), summary)

    def test_sigkill_before_the_first_write_then_resume(self):
        """A fresh copy saves its checkpoint before it writes anything: killed while its first
        Scan answers are still on their way (the proxy holds each back 3 s), with
        --create-target, the same command with --resume finishes the copy."""
        target = self.unique_table("early")
        checkpoint = self.work / "early.checkpoint.json"
        proxy = FaultProxy(self.ddb_endpoint,
                           [{"fault": "slow", "delay_ms": 3000, "operations": ["Scan"]}]).start()
        self.addCleanup(proxy.stop)
        args = self.copy_args(target, checkpoint, "--create-target")
        args[args.index("--endpoint-url") + 1] = proxy.endpoint
        proc, _, err = self.start(args, "early")
        # Killed once the target is made and the copy has sent its first Scan of the source,
        # whose answer the proxy then holds back 3 s (not as soon as the checkpoint exists, which
        # is before the CreateTable).
        deadline = time.monotonic() + 30
        while not (checkpoint.exists() and proxy.stats["scans_by_table"]
                   .get(self.source, {}).get("requests", 0) > 0):
            self.assertIsNone(proc.poll(), self.read_text(err))
            self.assertLess(time.monotonic(), deadline,
                            f"no checkpoint or no Scan within 30 s; proxy {proxy.stats}:\n"
                            + self.read_text(err))
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # Saved before the first write: the scans had not answered yet.
        self.assertEqual(proxy.stats["forwarded"].get("BatchWriteItem", 0), 0, proxy.stats)
        state = json.loads(checkpoint.read_text(encoding="utf-8"))
        self.assertFalse(any(s["Done"] or s["Items"] for s in state["Segments"]), state)

        r = harness.run(*self.copy_args(target, checkpoint, "--create-target", "--resume")[1:],
                        env=self.env(), timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 0, f"stderr:\n{r.stderr}\nstdout:\n{r.stdout}")
        self.assert_target_equals_source(target)

    def test_sigint_stops_cleanly_and_resume_completes(self):
        target = self.create_table(self.unique_table("idst"))
        checkpoint = self.work / "copy.checkpoint.json"
        proc, out, err = self.start(self.copy_args(target, checkpoint), "interrupted")
        self.wait_for_progress(proc, target)
        self.assertIsNone(proc.poll(), "the copy finished before it could be interrupted:\n"
                          + self.read_text(err))
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.fail("the copy did not stop within 60 s of SIGINT")
        stop_seconds = time.monotonic() - stopped_at
        stdout, stderr = self.read_text(out), self.read_text(err)
        self.assertEqual(code, 130, f"exit {code} {stop_seconds:.1f} s after SIGINT; stderr:\n"
                                    f"{stderr}\nstdout:\n{stdout}")
        self.assertIn("stopping: finishing the batches in flight and saving the checkpoint",
                      stderr)
        first = summary_of(stdout)
        self.assertIsNotNone(first, f"no summary after SIGINT:\n{stdout}\n{stderr}")
        self.assertIs(first["Interrupted"], True, first)
        self.assertLess(first["ItemsWritten"], ITEMS, first)
        # Only the batches being sent when the signal came need finishing.
        self.assertLess(stop_seconds, 5, f"stopping took {stop_seconds:.1f} s: {first}")
        self.assertTrue(checkpoint.exists(), "no checkpoint after SIGINT")
        self.assertFalse(any(line.startswith("ddbmigrate: error:") for line in stderr.splitlines()),
                         stderr)
        cp = self.check_checkpoint(checkpoint, target, "after SIGINT")
        acknowledged = sum(s["Items"] for s in cp["Segments"])
        self.assertGreater(acknowledged, 0, cp)
        self.assertFalse(all(s["Done"] for s in cp["Segments"]), cp)

        r = harness.run(*self.copy_args(target, checkpoint, "--resume")[1:], env=self.env(),
                        timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 0, r.stderr)
        second = summary_of(r.stdout)
        self.assertIsNotNone(second, r.stdout)
        self.assertIs(second["Interrupted"], False, second)
        self.assertEqual(second["ItemsFromEarlierRuns"], acknowledged, second)
        self.assertEqual(second["ItemsFromEarlierRuns"] + second["ItemsRead"], ITEMS, second)
        self.assert_target_equals_source(target)

    def test_resume_into_a_target_that_is_gone_is_refused(self):
        """A copy with --create-target stopped partway, its target then deleted (or looked for
        in another region): the resume must not create an empty target and skip what the
        checkpoint says was copied."""
        target = self.unique_table("gone")
        checkpoint = self.work / "gone.checkpoint.json"
        proc, out, err = self.start(self.copy_args(target, checkpoint, "--create-target"), "gone")
        self.wait_for_progress(proc, target)
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=60), 130, self.read_text(err))
        self.dynamodb().delete_table(TableName=target)
        self.dynamodb().get_waiter("table_not_exists").wait(TableName=target)
        r = harness.run(*self.copy_args(target, checkpoint, "--create-target", "--resume")[1:],
                        env=self.env(), timeout=RUN_TIMEOUT)
        self.assert_cli_error(r, f"target table {target} does not exist, but checkpoint")
        # Without --create-target the same: adding it would not help.
        r = harness.run(*self.copy_args(target, checkpoint, "--resume")[1:], env=self.env(),
                        timeout=RUN_TIMEOUT)
        self.assert_cli_error(r, f"target table {target} does not exist, but checkpoint")
        # A checkpoint of a run stopped while it created the target: --create-target finishes it.
        saved = json.loads(checkpoint.read_text(encoding="utf-8"))
        saved["CreatingTarget"] = True
        checkpoint.write_text(json.dumps(saved), encoding="utf-8")
        r = harness.run(*self.copy_args(target, checkpoint, "--resume")[1:], env=self.env(),
                        timeout=RUN_TIMEOUT)
        self.assert_cli_error(r, "was creating the target table; resume it with --create-target")
        ddb = self.dynamodb()
        with self.assertRaises(ddb.exceptions.ResourceNotFoundException):
            ddb.describe_table(TableName=target)  # nothing was created

    def test_a_target_deleted_during_the_copy_says_to_start_over(self):
        """The target deleted while the copy writes to it: the error does not advise a resume,
        which would be refused, but to delete the checkpoint and copy again."""
        target = self.create_table(self.unique_table("deleted"))
        checkpoint = self.work / "deleted.checkpoint.json"
        slow = FaultProxy(self.ddb_endpoint, [{"fault": "slow", "delay_ms": 200,
                                               "operations": ["BatchWriteItem"]}]).start()
        self.addCleanup(slow.stop)
        args = self.copy_args(target, checkpoint, "--writers", "2")
        args[args.index(self.ddb_endpoint)] = slow.endpoint
        proc, out, err = self.start(args, "deleted")
        deadline = time.monotonic() + 60
        while slow.stats["forwarded"].get("BatchWriteItem", 0) < 3:
            self.assertIsNone(proc.poll(), self.read_text(err))
            self.assertLess(time.monotonic(), deadline, self.read_text(err))
            time.sleep(0.02)
        self.dynamodb().delete_table(TableName=target)
        self.assertEqual(proc.wait(timeout=120), 1, self.read_text(err))
        last = self.read_text(err).strip().splitlines()[-1]
        self.assertIn(f"target table {target} does not exist", last)
        self.assertIn(f"a --resume is refused without that table: delete {checkpoint} and copy "
                      "again from the start", last)
        self.assertNotIn("rerun with --resume", last)

    def test_resume_into_a_target_created_again_is_refused(self):
        """A target deleted and created again under its name since the checkpoint was written
        lacks what the checkpoint counts as copied: the resume is refused and writes nothing."""
        target = self.create_table(self.unique_table("again"))
        checkpoint = self.work / "again.checkpoint.json"
        proc, out, err = self.start(self.copy_args(target, checkpoint), "again")
        self.wait_for_progress(proc, target)
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=60), 130, self.read_text(err))
        saved = json.loads(checkpoint.read_text(encoding="utf-8"))
        self.assertEqual(saved["TargetTable"]["TableArn"],
                         self.dynamodb().describe_table(TableName=target)["Table"]["TableArn"])
        self.recreate_table(target)
        r = harness.run(*self.copy_args(target, checkpoint, "--resume")[1:], env=self.env(),
                        timeout=RUN_TIMEOUT)
        self.assert_cli_error(r, f"target table {target} is not the table checkpoint")
        self.assertIn("deleted and created again", r.stderr)
        self.assertEqual(self.dynamodb().scan(TableName=target, Select="COUNT")["Count"], 0)

    def test_sigint_stops_promptly_under_a_write_rate_limit(self):
        """With writes limited to 2,000 WCU/s the scan runs far ahead of the writes; Ctrl-C must
        still stop after the batches being sent, not after everything already read."""
        target = self.create_table(self.unique_table("rdst"))
        checkpoint = self.work / "rate.checkpoint.json"
        proc, out, err = self.start(self.copy_args(target, checkpoint, "--write-rate", "2000"),
                                    "rate")
        self.wait_for_progress(proc, target, at_least=2.0)
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=90)
        stop_seconds = time.monotonic() - stopped_at
        summary = summary_of(self.read_text(out))
        detail = f"exit {code} {stop_seconds:.1f} s after SIGINT; summary {summary}"
        self.assertEqual(code, 130, detail)
        self.assertIs(summary["Interrupted"], True, detail)
        self.assertLess(stop_seconds, 5, detail)
        self.check_checkpoint(checkpoint, target, "after SIGINT under a rate limit")

    def test_sigint_does_not_wait_for_batches_held_by_a_low_write_rate(self):
        """At 40 WCU/s each batch of 25 items waits over half a second for the limiter, so the 16
        writers together hold about 10 s of batches; Ctrl-C must give those back unsent instead
        of writing them, and the resume must still copy everything."""
        target = self.create_table(self.unique_table("slow"))
        checkpoint = self.work / "slow.checkpoint.json"
        proc, out, err = self.start(self.copy_args(target, checkpoint, "--write-rate", "40"),
                                    "slow")
        self.wait_for_progress(proc, target, minimum=50, at_least=2.0)
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=90)
        stop_seconds = time.monotonic() - stopped_at
        summary = summary_of(self.read_text(out))
        detail = f"exit {code} {stop_seconds:.1f} s after SIGINT; summary {summary}"
        self.assertEqual(code, 130, detail)
        self.assertIs(summary["Interrupted"], True, detail)
        # Writing the held batches instead of giving them back takes about 10 s; 5 s leaves room
        # for a slow machine.
        self.assertLess(stop_seconds, 5, detail)
        cp = self.check_checkpoint(checkpoint, target, "after SIGINT at a low write rate")
        self.assertLess(sum(s["Items"] for s in cp["Segments"]), ITEMS, detail)
        r = harness.run(*self.copy_args(target, checkpoint, "--resume")[1:], env=self.env(),
                        timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 0, r.stderr)
        self.assert_target_equals_source(target)

    def test_a_second_sigint_aborts_and_resume_still_completes(self):
        """Ctrl-C twice: the run ends at once, says how to go on, and --resume from its last
        saved checkpoint still copies everything (an abort is a crash to the checkpoint)."""
        target = self.create_table(self.unique_table("abort"))
        checkpoint = self.work / "abort.checkpoint.json"
        # Every write answered 2 s late: a clean stop, which waits for the writes in flight,
        # cannot end before the second SIGINT, 50 ms after the first.
        proxy = FaultProxy(self.ddb_endpoint, [{"fault": "slow", "delay_ms": 2000,
                                                "operations": ["BatchWriteItem"]}]).start()
        self.addCleanup(proxy.stop)
        args = self.copy_args(target, checkpoint)
        args[args.index("--endpoint-url") + 1] = proxy.endpoint
        proc, out, err = self.start(args, "abort")
        self.wait_for_progress(proc, target, minimum=200, at_least=2.0)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
        stderr = self.read_text(err)
        self.assertEqual(code, 130, stderr)
        self.assertIn("interrupted again, aborting; as after a crash, a command run with "
                      "--checkpoint continues with --resume", stderr)
        r = harness.run(*self.copy_args(target, checkpoint, "--resume")[1:], env=self.env(),
                        timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 0, r.stderr)
        self.assert_target_equals_source(target)

    def test_sigterm_stops_cleanly_with_its_own_status(self):
        """SIGTERM (what a container runtime or systemd sends) stops like Ctrl-C, with the
        shell's status for it: 143."""
        target = self.create_table(self.unique_table("sdst"))
        checkpoint = self.work / "term.checkpoint.json"
        proc, out, err = self.start(self.copy_args(target, checkpoint), "terminated")
        self.wait_for_progress(proc, target)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        summary = summary_of(self.read_text(out))
        self.assertEqual(code, 143, self.read_text(err))
        self.assertIs(summary["Interrupted"], True, summary)
        self.check_checkpoint(checkpoint, target, "after SIGTERM")

    def test_sigint_text_summary(self):
        """Without --output json an interrupted run prints a summary that says so and how to
        resume."""
        target = self.create_table(self.unique_table("tdst"))
        checkpoint = self.work / "text.checkpoint.json"
        proc, out, err = self.start(self.copy_args(target, checkpoint, output="table"), "text")
        self.wait_for_progress(proc, target)
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
        stdout = self.read_text(out)
        self.assertEqual(code, 130, f"stderr:\n{self.read_text(err)}\nstdout:\n{stdout}")
        self.assertIn("interrupted", stdout)
        self.assertIn("--resume", stdout)
        self.check_checkpoint(checkpoint, target, "after SIGINT (text output)")

    def test_resume_repeating_the_first_command(self):
        """The first run truncates the target and is killed; the resume repeats the same command
        with --resume (and another --segments, which the checkpoint overrides): it must neither
        empty the target again nor lose items."""
        ddb = self.dynamodb()
        target = self.create_table(self.unique_table("rdst"))
        stale = small_items(400)
        for item in stale[:200]:
            item["text"] = {"S": "stale"}
        ddbdata.write_items(ddb, target, stale[:200] + [
            dict(i, pk={"S": "extra " + i["pk"]["S"]}) for i in stale[200:]])
        checkpoint = self.work / "again.checkpoint.json"
        options = ("--truncate-target", "--yes")
        proc, _, err = self.start(self.copy_args(target, checkpoint, *options), "first")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                cp = json.loads(checkpoint.read_text(encoding="utf-8"))
                if sum(s["Items"] for s in cp["Segments"]) >= 2000:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        self.assertIsNone(proc.poll(), "the first run ended before it could be killed:\n"
                          + self.read_text(err))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.check_checkpoint(checkpoint, target, "after the kill")

        r = harness.run(*self.copy_args(target, checkpoint, *options, "--resume",
                                        segments=9)[1:], env=self.env(), timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertNotIn("deleted", r.stderr, "the resumed run emptied the target again")
        self.assertIn("--truncate-target does not apply to a --resume", r.stderr)
        summary = summary_of(r.stdout)
        self.assertGreater(summary["ItemsFromEarlierRuns"], 0, summary)
        self.assertEqual(summary["ItemsFromEarlierRuns"] + summary["ItemsRead"], ITEMS, summary)
        self.assert_target_equals_source(target)

    def test_sigint_while_emptying_the_target(self):
        """Ctrl-C while --truncate-target is still deleting (slowly, at 40 WCU/s): the run stops
        promptly, says the copy has not started, leaves no checkpoint, and the same command run
        again (not --resume) empties the target and copies everything."""
        target = self.create_table(self.unique_table("tdst"))
        ddbdata.write_items(self.dynamodb(), target,
                            [dict(i, pk={"S": "old " + i["pk"]["S"]}) for i in small_items(1000)])
        checkpoint = self.work / "emptying.checkpoint.json"
        args = self.copy_args(target, checkpoint, "--truncate-target", "--yes", "--write-rate",
                              "40")
        proc, out, err = self.start(args, "emptying")
        # Interrupted once the deleting has begun (at 40 WCU/s the 1,000 items take about 25 s).
        ddb, deadline = self.dynamodb(), time.monotonic() + 60
        while ddb.scan(TableName=target, Select="COUNT")["Count"] >= 1000:
            self.assertIsNone(proc.poll(), "the run ended before it could be interrupted:\n"
                              + self.read_text(err))
            self.assertLess(time.monotonic(), deadline, "no item deleted within 60 s:\n"
                            + self.read_text(err))
            time.sleep(0.05)
        self.assertIsNone(proc.poll(), "the run ended before it could be interrupted:\n"
                          + self.read_text(err))
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
        stop_seconds = time.monotonic() - stopped_at
        stderr = self.read_text(err)
        detail = f"exit {code} {stop_seconds:.1f} s after SIGINT; stderr:\n{stderr}"
        self.assertEqual(code, 130, detail)
        # Only the requests in flight are finished; deleting everything first would take about
        # 25 s. 5 s leaves room for a slow machine.
        self.assertLess(stop_seconds, 5, detail)
        self.assertIn("stopping: finishing the requests in flight; the copy has not started",
                      stderr)
        self.assertIn("run the same command again (without --resume)", stderr)
        self.assertFalse(checkpoint.exists(), "a checkpoint was saved before the copy started")
        summary = json.loads(self.read_text(out))  # --output json: one object, nothing copied
        self.assertTrue(summary["Interrupted"], summary)
        self.assertEqual((summary["ItemsRead"], summary["ItemsWritten"]), (0, 0), summary)
        self.assertNotIn("Checkpoint", summary, "the summary names a checkpoint never saved")
        remaining = self.dynamodb().scan(TableName=target, Select="COUNT")["Count"]
        self.assertGreater(remaining, 0, "the target was emptied despite the interruption")

        r = harness.run(*[a for a in args[1:] if a not in ("--write-rate", "40")],
                        env=self.env(), timeout=RUN_TIMEOUT)
        self.assertEqual(r.code, 0, r.stderr)
        self.assert_target_equals_source(target)


class ResumeWithDeadLettersTest(ServiceTestCase):
    """A copy that dead-letters items as it goes, SIGKILLed at random moments and resumed until
    a run finishes: the dead-letter file must hold every refused item exactly once, the target
    every other item, and the finishing run count each refused item once."""

    def test_sigkill_while_dead_lettering_then_resume(self):
        work = Path(tempfile.mkdtemp(prefix="resume-dead-", dir=self.home))
        ddb = self.dynamodb()
        source = self.create_table(self.unique_table("rdsrc"))
        target = self.create_table_indexing_g_as_number(self.unique_table("rddst"))
        items = small_items(12_000)
        bad = set()
        for i, item in enumerate(items):
            if i % 17 == 5:  # refused by the target's index on g (a number)
                item["g"] = {"S": f"not a number {i}"}
                bad.add(key_of(item))
            elif i % 3 == 0:
                item["g"] = {"N": str(i)}
        ddbdata.write_items(ddb, source, items, threads=8)
        checkpoint, dead = work / "copy.checkpoint.json", work / "dead.jsonl"
        rng = random.Random(KILL_SEED + 1)
        kills, history, final = 0, [], None
        for run in range(30):
            resume = checkpoint.exists()
            args = ["copy", "--source-table", source, "--target-table", target,
                    "--page-size", str(PAGE_SIZE), "--segments", str(SEGMENTS), "--readers", "2",
                    "--checkpoint", checkpoint, "--dead-letter", dead, "--output", "json",
                    "--endpoint-url", self.ddb_endpoint, *(["--resume"] if resume else [])]
            proc, out, err = self.start_cli(args, f"run{run}", work)
            delay = rng.uniform(0.5, 3.0) if kills < MIN_KILLS else RUN_TIMEOUT
            try:
                code = proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += checkpoint.exists()
                history.append(f"run {run}: killed after {delay:.2f} s")
                continue
            history.append(f"run {run}: exited {code}")
            self.assertEqual(code, 3, f"{self.read_text(err)}\n{self.read_text(out)}\n"
                             + "\n".join(history))
            final = summary_of(self.read_text(out)), self.read_text(err)
            break
        self.assertIsNotNone(final, "no run finished:\n" + "\n".join(history))
        if os.environ.get("RESUME_TESTS_VERBOSE"):
            print("\n" + "\n".join(history))
        self.assertGreaterEqual(kills, 1, "\n".join(history))
        summary, stderr = final
        info = f"{summary}\n{stderr}\n" + "\n".join(history)
        if summary is not None:  # None: the last kill came after the copy had finished
            refused = summary["ItemsDeadLettered"] + summary["ItemsDeadLetteredByEarlierRuns"]
            self.assertEqual(refused, len(bad), info)
            self.assertEqual(summary["ItemsFromEarlierRuns"] + summary["ItemsRead"], len(items),
                             info)
        else:
            self.assertIn(f"{len(bad)} items could not be written", stderr, info)
        # Split on newlines only: str.splitlines() also splits at U+2028, which JSON may hold.
        records = [json.loads(line) for line in dead.read_text(encoding="utf-8").split("\n")
                   if line]
        dead_items = [ddbdata.item_from_wire(r["Item"]) for r in records]
        dead_keys = [key_of(i) for i in dead_items]
        self.assertEqual(len(dead_keys), len(set(dead_keys)), f"dead-lettered twice; {info}")
        self.assertEqual(set(dead_keys), bad, info)
        keys = [n for n, _, _ in KEYS]
        in_source = ddbdata.scan_all(ddb, source)
        problem = diff_items([i for i in in_source if key_of(i) in bad], dead_items, keys)
        self.assertEqual(problem, "", f"dead-letter file differs from the refused:\n{problem}")
        good = [i for i in in_source if key_of(i) not in bad]
        problem = diff_items(good, ddbdata.scan_all(ddb, target), keys)
        self.assertEqual(problem, "", f"target differs from the acceptable items:\n{problem}")


class CheckpointGuardTest(ServiceTestCase):
    """A checkpoint is never overwritten by a fresh run nor used for another copy."""

    def setUp(self):
        self.work = Path(tempfile.mkdtemp(prefix="guard-", dir=self.home))

    def copy(self, source, target, *extra):
        r = self.cli("copy", "--source-table", source, "--target-table", target,
                     "--output", "json", "--dead-letter", self.work / "dead.jsonl", *extra)
        return r, summary_of(r.stdout)

    def test_fresh_run_with_an_existing_checkpoint_is_refused(self):
        src = self.create_table(self.unique_table("gsrc"))
        dst = self.create_table(self.unique_table("gdst"))
        self.write_items(src, small_items(300))
        checkpoint = self.work / "cp.json"
        r, summary = self.copy(src, dst, "--checkpoint", checkpoint, "--segments", "2")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(summary["ItemsWritten"], 300, summary)
        saved = checkpoint.read_bytes()
        # Items written to the target after the copy must survive the refused runs.
        self.write_items(dst, small_items(310)[300:])

        r, _ = self.copy(src, dst, "--checkpoint", checkpoint, "--truncate-target", "--yes")
        self.assert_cli_error(r, contains="already exists")
        self.assertIn("--resume", r.stderr)
        self.assertEqual(checkpoint.read_bytes(), saved)
        self.assertEqual(count_items(self.dynamodb(), dst), 310)

        other = self.create_table(self.unique_table("gother"))
        r, _ = self.copy(src, other, "--checkpoint", checkpoint, "--resume")
        self.assert_cli_error(r, contains=str(checkpoint))
        self.assertIn(other, r.stderr)
        self.assertEqual(checkpoint.read_bytes(), saved)
        self.assertEqual(count_items(self.dynamodb(), other), 0)

    def test_a_checkpoint_in_use_by_a_live_run_is_refused(self):
        """Two runs on one checkpoint at once (a --resume in another terminal while the first
        still runs) would both copy and append to one dead-letter file: the second is refused at
        once, fresh or resumed, and a kill -9 of the first leaves no lock behind (its lock file
        stays, locking nothing)."""
        src = self.create_table(self.unique_table("lsrc"))
        dst = self.create_table(self.unique_table("ldst"))
        self.write_items(src, small_items(300))
        checkpoint = self.work / "cp.json"
        args = ["copy", "--source-table", src, "--target-table", dst, "--output", "json",
                "--dead-letter", self.work / "dead.jsonl", "--checkpoint", checkpoint,
                "--segments", "2", "--endpoint-url", self.ddb_endpoint]
        # 5 WCU/s: the 300 items take about a minute.
        proc, _, err = self.start_cli([*args, "--write-rate", "5"], "first", self.work)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None and not checkpoint.exists():
            time.sleep(0.05)
        self.assertIsNone(proc.poll(), "the first copy ended:\n" + self.read_text(err))
        self.assertTrue(checkpoint.exists(), "the first copy saved no checkpoint")
        lock = Path(f"{checkpoint}.lock")
        self.assertEqual(lock.stat().st_mode & 0o777, 0o600)
        self.assertEqual(lock.read_text().strip(), str(proc.pid))

        in_use = (f"checkpoint {checkpoint} is in use by another ddbmigrate run (process "
                  f"{proc.pid}); wait for it to end or stop it, then run again")
        for label, extra in (("resume", ["--resume"]), ("fresh", [])):
            with self.subTest(label):
                r = self.cli(*args, *extra, endpoint=False, cwd=self.work)
                self.assert_cli_error(r, contains=in_use)
                self.assertEqual(r.code, 1, r.stderr)
                self.assertEqual(r.stdout, "")
        self.assertIsNone(proc.poll(), "the refused runs stopped the first:\n"
                          + self.read_text(err))

        proc.send_signal(signal.SIGKILL)
        proc.wait()
        r = self.cli(*args, "--resume", endpoint=False, cwd=self.work)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(count_items(self.dynamodb(), dst), 300)
        dead = self.work / "dead.jsonl"
        self.assertEqual(dead.read_text() if dead.exists() else "", "", "items dead-lettered")
        self.assertFalse(lock.exists(), "the lock file outlived the run")

    def test_damaged_checkpoint_is_a_clear_error(self):
        src = self.create_table(self.unique_table("dsrc"))
        dst = self.create_table(self.unique_table("ddst"))
        self.write_items(src, small_items(20))
        for label, text in (("not JSON", "{not json"), ("empty", ""),
                            ("wrong version", '{"Version": 99}'),
                            ("missing segments", '{"Version": 1, "Operation": "copy", '
                                                 '"TotalSegments": 4, "Segments": []}')):
            with self.subTest(label):
                checkpoint = self.work / f"damaged-{len(text)}.json"
                checkpoint.write_text(text)
                r, _ = self.copy(src, dst, "--checkpoint", checkpoint, "--resume")
                self.assert_cli_error(r, contains=str(checkpoint))
                self.assertEqual(checkpoint.read_text(), text)
                self.assertEqual(count_items(self.dynamodb(), dst), 0)


if __name__ == "__main__":
    unittest.main()
