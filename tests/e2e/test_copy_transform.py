"""End-to-end tests of `ddbmigrate copy --transform CMD` against DynamoDB Local: every item goes
through a command of the user's, which answers each line with an item, an array of items or null.
The transform here is a Python script; the items it should have made are computed in the test
from the source as boto3 reads it, and the target is judged with boto3 too."""

from __future__ import annotations

import inspect
import json
import signal
import sys
import tempfile
import time
from pathlib import Path

from harness import DEFAULT_KEYS, ServiceTestCase, ddbdata
from test_copy import diff_items, summary_of


def transform(item, mode):
    """What the transform script does to one item (DynamoDB JSON as the tool sends it)."""
    seq = int(item["seq"]["N"])
    if mode == "rename":
        item["label"] = item.pop("text")
        item["migrated"] = {"BOOL": True}
        return item
    if mode == "mixed":
        if seq % 5 == 0:
            return None  # dropped
        if seq % 5 == 1:  # split in two
            twin = dict(item)
            twin["pk"] = {"S": item["pk"]["S"] + "#twin"}
            return [item, twin]
        if seq % 7 == 2:  # no partition key: refused
            del item["pk"]
            return item
        if seq % 7 == 3:  # a sort key of the wrong type: refused
            item["sk"] = {"S": "not a number"}
            return item
        return item
    if mode == "versions":  # two items of one key, spelt two ways: the last must win
        first = dict(item, ver={"N": "1"}, sk={"N": item["sk"]["N"] + "E0"})
        return [first, dict(item, ver={"N": "2"})]
    if mode == "rekey":
        return {"id": {"S": item["pk"]["S"] + "#" + item["sk"]["N"]}, "body": {"M": item}}
    raise ValueError(mode)


SCRIPT = inspect.getsource(transform) + '''
import json, sys, time
mode = sys.argv[1]
delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0
for line in sys.stdin:
    time.sleep(delay)
    print(json.dumps(transform(json.loads(line), mode)), flush=True)
'''


def canonical_numbers(value):
    """`value` (an item or attribute value as boto3 gives it) with numbers in one spelling."""
    if isinstance(value, dict) and len(value) == 1:
        (kind, v), = value.items()
        if kind == "N":
            return {"N": ddbdata.canonical_number(v)}
        if kind == "NS":
            return {"NS": sorted(ddbdata.canonical_number(x) for x in v)}
        if kind == "M":
            return {"M": {k: canonical_numbers(x) for k, x in v.items()}}
        if kind == "L":
            return {"L": [canonical_numbers(x) for x in v]}
        if kind in ("S", "B", "BOOL", "NULL", "SS", "BS"):
            return value
    return {k: canonical_numbers(x) for k, x in value.items()}


def expected_items(source_items, mode):
    """(items the target should hold, items that should be refused), as boto3 gives them."""
    kept, refused = [], []
    for item in source_items:
        out = transform(ddbdata.item_to_wire(item), mode)
        for made in out if isinstance(out, list) else [] if out is None else [out]:
            made = ddbdata.item_from_wire(made)
            if "pk" in made and "S" in made["pk"] and "N" in made.get("sk", {}):
                kept.append(made)
            elif mode == "rekey":
                kept.append(made)
            else:
                refused.append(made)
    return kept, refused


class CopyTransformTest(ServiceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.script = Path(tempfile.mkdtemp(prefix="transform-", dir=cls.home)) / "transform.py"
        cls.script.write_text(SCRIPT, encoding="utf-8")
        cls.src = cls.unique_table("tsrc")
        ddbdata.create_table(cls.dynamodb(), cls.src, DEFAULT_KEYS)
        ddbdata.write_items(cls.dynamodb(), cls.src, ddbdata.generate_items(400, seed=51))
        cls.source_items = ddbdata.scan_all(cls.dynamodb(), cls.src)

    def setUp(self):
        self.work = Path(tempfile.mkdtemp(prefix="work-", dir=self.home))

    def command(self, mode, delay=""):
        return f"{sys.executable} -u {self.script} {mode} {delay}".strip()

    def copy(self, dst, *extra, timeout=240):
        r = self.cli("copy", "--source-table", self.src, "--target-table", dst, "--output",
                     "json", "--dead-letter", self.work / "dead.jsonl", *extra, timeout=timeout)
        return r, summary_of(r.stdout)

    def dead_letters(self):
        path = self.work / "dead.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]

    def assert_target(self, dst, expected, keys=("pk", "sk"), canonical=False):
        actual = self.scan_all(dst)
        if canonical:  # numbers by value: DynamoDB Local spells those in nested maps its own way
            expected, actual = map(canonical_numbers, expected), map(canonical_numbers, actual)
        problem = diff_items(list(expected), list(actual), list(keys))
        self.assertEqual(problem, "", f"target differs from the transformed items:\n{problem}")

    def test_items_are_written_as_the_transform_made_them(self):
        dst = self.create_table(self.unique_table("tdst"))
        r, summary = self.copy(dst, "--transform", self.command("rename"), "--segments", "3",
                               "--page-size", "70")
        self.assertEqual(r.code, 0, r.stderr)
        expected, _ = expected_items(self.source_items, "rename")
        self.assert_target(dst, expected)
        self.assertEqual(summary["ItemsRead"], 400, summary)
        self.assertEqual(summary["ItemsWritten"], 400, summary)
        self.assertEqual(summary["ItemsTransformed"], 400, summary)
        self.assertEqual(summary["ItemsDropped"], 0, summary)
        self.assertEqual(summary["ItemsSuperseded"], 0, summary)
        self.assertEqual(summary["Transform"], self.command("rename"), summary)

    def test_dropped_split_and_refused_items(self):
        """null drops an item, an array makes several, and an item the target cannot take goes
        to the dead-letter file with the reason; the exit code says items could not be
        written."""
        dst = self.create_table(self.unique_table("tdst"))
        checkpoint = self.work / "mixed.checkpoint"
        r, summary = self.copy(dst, "--transform", self.command("mixed"), "--segments", "4",
                               "--page-size", "30", "--checkpoint", checkpoint)
        self.assertEqual(r.code, 3, r.stderr)
        expected, refused = expected_items(self.source_items, "mixed")
        self.assert_target(dst, expected)
        dropped = sum(1 for i in self.source_items if int(i["seq"]["N"]) % 5 == 0)
        self.assertEqual(summary["ItemsRead"], 400, summary)
        self.assertEqual(summary["ItemsWritten"], len(expected), summary)
        self.assertEqual(summary["ItemsDropped"], dropped, summary)
        self.assertEqual(summary["ItemsRefused"], len(refused), summary)
        self.assertEqual(summary["ItemsDeadLettered"], len(refused), summary)
        self.assertEqual(summary["ItemsTransformed"], len(expected) + len(refused), summary)
        letters = self.dead_letters()
        self.assertEqual(len(letters), len(refused))
        problem = diff_items(refused, [ddbdata.item_from_wire(d["Item"]) for d in letters],
                             ["seq"])
        self.assertEqual(problem, "", problem)
        reasons = {d["Reason"].split(":")[0] for d in letters}
        self.assertIn("the transformed item does not fit the target's key", " ".join(reasons))
        # The finished checkpoint counts the items read; a resume has nothing left to do.
        r, summary = self.copy(dst, "--transform", self.command("mixed"), "--checkpoint",
                               checkpoint, "--resume")
        self.assertEqual(r.code, 3, r.stderr)
        self.assertIn("already finished", r.stderr)
        self.assertEqual(summary["ItemsFromEarlierRuns"], 400, summary)

    def test_items_of_one_key_made_for_a_page_leave_the_last(self):
        """Several items of one key made for a page (two versions, the key spelt two ways) are
        not sent in one batch, which DynamoDB would refuse: the last is written, as puts in
        order would leave it, and the others are counted as superseded."""
        dst = self.create_table(self.unique_table("tversions"))
        r, summary = self.copy(dst, "--transform", self.command("versions"), "--segments", "2",
                               "--page-size", "40")
        self.assertEqual(r.code, 0, r.stderr)
        expected = [ddbdata.item_from_wire(transform(ddbdata.item_to_wire(i), "versions")[1])
                    for i in self.source_items]
        self.assert_target(dst, expected)
        self.assertEqual(summary["ItemsWritten"], 400, summary)
        self.assertEqual(summary["ItemsSuperseded"], 400, summary)
        self.assertEqual(summary["ItemsTransformed"], 800, summary)
        self.assertEqual(summary["ItemsDeadLettered"], 0, summary)

    def test_a_target_keyed_otherwise(self):
        """Without a transform a target keyed otherwise is refused; with one that makes items
        of the target's key, it is filled."""
        dst = self.create_table(self.unique_table("trekey"), keys=[("id", "HASH", "S")])
        r, _ = self.copy(dst)
        self.assert_cli_error(r, "or --transform to make items of the target's key")
        r, summary = self.copy(dst, "--transform", self.command("rekey"))
        self.assertEqual(r.code, 0, r.stderr)
        expected, _ = expected_items(self.source_items, "rekey")
        self.assert_target(dst, expected, keys=("id",), canonical=True)
        self.assertEqual(summary["ItemsWritten"], 400, summary)

    def test_a_broken_transform_stops_the_copy(self):
        dst = self.create_table(self.unique_table("tbroken"))
        for label, command, fragment in (
                ("exits", "exit 3", "; it exited with status 3"),
                ("not json", "sed -u 's/^/x/'", "with text that is not JSON: x{"),
                ("a number", "sed -u 's/.*/7/'", "neither an item, an array of items nor null"),
                ("cannot start", "/nonexistent/transform", "it exited with status 127")):
            with self.subTest(label):
                r, summary = self.copy(dst, "--transform", command, "--segments", "2")
                self.assertEqual(r.code, 1, r.stderr)
                last = r.stderr.strip().splitlines()[-1]
                self.assertTrue(last.startswith(f"ddbmigrate: error: transform '{command}': it "),
                                last)
                self.assertIn(fragment, last)
                self.assertEqual(summary["ItemsWritten"], 0, summary)
                # The JSON summary says the copy failed, and why.
                self.assertEqual(f"ddbmigrate: error: {summary['Error']}", last, summary)
                self.assertEqual(self.count(dst), 0)
        self.assertIn("exited with status 3", self.copy(dst, "--transform", "exit 3")[0].stderr)

    def test_more_lines_than_items_leave_a_checkpoint_that_is_not_resumed(self):
        """A transform that answers each item twice is out of step: the copy fails, and its
        checkpoint, whose positions may count items whose answers were not their own, refuses
        a resume."""
        dst = self.create_table(self.unique_table("tdouble"))
        checkpoint = self.work / "double.checkpoint"
        r, summary = self.copy(dst, "--transform", "sed -u p", "--segments", "2",
                               "--page-size", "50", "--checkpoint", checkpoint)
        self.assertEqual(r.code, 1, r.stderr)
        last = r.stderr.strip().splitlines()[-1]
        self.assertTrue(last.startswith("ddbmigrate: error: transform 'sed -u p': it "), last)
        self.assertIn("copy again from the start (without --resume", last)
        self.assertIn("Unusable", checkpoint.read_text(encoding="utf-8"))
        r, _ = self.copy(dst, "--transform", "sed -u p", "--segments", "2", "--page-size", "50",
                         "--checkpoint", checkpoint, "--resume")
        self.assert_cli_error(r, f"checkpoint {checkpoint} cannot be resumed: ")
        # What came after the answers is quoted escaped: the error stays one line.
        r, summary = self.copy(dst, "--transform", "cat; echo done", "--segments", "2")
        self.assertEqual(r.code, 1, r.stderr)
        last = r.stderr.strip().splitlines()[-1]
        self.assertTrue(last.startswith("ddbmigrate: error: transform 'cat; echo done': it "
                                        "wrote more lines than the items it was sent "
                                        "(\"done\\n\" came after its last answers)"), last)
        self.assertEqual(f"ddbmigrate: error: {summary['Error']}", last, summary)

    def test_transforms_that_outlive_their_input_are_ended_together(self):
        """Every transform's stdin is closed at once at the end, and those still running get
        one 10 s grace together, not 10 s each."""
        dst = self.create_table(self.unique_table("tlinger"))
        started = time.monotonic()
        r, summary = self.copy(dst, "--transform", "cat; sleep 300", "--segments", "4",
                               "--readers", "4", "--page-size", "10")
        elapsed = time.monotonic() - started
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(summary["ItemsWritten"], 400, summary)
        self.assertIn("did not exit within 10 s of the end of its input and was killed", r.stderr)
        self.assertLess(elapsed, 25, r.stderr)

    def test_flags(self):
        dst = self.create_table(self.unique_table("tflags"))
        r = self.cli("copy", "--source-table", self.src, "--target-table", dst, "--transform",
                     "cat", "--verify")
        self.assert_usage_error(r, "--verify compares the target with the source item for item")
        r = self.cli("migrate", "--live", "--source-table", self.src, "--target-table", dst,
                     "--transform", "cat")
        self.assert_usage_error(r, "--transform")
        # A dry run names the transform and starts nothing.
        r = self.cli("copy", "--source-table", self.src, "--target-table", dst, "--transform",
                     "exit 3", "--dry-run")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("transform: exit 3", r.stdout)

    def test_resume_after_kill_and_stop_with_the_same_transform(self):
        dst = self.create_table(self.unique_table("tresume"))
        checkpoint = self.work / "resume.checkpoint"
        # One transform process at a time, 10 ms an item: stopped mid-way.
        args = ["copy", "--source-table", self.src, "--target-table", dst, "--transform",
                self.command("mixed", "0.01"), "--checkpoint", checkpoint, "--dead-letter",
                self.work / "dead.jsonl", "--segments", "4", "--readers", "1", "--page-size",
                "20", "--output", "json", "--endpoint-url", self.ddb_endpoint]
        for how in (signal.SIGKILL, signal.SIGINT):
            run = [*args, "--resume"] if how == signal.SIGINT else args
            proc, _, err = self.start_cli(run, f"resume-{how.name}", directory=self.work)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proc.poll() is None and \
                    self.count(dst) < 60 * (2 if how == signal.SIGINT else 1):
                time.sleep(0.05)
            self.assertIsNone(proc.poll(),
                              f"the copy ended before it was stopped: {self.read_text(err)}")
            proc.send_signal(how)
            proc.wait(timeout=60)
            if how == signal.SIGINT:
                self.assertEqual(proc.returncode, 130, self.read_text(err))
        # Another transform, or none, is refused.
        for other in (["--transform", "cat"], []):
            r = self.cli("copy", "--source-table", self.src, "--target-table", dst, *other,
                         "--checkpoint", checkpoint, "--resume", "--dead-letter",
                         self.work / "dead.jsonl")
            self.assert_cli_error(r, f"with --transform '{self.command('mixed', '0.01')}'; "
                                     "resume it with the same --transform")
        r = self.cli(*args[:-2], "--resume", timeout=240)
        summary = summary_of(r.stdout)
        self.assertEqual(r.code, 3, r.stderr)
        expected, refused = expected_items(self.source_items, "mixed")
        self.assert_target(dst, expected)
        # Items refused before a stop are in the file once, whatever was read twice.
        self.assertEqual(len(self.dead_letters()), len(refused))
        self.assertEqual(summary["ItemsRead"] + summary["ItemsFromEarlierRuns"], 400, summary)

    def count(self, table):
        return self.dynamodb().scan(TableName=table, Select="COUNT")["Count"]
